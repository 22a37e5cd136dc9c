"""The embedded MongoDB stand-in's cost per command in each of its ways of serving:
``taskset -c 1 python services/catalog/scripts/bench_standin.py``.

Starts nx-27017 from the launcher's own spec (``devstack.stores.embedded_mongodb``) on
CPU 0, once with its asyncio server (every command handed to a worker thread and back)
and once as the launcher runs it, ``--threaded`` (a thread per connection, which runs the
command itself), alternating
``ROUNDS`` times, each on a fresh data directory. Against each it sends, from this
process, ``PINGS`` pings and then ``COMMANDS`` of each of the catalog's kinds of call
(``find_one``, ``find_one_and_update``, ``update_one``, ``insert_one``), one at a time,
then the same reads from ``THREADS`` threads at once. Prints the stand-in's CPU per
command (``/proc/<pid>/stat``, all its threads) and the client's wall time per command;
docs/performance.md, "The stand-in's way of serving".
"""

from __future__ import annotations

import dataclasses
import io
import os
import socket
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymongo
from devstack.process import ManagedProcess
from devstack.stores import embedded_mongodb
from loadtest.procfs import cpu_seconds

ROUNDS = int(os.environ.get("ROUNDS", "2"))
PINGS = int(os.environ.get("PINGS", "2000"))
COMMANDS = int(os.environ.get("COMMANDS", "300"))
THREADS = int(os.environ.get("THREADS", "8"))
SERVING = "--threaded"  # the launcher's way (devstack.stores); without it, asyncio's
MODES = ("asyncio", "threaded")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def standin(mode: str, port: int, directory: Path) -> ManagedProcess:
    """The stand-in as the launcher starts it, on CPU 0, serving ``mode``'s way."""
    spec = embedded_mongodb(port, directory)
    argv = [arg for arg in spec.argv if arg != SERVING or mode == "threaded"]
    return ManagedProcess(dataclasses.replace(spec, argv=["taskset", "-c", "0", *argv]),
                          io.StringIO())


def measure(pid: int, count: int, work: Callable[[], object]) -> tuple[float, float]:
    """CPU µs of the stand-in and wall µs of the client, per command."""
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    work()
    return (1e6 * (cpu_seconds(pid) - cpu) / count, 1e6 * (time.perf_counter() - wall) / count)


def one_mode(mode: str) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-standin-") as tmp:
        port = free_port()
        process = standin(mode, port, Path(tmp))
        process.start()
        process.wait_ready(30)
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                     maxPoolSize=THREADS + 1)
        try:
            products = client["shop"]["products"]
            products.insert_many([{"_id": f"p{i}", "stock": 10**6} for i in range(100)])
            for _ in range(50):  # warm up: connections, statements
                client.admin.command("ping")
                products.find_one({"_id": "p1"})
            pid = process.pid or 0
            found: dict[str, tuple[float, float]] = {}
            found["ping"] = measure(pid, PINGS, lambda: [
                client.admin.command("ping") for _ in range(PINGS)])
            found["find_one"] = measure(pid, COMMANDS, lambda: [
                products.find_one({"_id": f"p{i % 100}"}) for i in range(COMMANDS)])
            found["find_one_and_update"] = measure(pid, COMMANDS, lambda: [
                products.find_one_and_update({"_id": f"p{i % 100}", "stock": {"$gte": 1}},
                                             {"$inc": {"stock": -1}})
                for i in range(COMMANDS)])
            found["update_one"] = measure(pid, COMMANDS, lambda: [
                products.update_one({"_id": f"p{i % 100}"}, {"$set": {"seen": i}})
                for i in range(COMMANDS)])
            found["insert_one"] = measure(pid, COMMANDS, lambda: [
                client["shop"]["reservations"].insert_one({"n": i}) for i in range(COMMANDS)])
            with ThreadPoolExecutor(THREADS) as pool:
                found[f"find_one, {THREADS} threads"] = measure(
                    pid, COMMANDS * THREADS, lambda: list(pool.map(
                        lambda i: products.find_one({"_id": f"p{i % 100}"}),
                        range(COMMANDS * THREADS))))
            return found
        finally:
            client.close()
            process.stop()


def main() -> None:
    results: dict[str, list[dict[str, tuple[float, float]]]] = {mode: [] for mode in MODES}
    for round_number in range(ROUNDS):
        for mode in MODES:
            print(f"round {round_number + 1}/{ROUNDS}: {mode} ...", flush=True)
            results[mode].append(one_mode(mode))
    kinds = list(results["asyncio"][0])
    print(f"\n{'command':34} " + "  ".join(f"{mode + ' CPU µs':>18} {'wall µs':>14}"
                                           for mode in MODES))
    for kind in kinds:
        cells = []
        for mode in MODES:
            cpu = ", ".join(f"{run[kind][0]:.0f}" for run in results[mode])
            wall = ", ".join(f"{run[kind][1]:.0f}" for run in results[mode])
            cells.append(f"{cpu:>18} {wall:>14}")
        print(f"{kind:34} " + "  ".join(cells))


if __name__ == "__main__":
    main()
