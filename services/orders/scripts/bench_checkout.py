"""Checkout latency on both shops in one run: ``python services/orders/scripts/bench_checkout.py``.

Starts both shops (the comparison's local shops, embedded stores unless
``STORES=postgres``), then places ``ROUNDS`` checkouts of a two-line cart on
each, one at a time and alternating between the shops, and prints the p50 and
p90 of ``POST /api/orders`` on each side and their ratio, and the CPU each side's
processes (apps, relays, stores) spent per round of two cart writes and a checkout, read
from ``/proc``: one checkout at a time on two cores, a round's wall time is about its
CPU time (docs/performance.md, "A checkout's CPU, process by process"). ``PROFILE=DIR`` also
records py-spy profiles (collapsed stacks) of the gateway, orders, catalog, payments and cart
while the microservices' checkouts run. ``TRACED=1`` restarts every app with its spans
exported to a receiver here (as the comparison's traced stage does) before the rounds,
and also prints the spans each service exported per round and each side's median
checkout trace. Run it under the servers' lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from devstack.otlp import OtlpReceiver, Span, render_tree
from loadtest.gateway_throughput import py_spy
from loadtest.shops import (
    GATEWAY_PORT,
    MICROSERVICES,
    MONOLITH,
    MONOLITH_PORT,
    SERVICE_PORTS,
    LocalSettings,
    Shop,
    local_shops,
    restart_apps,
)
from loadtest.stages.traced import SETTLE_S, free_port

from loadtest import procfs

ROUNDS = int(os.environ.get("ROUNDS", "60"))
TRACED = os.environ.get("TRACED") == "1"
CARD = {"card_number": "4242424242424242", "exp_month": 12,
        "exp_year": time.gmtime().tm_year + 1, "cvc": "123"}
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "London",
           "postal_code": "N1 9GU", "country": "GB"}
PROFILED = ("gateway", "orders", "catalog", "payments", "cart")
PORTS = {**SERVICE_PORTS, "gateway": GATEWAY_PORT}


class Shopper:
    def __init__(self, shop: Shop) -> None:
        self.http = httpx.Client(base_url=shop.base_url, timeout=30.0)
        admin = self._token(shop.admin_email, shop.admin_password)
        self.products = [self._product(admin) for _ in range(2)]
        email, password = f"bench-{uuid.uuid4().hex[:12]}@example.com", uuid.uuid4().hex
        response = self.http.post("/api/auth/register",
                                  json={"email": email, "password": password, "name": "Bench"})
        assert response.status_code == 201, response.text
        self.headers = {"Authorization": f"Bearer {self._token(email, password)}"}

    def _token(self, email: str, password: str) -> str:
        response = self.http.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def _product(self, admin: str) -> str:
        sku = f"BENCH-{uuid.uuid4().hex[:10].upper()}"
        response = self.http.post("/api/products", headers={"Authorization": f"Bearer {admin}"},
                                  json={"sku": sku, "name": sku, "category": "Bench",
                                        "price_cents": 999, "stock": 100_000})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def checkout_ms(self) -> float:
        for product_id in self.products:
            response = self.http.put(f"/api/cart/items/{product_id}", json={"quantity": 1},
                                     headers=self.headers)
            assert response.status_code == 200, response.text
        started = time.perf_counter()
        response = self.http.post("/api/orders", headers=self.headers,
                                  json={"payment": CARD, "shipping_address": ADDRESS})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 201, response.text
        return elapsed


def _profilers(shop: Shop, out: Path) -> list[subprocess.Popen[bytes]]:
    out.mkdir(parents=True, exist_ok=True)
    started = []
    for name in PROFILED:
        for pid in procfs.tree(shop.process(name).pid or 0):
            started.append(subprocess.Popen(
                [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                 "--nonblocking", "-o", str(out / f"{name}-{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)
    return started


def _stop(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(2)  # SIGINT: py-spy writes its file and ends
    for profiler in profilers:
        profiler.wait(30)


def _step_seconds(url: str) -> dict[str, tuple[float, float]]:
    """(sum, count) of each checkout step's and each outbound call's duration histogram."""
    found: dict[str, list[float]] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10.0).text.splitlines():
        match = re.match(r'(checkout_step_duration_seconds|http_client_request_duration_seconds|'
                         r'http_request_duration_seconds)'
                         r'_(sum|count)\{(.*)\} (\S+)$', line)
        if match:
            labels = dict(re.findall(r'(\w+)="([^"]*)"', match.group(3)))
            name = labels.get("step") or " ".join(
                labels.get(k, "") for k in ("downstream", "method", "route") if k in labels)
            entry = found.setdefault(name, [0.0, 0.0])
            entry[0 if match.group(2) == "sum" else 1] += float(match.group(4))
    return {name: (total, count) for name, (total, count) in found.items()}


def _print_steps(side: str, before: dict[str, tuple[float, float]],
                 after: dict[str, tuple[float, float]]) -> None:
    for name, (total, count) in sorted(after.items()):
        total -= before.get(name, (0.0, 0.0))[0]
        count -= before.get(name, (0.0, 0.0))[1]
        if count:
            print(f"  {side:10} {name[:44]:44} mean {1000 * total / count:6.1f} ms"
                  f"  (n={count:.0f})")


def _cpu_seconds(shop: Shop) -> dict[str, float]:
    """CPU seconds so far of each of the shop's components (their processes now)."""
    return {component.name: sum(procfs.read_cpu(component.pids()).values())
            for component in shop.components}


def _print_cpu(side: str, before: dict[str, float], after: dict[str, float],
               rounds: int) -> None:
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    total = sum(spent.values())
    print(f"{side:14} CPU per round (2 cart writes + a checkout): {1000 * total / rounds:.1f} ms"
          " — " + ", ".join(f"{name} {1000 * seconds / rounds:.1f}"
                            for name, seconds in sorted(spent.items(), key=lambda i: -i[1])
                            if seconds * 1000 / rounds >= 0.1))


def _closed_connections() -> dict[str, int]:
    """Connections to each service port closed in the last minute (TIME_WAIT): a client
    that reuses its pooled connections leaves next to none."""
    out = subprocess.run(["ss", "-Htan", "state", "time-wait"], capture_output=True,
                         text=True, check=False).stdout
    ports = {str(port): name for name, port in SERVICE_PORTS.items()}
    found = dict.fromkeys(SERVICE_PORTS, 0)
    for line in out.splitlines():
        fields = line.split()
        for address in fields[-2:]:
            name = ports.get(address.rsplit(":", 1)[-1])
            if name:
                found[name] += 1
    return found


def _print_spans(receiver: OtlpReceiver, skipped: int, rounds: int) -> None:
    """Spans exported per round, by service (a round's cart writes included), leaving out
    the first ``skipped`` (the warm-up's)."""
    time.sleep(SETTLE_S)  # every process has exported its last batch
    spans = receiver.spans()[skipped:]
    counts: dict[str, int] = {}
    traces: dict[str, list[Span]] = {}
    for span in spans:
        counts[span.service] = counts.get(span.service, 0) + 1
        traces.setdefault(span.trace_id, []).append(span)
    print("spans exported per round: " + ", ".join(
        f"{service} {count / rounds:.1f}" for service, count in sorted(
            counts.items(), key=lambda item: -item[1])))
    for edge in ("gateway", "monolith"):
        checkouts = sorted([(root.duration_ms, trace) for trace in traces.values()
                            for root in trace if root.service == edge and root.kind == "server"
                            and not root.parent_id and root.name.startswith("POST /api/orders")],
                           key=lambda checkout: checkout[0])
        if checkouts:
            print(f"the median {edge} checkout's trace:")
            print(render_tree(checkouts[len(checkouts) // 2][1]))


def main() -> None:
    settings = LocalSettings(stores=os.environ.get("STORES", "embedded"))
    profile = os.environ.get("PROFILE")
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-checkout-"))
        shops = stack.enter_context(local_shops(settings, Path(tmp)))
        receiver = None
        if TRACED:
            receiver = stack.enter_context(OtlpReceiver(port=free_port(24319)))
            restart_apps(shops.values(), {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url})
        shoppers = {side: Shopper(shops[side]) for side in (MONOLITH, MICROSERVICES)}
        for shopper in shoppers.values():  # warm up pools, caches, JWKS
            for _ in range(5):
                shopper.checkout_ms()
        skipped = 0
        if receiver is not None:
            time.sleep(SETTLE_S)
            skipped = len(receiver.spans())
        timings: dict[str, list[float]] = {MONOLITH: [], MICROSERVICES: []}
        metrics = {MONOLITH: f"http://127.0.0.1:{MONOLITH_PORT}",
                   **{name: f"http://127.0.0.1:{port}" for name, port in PORTS.items()
                      if name in PROFILED}}
        before = {side: _step_seconds(url) for side, url in metrics.items()}
        cpu_before = {side: _cpu_seconds(shops[side]) for side in shoppers}
        profilers = _profilers(shops[MICROSERVICES], Path(profile)) if profile else []
        try:
            for _ in range(ROUNDS):
                for side, shopper in shoppers.items():
                    timings[side].append(shopper.checkout_ms())
        finally:
            _stop(profilers)
        cpu_after = {side: _cpu_seconds(shops[side]) for side in shoppers}
        after = {side: _step_seconds(url) for side, url in metrics.items()}
        closed = _closed_connections()
        if receiver is not None:
            _print_spans(receiver, skipped, ROUNDS)
    p50 = {side: statistics.median(values) for side, values in timings.items()}
    for side, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{side:14} checkout p50 {p50[side]:7.1f} ms  p90 {p90:7.1f} ms  (n={len(values)})")
    for side in shoppers:
        _print_cpu(side, cpu_before[side], cpu_after[side], ROUNDS)
    for side in metrics:
        _print_steps(side, before[side], after[side])
    print("connections closed during the run (TIME_WAIT), by service port:", closed)
    print(f"ratio microservices/monolith p50: {p50[MICROSERVICES] / p50[MONOLITH]:.2f}")


if __name__ == "__main__":
    main()
