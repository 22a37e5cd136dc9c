"""`python -m loadtest bench-gateway` (`make bench-gateway`): the gateway's overhead,
measured in one run. `python -m loadtest bench-streams` (`make bench-streams`): what 200
open order-event streams cost other reads.

Both start the microservices on ports of their own (embedded stores in a temporary
folder, rate limiting off, one worker per app so that both paths get the same share
of the machine). The first then reads one product straight from the catalog and
through the gateway, interleaved, with :mod:`loadtest.gateway_overhead`; the second
reads it through the gateway with and without the streams open, with
:mod:`loadtest.order_streams`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings

from loadtest import gateway_overhead, order_streams

BENCH_PORTS = {"users": 38101, "catalog": 38102, "cart": 38103, "orders": 38104,
               "payments": 38105}
GATEWAY_PORT = 38080


@contextmanager
def bench_stack() -> Iterator[tuple[StackSettings, str]]:
    """The microservices on ports of their own, and the id of one seeded product."""
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), web_concurrency=1, gateway_port=GATEWAY_PORT,
            service_ports=BENCH_PORTS, mongodb_port=37017, redis_port=36380,
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
                yield settings, product


def bench_gateway(requests: int = 2000) -> int:
    with bench_stack() as (settings, product):
        return gateway_overhead.main([
            "--catalog", settings.url(BENCH_PORTS["catalog"]),
            "--gateway", settings.url(GATEWAY_PORT),
            "--product-id", product, "--requests", str(requests)])


def bench_streams(streams: int = 200, requests: int = 2000) -> int:
    with bench_stack() as (settings, product):
        return order_streams.main([
            "--shop", settings.url(GATEWAY_PORT), "--product-id", product,
            "--streams", str(streams), "--requests", str(requests)])
