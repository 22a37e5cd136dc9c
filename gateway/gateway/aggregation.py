"""The cart view, composed from the cart service's raw lines and the catalog's prices.

The cart service keeps only ``{product_id: quantity}`` and refuses a product the
catalog does not have; the contract's view adds each product's sku, name and
today's price, leaves out products deleted since, sorts the lines by sku and
sums them up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from chassis.fastapi_support import json_ok
from chassis.problems import Unavailable
from chassis.validation import validate_body
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from gateway.deps import Deps
from gateway.proxy import forwarded_headers, relay
from gateway.upstreams import Target, Upstreams

LOOKUP_PATH = "/internal/products/lookup"


class CartLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int = Field(ge=1, le=99)


class UnexpectedAnswer(Exception):
    """A service broke its internal API (a bug or a misconfiguration: a 500, logged)."""


def cart_view(lines: Sequence[Mapping[str, Any]],
              products: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The contract's cart: priced lines sorted by sku, deleted products left out."""
    items = []
    for line in lines:
        product = products.get(line["product_id"])
        if product is None:
            continue
        price, quantity = product["price_cents"], line["quantity"]
        items.append({"product_id": line["product_id"], "sku": product["sku"],
                      "name": product["name"], "unit_price_cents": price,
                      "quantity": quantity, "line_total_cents": price * quantity})
    items.sort(key=lambda item: item["sku"])
    return {"items": items, "item_count": sum(item["quantity"] for item in items),
            "total_cents": sum(item["line_total_cents"] for item in items)}


async def lookup_products(upstreams: Upstreams, target: Target,
                          ids: Sequence[str]) -> dict[str, Any]:
    """The catalog's products by id (unknown ids are simply absent)."""
    if not ids:
        return {}
    answer = await upstreams.call("catalog", "POST", LOOKUP_PATH, route=target.route,
                                  json={"ids": list(ids)})
    if answer.status_code == 503:
        raise Unavailable("The catalog service is unavailable.")
    if answer.status_code != 200:
        raise UnexpectedAnswer(f"catalog lookup answered {answer.status_code}")
    return {product["id"]: product for product in answer.json()["items"]}


async def _cart_call(deps: Deps, target: Target, request: Request, method: str, path: str,
                     **kwargs: Any) -> Response:
    """Call the cart service; compose its 200 answer into the view, relay anything else."""
    answer = await deps.upstreams.call("cart", method, path, route=target.route,
                                       headers=_auth_only(request), **kwargs)
    if answer.status_code != 200:
        return relay(answer)
    lines = answer.json()["items"]
    products = await lookup_products(deps.upstreams, target,
                                     [line["product_id"] for line in lines])
    return json_ok(cart_view(lines, products))


def _auth_only(request: Request) -> dict[str, bytes]:
    return {name: value for name, value in forwarded_headers(request).items()
            if name == "authorization"}


def _item_path(request: Request) -> str:
    return f"/api/cart/items/{quote(request.path_params['product_id'], safe='')}"


async def show_cart(deps: Deps, target: Target, request: Request) -> Response:
    return await _cart_call(deps, target, request, "GET", "/api/cart")


async def set_item(deps: Deps, target: Target, request: Request) -> Response:
    """Validate at the edge, then set the line's quantity: the cart service refuses a
    product the catalog does not have (its 404 is relayed), and the view's lookup
    prices the line, so the edge asks the catalog once, not twice."""
    line = validate_body(CartLineIn, await request.body())
    return await _cart_call(deps, target, request, "PUT", _item_path(request),
                            json={"quantity": line.quantity})


async def remove_item(deps: Deps, target: Target, request: Request) -> Response:
    return await _cart_call(deps, target, request, "DELETE", _item_path(request))


async def clear_cart(deps: Deps, target: Target, request: Request) -> Response:
    answer = await deps.upstreams.call("cart", "DELETE", "/api/cart", route=target.route,
                                       headers=_auth_only(request))
    return relay(answer)
