"""Fixtures of the browser tests: Debian's Chromium (``/usr/bin/chromium``) driven by
Playwright against each shop, started by devstack (``devstack.targets.browser_targets()``)
or named by ``SHOP_BASE_URL`` (as the container test does, through nginx).

Every test gets a fresh browser context whose page is watched: a console error, an
uncaught exception, a request that failed, or an HTTP error the test did not say it
expects (``watched.expect(402)``) fails the test. The order event stream is the one
request the page ends itself (leaving an order page, or once the order is final): its
abort is no failure, and the end of a test waits for every other request only.
``snap(name)`` writes the page's screenshot at desktop and phone (360 px) width to
``reports/screenshots/<shop>/`` and checks that nothing is wider than the phone's screen.
"""

from __future__ import annotations

import functools
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Response,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "reports" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# Chromium's own line for an HTTP error answer; the answer itself is checked instead.
STATUS_LINE = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")
APPROVED_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
PASSWORD = "correct horse battery"
# Generous: the machine that runs these may be busy with other suites.
TIMEOUT_MS = 20_000
EVENT_STREAM = "/api/orders/events"
# Quiet for this long, the order event stream aside, and the page is done.
SETTLED_SECONDS = 0.5
expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Shop:
    name: str
    base_url: str
    admin_email: str
    admin_password: str


@functools.cache
def browser_shops() -> dict[str, Any]:
    base_url = os.environ.get("SHOP_BASE_URL")
    if base_url:
        served_by = httpx.get(f"{base_url}/healthz", timeout=5).headers.get("X-Served-By", "shop")
        shop = Shop(served_by, base_url.rstrip("/"),
                    os.environ.get("SHOP_ADMIN_EMAIL", "admin@example.com"),
                    os.environ.get("SHOP_ADMIN_PASSWORD", "admin-dev-password"))
        return {shop.name: lambda: _nothing_to_start(shop)}
    from devstack.targets import browser_targets

    return {target.name: target.start for target in browser_targets()}


def _nothing_to_start(shop: Shop) -> Any:
    import contextlib

    return contextlib.nullcontext(shop)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "shop" in metafunc.fixturenames:
        metafunc.parametrize("shop", list(browser_shops()), indirect=True, scope="session")


@pytest.fixture(scope="session")
def shop(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The running shop: ``name``, ``base_url``, ``admin_email``, ``admin_password``."""
    with browser_shops()[request.param]() as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """What went wrong in the page; ``expect(status)`` allows one HTTP error answer."""

    problems: list[str] = field(default_factory=list)
    allowed: list[int] = field(default_factory=list)
    errors_seen: list[int] = field(default_factory=list)
    status_lines: list[int] = field(default_factory=list)
    in_flight: set[Request] = field(default_factory=set)
    streams_ended: int = 0

    def expect(self, status: int) -> None:
        self.allowed.append(status)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        line = STATUS_LINE.match(message.text)
        if line is None:
            self.problems.append(f"console error: {message.text}")
        else:
            self.status_lines.append(int(line.group(1)))

    def on_response(self, response: Response) -> None:
        if response.status < 400:
            return
        self.errors_seen.append(response.status)
        if response.status in self.allowed:
            self.allowed.remove(response.status)
        else:
            self.problems.append(f"unexpected {response.status} from {response.url}")

    def on_request(self, request: Request) -> None:
        self.in_flight.add(request)

    def on_finished(self, request: Request) -> None:
        self.in_flight.discard(request)

    def on_failed(self, request: Request) -> None:
        self.in_flight.discard(request)
        if is_event_stream(request) and request.failure == "net::ERR_ABORTED":
            self.streams_ended += 1  # the page closed it: left the page, or nothing to follow
            return
        self.problems.append(f"request failed: {request.method} {request.url} {request.failure}")

    def settle(self, page: Page) -> None:
        """Wait until no request but an event stream has been in flight for a while."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if any(not is_event_stream(request) for request in self.in_flight):
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= SETTLED_SECONDS:
                return
            page.wait_for_timeout(100)
        self.problems.append("requests still in flight at the end: "
                             + ", ".join(r.url for r in self.in_flight))

    def streams_open(self) -> int:
        return sum(1 for request in self.in_flight if is_event_stream(request))

    def verdict(self) -> list[str]:
        """Every problem; a console line about an HTTP error the test expected is not one."""
        unexplained = [status for status in self.status_lines if status not in self.errors_seen]
        return self.problems + [f"console error: status {status}" for status in unexplained]


def is_event_stream(request: Request) -> bool:
    return request.url.split("?")[0].endswith(EVENT_STREAM)


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser: Browser, shop: Any, watched: Watched) -> Iterator[Page]:
    context = browser.new_context(base_url=shop.base_url, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.on("console", watched.on_console)
    tab.on("pageerror", lambda error: watched.problems.append(f"uncaught: {error}"))
    tab.on("response", watched.on_response)
    tab.on("request", watched.on_request)
    tab.on("requestfinished", watched.on_finished)
    tab.on("requestfailed", watched.on_failed)
    yield tab
    tab.wait_for_load_state("load")
    watched.settle(tab)
    context.close()
    assert watched.verdict() == []
    assert watched.allowed == [], "an HTTP error the test expected never came"


@pytest.fixture
def snap(page: Page, shop: Any) -> Callable[[str], None]:
    """Screenshots of the page as it is, at desktop and phone width; fits 360 px."""
    folder = SCREENSHOTS / shop.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> None:
        page.wait_for_selector("main:not([aria-busy])")
        page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        try:
            page.screenshot(path=folder / f"{name}-phone.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width} px wide on a 360 px screen"
        finally:
            page.set_viewport_size(DESKTOP)

    return take


@pytest.fixture(scope="session")
def api(shop: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.base_url, timeout=10.0) as client:
        yield client


@pytest.fixture(scope="session")
def admin_headers(shop: Any, api: httpx.Client) -> dict[str, str]:
    answer = api.post("/api/auth/login",
                      json={"email": shop.admin_email, "password": shop.admin_password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def create_product(api: httpx.Client,
                   admin_headers: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """A product made through the admin API; its name is unique, so searchable."""

    def make(**overrides: Any) -> dict[str, Any]:
        tag = uuid.uuid4().hex[:8]
        body = {"sku": f"BR-{tag.upper()}", "name": f"Browser Lamp {tag}",
                "description": "A lamp made for the browser tests.", "category": "Browser tests",
                "price_cents": 2599, "stock": 5, **overrides}
        answer = api.post("/api/products", json=body, headers=admin_headers)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    return make


@dataclass(frozen=True)
class Customer:
    email: str
    password: str
    name: str
    headers: dict[str, str]


@pytest.fixture
def customer(api: httpx.Client) -> Customer:
    """A customer registered through the API (the shopper's path signs up in the page)."""
    email, name = f"browser-{uuid.uuid4().hex[:12]}@example.com", "Grace Hopper"
    answer = api.post("/api/auth/register",
                      json={"email": email, "password": PASSWORD, "name": name})
    assert answer.status_code == 201, answer.text
    token = api.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    return Customer(email, PASSWORD, name, {"Authorization": f"Bearer {token['access_token']}"})


@pytest.fixture
def sign_in(page: Page) -> Callable[[str, str], None]:
    def go(email: str, password: str) -> None:
        page.goto("/#/signin")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("button", name="Sign out").wait_for()
        expect(page.get_by_role("heading", level=1)).to_have_text("Products")

    return go
