"""HTTP handlers (internal only, for the orders service): parse, call a service, serialise.

Handlers are plain ``def`` functions: SQLAlchemy here is synchronous, so
FastAPI runs them in its thread pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from chassis.fastapi_support import internal_caller, json_body, json_ok
from fastapi import APIRouter, Depends, Path, Request, Response

from payments import service
from payments.config import Settings
from payments.db import Database
from payments.schemas import ChargeCreate, ChargeOut


@dataclass(frozen=True)
class Deps:
    """What the handlers need, built once by the app factory."""

    settings: Settings
    db: Database


async def deps(request: Request) -> Deps:
    """Async like every dependency here: FastAPI runs a plain ``def`` one in its thread
    pool, a hand-off per request."""
    found: Deps = request.app.state.deps
    return found


AppDeps = Annotated[Deps, Depends(deps)]
OrderId = Annotated[str, Path(min_length=1, max_length=128)]

internal = APIRouter(prefix="/internal", dependencies=[Depends(internal_caller("orders"))])


def _dump(out: ChargeOut) -> dict[str, object]:
    return out.model_dump(mode="json")


@internal.post("/charges")
def create_charge(deps: AppDeps,
                  body: Annotated[ChargeCreate, Depends(json_body(ChargeCreate))]) -> Response:
    charge, created = service.authorise(db=deps.db, order_id=body.order_id, card=body.card(),
                                        amount_cents=body.amount_cents)
    return json_ok(_dump(ChargeOut.from_domain(charge)), status=201 if created else 200)


@internal.get("/charges/{order_id}")
def get_charge(deps: AppDeps, order_id: OrderId) -> Response:
    return json_ok(_dump(ChargeOut.from_domain(service.get(db=deps.db, order_id=order_id))))


@internal.post("/charges/{order_id}/refund")
def refund_charge(deps: AppDeps, order_id: OrderId) -> Response:
    return json_ok(_dump(ChargeOut.from_domain(service.refund(db=deps.db, order_id=order_id))))
