"""The route table is the contract's: every public route, its service and its guard."""

from __future__ import annotations

import pytest
from gateway.proxy import forward
from gateway.routing import ROUTES, build_routes, endpoint_for
from starlette.routing import Match

from gateway import cart, products


def _route_for(method: str, path: str) -> tuple[str, Match]:
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in build_routes():
        match, child = route.matches(scope)
        if match is not Match.NONE:
            assert child["route"] is route
            return route.path, match
    return "", Match.NONE


@pytest.mark.parametrize(("method", "path", "upstream", "guard"), [
    ("POST", "/api/auth/register", "users", "public"),
    ("POST", "/api/auth/login", "users", "public"),
    ("GET", "/api/users/me", "users", "token"),
    ("GET", "/.well-known/jwks.json", "users", "public"),
    ("GET", "/api/products", "catalog", "public"),
    ("POST", "/api/products", "catalog", "admin"),
    ("GET", "/api/products/{product_id}", "catalog", "public"),
    ("PATCH", "/api/products/{product_id}", "catalog", "admin"),
    ("DELETE", "/api/products/{product_id}", "catalog", "admin"),
    ("GET", "/api/categories", "catalog", "public"),
    ("GET", "/api/cart", "cart", "token"),
    ("DELETE", "/api/cart", "cart", "token"),
    ("PUT", "/api/cart/items/{product_id}", "cart", "token"),
    ("DELETE", "/api/cart/items/{product_id}", "cart", "token"),
    ("GET", "/api/orders", "orders", "token"),
    ("POST", "/api/orders", "orders", "token"),
    ("GET", "/api/orders/{order_id}", "orders", "token"),
    ("POST", "/api/orders/{order_id}/cancel", "orders", "token"),
])
def test_every_contract_route_has_its_service_and_guard(method: str, path: str, upstream: str,
                                                        guard: str) -> None:
    endpoint = endpoint_for(ROUTES[path], method)

    assert (endpoint.upstream, endpoint.guard) == (upstream, guard)


def test_the_table_holds_exactly_the_contract_routes() -> None:
    operations = sum(len(methods) for methods in ROUTES.values())

    assert operations == 18


def test_the_cart_is_composed_catalog_reads_are_cached_and_everything_else_is_proxied() -> None:
    handlers = {(path, method): endpoint.handler for path, methods in ROUTES.items()
                for method, endpoint in methods.items() if endpoint.handler is not forward}

    assert handlers == {
        ("/api/cart", "GET"): cart.show_cart,
        ("/api/cart", "DELETE"): cart.clear_cart,
        ("/api/cart/items/{product_id}", "PUT"): cart.set_item,
        ("/api/cart/items/{product_id}", "DELETE"): cart.remove_item,
        ("/api/products", "GET"): products.read_listing,
        ("/api/products", "POST"): products.create_product,
        ("/api/categories", "GET"): products.read_listing,
        ("/api/products/{product_id}", "GET"): products.read_product,
        ("/api/products/{product_id}", "PATCH"): products.change_product,
        ("/api/products/{product_id}", "DELETE"): products.change_product,
        ("/api/orders", "POST"): products.change_stock,
        ("/api/orders/{order_id}/cancel", "POST"): products.change_stock,
    }


def test_head_is_answered_like_get() -> None:
    assert endpoint_for(ROUTES["/api/products"], "HEAD") == ROUTES["/api/products"]["GET"]


def test_a_concrete_path_matches_its_template() -> None:
    assert _route_for("POST", "/api/orders/o-1/cancel") == (
        "/api/orders/{order_id}/cancel", Match.FULL)


def test_a_known_path_with_another_method_is_a_partial_match_for_405() -> None:
    assert _route_for("DELETE", "/api/orders") == ("/api/orders", Match.PARTIAL)


@pytest.mark.parametrize("path", ["/api/orders/o-1/refund", "/internal/carts/u1",
                                  "/api/products/", "/api/cart/items"])
def test_paths_outside_the_contract_match_nothing(path: str) -> None:
    assert _route_for("GET", path) == ("", Match.NONE)
