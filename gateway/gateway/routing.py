"""The contract's route table: the gateway is the public edge, so it knows every route.

Each path template maps its methods to an :class:`Endpoint`: which service
answers, which guard runs first at the edge, and the handler that answers (most
proxy the request as it is; the cart's pass only the token on; catalog reads are
cached).
A path outside the table is a 404 problem and a method outside its row a 405
problem, before any service is called.

A handler is given the app's :class:`~gateway.deps.Deps`, the :class:`Target` it
serves (the public route's name, for deadlines and breakers, and its service),
and the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from gateway import cart, products
from gateway.auth import Guard
from gateway.deps import Deps, deps
from gateway.proxy import forward
from gateway.upstreams import Target, begin_request

Handler = Callable[[Deps, Target, Request], Awaitable[Response]]


@dataclass(frozen=True)
class Endpoint:
    upstream: str
    guard: Guard = "public"
    handler: Handler = forward


def _users(guard: Guard = "public") -> Endpoint:
    return Endpoint("users", guard)


def _catalog(guard: Guard = "public", handler: Handler = forward) -> Endpoint:
    return Endpoint("catalog", guard, handler)


def _orders(handler: Handler = forward) -> Endpoint:
    return Endpoint("orders", "token", handler)


def _cart(handler: Handler) -> Endpoint:
    return Endpoint("cart", "token", handler)


ROUTES: Mapping[str, Mapping[str, Endpoint]] = {
    "/.well-known/jwks.json": {"GET": _users()},
    "/api/auth/register": {"POST": _users()},
    "/api/auth/login": {"POST": _users()},
    "/api/users/me": {"GET": _users("token")},
    "/api/products": {"GET": _catalog(handler=products.read_listing),
                      "POST": _catalog("admin", products.create_product)},
    "/api/products/{product_id}": {
        "GET": _catalog(handler=products.read_product),
        "PATCH": _catalog("admin", products.change_product),
        "DELETE": _catalog("admin", products.change_product),
    },
    "/api/categories": {"GET": _catalog(handler=products.read_listing)},
    "/api/cart": {"GET": _cart(cart.show_cart), "DELETE": _cart(cart.clear_cart)},
    "/api/cart/items/{product_id}": {
        "PUT": _cart(cart.set_item), "DELETE": _cart(cart.remove_item),
    },
    "/api/orders": {"GET": _orders(), "POST": _orders(products.change_stock)},
    "/api/orders/{order_id}": {"GET": _orders()},
    "/api/orders/{order_id}/cancel": {"POST": _orders(products.change_stock)},
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


def dispatch(path: str, methods: Mapping[str, Endpoint]
             ) -> Callable[[Request], Awaitable[Response]]:
    """The ASGI endpoint of one row: guard, then the method's handler."""
    bound = {method: (endpoint, Target(f"{method} {path}", endpoint.upstream))
             for method, endpoint in methods.items()}

    async def endpoint(request: Request) -> Response:
        spec, target = bound["GET" if request.method == "HEAD" else request.method]
        app_deps = deps(request)
        begin_request()
        await app_deps.auth.guard(request.scope, spec.guard)
        return await spec.handler(app_deps, target, request)

    return endpoint


def build_routes() -> list[Route]:
    """One route per path template, its methods from the table."""
    return [NamedRoute(path, dispatch(path, methods), methods=list(methods))
            for path, methods in ROUTES.items()]
