"""What open order-event streams cost the rest of the shop.

Against a running shop (loopback only): signs up a customer, then, after a warm-up,
alternates for a few rounds between reads of ``GET /api/products/{id}`` (four
keep-alive clients at a time) with no stream open and the same reads with S
streams of ``GET /api/orders/events`` open. The streams are held by a process of
their own (an asyncio loop, one task per stream, reading its comments), so that
holding them does not take the measuring threads' interpreter lock; alternating
the two cases shares the machine's drift between them (the machine may be shared).
Prints p50 and p95 of both cases (over every round) and their ratio, the median of
the rounds' own p95 ratios (less swayed by one noisy round), the gateway's CPU per
read in both cases and while the streams are open with no reads, and why any
stream was refused; asserts nothing. The goal is a p95 at most 10 % higher with
200 streams open.

    python -m loadtest.order_streams --shop http://127.0.0.1:8080 \\
        --product-id <id> [--streams 200] [-n 2000] [--rounds 10]

``make bench-streams`` starts the microservices for it (loadtest.bench_gateway).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from loadtest import procfs

CONCURRENCY = 4
# What this checkout's gateway processes have on their command line (devstack's gunicorn).
GATEWAY_COMMAND = str(Path(__file__).resolve().parents[2] / "gateway" / "gunicorn.conf.py")


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
        parts = pool.map(run, [max(1, requests // CONCURRENCY)] * CONCURRENCY)
    return [seconds for part in parts for seconds in part]


async def _hold(shop: str, headers: dict[str, str], count: int, report: Any,
                stop: Any) -> None:
    opened, refusals = 0, Counter[str]()
    all_in = asyncio.Event()

    def counted() -> None:
        if opened + sum(refusals.values()) >= count:
            all_in.set()

    async def one(client: httpx.AsyncClient) -> None:
        nonlocal opened
        try:
            async with client.stream("GET", "/api/orders/events", headers=headers) as answer:
                if answer.status_code != 200:
                    body = (await answer.aread())[:160].decode(errors="replace")
                    refusals[f"{answer.status_code} {body}"] += 1
                    counted()
                    return
                lines = answer.aiter_lines()
                await anext(lines)  # the first comment: the stream is open
                opened += 1
                counted()
                async for _line in lines:
                    pass
        except httpx.HTTPError as exc:
            refusals[f"{type(exc).__name__}"] += 1
            counted()

    limits = httpx.Limits(max_connections=count + 10)
    async with httpx.AsyncClient(base_url=shop, limits=limits,
                                 timeout=httpx.Timeout(60, connect=10)) as client:
        tasks = [asyncio.create_task(one(client)) for _ in range(count)]
        try:
            await asyncio.wait_for(all_in.wait(), 120)
        except TimeoutError:
            pass
        report.put((opened, dict(refusals)))
        await asyncio.to_thread(stop.wait)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _hold_in_process(shop: str, headers: dict[str, str], count: int, report: Any,
                     stop: Any) -> None:
    asyncio.run(_hold(shop, headers, count, report, stop))


class OpenStreams:
    """``count`` event streams held open by a process of its own while inside the block."""

    def __init__(self, shop: str, headers: dict[str, str], count: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._report, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_hold_in_process, daemon=True,
                                        args=(shop, headers, count, self._report, self._stop))
        self.opened, self.refusals = 0, Counter[str]()

    @property
    def refused(self) -> int:
        return sum(self.refusals.values())

    def __enter__(self) -> OpenStreams:
        self._process.start()
        opened, refusals = self._report.get(timeout=150)
        self.opened, self.refusals = opened, Counter(refusals)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._process.join(15)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(5)
        time.sleep(0.5)  # the gateway closes its side of the streams


IDLE_SECONDS = 5.0


@contextmanager
def _cpu_of(command_part: str, totals: dict[str, float], key: str) -> Iterator[None]:
    """Adds the CPU seconds the processes running ``command_part`` spent inside the block
    to ``totals[key]``."""
    if not command_part:
        yield
        return
    pids = procfs.find_pids(command_part)
    before = procfs.read_cpu(pids)
    yield
    after = procfs.read_cpu(pids)
    totals[key] += sum(after[pid] - before[pid] for pid in after if pid in before)


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
    parser.add_argument("-n", "--requests", type=int, default=2000, help="reads per case")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--server-command", default=GATEWAY_COMMAND,
                        help="count the CPU of processes whose command line has this "
                             "(default: this checkout's gateway; '' for none)")
    args = parser.parse_args(argv)
    if not args.shop.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit("refusing a shop that is not on loopback")
    headers = sign_up(args.shop)
    latencies(args.shop, args.product_id, 200)  # warm-up
    per_round = max(CONCURRENCY, args.requests // args.rounds)
    quiet: list[float] = []
    busy: list[float] = []
    opened, refusals, round_ratios = [], Counter[str](), []
    cpu = {"quiet": 0.0, "busy": 0.0, "idle": 0.0}
    for number in range(args.rounds):
        with _cpu_of(args.server_command, cpu, "quiet"):
            round_quiet = latencies(args.shop, args.product_id, per_round)
        with OpenStreams(args.shop, headers, args.streams) as streams:
            if number == 0:
                with _cpu_of(args.server_command, cpu, "idle"):
                    time.sleep(IDLE_SECONDS)
            with _cpu_of(args.server_command, cpu, "busy"):
                round_busy = latencies(args.shop, args.product_id, per_round)
            opened.append(streams.opened)
            refusals.update(streams.refusals)
        quiet += round_quiet
        busy += round_busy
        round_ratios.append(percentile(round_busy, 0.95) / percentile(round_quiet, 0.95))
        print(f"round {number + 1}/{args.rounds}: {streams.opened} streams open, "
              f"{streams.refused} refused; p95 {percentile(round_quiet, 0.95) * 1000:.2f} → "
              f"{percentile(round_busy, 0.95) * 1000:.2f} ms", flush=True)
    _, quiet_p95 = report("no stream open", quiet)
    _, busy_p95 = report(f"{min(opened)}-{max(opened)} streams open", busy)
    if args.server_command:
        print(f"CPU of processes running {args.server_command!r}: "
              f"{1000 * cpu['quiet'] / len(quiet):.3f} ms per read without streams, "
              f"{1000 * cpu['busy'] / len(busy):.3f} ms with; "
              f"{cpu['idle'] / IDLE_SECONDS * 100:.2f} % of a core with "
              f"{opened[0]} streams open and no reads")
    if refusals:
        print(f"{sum(refusals.values())} stream openings were refused:")
        for why, n in refusals.most_common():
            print(f"  {n} x {why}")
    print(f"p95 with streams / without: {busy_p95 / quiet_p95:.3f} over every read; "
          f"median of the rounds' ratios {statistics.median(round_ratios):.3f} "
          f"(goal: at most 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
