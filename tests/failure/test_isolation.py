"""One service down: only the routes that need it answer 503 ``unavailable``, within the
gateway's timeout; the rest of the shop keeps working; the routes come back once the
service does (after the gateway's circuit breaker half-opens)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

# Beyond the breaker's reset or the reconciler's grace: a restart, a busy machine.
MARGIN_SECONDS = 20.0

Route = tuple[str, str, Any]


# An id of the catalog's shape that no product has: no cart worker has a copy of it.
NEVER_A_PRODUCT = "000000000000000000000000"


@dataclass(frozen=True)
class World:
    """A customer with one confirmed order and two units of a product in the cart."""

    customer: Any
    product_id: str
    order_id: str
    body: dict[str, Any]

    def route(self, method: str, path: str, body: Any = None) -> Route:
        return method, path.format(product=self.product_id, order=self.order_id), body


@pytest.fixture(scope="module")
def world(api: httpx.Client, new_customer: Callable[[], Any],
          create_product: Callable[..., dict[str, Any]], fill_cart: Callable[..., None],
          checkout_body: Callable[..., dict[str, Any]]) -> World:
    customer, product_id = new_customer(), create_product(stock=50)["id"]
    fill_cart(customer, {product_id: 1})
    placed = api.post("/api/orders", json=checkout_body(), headers=customer.headers)
    assert placed.status_code == 201, placed.text
    fill_cart(customer, {product_id: 2})
    return World(customer, product_id, placed.json()["id"], checkout_body())


@pytest.fixture
def service_down(stack: Any) -> Callable[[str], contextlib.AbstractContextManager[None]]:
    """``with service_down("cart"):`` the service is stopped inside the block, started after."""

    @contextlib.contextmanager
    def down(name: str) -> Iterator[None]:
        stack.stop(name)
        try:
            yield
        finally:
            stack.start(name)

    return down


@pytest.fixture
def assert_unavailable(world: World, request_timed: Callable[..., Any],
                       expect_unavailable: Callable[..., None]) -> Callable[..., None]:
    def check(*routes: Route) -> None:
        for method, path, body in routes:
            expect_unavailable(*request_timed(method, path, json=body,
                                              headers=world.customer.headers))

    return check


@pytest.fixture
def assert_priced_or_unavailable(world: World, api: httpx.Client, request_timed: Any,
                                 expect_unavailable: Any) -> Callable[[], None]:
    """The cart view while the catalog cannot answer: each cart worker keeps copies of the
    products it looked up since the catalog's last change (which one answers is the
    kernel's choice), so it is the world's cart at its price from a worker that has the
    copy, and the contract's 503 from one that has not; never anything else."""

    def check() -> None:
        price = api.get(f"/api/products/{world.product_id}").json()["price_cents"]
        for _ in range(4):
            response, seconds = request_timed("GET", "/api/cart",
                                              headers=world.customer.headers)
            if response.status_code != 200:
                expect_unavailable(response, seconds)
                continue
            assert [(line["product_id"], line["quantity"], line["unit_price_cents"])
                    for line in response.json()["items"]] == [(world.product_id, 2, price)]

    return check


@pytest.fixture
def assert_working(world: World, api: httpx.Client) -> Callable[..., None]:
    def check(*routes: Route) -> None:
        for method, path, body in routes:
            response = api.request(method, path, json=body, headers=world.customer.headers)
            assert response.status_code == 200, f"{method} {path}: {response.text}"

    return check


@pytest.fixture
def assert_recovers(stack: Any, world: World, api: httpx.Client,
                    eventually: Callable[..., Any]) -> Callable[..., None]:
    """Polls until the routes answer 200 five times in a row on new connections and on
    the tests' kept-alive one (so that each gateway worker's breaker gets its say)."""

    def check(*routes: Route) -> None:
        def answer(client: httpx.Client) -> bool:
            return all(client.request(method, path, json=body,
                                      headers=world.customer.headers).status_code == 200
                       for method, path, body in routes)

        def all_answer() -> bool | None:
            for _ in range(5):
                with httpx.Client(base_url=stack.base_url, timeout=10) as fresh:
                    if not (answer(fresh) and answer(api)):
                        return None
            return True

        eventually(all_answer, within=stack.breaker_reset_seconds + MARGIN_SECONDS,
                   what=f"{routes} recover")

    return check


@pytest.fixture(autouse=True)
def whole_shop(stack: Any, world: World, assert_recovers: Callable[..., None],
               eventually: Callable[..., Any]) -> None:
    """Each test starts with every service answering through the gateway, so that a
    failed test leaves no open breaker behind for the next one (checkout included: the
    gateway keeps a breaker per route, so it is probed with a body orders refuses)."""
    assert_recovers(login(world), world.route("GET", "/api/products/{product}"),
                    world.route("GET", "/api/cart"), world.route("GET", "/api/orders"))

    def checkout_reaches_orders() -> bool | None:
        for _ in range(5):
            with httpx.Client(base_url=stack.base_url, timeout=10) as fresh:
                refused = fresh.post("/api/orders", content=b"not json",
                                     headers=world.customer.headers)
                if refused.status_code != 400:
                    return None
        return True

    eventually(checkout_reaches_orders, within=stack.breaker_reset_seconds + MARGIN_SECONDS,
               what="checkout reaches the orders service")


def login(world: World) -> Route:
    return "POST", "/api/auth/login", {"email": world.customer.email,
                                       "password": world.customer.password}


def test_with_the_cart_down_only_the_cart_and_checkout_fail_and_both_come_back(
        world: World, api: httpx.Client, service_down: Any, assert_unavailable: Any,
        assert_working: Any, assert_recovers: Any, orders_of: Any, stock_of: Any) -> None:
    with service_down("cart"):
        assert_unavailable(world.route("GET", "/api/cart"),
                           world.route("PUT", "/api/cart/items/{product}", {"quantity": 3}),
                           world.route("DELETE", "/api/cart/items/{product}"),
                           world.route("DELETE", "/api/cart"),
                           world.route("POST", "/api/orders", world.body))
        assert_working(world.route("GET", "/api/products"),
                       world.route("GET", "/api/products/{product}"),
                       world.route("GET", "/api/categories"), login(world),
                       world.route("GET", "/api/users/me"), world.route("GET", "/api/orders"),
                       world.route("GET", "/api/orders/{order}"))
        assert [order["id"] for order in orders_of(world.customer)] == [world.order_id]
        assert stock_of(world.product_id) == 49
    assert_recovers(world.route("GET", "/api/cart"))
    cart = api.get("/api/cart", headers=world.customer.headers).json()
    assert [(line["product_id"], line["quantity"]) for line in cart["items"]] == [
        (world.product_id, 2)]


def test_repeated_checkouts_during_a_cart_outage_do_not_cut_off_the_orders_routes(
        world: World, service_down: Any, api: httpx.Client, request_timed: Any,
        expect_unavailable: Any) -> None:
    """The orders service answers these checkouts itself (503: its cart is down); that
    is no reason for the gateway to stop calling orders for the routes that need only it."""
    with service_down("cart"):
        for _ in range(6):
            expect_unavailable(*request_timed("POST", "/api/orders", json=world.body,
                                              headers=world.customer.headers))
        listed = api.get("/api/orders", headers=world.customer.headers)
        assert listed.status_code == 200, listed.text


def test_with_the_catalog_down_only_catalog_reads_the_carts_unseen_products_and_checkout_fail(
        world: World, service_down: Any, assert_unavailable: Any, assert_working: Any,
        assert_recovers: Any, assert_priced_or_unavailable: Any) -> None:
    with service_down("catalog"):
        # The edge's caches still answer a product read they hold (whole_shop just read
        # it); a query string of no listing parameter passes them, so those reads need
        # the catalog. A product no cart worker can have a copy of needs it too, and a
        # checkout is priced by the catalog itself.
        assert_working(world.route("GET", "/api/products/{product}"))
        assert_unavailable(world.route("GET", "/api/products?uncached=1"),
                           world.route("GET", "/api/products/{product}?uncached=1"),
                           world.route("GET", "/api/categories?uncached=1"),
                           ("PUT", f"/api/cart/items/{NEVER_A_PRODUCT}", {"quantity": 1}),
                           world.route("POST", "/api/orders", world.body))
        assert_priced_or_unavailable()
        assert_working(login(world), world.route("GET", "/api/users/me"),
                       world.route("GET", "/api/orders"),
                       world.route("GET", "/api/orders/{order}"))
    assert_recovers(world.route("GET", "/api/products/{product}"),
                    world.route("GET", "/api/cart"))


def test_with_the_catalogs_database_down_only_what_needs_the_catalog_fails_and_it_comes_back(
        world: World, service_down: Any, assert_unavailable: Any, assert_working: Any,
        assert_recovers: Any, assert_priced_or_unavailable: Any) -> None:
    with service_down("mongodb"):
        # The edge's caches still answer a product read they hold (whole_shop just read
        # it); a query string of no listing parameter passes them, so those reads need
        # the catalog, and so does a checkout (priced by the catalog itself).
        assert_working(world.route("GET", "/api/products/{product}"))
        assert_unavailable(world.route("GET", "/api/products?uncached=1"),
                           world.route("GET", "/api/products/{product}?uncached=1"),
                           world.route("POST", "/api/orders", world.body))
        assert_priced_or_unavailable()
        assert_working(login(world), world.route("GET", "/api/users/me"),
                       world.route("GET", "/api/orders"),
                       world.route("GET", "/api/orders/{order}"))
    assert_recovers(world.route("GET", "/api/products/{product}"),
                    world.route("GET", "/api/cart"))


def test_checkouts_timing_out_behind_a_hanging_catalog_database_do_not_cut_off_the_orders_routes(
        stack: Any, world: World, api: httpx.Client, request_timed: Any,
        expect_unavailable: Any, assert_working: Any, assert_recovers: Any) -> None:
    """The slow twin of the cart outage above: the catalog waits for its database until its
    own timeout, so each checkout outlasts the gateway's patience with the orders service;
    that is no reason for the gateway to stop calling orders for the routes that need only it."""
    with stack.mongodb_hanging():
        expect_unavailable(*request_timed("GET", "/api/products?uncached=1"))
        for _ in range(6):
            expect_unavailable(*request_timed("POST", "/api/orders", json=world.body,
                                              headers=world.customer.headers))
        assert_working(login(world), world.route("GET", "/api/orders"),
                       world.route("GET", "/api/orders/{order}"))
    # The cart's breaker to the catalog opened on the lookups that timed out; it closes.
    assert_recovers(world.route("GET", "/api/cart"))


def test_with_the_orders_service_down_only_the_orders_routes_fail_and_they_come_back(
        world: World, service_down: Any, assert_unavailable: Any, assert_working: Any,
        assert_recovers: Any) -> None:
    with service_down("orders"):
        assert_unavailable(world.route("GET", "/api/orders"),
                           world.route("GET", "/api/orders/{order}"),
                           world.route("POST", "/api/orders", world.body),
                           world.route("POST", "/api/orders/{order}/cancel"))
        assert_working(world.route("GET", "/api/products"),
                       world.route("GET", "/api/products/{product}"),
                       world.route("GET", "/api/cart"),
                       world.route("PUT", "/api/cart/items/{product}", {"quantity": 2}),
                       login(world), world.route("GET", "/api/users/me"))
    assert_recovers(world.route("GET", "/api/orders"), world.route("GET", "/api/orders/{order}"))


def test_with_the_users_service_down_sign_in_fails_and_the_public_catalog_still_answers(
        world: World, service_down: Any, assert_unavailable: Any, assert_working: Any,
        assert_recovers: Any) -> None:
    """Only public routes are expected to keep working: a worker that has not fetched the
    issuer's keys yet cannot verify a token while the issuer is down."""
    register = ("POST", "/api/auth/register",
                {"email": "nobody-yet@example.com", "password": "long-enough", "name": "N"})
    with service_down("users"):
        assert_unavailable(login(world), register, world.route("GET", "/api/users/me"),
                           world.route("GET", "/.well-known/jwks.json"))
        assert_working(world.route("GET", "/api/products"),
                       world.route("GET", "/api/products/{product}"),
                       world.route("GET", "/api/categories"))
    assert_recovers(login(world), world.route("GET", "/api/users/me"))


def test_with_payments_down_checkout_alone_fails_and_its_order_is_failed_once_payments_is_back(
        stack: Any, service_down: Any, new_customer: Any, create_product: Any, fill_cart: Any,
        api: httpx.Client, checkout_body: Any, request_timed: Any, expect_unavailable: Any,
        orders_of: Any, stock_of: Any, eventually: Any) -> None:
    customer, product_id = new_customer(), create_product(stock=10)["id"]
    fill_cart(customer, {product_id: 3})
    with service_down("payments"):
        expect_unavailable(*request_timed("POST", "/api/orders", json=checkout_body(),
                                          headers=customer.headers))
        for path in ("/api/products", f"/api/products/{product_id}", "/api/cart", "/api/orders"):
            assert api.get(path, headers=customer.headers).status_code == 200, path
        [in_doubt] = orders_of(customer)
        assert in_doubt["status"] == "pending" and stock_of(product_id) == 7

    def failed() -> dict[str, Any] | None:
        [order] = orders_of(customer)
        return order if order["status"] == "failed" else None

    # The reconciler's own breaker on payments may be open too: it half-opens after its reset.
    bound = stack.reconcile_grace_seconds + stack.breaker_reset_seconds + MARGIN_SECONDS
    settled = eventually(failed, within=bound, what="the reconciler fails the order")
    assert settled["id"] == in_doubt["id"] and settled["payment"]["status"] != "captured"
    assert stock_of(product_id) == 10
    assert stack.query("payments", "SELECT count(*) FROM charges WHERE order_id = %s",
                       settled["id"]) == [(0,)]
    cart = api.get("/api/cart", headers=customer.headers).json()
    assert [(line["product_id"], line["quantity"]) for line in cart["items"]] == [(product_id, 3)]
    placed = api.post("/api/orders", json=checkout_body(), headers=customer.headers)
    assert placed.status_code == 201, placed.text
    assert stock_of(product_id) == 7
