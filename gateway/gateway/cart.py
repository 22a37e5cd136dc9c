"""The cart routes: the cart service answers the contract's priced cart itself, so the
edge validates a PUT's body, passes the bearer token on and relays the answer.

Only ``Authorization`` travels (the cart reads no other header), and the product id
is sent on percent-encoded as one path segment, whatever the client sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chassis.validation import validate_body
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from gateway.deps import Deps
from gateway.proxy import forwarded_headers, relay
from gateway.upstreams import Target


class CartLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=99)


async def _cart_call(deps: Deps, target: Target, request: Request, method: str, path: str,
                     **kwargs: Any) -> Response:
    answer = await deps.upstreams.call("cart", method, path, route=target.route,
                                       headers=_auth_only(request), **kwargs)
    return relay(answer)


def _auth_only(request: Request) -> dict[str, bytes]:
    return {name: value for name, value in forwarded_headers(request).items()
            if name == "authorization"}


def _item_path(request: Request) -> str:
    return f"/api/cart/items/{quote(request.path_params['product_id'], safe='')}"


async def show_cart(deps: Deps, target: Target, request: Request) -> Response:
    return await _cart_call(deps, target, request, "GET", "/api/cart")


async def set_item(deps: Deps, target: Target, request: Request) -> Response:
    """Validate at the edge, then set the line's quantity: the cart service refuses a
    product the catalog does not have with the same lookup that prices its answer."""
    line = validate_body(CartLineIn, await request.body())
    return await _cart_call(deps, target, request, "PUT", _item_path(request),
                            json={"quantity": line.quantity})


async def remove_item(deps: Deps, target: Target, request: Request) -> Response:
    return await _cart_call(deps, target, request, "DELETE", _item_path(request))


async def clear_cart(deps: Deps, target: Target, request: Request) -> Response:
    return await _cart_call(deps, target, request, "DELETE", "/api/cart")
