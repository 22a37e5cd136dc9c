"""Traces across every hop: a request that comes with a W3C ``traceparent`` is followed
by spans that share its trace id, from the edge to each service and each store call,
exported over OTLP to a receiver this test runs; and every log line the request causes,
in every process, carries that trace id beside the request id. Both shops.

``-s`` prints each checkout's trace as a tree and its time per hop.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from devstack.otlp import OtlpReceiver, Span, render_tree, time_by_hop

from .conftest import Ports, RunningStack, Shopper, running_stack

OTLP_PORT = 25318
PORTS = Ports(monolith=25000, gateway=25080,
              services={"users": 25101, "catalog": 25102, "cart": 25103, "orders": 25104,
                        "payments": 25105},
              mongodb=25017, redis=25380)


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver(OTLP_PORT) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def stack(receiver: OtlpReceiver) -> Iterator[RunningStack]:
    # Spans leave every 100 ms instead of every 5 s, so that the test waits little.
    with running_stack(PORTS, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
                               "OTEL_BSP_SCHEDULE_DELAY": "100"}) as stack:
        yield stack


class Caller:
    """A client span of our own: the ``traceparent`` and request id the shop receives."""

    def __init__(self) -> None:
        self.trace_id = secrets.token_hex(16)
        self.span_id = secrets.token_hex(8)
        self.request_id = f"obs-{secrets.token_hex(6)}"

    def headers(self) -> dict[str, str]:
        return {"traceparent": f"00-{self.trace_id}-{self.span_id}-01",
                "X-Request-ID": self.request_id}


def by_id(spans: list[Span]) -> dict[str, Span]:
    return {span.span_id: span for span in spans}


def ancestors(span: Span, spans: list[Span]) -> list[Span]:
    index, chain = by_id(spans), []
    while span.parent_id in index:
        span = index[span.parent_id]
        chain.append(span)
    return chain


def server_span(spans: list[Span], service: str, name: str) -> Span:
    matches = [s for s in spans if s.service == service and s.kind == "server"
               and s.name == name]
    assert len(matches) == 1, (service, name, render_tree(spans))
    return matches[0]


def store_calls(spans: list[Span], service: str, system: str) -> list[Span]:
    return [s for s in spans if s.service == service and s.kind == "client"
            and s.attributes.get("db.system", s.attributes.get("db.system.name")) == system]


def assert_hop(spans: list[Span], caller: Span, callee: Span) -> None:
    """``callee``'s server span hangs under a client span of ``caller``'s service."""
    parent = by_id(spans)[callee.parent_id or ""]
    assert parent.kind == "client" and parent.service == caller.service, render_tree(spans)
    assert caller in ancestors(parent, spans), render_tree(spans)


def assert_logs_carry(stack: RunningStack, caller: Caller, processes: set[str]) -> None:
    lines = stack.lines_of(caller.request_id, processes)
    assert processes <= {name for name, _ in lines}, lines
    assert all(line.get("trace_id") == caller.trace_id for _, line in lines), lines


def show(title: str, spans: list[Span]) -> None:
    print(f"\n== {title}: {len({s.span_id for s in spans})} spans\n{render_tree(spans)}")
    for hop in time_by_hop(spans)[:8]:
        print(f"   {hop.self_ms:8.1f} ms self {hop.total_ms:8.1f} ms total  x{hop.count}"
              f"  {hop.service} {hop.kind} {hop.name}")


def test_a_product_read_through_the_gateway_is_one_trace_down_to_mongodb(
        stack: RunningStack, receiver: OtlpReceiver) -> None:
    with Shopper(stack.url("gateway")) as shopper:
        product = shopper.first_product()
    caller = Caller()
    Shopper.call_once(stack.url("gateway"), f"/api/products/{product}", caller.headers())

    spans = receiver.wait_for_trace(caller.trace_id, services={"gateway", "catalog"})
    edge = server_span(spans, "gateway", "GET /api/products/{product_id}")
    assert edge.parent_id == caller.span_id
    catalog = server_span(spans, "catalog", "GET /api/products/{product_id}")
    assert_hop(spans, edge, catalog)
    reads = store_calls(spans, "catalog", "mongodb")
    assert reads and all(catalog in ancestors(read, spans) for read in reads)
    assert_logs_carry(stack, caller, {"gateway", "catalog"})


def test_a_checkout_through_the_gateway_is_one_trace_over_every_service_and_store(
        stack: RunningStack, receiver: OtlpReceiver) -> None:
    caller = Caller()
    with Shopper(stack.url("gateway")) as shopper:
        shopper.fill_cart(shopper.first_product())
        shopper.checkout(headers=caller.headers())

    services = {"gateway", "orders", "cart", "catalog", "payments"}
    spans = receiver.wait_for_trace(caller.trace_id, services=services)
    show("microservices checkout", spans)
    edge = server_span(spans, "gateway", "POST /api/orders")
    assert edge.parent_id == caller.span_id
    orders = server_span(spans, "orders", "POST /api/orders")
    assert_hop(spans, edge, orders)
    for service, route in [("cart", "GET /internal/carts/{user_id}"),
                           ("catalog", "PUT /internal/reservations/{order_id}"),
                           ("payments", "POST /internal/charges")]:
        assert_hop(spans, orders, server_span(spans, service, route))
    steps = {s.name for s in spans if s.service == "orders" and s.kind == "internal"}
    assert {"checkout price_cart", "checkout reserve_stock", "checkout charge",
            "checkout confirm", "checkout clear_cart"} <= steps
    assert store_calls(spans, "orders", "sqlite") and store_calls(spans, "payments", "sqlite")
    assert store_calls(spans, "catalog", "mongodb") and store_calls(spans, "cart", "redis")
    assert_logs_carry(stack, caller, services)


def test_a_monolith_checkout_is_one_trace_with_the_same_steps_and_its_sql(
        stack: RunningStack, receiver: OtlpReceiver) -> None:
    caller = Caller()
    with Shopper(stack.url("monolith")) as shopper:
        shopper.fill_cart(shopper.first_product())
        shopper.checkout(headers=caller.headers())

    spans = receiver.wait_for_trace(caller.trace_id, services={"monolith"})
    show("monolith checkout", spans)
    edge = server_span(spans, "monolith", "POST /api/orders")
    assert edge.parent_id == caller.span_id
    steps = {s.name for s in spans if s.kind == "internal"}
    assert {"checkout price_cart", "checkout reserve_stock", "checkout charge",
            "checkout confirm", "checkout clear_cart"} <= steps
    statements = store_calls(spans, "monolith", "sqlite")
    assert statements and all(edge in ancestors(s, spans) for s in statements)
    assert_logs_carry(stack, caller, {"monolith"})


def test_a_request_without_traceparent_gets_a_trace_id_of_its_own_in_its_logs(
        stack: RunningStack, receiver: OtlpReceiver) -> None:
    request_id = f"obs-{secrets.token_hex(6)}"
    Shopper.call_once(stack.url("monolith"), "/api/products", {"X-Request-ID": request_id})
    lines = [line for _, line in stack.lines_of(request_id, {"monolith"})]
    assert lines and len({line["trace_id"] for line in lines}) == 1
    assert len(lines[0]["trace_id"]) == 32 and lines[0]["trace_id"] != "0" * 32
