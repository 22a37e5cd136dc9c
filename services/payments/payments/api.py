"""HTTP handlers (internal only, for the orders service): parse, call a service, serialise.

Handlers are plain ``def`` functions: SQLAlchemy here is synchronous, so
FastAPI runs them in its thread pool.
"""

from __future__ import annotations

from typing import Annotated

from chassis.fastapi_support import internal_caller, json_body, json_ok
from fastapi import APIRouter, Depends, Path, Request, Response

from payments import service
from payments.schemas import ChargeCreate, charge_out
from payments.service import UnitOfWorkFactory


async def unit_of_work(request: Request) -> UnitOfWorkFactory:
    factory: UnitOfWorkFactory = request.app.state.unit_of_work
    return factory


UnitOfWork = Annotated[UnitOfWorkFactory, Depends(unit_of_work)]
OrderId = Annotated[str, Path(min_length=1, max_length=128)]

internal = APIRouter(prefix="/internal", dependencies=[Depends(internal_caller("orders"))])


@internal.post("/charges")
def create_charge(uow: UnitOfWork,
                  body: Annotated[ChargeCreate, Depends(json_body(ChargeCreate))]) -> Response:
    charge, created = service.charge_card(uow=uow, order_id=body.order_id,
                                          amount_cents=body.amount_cents, card=body.card())
    return json_ok(charge_out(charge), status=201 if created else 200)


@internal.get("/charges/{order_id}")
def get_charge(uow: UnitOfWork, order_id: OrderId) -> Response:
    return json_ok(charge_out(service.get_charge(uow=uow, order_id=order_id)))


@internal.post("/charges/{order_id}/refund")
def refund_charge(uow: UnitOfWork, order_id: OrderId) -> Response:
    return json_ok(charge_out(service.refund_charge(uow=uow, order_id=order_id)))
