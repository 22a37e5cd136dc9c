"""What open order-event streams cost the rest of the shop.

Against a running shop (loopback only): signs up a customer, measures the latency
of ``GET /api/products/{id}`` (N reads, four at a time, after a warm-up) with no
stream open, then opens S streams of ``GET /api/orders/events`` (held by one
asyncio task each, reading their comments) and measures the same reads again,
then closes them. Prints p50 and p95 of both runs and their ratio; asserts
nothing. The goal is a p95 at most 10 % higher with 200 streams open.

    python -m loadtest.order_streams --shop http://127.0.0.1:8080 \\
        --product-id <id> [--streams 200] [-n 2000]

``make bench-streams`` starts the microservices for it (loadtest.bench_gateway).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

CONCURRENCY = 4


def sign_up(shop: str) -> dict[str, str]:
    email, password = f"bench-{uuid.uuid4().hex[:12]}@example.com", uuid.uuid4().hex
    httpx.post(f"{shop}/api/auth/register", timeout=10,
               json={"email": email, "password": password, "name": "Bench"}).raise_for_status()
    login = httpx.post(f"{shop}/api/auth/login", json={"email": email, "password": password},
                       timeout=10)
    login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def latencies(shop: str, product_id: str, requests: int) -> list[float]:
    """Seconds per read, ``CONCURRENCY`` keep-alive clients at a time."""
    def run(count: int) -> list[float]:
        found = []
        with httpx.Client(base_url=shop, timeout=10) as client:
            for _ in range(count):
                started = time.perf_counter()
                client.get(f"/api/products/{product_id}").raise_for_status()
                found.append(time.perf_counter() - started)
        return found

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        parts = pool.map(run, [requests // CONCURRENCY] * CONCURRENCY)
    return [seconds for part in parts for seconds in part]


class OpenStreams:
    """``count`` event streams held open by an event loop in a thread of its own."""

    def __init__(self, shop: str, headers: dict[str, str], count: int) -> None:
        self.shop, self.headers, self.count = shop, headers, count
        self.opened = 0
        self.refused = 0
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._task: asyncio.Future[None] | None = None

    def __enter__(self) -> OpenStreams:
        self._thread.start()
        self._task = asyncio.run_coroutine_threadsafe(self._hold(), self._loop)
        self._ready.wait(120)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        time.sleep(0.5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _hold(self) -> None:
        limits = httpx.Limits(max_connections=self.count + 10)
        async with httpx.AsyncClient(base_url=self.shop, limits=limits,
                                     timeout=httpx.Timeout(60, connect=10)) as client:
            await asyncio.gather(*(self._one(client) for _ in range(self.count)))

    async def _one(self, client: httpx.AsyncClient) -> None:
        async with client.stream("GET", "/api/orders/events", headers=self.headers) as answer:
            if answer.status_code != 200:
                self.refused += 1
                self._count_in()
                return
            lines = answer.aiter_lines()
            await anext(lines)  # the first comment: the stream is open
            self.opened += 1
            self._count_in()
            async for _line in lines:
                pass

    def _count_in(self) -> None:
        if self.opened + self.refused >= self.count:
            self._ready.set()


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100)[int(fraction * 100) - 1]


def report(label: str, values: list[float]) -> tuple[float, float]:
    p50, p95 = statistics.median(values) * 1000, percentile(values, 0.95) * 1000
    print(f"{label:<28} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   ({len(values)} reads)")
    return p50, p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shop", required=True)
    parser.add_argument("--product-id", required=True)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("-n", "--requests", type=int, default=2000)
    args = parser.parse_args(argv)
    if not args.shop.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit("refusing a shop that is not on loopback")
    headers = sign_up(args.shop)
    latencies(args.shop, args.product_id, 200)  # warm-up
    _, quiet = report("no stream open", latencies(args.shop, args.product_id, args.requests))
    with OpenStreams(args.shop, headers, args.streams) as streams:
        label = f"{streams.opened} streams open"
        _, busy = report(label, latencies(args.shop, args.product_id, args.requests))
        if streams.refused:
            print(f"{streams.refused} streams were refused (a cap of open streams)")
    print(f"p95 with streams / without: {busy / quiet:.3f} (goal: at most 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
