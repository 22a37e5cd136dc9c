"""Fixtures of the black-box contract suite: one running shop per target, over HTTP only.

The target comes from the session fixture ``shop``. With ``SHOP_BASE_URL`` set
(plus optional ``SHOP_ADMIN_EMAIL``, ``SHOP_ADMIN_PASSWORD`` and
``SHOP_JWT_PRIVATE_KEY_FILE``) the suite runs against that server only;
otherwise it runs once per target of ``devstack.targets.contract_targets()``,
each stack started when its first test needs it and stopped after its last.

Tests marked ``gateway_only`` are deselected (never skipped) for targets that
are not the gateway.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


@dataclass(frozen=True)
class ExternalShop:
    """A shop someone else started, named by ``SHOP_BASE_URL``."""

    name: str
    base_url: str
    admin_email: str
    admin_password: str
    gateway: bool
    jwt_private_key_file: str | None = None


@dataclass(frozen=True)
class ExternalTarget:
    name: str
    gateway: bool
    shop: ExternalShop

    def start(self) -> contextlib.AbstractContextManager[ExternalShop]:
        return contextlib.nullcontext(self.shop)


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    name: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _external_target(base_url: str) -> ExternalTarget:
    try:
        served_by = httpx.get(f"{base_url}/healthz", timeout=5).headers.get("X-Served-By", "")
    except httpx.HTTPError as exc:
        raise pytest.UsageError(f"SHOP_BASE_URL={base_url} does not answer: {exc}") from exc
    shop = ExternalShop(
        name=os.environ.get("SHOP_NAME", served_by or "external"),
        base_url=base_url.rstrip("/"),
        admin_email=os.environ.get("SHOP_ADMIN_EMAIL", "admin@example.com"),
        admin_password=os.environ.get("SHOP_ADMIN_PASSWORD", "admin-dev-password"),
        gateway=served_by == "gateway",
        jwt_private_key_file=os.environ.get("SHOP_JWT_PRIVATE_KEY_FILE"),
    )
    return ExternalTarget(shop.name, shop.gateway, shop)


@functools.cache
def contract_targets() -> dict[str, Any]:
    base_url = os.environ.get("SHOP_BASE_URL")
    if base_url:
        target: Any = _external_target(base_url)
        return {target.name: target}
    from devstack.targets import contract_targets as devstack_targets

    return {target.name: target for target in devstack_targets()}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gateway_only: runs only against gateway targets")
    config.addinivalue_line("markers", "own_stack: needs a shop the suite started itself "
                            "(it reaches the processes behind it); not run with SHOP_BASE_URL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shop" in metafunc.fixturenames:
        names = list(contract_targets())
        metafunc.parametrize("shop", names, indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Gateway-only tests leave the run (deselected, not skipped) for other targets, and
    tests that reach the processes behind a shop leave it for a shop already running."""
    external = bool(os.environ.get("SHOP_BASE_URL"))
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("shop") if callspec else None
        gateway_only = item.get_closest_marker("gateway_only") is not None
        own_stack = item.get_closest_marker("own_stack") is not None
        if gateway_only and name is not None and not contract_targets()[name].gateway:
            drop.append(item)
        elif own_stack and external:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def shop(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The running shop: ``name``, ``base_url``, ``admin_email``, ``admin_password``, gateway."""
    with contract_targets()[request.param].start() as running:
        yield running


@pytest.fixture(scope="session")
def api(shop: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.base_url, timeout=10.0) as client:
        yield client


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request for test set-up: a gateway's 429 is waited out, as a polite client would."""
    for _ in range(5):
        response = client.request(method, url, **kwargs)
        if response.status_code != 429:
            return response
        time.sleep(min(int(response.headers.get("Retry-After", "1")), 10))
    return response


def _login(client: httpx.Client, email: str, password: str) -> str:
    response = send(client, "POST", "/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _me(client: httpx.Client, token: str) -> dict[str, Any]:
    response = send(client, "GET", "/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture(scope="session")
def admin(shop: Any, api: httpx.Client) -> Account:
    """The administrator account that exists from start-up."""
    token = _login(api, shop.admin_email, shop.admin_password)
    me = _me(api, token)
    assert me["role"] == "admin"
    return Account(me["id"], shop.admin_email, shop.admin_password, me["name"], "admin", token)


@pytest.fixture(scope="session")
def random_email() -> Callable[[], str]:
    return lambda: f"contract-{uuid.uuid4().hex[:16]}@example.com"


@pytest.fixture(scope="session")
def random_sku() -> Callable[[], str]:
    return lambda: f"CT-{uuid.uuid4().hex[:16].upper()}"


@pytest.fixture(scope="session")
def new_customer(api: httpx.Client, random_email: Callable[[], str]) -> Callable[..., Account]:
    """Registers and signs in a fresh customer; ``client`` lets a thread use its own."""

    def make(*, client: httpx.Client | None = None, name: str = "Contract Customer") -> Account:
        http = client or api
        email, password = random_email(), f"pw-{uuid.uuid4().hex}"
        response = send(http, "POST", "/api/auth/register",
                        json={"email": email, "password": password, "name": name})
        assert response.status_code == 201, response.text
        token = _login(http, email, password)
        return Account(response.json()["id"], email, password, name, "customer", token)

    return make


@pytest.fixture
def customer(new_customer: Callable[..., Account]) -> Account:
    return new_customer()


@pytest.fixture(scope="session")
def create_product(
    api: httpx.Client, admin: Account, random_sku: Callable[[], str]
) -> Callable[..., dict[str, Any]]:
    """Creates a product through the admin API; keyword arguments override the defaults."""

    def make(**overrides: Any) -> dict[str, Any]:
        sku = overrides.pop("sku", None) or random_sku()
        body = {"sku": sku, "name": f"Contract product {sku}", "category": "Contract tests",
                "price_cents": 1250, "stock": 10, **overrides}
        response = send(api, "POST", "/api/products", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        return dict(response.json())

    return make


@pytest.fixture(scope="session")
def problem_titles() -> dict[str, str]:
    """Each problem type's title, as the contract document pins them."""
    schemas = yaml.safe_load(CONTRACT_FILE.read_text())["components"]["schemas"]
    titles = {}
    for schema in schemas.values():
        for part in schema.get("allOf", []):
            props = part.get("properties", {})
            if "const" in props.get("type", {}) and "const" in props.get("title", {}):
                titles[props["type"]["const"].removeprefix("/problems/")] = props["title"]["const"]
    return titles


@pytest.fixture(scope="session")
def expect_problem(problem_titles: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Asserts a response is the contract's problem+json of ``status`` and ``slug``."""

    def check(response: httpx.Response, status: int, slug: str, **members: Any) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        body = dict(response.json())
        assert body["type"] == f"/problems/{slug}"
        assert body["title"] == problem_titles[slug]
        assert body["status"] == status
        assert isinstance(body["detail"], str) and body["detail"]
        for name, value in members.items():
            assert body[name] == value, name
        return body

    return check


@pytest.fixture(scope="session")
def error_fields() -> Callable[[httpx.Response], set[str]]:
    """The ``field`` names of a 422 validation problem."""

    def fields(response: httpx.Response) -> set[str]:
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert all(isinstance(error["message"], str) for error in errors)
        return {error["field"] for error in errors}

    return fields


@pytest.fixture(scope="session")
def checkout_body() -> Callable[..., dict[str, Any]]:
    """A valid checkout body; ``card_number`` and the address's ``name`` can be chosen."""

    def make(card_number: str = APPROVED_CARD, name: str = "Ada Lovelace") -> dict[str, Any]:
        next_year = time.gmtime().tm_year + 1
        return {
            "payment": {"card_number": card_number, "exp_month": 12, "exp_year": next_year,
                        "cvc": "123"},
            "shipping_address": {"name": name, "line1": "1 Analytical Way", "city": "London",
                                 "postal_code": "N1 9GU", "country": "GB"},
        }

    return make


@pytest.fixture(scope="session")
def fill_cart(api: httpx.Client) -> Callable[[Account, dict[str, int]], dict[str, Any]]:
    """Sets each product's quantity in the account's cart; returns the cart."""

    def fill(account: Account, quantities: dict[str, int]) -> dict[str, Any]:
        cart: dict[str, Any] = {}
        for product_id, quantity in quantities.items():
            response = send(api, "PUT", f"/api/cart/items/{product_id}",
                            json={"quantity": quantity}, headers=account.headers)
            assert response.status_code == 200, response.text
            cart = dict(response.json())
        return cart

    return fill


@pytest.fixture(scope="session")
def checkout(
    api: httpx.Client, checkout_body: Callable[..., dict[str, Any]]
) -> Callable[..., httpx.Response]:
    """``POST /api/orders`` for the account, with a valid body unless one is given."""

    def place(account: Account, body: dict[str, Any] | None = None,
              key: str | None = None) -> httpx.Response:
        headers = dict(account.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return api.post("/api/orders", json=body or checkout_body(), headers=headers)

    return place


@pytest.fixture(scope="session")
def stock_of(api: httpx.Client) -> Callable[[str], int]:
    def stock(product_id: str) -> int:
        response = send(api, "GET", f"/api/products/{product_id}")
        assert response.status_code == 200, response.text
        return int(response.json()["stock"])

    return stock


@pytest.fixture(scope="session")
def cart_of(api: httpx.Client) -> Callable[[Account], dict[str, Any]]:
    def cart(account: Account) -> dict[str, Any]:
        response = send(api, "GET", "/api/cart", headers=account.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    return cart


@pytest.fixture(scope="session")
def orders_of(api: httpx.Client) -> Callable[[Account], dict[str, Any]]:
    def orders(account: Account) -> dict[str, Any]:
        response = send(api, "GET", "/api/orders", headers=account.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    return orders
