"""HTTP handlers: parse, call one service function, serialise.

Handlers are plain ``def`` functions: pymongo is synchronous, so FastAPI runs
them in its thread pool and the event loop never waits on MongoDB.
"""

from __future__ import annotations

from typing import Annotated

from chassis.fastapi_support import (
    bearer_claims,
    internal_caller,
    json_body,
    json_ok,
    query,
    require_admin,
)
from chassis.pagination import page_body
from chassis.tokens import Claims
from fastapi import APIRouter, Depends, Path, Request, Response

from catalog import service
from catalog.repository import ProductRepository, ReservationRepository
from catalog.schemas import (
    LookupRequest,
    ProductCreate,
    ProductQuery,
    ProductUpdate,
    ReservationRequest,
    category_out,
    product_out,
    reservation_out,
    reservation_status_out,
)


async def product_repository(request: Request) -> ProductRepository:
    return ProductRepository(request.app.state.database)


async def reservation_repository(request: Request) -> ReservationRepository:
    return ReservationRepository(request.app.state.database)


def admin_claims(
    claims: Annotated[Claims, Depends(bearer_claims(lambda request: request.app.state.verifier))],
) -> Claims:
    return require_admin(claims)


Products = Annotated[ProductRepository, Depends(product_repository)]
Reservations = Annotated[ReservationRepository, Depends(reservation_repository)]
Admin = Annotated[Claims, Depends(admin_claims)]
OrderId = Annotated[str, Path(min_length=1, max_length=128)]

public = APIRouter()
# The gateway composes carts from lookups; only orders (the checkout saga) moves stock.
internal = APIRouter(prefix="/internal")
FROM_GATEWAY_OR_ORDERS = [Depends(internal_caller("gateway", "orders"))]
FROM_ORDERS = [Depends(internal_caller("orders"))]


@public.get("/api/products")
def list_products(products: Products,
                  params: Annotated[ProductQuery, Depends(query(ProductQuery))]) -> Response:
    items, total = service.list_products(products=products, criteria=params.criteria(),
                                         offset=params.offset, limit=params.page_size)
    return json_ok(page_body([product_out(item) for item in items], total, params))


@public.get("/api/products/{product_id}")
def get_product(products: Products, product_id: str) -> Response:
    return json_ok(product_out(service.get_product(products=products, product_id=product_id)))


@public.get("/api/categories")
def list_categories(products: Products) -> Response:
    categories = service.list_categories(products=products)
    return json_ok({"items": [category_out(category) for category in categories]})


@public.post("/api/products")
def create_product(_: Admin, products: Products,
                   body: Annotated[ProductCreate, Depends(json_body(ProductCreate))]) -> Response:
    product = service.create_product(products=products, new=body.to_domain())
    return json_ok(product_out(product), status=201)


@public.patch("/api/products/{product_id}")
def update_product(_: Admin, products: Products, product_id: str,
                   body: Annotated[ProductUpdate, Depends(json_body(ProductUpdate))]) -> Response:
    product = service.update_product(products=products, product_id=product_id,
                                     changes=body.changes())
    return json_ok(product_out(product))


@public.delete("/api/products/{product_id}", status_code=204)
def delete_product(_: Admin, products: Products, product_id: str) -> Response:
    service.delete_product(products=products, product_id=product_id)
    return Response(status_code=204)


@internal.post("/products/lookup", dependencies=FROM_GATEWAY_OR_ORDERS)
def lookup_products(products: Products,
                    body: Annotated[LookupRequest, Depends(json_body(LookupRequest))]) -> Response:
    items = service.lookup_products(products=products, product_ids=body.ids)
    return json_ok({"items": [product_out(item) for item in items]})


@internal.put("/reservations/{order_id}", dependencies=FROM_ORDERS)
def reserve_stock(products: Products, reservations: Reservations, order_id: OrderId,
                  body: Annotated[ReservationRequest, Depends(json_body(ReservationRequest))],
                  ) -> Response:
    reservation = service.reserve_stock(products=products, reservations=reservations,
                                        order_id=order_id, lines=body.to_domain())
    return json_ok(reservation_out(reservation))


@internal.post("/reservations/{order_id}/release", dependencies=FROM_ORDERS)
def release_stock(products: Products, reservations: Reservations, order_id: OrderId) -> Response:
    reservation = service.release_stock(products=products, reservations=reservations,
                                        order_id=order_id)
    return json_ok(reservation_status_out(reservation))


@internal.post("/reservations/{order_id}/commit", dependencies=FROM_ORDERS)
def commit_stock(reservations: Reservations, order_id: OrderId) -> Response:
    reservation = service.commit_stock(reservations=reservations, order_id=order_id)
    return json_ok(reservation_status_out(reservation))


@internal.get("/reservations/{order_id}", dependencies=FROM_ORDERS)
def get_reservation(reservations: Reservations, order_id: OrderId) -> Response:
    reservation = service.get_reservation(reservations=reservations, order_id=order_id)
    return json_ok(reservation_out(reservation))
