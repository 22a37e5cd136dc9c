"""`python -m loadtest bench-gateway` (`make bench-gateway`): the gateway's overhead,
measured in one run.

Starts the microservices on ports of their own (embedded stores in a temporary
folder, rate limiting off, one worker per app so that both paths get the same
share of the machine), then reads one product straight from the catalog and
through the gateway, interleaved, with :mod:`loadtest.gateway_overhead`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings

from loadtest import gateway_overhead

BENCH_PORTS = {"users": 38101, "catalog": 38102, "cart": 38103, "orders": 38104,
               "payments": 38105}


def bench_gateway(requests: int = 2000) -> int:
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), web_concurrency=1, gateway_port=38080,
            service_ports=BENCH_PORTS, mongodb_port=37017, redis_port=36380,
            extra_env={"RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "WARNING"})
        with open(Path(tmp) / "processes.log", "a", buffering=1) as sink:
            stack = Stack("bench", store_specs(settings),
                          service_specs(settings) + [gateway_spec(settings)],
                          {"gateway": settings.url(38080)}, sink)
            print("starting the microservices for the benchmark ...", flush=True)
            with stack:
                catalog = settings.url(BENCH_PORTS["catalog"])
                product = httpx.get(f"{catalog}/api/products", params={"page_size": 1},
                                    timeout=5).json()["items"][0]["id"]
                return gateway_overhead.main([
                    "--catalog", catalog, "--gateway", settings.url(38080),
                    "--product-id", product, "--requests", str(requests)])
