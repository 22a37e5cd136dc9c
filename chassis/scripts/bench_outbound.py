"""What one call to another service costs its caller, in CPU:
``python chassis/scripts/bench_outbound.py LABEL=FILE...``.

Each ``FILE`` is a version of ``chassis/outbound.py`` (this checkout's, or an older
commit's from ``git show REV:chassis/chassis/outbound.py > old.py``). The script starts a
small HTTP server on CPU 1 that answers every request with a product-sized JSON body, pins
itself to CPU 0, and calls it ``--calls`` times a round through each version's
``AsyncServiceClient`` (uvloop) and ``ServiceClient``, and through the wires beneath them
alone (an aiohttp session; chassis.urllib3_transport), round after round,
alternating. It prints the median CPU microseconds per call of each and its ratio to
the first label (docs/performance.md, "The outbound call without httpx's client").
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

import aiohttp
import httpx
import uvloop
from chassis.urllib3_transport import Urllib3Transport
from yarl import URL

PATH = "/api/products/65f0c0ffee0000000000002a?proxied=1"
HEADERS = {"authorization": b"Bearer x", "content-type": b"application/json"}
SERVER = """
from aiohttp import web
BODY = b'{"id": "65f0c0ffee0000000000002a", "name": "' + b"n" * 400 + b'"}'
async def answer(request):
    await request.read()
    return web.Response(body=BODY, content_type="application/json")
app = web.Application()
app.router.add_route("*", "/{tail:.*}", answer)
web.run_app(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), access_log=None,
            print=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load(label: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"outbound_{label}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wait_for(base: str) -> None:
    for _ in range(100):
        try:
            httpx.get(base + PATH, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start")


def cpu_per_call(call: Callable[[], object], calls: int) -> float:
    for _ in range(calls // 10):
        call()
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls * 1e6


async def async_cpu_per_call(call: Callable[[], Awaitable[object]], calls: int) -> float:
    for _ in range(calls // 10):
        await call()
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) / calls * 1e6


async def measure_async(base: str, versions: dict[str, ModuleType], rounds: int,
                        calls: int) -> dict[str, list[float]]:
    clients = {label: module.AsyncServiceClient("catalog", base)
               for label, module in versions.items()}
    session = aiohttp.ClientSession(auto_decompress=False)
    target = URL(base + PATH, encoded=True)
    headers = {name: value.decode() for name, value in HEADERS.items()}

    async def wire_alone() -> bytes:
        async with session.get(target, headers=headers) as answer:
            return await answer.read()

    figures: dict[str, list[float]] = {label: [] for label in [*clients, "aiohttp alone"]}
    for _ in range(rounds):
        for label, client in clients.items():
            async def through(client: object = client) -> object:
                return await client.request("GET", PATH, headers=HEADERS,  # type: ignore[attr-defined]
                                            breaker_key="GET /api/products/{product_id}")
            figures[label].append(await async_cpu_per_call(through, calls))
        figures["aiohttp alone"].append(await async_cpu_per_call(wire_alone, calls))
    for client in clients.values():
        await client.aclose()
    await session.close()
    return figures


def measure_sync(base: str, versions: dict[str, ModuleType], rounds: int,
                 calls: int) -> dict[str, list[float]]:
    clients = {label: module.ServiceClient("catalog", base) for label, module in versions.items()}
    transport = Urllib3Transport()

    def wire_alone() -> bytes:
        answer = transport.handle_request(httpx.Request("GET", base + PATH, headers=HEADERS))
        return answer.read()

    figures: dict[str, list[float]] = {label: [] for label in [*clients, "urllib3 transport alone"]}
    for _ in range(rounds):
        for label, client in clients.items():
            figures[label].append(cpu_per_call(
                lambda client=client: client.request("GET", PATH, headers=HEADERS,
                                                     breaker_key="GET /api/products/{product_id}"),
                calls))
        figures["urllib3 transport alone"].append(cpu_per_call(wire_alone, calls))
    for client in clients.values():
        client.close()
    transport.close()
    return figures


def report(title: str, figures: dict[str, list[float]]) -> None:
    baseline = next(iter(figures.values()))
    first = statistics.median(baseline)
    print(f"\n{title}: CPU µs per call, median of {len(baseline)} rounds")
    for label, values in figures.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{value:.0f}" for value in values)
        print(f"  {label:22} {median:6.0f}   ratio {median / first:4.2f}   ({rounds})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="+", metavar="LABEL=FILE")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    versions = {}
    for pair in args.versions:
        label, _, path = pair.partition("=")
        versions[label] = load(label, Path(path))
    port = free_port()
    pin = ["taskset", "-c", "1"] if os.cpu_count() and os.cpu_count() > 1 else []
    server = subprocess.Popen([*pin, sys.executable, "-c", SERVER, str(port)])
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base)
        if pin:
            os.sched_setaffinity(0, {0})
        print(f"{args.rounds} rounds of {args.calls} calls each, the server on CPU 1 ...",
              flush=True)
        report("asynchronous (uvloop)",
               uvloop.run(measure_async(base, versions, args.rounds, args.calls)))
        report("synchronous", measure_sync(base, versions, args.rounds, args.calls))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
