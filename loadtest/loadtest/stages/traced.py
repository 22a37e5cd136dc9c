"""Where the time goes: a short traced stage, last, at low load.

Starts an OTLP receiver (:class:`devstack.otlp.OtlpReceiver`), restarts every app
process of both shops with ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at it (the
other stages ran without tracing, so its cost is in none of their figures), then
sends each shop, one request at a time and the shops taking turns, a few product
reads and checkouts, each with a sampled ``traceparent`` of its own. Each request's
trace is split into hops and store/HTTP calls (:mod:`loadtest.traces`); the stage
reports the medians.

Against remote shops there is no collector of ours to send spans to: the stage
says so and gives what the edge's ``/metrics`` holds for the same two routes
(its mean time per request), which is the edge hop only.
"""

from __future__ import annotations

import random
import re
import socket
import time
import uuid
from typing import Any

import httpx
from devstack.otlp import OtlpReceiver, render_tree

from loadtest import fixture, traces
from loadtest.mixes import ADDRESS, APPROVED_CARD
from loadtest.shops import SIDES, Shop, restart_apps
from loadtest.stages.context import Context

ROUTES = {"product": "GET /api/products/{id}", "checkout": "POST /api/orders"}
# A route's parameter as Flask (<product_id>) or Starlette ({product_id}) names it.
PLACEHOLDER = re.compile(r"[{<][^}>]*[}>]")
RECEIVER_PORT = 24318
WARM_UP = 3
# The apps export as deployed: a batch every 5 s (OTEL_BSP_SCHEDULE_DELAY's default in
# chassis.settings). A shorter delay would collect sooner but put an export's fixed cost
# (its HTTP request, the resource's encoding) on every few requests of every process, a
# cost that grows with the number of processes rather than with the work
# (docs/performance.md, "Spans exported as deployed").
BATCH_DELAY_S = 5.0
# Spans have all arrived once none came for longer than a batch delay.
SETTLE_S = BATCH_DELAY_S + 1.0
# After each sampled request, time for what it set off to finish (the relays poll every
# 0.2 s; the events' consumers, the caches' stores) before the other side's request.
PAUSE_S = 0.3
COLLECT_TIMEOUT_S = 4 * BATCH_DELAY_S


def traced_estimate(ctx: Context) -> float:
    if not ctx.local:
        return 2.0
    return (30.0 + len(SIDES) * 2 * (WARM_UP * 0.1 + samples(ctx) * (0.1 + PAUSE_S))
            + SETTLE_S + 5.0)


def samples(ctx: Context) -> int:
    return 8 if ctx.settings.quick else 30


def free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


class _Shopper:
    """One prepared shopper: a product read and a checkout (cart line set first)."""

    def __init__(self, shop: Shop, data: dict[str, Any]) -> None:
        self.data = data
        self.client = httpx.Client(base_url=shop.base_url, timeout=30.0)
        self.auth = {"Authorization": f"Bearer {data['shoppers'][0]['token']}"}

    def product(self, headers: dict[str, str]) -> int:
        product = random.choice(self.data["product_ids"])
        return self.client.get(f"/api/products/{product}", headers=headers).status_code

    def checkout(self, headers: dict[str, str]) -> int:
        product = random.choice(self.data["checkout_products"])
        self.client.put(f"/api/cart/items/{product}", headers=self.auth,
                        json={"quantity": 1}).raise_for_status()
        body = {"payment": {"card_number": APPROVED_CARD, "exp_month": 12,
                            "exp_year": time.gmtime().tm_year + 2, "cvc": "123"},
                "shipping_address": ADDRESS}
        return self.client.post("/api/orders", json=body, headers={
            **self.auth, **headers, "Idempotency-Key": uuid.uuid4().hex}).status_code


def _shopper(ctx: Context, side: str) -> _Shopper:
    data = fixture.read(ctx.data_files[side])
    if fixture.refresh(data, lasting=120.0):
        fixture.write(data, ctx.data_files[side])
    return _Shopper(ctx.shops[side], data)


def _sample(ctx: Context) -> dict[str, dict[str, list[tuple[str, float, int]]]]:
    """Per side and request kind: (trace id, client-side ms, status) of each sampled
    request. The sides take turns, request by request, so that whatever else the machine
    is doing meanwhile (an app still warming after the restart, an export) falls on both
    alike rather than on whichever side went first; each request has the machine to
    itself for a moment first, so that no side's request pays for what the other's
    previous one set off (its events, relayed and consumed after the answer)."""
    shoppers = {side: _shopper(ctx, side) for side in SIDES}
    sent: dict[str, dict[str, list[tuple[str, float, int]]]] = {
        side: {kind: [] for kind in ROUTES} for side in SIDES}
    try:
        for kind in ROUTES:
            for shopper in shoppers.values():
                for _ in range(WARM_UP):
                    getattr(shopper, kind)({})
            for _ in range(samples(ctx)):
                for side, shopper in shoppers.items():
                    trace_id, header = traces.traceparent()
                    began = time.perf_counter()
                    status = getattr(shopper, kind)({"traceparent": header})
                    sent[side][kind].append(
                        (trace_id, (time.perf_counter() - began) * 1000, status))
                    time.sleep(PAUSE_S)
    finally:
        for shopper in shoppers.values():
            shopper.client.close()
    return sent


def _collect(receiver: OtlpReceiver, trace_ids: list[str], settle: float = SETTLE_S
             ) -> dict[str, list[Any]]:
    """The spans of ``trace_ids``, once none came for ``settle`` seconds."""
    deadline = time.monotonic() + COLLECT_TIMEOUT_S
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(receiver.spans())
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since > settle:
            break
        time.sleep(0.1)
    return traces.group_by_trace(receiver.spans(), trace_ids)


def traced(ctx: Context) -> dict[str, Any]:
    if not ctx.local:
        return _from_metrics(ctx)
    port = free_port(RECEIVER_PORT)
    with OtlpReceiver(port=port) as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
        ctx.progress.say("restarting every app of both shops with traces exported")
        restarted = round(restart_apps(ctx.shops.values(), env), 1)
        for side in SIDES:
            ctx.wait_healthy(side)
        ctx.progress.say(f"{samples(ctx)} traced product reads and checkouts a side, one at a "
                         "time, the sides taking turns")
        sent = _sample(ctx)
        all_ids = [t for side in SIDES for kind in ROUTES for t, _, _ in sent[side][kind]]
        spans = _collect(receiver, all_ids)
    sides: dict[str, Any] = {}
    for side in SIDES:
        sides[side] = {}
        for kind, route in ROUTES.items():
            requests = sent[side][kind]
            broken = [traces.breakdown(spans[t]) for t, _, status in requests if status < 400]
            figures = traces.aggregate(b for b in broken if b)
            client_ms = sorted(ms for _, ms, _ in requests)
            example = next((spans[t] for t, _, status in requests if spans[t] and status < 400),
                           [])
            sides[side][kind] = {
                "route": route, **figures, "sent": len(requests),
                "traced": sum(1 for b in broken if b),
                "statuses": sorted({status for _, _, status in requests}),
                "client_median_ms": round(client_ms[len(client_ms) // 2], 3)
                if client_ms else None,
                "example_tree": render_tree(example) if example else ""}
    return {"status": "ok", "source": "traces", "samples": samples(ctx),
            "load": f"one request at a time after a warm-up, the shops taking turns, "
                    f"{PAUSE_S:g} s after each",
            "restart_s": restarted, "sides": sides}


def edge_means(text: str) -> dict[str, Any]:
    """Per request kind: the mean time per request of its route in a /metrics text."""
    from prometheus_client.parser import text_string_to_metric_families

    sums: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "http_request_duration_seconds":
            continue
        for sample in family.samples:
            template = PLACEHOLDER.sub("{id}", str(sample.labels.get("route")))
            route = f"{sample.labels.get('method')} {template}"
            if sample.name.endswith(("_sum", "_count")) and route in ROUTES.values():
                entry = sums.setdefault(route, [0.0, 0.0])
                entry[0 if sample.name.endswith("_sum") else 1] += sample.value
    means = {}
    for kind, route in ROUTES.items():
        total, count = sums.get(route, [0.0, 0.0])
        if count:
            means[kind] = {"route": route, "edge_mean_ms": round(1000 * total / count, 3),
                           "requests": int(count)}
    return means


def _from_metrics(ctx: Context) -> dict[str, Any]:
    """Remote shops: the edge's mean time per route from its own /metrics."""
    sides: dict[str, Any] = {}
    for side, shop in ctx.shops.items():
        try:
            sides[side] = edge_means(httpx.get(f"{shop.base_url}/metrics", timeout=5.0).text)
        except (httpx.HTTPError, ValueError):
            sides[side] = {}
    return {"status": "ok", "source": "metrics",
            "reason": "no trace collector runs beside remote shops: the edge's own mean time "
                      "per route (/metrics) only, not split into hops",
            "sides": sides}
