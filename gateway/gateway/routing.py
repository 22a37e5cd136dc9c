"""The contract's route table: the gateway is the public edge, so it knows every route.

Each path template maps its methods to an :class:`Endpoint`: which service
answers, which guard runs first at the edge, and whether the answer is proxied
as it is or composed (the cart). A path outside the table is a 404 problem and a
method outside its row a 405 problem, before any service is called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

Guard = Literal["public", "token", "admin"]
Handler = Literal["proxy", "cart_view", "cart_set_item", "cart_remove_item", "cart_clear"]
Endpoint_ = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    upstream: str
    guard: Guard = "public"
    handler: Handler = "proxy"


def _users(guard: Guard = "public") -> Endpoint:
    return Endpoint("users", guard)


def _catalog(guard: Guard = "public") -> Endpoint:
    return Endpoint("catalog", guard)


def _orders() -> Endpoint:
    return Endpoint("orders", "token")


def _cart(handler: Handler) -> Endpoint:
    return Endpoint("cart", "token", handler)


ROUTES: Mapping[str, Mapping[str, Endpoint]] = {
    "/.well-known/jwks.json": {"GET": _users()},
    "/api/auth/register": {"POST": _users()},
    "/api/auth/login": {"POST": _users()},
    "/api/users/me": {"GET": _users("token")},
    "/api/products": {"GET": _catalog(), "POST": _catalog("admin")},
    "/api/products/{product_id}": {
        "GET": _catalog(), "PATCH": _catalog("admin"), "DELETE": _catalog("admin"),
    },
    "/api/categories": {"GET": _catalog()},
    "/api/cart": {"GET": _cart("cart_view"), "DELETE": _cart("cart_clear")},
    "/api/cart/items/{product_id}": {
        "PUT": _cart("cart_set_item"), "DELETE": _cart("cart_remove_item"),
    },
    "/api/orders": {"GET": _orders(), "POST": _orders()},
    "/api/orders/{order_id}": {"GET": _orders()},
    "/api/orders/{order_id}/cancel": {"POST": _orders()},
}


class NamedRoute(Route):
    """A Starlette route that names itself in the scope, as FastAPI's own routes do, so
    that the chassis's metrics and access log label requests by route template."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["route"] = self
        return match, child_scope


def endpoint_for(methods: Mapping[str, Endpoint], method: str) -> Endpoint:
    """The row's endpoint for ``method``; HEAD is answered like GET (Starlette allows it)."""
    return methods["GET" if method == "HEAD" else method]


def build_routes(make_endpoint: Callable[[Mapping[str, Endpoint]], Endpoint_]) -> list[Route]:
    """One route per path template, its methods from the table."""
    return [NamedRoute(path, make_endpoint(methods), methods=list(methods))
            for path, methods in ROUTES.items()]
