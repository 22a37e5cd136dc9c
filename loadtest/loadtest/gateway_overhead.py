"""How much latency the gateway adds to a simple read.

Reads the same product (``GET /api/products/{id}``) N times straight from a
running catalog service and N times through a running gateway, interleaved in
one run (alternating which goes first) over one keep-alive connection each,
after a warm-up, and prints the median and p99 of each, their differences and
ratios. Loopback URLs only. Run the gateway with a rate limit that N requests
do not reach (``RATE_LIMIT_PER_MINUTE``), or the 429s are reported and the run fails.

    python -m loadtest.gateway_overhead --catalog http://127.0.0.1:8102 \\
        --gateway http://127.0.0.1:8080 --product-id <id> [-n 2000] [--warmup 200]
"""

from __future__ import annotations

import argparse
import ipaddress
import statistics
import sys
import time
from collections import Counter
from http.client import HTTPConnection
from urllib.parse import quote, urlsplit

from loadtest.stats import percentile


def loopback_target(url: str) -> tuple[str, int]:
    """``(host, port)`` of an ``http://`` URL on a loopback address, else SystemExit."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "http" or not loopback:
        raise SystemExit(f"refusing {url!r}: only http:// URLs on a loopback address")
    return host, parts.port or 80


class Target:
    """One keep-alive connection and the latencies (seconds) of its reads."""

    def __init__(self, name: str, url: str, path: str) -> None:
        self.name = name
        self.path = path
        self.connection = HTTPConnection(*loopback_target(url), timeout=10)
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()

    def read(self, record: bool) -> None:
        started = time.perf_counter()
        self.connection.request("GET", self.path, headers={"Accept": "application/json"})
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        self.statuses[response.status] += 1
        if record:
            self.latencies.append(elapsed)


def run(direct: Target, gateway: Target, count: int, warmup: int) -> None:
    for index in range(warmup + count):
        pair = (direct, gateway) if index % 2 == 0 else (gateway, direct)
        for target in pair:
            target.read(record=index >= warmup)


def report(direct: Target, gateway: Target) -> int:
    print(f"{'':10} {'median ms':>10} {'p99 ms':>10}   statuses")
    summary = {}
    for target in (direct, gateway):
        median = statistics.median(target.latencies) * 1000
        p99 = percentile(target.latencies, 0.99) * 1000
        summary[target.name] = (median, p99)
        print(f"{target.name:10} {median:10.3f} {p99:10.3f}   {dict(target.statuses)}")
    (d_med, d_p99), (g_med, g_p99) = summary[direct.name], summary[gateway.name]
    print(f"{'added':10} {g_med - d_med:10.3f} {g_p99 - d_p99:10.3f}")
    print(f"{'ratio':10} {g_med / d_med:10.2f} {g_p99 / d_p99:10.2f}")
    failed = {status for t in (direct, gateway) for status in t.statuses if status != 200}
    if failed:
        print(f"non-200 answers seen: {sorted(failed)} (429: raise RATE_LIMIT_PER_MINUTE)",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", required=True, help="the catalog service's base URL")
    parser.add_argument("--gateway", required=True, help="the gateway's base URL")
    parser.add_argument("--product-id", required=True)
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--gateway-query", default="",
                        help="a query string for the gateway's reads only (one the catalog "
                             "ignores bypasses the gateway's product cache)")
    args = parser.parse_args(argv)
    path = f"/api/products/{quote(args.product_id, safe='')}"
    direct = Target("catalog", args.catalog, path)
    query = f"?{args.gateway_query}" if args.gateway_query else ""
    gateway = Target("gateway", args.gateway, path + query)
    run(direct, gateway, args.requests, args.warmup)
    return report(direct, gateway)


if __name__ == "__main__":
    sys.exit(main())
