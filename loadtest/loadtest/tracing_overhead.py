"""`python -m loadtest bench-tracing` (`make bench-tracing`): what exporting traces costs,
on both shops, measured in one run.

Starts both shops as the comparison does (:func:`loadtest.shops.local_shops`, the
shops and the load generator on different cores), prepares their data, then
alternates, for ``ROUNDS`` rounds, between the shops' apps started without an OTLP
endpoint (tracing off: trace context only) and started with one (every span
recorded and exported, to a receiver in this process that counts what it gets
and keeps nothing). In each state it runs the same closed-loop load on each shop:
half product reads, half checkouts (each a cart line set, then ``POST /api/orders``),
and prints throughput, p50 and p99 per route and state, and the on/off ratios.
The machine may be shared: only the ratios within this run mean much.

Settings from the environment: STORES (postgres, the default, or embedded),
USERS (closed-loop users, 8), SECONDS (per load, 10), ROUNDS (2).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from devstack.otlp import OtlpReceiver

from loadtest import fixture, stats
from loadtest.sampler import Sampler
from loadtest.shops import SIDES, Cores, LocalSettings, local_shops, restart_apps
from loadtest.stages.context import Context, Progress, Settings
from loadtest.stages.traced import free_port

ROUTES = ("GET /api/products/{id}", "POST /api/orders")
MIX = "read_and_checkout"
STATES = ("off", "on")


def _env(state: str, receiver: OtlpReceiver) -> dict[str, str]:
    # Off: the endpoint set empty (not only absent), whatever this shell exports.
    return {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url if state == "on" else ""}


def _figures(summary: dict[str, Any]) -> dict[str, Any]:
    return {route: {key: summary["routes"].get(route, {}).get(key) for key in
                    ("requests", "throughput_rps", "p50_ms", "p99_ms", "error_rate")}
            for route in ROUTES}


def measure(stores: str, users: int, seconds: float, rounds: int, workdir: Path
            ) -> dict[str, Any]:
    cores = Cores.split()
    settings = Settings(stores=stores, mix=MIX, capacity_users=(users,), settle_seconds=1.0)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        side: {state: [] for state in STATES} for side in SIDES}
    with OtlpReceiver(free_port(24319), keep=False) as receiver, \
            local_shops(LocalSettings(stores, settings.workers, cores), workdir / "shops") as shops:
        ctx = Context(shops, settings, cores, workdir / "raw", {}, Progress(0.0))
        (workdir / "raw").mkdir(parents=True, exist_ok=True)
        for side, shop in shops.items():
            ctx.data_files[side] = fixture.write(fixture.prepare(
                shop.base_url, shop.admin_email, shop.admin_password, max(users, 16)),
                workdir / "raw" / f"fixture-{side}.json")
        ctx.sampler = Sampler([c for shop in shops.values() for c in shop.components]).start()
        state_now = "off"  # the shops start without an endpoint
        try:
            for number in range(rounds):
                for state in STATES:
                    if state != state_now:
                        print(f"round {number + 1}/{rounds}: restarting both shops with "
                              f"tracing {state} ...", flush=True)
                        restart_apps(shops.values(), _env(state, receiver))
                        state_now = state
                    for side in SIDES:
                        ctx.wait_healthy(side)
                        print(f"round {number + 1}/{rounds}: {side}, tracing {state}, {users} "
                              f"users, {seconds:.0f} s", flush=True)
                        summary = ctx.load(side, f"tracing-{state}", mode="closed",
                                           users=users, duration=seconds)
                        runs[side][state].append({**_figures(summary),
                                                  "cpu_s": summary.get("cpu_s", {})})
        finally:
            ctx.stop_loads()
            ctx.sampler.stop()
        exported = receiver.received_bytes
    return {"stores": stores, "users": users, "seconds": seconds, "rounds": rounds,
            "exported_bytes": exported, "sides": {
                side: {state: {route: {key: stats.spread(run[route][key] for run in
                                                         runs[side][state])
                                       for key in ("throughput_rps", "p50_ms", "p99_ms")}
                               for route in ROUTES} for state in STATES}
                for side in SIDES}}


def render(result: dict[str, Any]) -> str:
    lines = [f"Tracing off vs on: {result['users']} closed-loop users, half product reads and "
             f"half checkouts, {result['seconds']:.0f} s per load, {result['rounds']} rounds "
             f"alternating, stores: {result['stores']}; medians over rounds",
             "", "| shop | route | tracing | req/s | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|"]
    ratios = []
    for side in SIDES:
        for route in ROUTES:
            figures = {state: result["sides"][side][state][route] for state in STATES}
            for state in STATES:
                f = figures[state]
                lines.append(f"| {side} | {route} | {state} | {f['throughput_rps']['median']:.1f} "
                             f"| {f['p50_ms']['median']:.1f} | {f['p99_ms']['median']:.1f} |")
            on, off = figures["on"], figures["off"]
            ratios.append(f"| {side} | {route} | "
                          + " | ".join(f"{stats.ratio(on[k]['median'], off[k]['median']):.2f}"
                                       for k in ("throughput_rps", "p50_ms", "p99_ms")) + " |")
    lines += ["", "| shop | route | req/s on/off | p50 on/off | p99 on/off |",
              "|---|---|---|---|---|", *ratios]
    return "\n".join(lines)


def main() -> int:
    stores = os.environ.get("STORES") or "postgres"
    users = int(os.environ.get("USERS") or 8)
    seconds = float(os.environ.get("SECONDS") or 10)
    rounds = int(os.environ.get("ROUNDS") or 2)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tracing-overhead-") as tmp:
        result = measure(stores, users, seconds, rounds, Path(tmp))
    print()
    print(render(result))
    print(f"\n({result['exported_bytes'] / 1e6:.1f} MB of spans exported; "
          f"{time.monotonic() - began:.0f} s in all)")
    print(json.dumps(result, default=str))
    return 0
