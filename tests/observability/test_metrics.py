"""Metrics that work under the launcher ``make run`` uses (devstack's ``build_stack``,
embedded stores, several gunicorn workers per app, on ports of their own): after
traffic, every app's ``/metrics`` holds real samples by route, the checkout steps of
both shops, pool and outbound-call gauges, CPU and memory; a service stopped trips the
gateway's breakers (counted), and once it is started again its ``/metrics`` counts
afresh while the other apps' samples are kept. Every metric the dashboard queries is
among what the apps export.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import Ports, RunningStack, Shopper, running_stack

PORTS = Ports(monolith=26000, gateway=26080,
              services={"users": 26101, "catalog": 26102, "cart": 26103, "orders": 26104,
                        "payments": 26105},
              mongodb=26017, redis=26380)
APPS = ("monolith", "gateway", "users", "catalog", "cart", "orders", "payments")
DASHBOARD = (Path(__file__).resolve().parents[2] / "deploy" / "observability" / "grafana"
             / "dashboards" / "shopstack.json")
# One route each app served during the traffic below, as its metrics name it.
SERVED = {
    "monolith": ("POST", "/api/orders"),
    "gateway": ("POST", "/api/orders"),
    "users": ("POST", "/api/auth/login"),
    "catalog": ("PUT", "/internal/reservations/{order_id}"),
    "cart": ("GET", "/internal/carts/{user_id}"),
    "orders": ("POST", "/api/orders"),
    "payments": ("POST", "/internal/charges"),
}
SQL_APPS = ("monolith", "users", "orders", "payments")

Samples = list[tuple[str, dict[str, str], float]]


@pytest.fixture(scope="module")
def stack() -> Iterator[RunningStack]:
    with running_stack(PORTS) as stack:
        yield stack


def scrape(stack: RunningStack, app: str) -> Samples:
    response = httpx.get(f"{stack.url(app)}/metrics", timeout=10)
    assert response.status_code == 200
    return [(sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples]


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(v for n, sample_labels, v in samples
               if n == name and labels.items() <= sample_labels.items())


def shop_traffic(stack: RunningStack) -> None:
    for shop in ("monolith", "gateway"):
        with Shopper(stack.url(shop)) as shopper:
            product = shopper.first_product()
            shopper.call("GET", f"/api/products/{product}", 200)
            shopper.fill_cart(product)
            shopper.checkout()


def test_every_app_reports_its_routes_steps_pools_and_processes_after_traffic(
        stack: RunningStack) -> None:
    shop_traffic(stack)
    for app in APPS:
        samples = scrape(stack, app)
        method, route = SERVED[app]
        labels = {"service": app, "method": method, "route": route}
        assert value(samples, "http_requests_total", **labels) >= 1, (app, route)
        assert value(samples, "http_request_duration_seconds_count", **labels) >= 1
        assert value(samples, "process_cpu_seconds_total") > 0, app
        assert value(samples, "process_resident_memory_bytes") > 10_000_000, app
    for app in ("monolith", "orders"):
        samples = scrape(stack, app)
        for step in ("price_cart", "reserve_stock", "charge", "confirm", "clear_cart"):
            assert value(samples, "checkout_step_duration_seconds_count",
                         step=step, outcome="ok") >= 1, (app, step)
        assert value(samples, "checkouts_total", outcome="confirmed") >= 1, app
    for app in SQL_APPS:
        samples = scrape(stack, app)
        assert value(samples, "db_pool_connections", pool="sqlite", state="open") >= 1, app
        assert value(samples, "db_pool_max_connections", pool="sqlite") >= 1, app
    assert value(scrape(stack, "catalog"), "db_pool_connections", pool="mongodb",
                 state="open") >= 1
    for app in ("gateway", "cart"):  # readiness pings Redis; the cart keeps its carts there
        samples = scrape(stack, app)
        assert value(samples, "db_pool_connections", pool="redis", state="open") >= 1, app
        assert value(samples, "db_pool_connections", pool="redis", state="in_use") == 0, app
        assert value(samples, "db_pool_max_connections", pool="redis") >= 1, app
    for app, downstream in (("gateway", "catalog"), ("gateway", "orders"),
                            ("orders", "payments")):
        samples = scrape(stack, app)
        assert value(samples, "http_client_request_duration_seconds_count",
                     downstream=downstream) >= 1, (app, downstream)
        assert value(samples, "http_client_pool_max_connections", downstream=downstream) > 0


def wait_until(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


def test_a_restarted_service_counts_afresh_and_the_breakers_it_tripped_are_counted(
        stack: RunningStack) -> None:
    shop_traffic(stack)
    monolith_before = value(scrape(stack, "monolith"), "http_requests_total")
    catalog = stack.stack.process("catalog")
    with Shopper(stack.url("gateway")) as shopper:
        product = shopper.first_product()
        catalog.stop()
        for _ in range(6):  # 3 attempts each: enough to open both workers' breakers
            shopper.call("GET", f"/api/products/{product}", 503)
        gateway = scrape(stack, "gateway")
        assert value(gateway, "circuit_breaker_transitions_total", state="open") >= 1
        assert max(v for n, labels, v in gateway if n == "circuit_breaker_open"
                   and labels["breaker"].startswith("catalog ")) == 1

        catalog.start()
        catalog.wait_ready(60)
        fresh = scrape(stack, "catalog")
        assert value(fresh, "http_requests_total", method="GET",
                     route="/api/products/{product_id}") == 0

        def breaker_closed_again() -> bool:
            # Past the edge's product cache (a query string), so that whichever gateway
            # worker holds the open breaker gets a request to probe with.
            answer = httpx.get(f"{stack.url('gateway')}/api/products/{product}",
                               params={"fresh": "1"}, timeout=10)
            return answer.status_code == 200 and value(
                scrape(stack, "gateway"), "circuit_breaker_transitions_total",
                state="closed") >= 1
        # A breaker lets its probe through after its reset time (10 s), then closes.
        assert wait_until(breaker_closed_again, 40)
    assert value(scrape(stack, "catalog"), "http_requests_total", method="GET",
                 route="/api/products/{product_id}") >= 1
    assert value(scrape(stack, "monolith"), "http_requests_total") >= monolith_before


def dashboard_metric_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in dashboard["panels"]
             for target in panel.get("targets", [])]
    assert exprs
    # Every metric is written with a selector, ``name{...}`` (docs/observability.md);
    # quoted label values are left out first, so that a regex in one is not a name.
    return {name for expr in exprs
            for name in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", re.sub(r'"[^"]*"', '""', expr))}


def test_every_metric_the_dashboard_queries_is_exported_by_a_running_app(
        stack: RunningStack) -> None:
    shop_traffic(stack)
    exported = {name for app in APPS for name, _, _ in scrape(stack, app)}
    missing = dashboard_metric_names() - exported
    assert not missing, missing
