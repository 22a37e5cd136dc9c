"""HTTP handlers: parse, call one service function, serialise.

The public routes act on the cart of the token's subject; the gateway calls
them with the user's token. The internal routes are for the orders service.
"""

from __future__ import annotations

from typing import Annotated

from chassis.fastapi_support import bearer_claims, internal_caller, json_body, json_ok
from chassis.tokens import Claims
from fastapi import APIRouter, Depends, Path, Request, Response

from cart import service
from cart.repository import CartRepository
from cart.schemas import LineUpdate, cart_out


async def cart_repository(request: Request) -> CartRepository:
    return CartRepository(request.app.state.redis,
                          ttl_seconds=request.app.state.settings.cart_ttl_seconds)


def user_id(
    claims: Annotated[Claims, Depends(bearer_claims(lambda request: request.app.state.verifier))],
) -> str:
    return claims.subject


Carts = Annotated[CartRepository, Depends(cart_repository)]
UserId = Annotated[str, Depends(user_id)]
ProductId = Annotated[str, Path(min_length=1, max_length=128)]
InternalUserId = Annotated[str, Path(min_length=1, max_length=128)]

public = APIRouter(prefix="/api/cart")
internal = APIRouter(prefix="/internal", dependencies=[Depends(internal_caller("orders"))])


@public.get("")
async def get_cart(user: UserId, carts: Carts) -> Response:
    return json_ok(cart_out(await service.get_cart(carts=carts, user_id=user)))


@public.put("/items/{product_id}")
async def set_quantity(user: UserId, carts: Carts, product_id: ProductId,
                       body: Annotated[LineUpdate, Depends(json_body(LineUpdate))]) -> Response:
    cart = await service.set_quantity(carts=carts, user_id=user, product_id=product_id,
                                      quantity=body.quantity)
    return json_ok(cart_out(cart))


@public.delete("/items/{product_id}")
async def remove_line(user: UserId, carts: Carts, product_id: ProductId) -> Response:
    cart = await service.remove_line(carts=carts, user_id=user, product_id=product_id)
    return json_ok(cart_out(cart))


@public.delete("", status_code=204)
async def clear_cart(user: UserId, carts: Carts) -> Response:
    await service.clear_cart(carts=carts, user_id=user)
    return Response(status_code=204)


@internal.get("/carts/{user_id}")
async def get_user_cart(carts: Carts, user_id: InternalUserId) -> Response:
    return json_ok(cart_out(await service.get_cart(carts=carts, user_id=user_id)))


@internal.delete("/carts/{user_id}", status_code=204)
async def clear_user_cart(carts: Carts, user_id: InternalUserId) -> Response:
    await service.clear_cart(carts=carts, user_id=user_id)
    return Response(status_code=204)
