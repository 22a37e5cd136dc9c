"""`python -m loadtest bench-gateway` (`make bench-gateway`): the gateway's overhead,
measured in one run. `python -m loadtest bench-streams` (`make bench-streams`): what 200
open order-event streams cost other reads.

Both start the microservices on ports of their own (embedded stores in a temporary
folder, rate limiting off, one worker per app so that both paths get the same share
of the machine). The first then reads one product straight from the catalog and
through the gateway, interleaved, with :mod:`loadtest.gateway_overhead` (latency at
low load), then under 16 connections with :mod:`loadtest.gateway_throughput` (the
gateway's share of the catalog's throughput and its CPU per request; needs ``wrk``;
``BENCH_PROFILE_DIR=dir`` adds py-spy profiles of both hops); the second
reads it through the gateway with and without the streams open, with
:mod:`loadtest.order_streams`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings

from loadtest import gateway_overhead, gateway_throughput, order_streams

# Below the kernel's ephemeral range (32768 and up), where an outgoing connection could
# hold one of them when the bench starts.
BENCH_PORTS = {"users": 29101, "catalog": 29102, "cart": 29103, "orders": 29104,
               "payments": 29105}
GATEWAY_PORT = 29080
# A query string the catalog ignores: the gateway caches only reads without one.
BYPASS = "proxied=1"


@contextmanager
def bench_stack() -> Iterator[tuple[StackSettings, str, Stack]]:
    """The microservices on ports of their own, and the id of one seeded product."""
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), web_concurrency=1, gateway_port=GATEWAY_PORT,
            service_ports=BENCH_PORTS, mongodb_port=29017, redis_port=29380,
            extra_env={"RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "WARNING"})
        with open(Path(tmp) / "processes.log", "a", buffering=1) as sink:
            stack = Stack("bench", store_specs(settings),
                          service_specs(settings) + [gateway_spec(settings)],
                          {"gateway": settings.url(GATEWAY_PORT)}, sink)
            print("starting the microservices for the benchmark ...", flush=True)
            with stack:
                catalog = settings.url(BENCH_PORTS["catalog"])
                product = httpx.get(f"{catalog}/api/products", params={"page_size": 1},
                                    timeout=5).json()["items"][0]["id"]
                yield settings, product, stack


def bench_gateway(requests: int = 2000) -> int:
    with bench_stack() as (settings, product, stack):
        catalog, gateway = settings.url(BENCH_PORTS["catalog"]), settings.url(GATEWAY_PORT)
        status = 0
        for title, query in (("cached", ""), ("proxied: cache bypassed", BYPASS)):
            print(f"latency at low load, one connection each, gateway {title}:", flush=True)
            status = max(status, gateway_overhead.main([
                "--catalog", catalog, "--gateway", gateway, "--gateway-query", query,
                "--product-id", product, "--requests", str(requests)]))
        if not gateway_throughput.wrk_available():
            print("wrk is not on the PATH: no throughput figures")
            return status
        return max(status, _throughput(stack, catalog, gateway, product))


def _throughput(stack: Stack, catalog: str, gateway: str, product: str) -> int:
    path = f"/api/products/{quote(product, safe='')}"
    pids = {name: stack.process(name).pid for name in ("catalog", "gateway")}
    trees = {name: pid for name, pid in pids.items() if pid is not None}
    profiles = gateway_throughput.profile_dir_from_env()
    runs = gateway_throughput.compare(
        {"catalog": (catalog + path, {"catalog": trees["catalog"]}),
         "gateway": (gateway + path, trees),
         "proxied": (f"{gateway}{path}?{BYPASS}", trees)}, profile_dir=profiles)
    print("\nthroughput, 16 connections (wrk), CPU from /proc:", flush=True)
    for line in gateway_throughput.report(runs, "catalog", ["gateway", "proxied"]):
        print(line)
    return gateway_throughput.finish(runs, profiles)


def bench_streams(streams: int = 200, requests: int = 2000) -> int:
    with bench_stack() as (settings, product, _stack):
        return order_streams.main([
            "--shop", settings.url(GATEWAY_PORT), "--product-id", product,
            "--streams", str(streams), "--requests", str(requests)])
