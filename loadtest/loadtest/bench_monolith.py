"""`python -m loadtest bench-monolith` (`make bench-monolith`): how near its own ceiling the
monolith answers a catalog read, measured in one run.

It starts the monolith on a port of its own (embedded SQLite in a temporary folder, its
default workers, rate limiting off, the access line at ``LOG_LEVEL=WARNING`` as in
``bench-gateway``), then reads ``/healthz`` (the app's floor: the same request hooks and
worker, no store), one product and one page of products, alternating, under 16
connections with ``wrk`` (:mod:`loadtest.gateway_throughput`), and prints each one's rate,
the CPU of the monolith's process tree per request, and each read's share of the
``/healthz`` rate. ``BENCH_PROFILE_DIR=dir`` adds py-spy profiles of a worker.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx
from devstack.stacks import Stack, StackSettings, monolith_specs

from loadtest import gateway_throughput

# Below the kernel's ephemeral range, like bench-gateway's ports.
BENCH_PORT = 29000
LISTING = "/api/products?page=2&page_size=20"


def bench_monolith(rounds: int = 3, seconds: float = 4.0) -> int:
    if not gateway_throughput.wrk_available():
        print("wrk is not on the PATH (make wrk)")
        return 1
    with tempfile.TemporaryDirectory(prefix="shop-bench-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), monolith_port=BENCH_PORT,
            extra_env={"RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "WARNING"})
        with open(Path(tmp) / "processes.log", "a", buffering=1) as sink:
            stack = Stack("bench", [], monolith_specs(settings), {}, sink)
            print("starting the monolith for the benchmark ...", flush=True)
            with stack:
                return _measure(stack, settings.url(BENCH_PORT), rounds, seconds)


def _measure(stack: Stack, base: str, rounds: int, seconds: float) -> int:
    product = httpx.get(f"{base}/api/products", params={"page_size": 1},
                        timeout=5).json()["items"][0]["id"]
    pid = stack.process("monolith").pid
    assert pid is not None
    trees = {"monolith": pid}
    profiles = gateway_throughput.profile_dir_from_env()
    targets = {"healthz": (f"{base}/healthz", trees),
               "product": (f"{base}/api/products/{quote(product, safe='')}", trees),
               "listing": (base + LISTING, trees)}
    print(f"{rounds} rounds of {seconds:.0f} s each, 16 connections (wrk), CPU from /proc:",
          flush=True)
    runs = gateway_throughput.compare(targets, rounds=rounds, seconds=seconds,
                                      profile_dir=profiles)
    for line in gateway_throughput.report(runs, "healthz", ["product", "listing"]):
        print(line)
    for name, run in runs.items():
        print(f"{name:10} per round: " + ", ".join(f"{rate:.0f}" for rate in run.rates))
    return gateway_throughput.finish(runs, profiles)
