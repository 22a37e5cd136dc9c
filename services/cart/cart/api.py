"""HTTP handlers: parse, call one service function, serialise.

The public routes act on the cart of the token's subject; the gateway calls
them with the user's token. The internal routes are for the orders service. Every
route that answers a cart answers it priced (docs/microservices.md, "cart").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from chassis.fastapi_support import bearer_claims, internal_caller, json_body, json_ok
from chassis.jwks import JwksVerifier
from chassis.tokens import Claims, TokenVerifier
from fastapi import APIRouter, Depends, Path, Request, Response

from cart import service
from cart.catalog import ProductCatalog
from cart.config import Settings
from cart.db import Database
from cart.domain import Cart
from cart.schemas import BoughtLines, CartItemUpdate, CartOut


@dataclass(frozen=True)
class Deps:
    """What the handlers need, built once per worker by the app's lifespan."""

    settings: Settings
    db: Database
    catalog: ProductCatalog
    verifier: TokenVerifier | JwksVerifier


async def deps(request: Request) -> Deps:
    """Async like every dependency here: FastAPI runs a plain ``def`` one in its thread
    pool, a hand-off per request."""
    found: Deps = request.app.state.deps
    return found


async def caller_id(
    claims: Annotated[Claims, Depends(bearer_claims())],
) -> str:
    return claims.subject


AppDeps = Annotated[Deps, Depends(deps)]
UserId = Annotated[str, Depends(caller_id)]
ProductId = Annotated[str, Path(min_length=1, max_length=128)]
# Removing is 200 for any id (the contract): one that could never be in a cart is not there.
AnyProductId = Annotated[str, Path(min_length=1)]
InternalUserId = Annotated[str, Path(min_length=1, max_length=128)]

public = APIRouter(prefix="/api/cart")
internal = APIRouter(prefix="/internal", dependencies=[Depends(internal_caller("orders"))])


def _cart_response(cart: Cart) -> Response:
    return json_ok(CartOut.from_domain(cart).model_dump())


@public.get("")
async def get_cart(deps: AppDeps, user: UserId) -> Response:
    return _cart_response(await service.get(db=deps.db, catalog=deps.catalog, user_id=user))


@public.put("/items/{product_id}")
async def set_item(deps: AppDeps, user: UserId, product_id: ProductId,
                   body: Annotated[CartItemUpdate, Depends(json_body(CartItemUpdate))],
                   ) -> Response:
    cart = await service.set_quantity(db=deps.db, catalog=deps.catalog, user_id=user,
                                      product_id=product_id, quantity=body.quantity)
    return _cart_response(cart)


@public.delete("/items/{product_id}")
async def remove_item(deps: AppDeps, user: UserId, product_id: AnyProductId) -> Response:
    return _cart_response(await service.remove(db=deps.db, catalog=deps.catalog, user_id=user,
                                               product_id=product_id))


@public.delete("", status_code=204)
async def clear_cart(deps: AppDeps, user: UserId) -> Response:
    await service.clear(db=deps.db, user_id=user)
    return Response(status_code=204)


@internal.get("/carts/{user_id}")
async def get_user_cart(deps: AppDeps, user_id: InternalUserId) -> Response:
    """The checkout's lines: priced by the catalog itself."""
    return _cart_response(await service.get(db=deps.db, catalog=deps.catalog, user_id=user_id,
                                            fresh=True))


@internal.post("/carts/{user_id}/take-out")
async def take_out_bought(deps: AppDeps, user_id: InternalUserId,
                          body: Annotated[BoughtLines, Depends(json_body(BoughtLines))],
                          ) -> Response:
    cart = await service.take_out(db=deps.db, catalog=deps.catalog, user_id=user_id,
                                  bought=body.quantities())
    return _cart_response(cart)


@internal.delete("/carts/{user_id}", status_code=204)
async def clear_user_cart(deps: AppDeps, user_id: InternalUserId) -> Response:
    await service.clear(db=deps.db, user_id=user_id)
    return Response(status_code=204)
