"""HTTP handlers: parse, call one service function, serialise.

Handlers are plain ``def`` functions: pymongo is synchronous, so FastAPI runs
them in its thread pool and the event loop never waits on MongoDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from chassis.fastapi_support import (
    bearer_claims,
    internal_caller,
    json_body,
    json_ok,
    query,
    require_admin,
)
from chassis.jwks import JwksVerifier
from chassis.pagination import page_body
from chassis.tokens import Claims, TokenVerifier
from fastapi import APIRouter, Depends, Path, Request, Response

from catalog import reservations, service
from catalog.config import Settings
from catalog.db import Database
from catalog.schemas import (
    CategoriesOut,
    CategoryOut,
    LookupRequest,
    ProductCreate,
    ProductOut,
    ProductQuery,
    ProductsOut,
    ProductUpdate,
    ReservationOut,
    ReservationRequest,
    ReservationStatusOut,
)
from catalog.versions import ProductsVersion


@dataclass(frozen=True)
class Deps:
    """What the handlers need, built once per worker by the app's lifespan."""

    settings: Settings
    db: Database
    verifier: TokenVerifier | JwksVerifier
    products_version: ProductsVersion


async def deps(request: Request) -> Deps:
    """Async like every dependency here: FastAPI runs a plain ``def`` one in its thread
    pool, a hand-off per request."""
    found: Deps = request.app.state.deps
    return found


async def admin_claims(
    claims: Annotated[Claims, Depends(bearer_claims())],
) -> Claims:
    return require_admin(claims)


AppDeps = Annotated[Deps, Depends(deps)]
Admin = Annotated[Claims, Depends(admin_claims)]
OrderId = Annotated[str, Path(min_length=1, max_length=128)]

public = APIRouter()
# The cart prices its lines with lookups; only orders (the checkout saga) moves stock.
internal = APIRouter(prefix="/internal")
FROM_CART = [Depends(internal_caller("cart"))]
FROM_ORDERS = [Depends(internal_caller("orders"))]


@public.get("/api/products")
def list_products(deps: AppDeps,
                  params: Annotated[ProductQuery, Depends(query(ProductQuery))]) -> Response:
    products, total = service.list_page(db=deps.db, search=params.to_domain())
    items = [ProductOut.from_domain(product).model_dump() for product in products]
    return json_ok(page_body(items, total, params))


@public.get("/api/products/{product_id}")
def get_product(deps: AppDeps, product_id: str) -> Response:
    product = service.get(db=deps.db, product_id=product_id)
    return json_ok(ProductOut.from_domain(product).model_dump())


@public.get("/api/categories")
def list_categories(deps: AppDeps) -> Response:
    categories = service.list_categories(db=deps.db)
    items = [CategoryOut.from_domain(category) for category in categories]
    return json_ok(CategoriesOut(items=items).model_dump())


@public.post("/api/products")
def create_product(_: Admin, deps: AppDeps,
                   body: Annotated[ProductCreate, Depends(json_body(ProductCreate))]) -> Response:
    product = service.create(db=deps.db, new=body.to_domain())
    return json_ok(ProductOut.from_domain(product).model_dump(), status=201)


@public.patch("/api/products/{product_id}")
def update_product(_: Admin, deps: AppDeps, product_id: str,
                   body: Annotated[ProductUpdate, Depends(json_body(ProductUpdate))]) -> Response:
    product = service.update(db=deps.db, product_id=product_id, changes=body.changes(),
                             version=deps.products_version)
    return json_ok(ProductOut.from_domain(product).model_dump())


@public.delete("/api/products/{product_id}", status_code=204)
def delete_product(_: Admin, deps: AppDeps, product_id: str) -> Response:
    service.delete(db=deps.db, product_id=product_id, version=deps.products_version)
    return Response(status_code=204)


@internal.post("/products/lookup", dependencies=FROM_CART)
def lookup_products(deps: AppDeps,
                    body: Annotated[LookupRequest, Depends(json_body(LookupRequest))]) -> Response:
    products = service.lookup(db=deps.db, product_ids=body.ids)
    return json_ok(ProductsOut(items=[ProductOut.from_domain(p) for p in products]).model_dump())


@internal.put("/reservations/{order_id}", dependencies=FROM_ORDERS)
def reserve_stock(deps: AppDeps, order_id: OrderId,
                  body: Annotated[ReservationRequest, Depends(json_body(ReservationRequest))],
                  ) -> Response:
    reservation = reservations.reserve_stock(db=deps.db, order_id=order_id, lines=body.to_domain())
    return json_ok(ReservationOut.from_domain(reservation).model_dump())


@internal.post("/reservations/{order_id}/release", dependencies=FROM_ORDERS)
def release_stock(deps: AppDeps, order_id: OrderId) -> Response:
    reservation = reservations.release_stock(db=deps.db, order_id=order_id)
    return json_ok(ReservationStatusOut.from_domain(reservation).model_dump())


@internal.post("/reservations/{order_id}/commit", dependencies=FROM_ORDERS)
def commit_stock(deps: AppDeps, order_id: OrderId) -> Response:
    reservation = reservations.commit_stock(db=deps.db, order_id=order_id)
    return json_ok(ReservationStatusOut.from_domain(reservation).model_dump())


@internal.get("/reservations/{order_id}", dependencies=FROM_ORDERS)
def get_reservation(deps: AppDeps, order_id: OrderId) -> Response:
    reservation = reservations.get_reservation(db=deps.db, order_id=order_id)
    return json_ok(ReservationOut.from_domain(reservation).model_dump())
