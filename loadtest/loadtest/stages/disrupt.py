"""The stages that break something while a light load runs: restart to ready, failure
isolation, graceful redeploy. They need the shops' processes on this machine."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from loadtest import fixture, timeline
from loadtest.shops import MICROSERVICES, MONOLITH, SERVICES, Shop
from loadtest.stages.context import Context

LEAD_S = 1.0  # load running before anything is broken
RUN_OVERHEAD_S = 4.0


def _probe(ctx: Context, side: str, path: str, authorised: bool) -> Callable[[], bool]:
    shop = ctx.shops[side]
    headers = {}
    if authorised:
        token = fixture.read(ctx.data_files[side])["shoppers"][0]["token"]
        headers = {"Authorization": f"Bearer {token}"}

    def probe() -> bool:
        try:
            return httpx.get(f"{shop.base_url}{path}", headers=headers,
                             timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False
    return probe


def _until(check: Callable[[], bool], timeout: float = 60.0) -> float | None:
    """time.time() when ``check`` first passes, polled every 50 ms; None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.time()
        time.sleep(0.05)
    return None


def _light_load(ctx: Context, side: str, name: str, seconds: float) -> Any:
    return ctx.start_load(side, name, mode="closed", users=ctx.settings.light_users,
                          duration=seconds)


def _since(at: float | None, origin: float) -> float | None:
    return None if at is None else round(at - origin, 3)


# -- restart to ready ---------------------------------------------------------------

RESTARTS = [  # side, process, the request through the shop that needs it, token needed
    (MONOLITH, MONOLITH, "/api/products?page_size=1", False),
    (MICROSERVICES, "catalog", "/api/products?page_size=1", False),
    (MICROSERVICES, "orders", "/api/orders", True),
]


def restart_estimate(ctx: Context) -> float:
    return len(RESTARTS) * (ctx.settings.restart_seconds + RUN_OVERHEAD_S + 2)


def restart(ctx: Context) -> dict[str, Any]:
    """Stop a process and start it again under a light load: the seconds until its
    /readyz answers and until a request through the shop that needs it succeeds, and the
    requests that failed meanwhile."""
    s = ctx.settings
    results = []
    for side, name, path, authorised in RESTARTS:
        ctx.progress.say(f"restart {name} under {s.light_users} users", side)
        run = _light_load(ctx, side, f"restart-{name}", s.restart_seconds)
        shop, probe = ctx.shops[side], _probe(ctx, side, path, authorised)
        start = run.wait_window_start()
        time.sleep(max(0.0, start + LEAD_S - time.time()))
        process = shop.process(name)
        stopped_at = time.time()
        process.stop()
        started_at = time.time()
        process.start()
        ready_at = _until(lambda shop=shop, name=name: shop.ready(name))
        first_at = _until(probe)
        summary = ctx.finish_load(run)
        record = summary.pop("record")
        counts = timeline.counts_between(record, stopped_at, (first_at or time.time()) + 0.5)
        results.append({
            "side": side, "process": name, "probe": f"GET {path}",
            "stop_s": round(started_at - stopped_at, 3),
            "ready_s": _since(ready_at, started_at),
            "first_success_s": _since(first_at, started_at),
            "unavailable_s": _since(first_at, stopped_at),
            "failed_requests": sum(c["failed"] for c in counts.values()),
            "requests": sum(c["ok"] + c["failed"] for c in counts.values()),
            "timeline": timeline.series(record, stopped_at)})
    failed = [r["process"] for r in results if r["first_success_s"] is None]
    return {"status": "failed" if failed else "ok", "light_users": s.light_users,
            "restarts": results,
            **({"reason": f"never answered again: {', '.join(failed)}"} if failed else {})}


# -- failure isolation --------------------------------------------------------------

def _scenarios(ctx: Context) -> list[dict[str, Any]]:
    """What is stopped on each side, per scenario (None: not applicable, with why)."""
    postgres = ctx.settings.stores == "postgres"
    sqlite = "the store is an SQLite file inside the process; it cannot be taken away"
    return [
        {"name": "payments",
         MONOLITH: (None, "payments run inside the monolith's process; they cannot fail alone"),
         MICROSERVICES: ("process", "payments")},
        {"name": "catalogue store",
         MONOLITH: (("database", "monolith") if postgres else (None, sqlite)),
         MICROSERVICES: ("process", "mongodb")},
        {"name": "database",
         MONOLITH: (("database", "monolith") if postgres else (None, sqlite)),
         MICROSERVICES: (("database", "orders") if postgres else (None, sqlite))},
    ]


def isolation_estimate(ctx: Context) -> float:
    s = ctx.settings
    runs = sum(1 for sc in _scenarios(ctx) for side in (MONOLITH, MICROSERVICES)
               if sc[side][0] is not None)
    return runs * (LEAD_S + s.outage_seconds + s.recovery_seconds + RUN_OVERHEAD_S + 2)


@contextlib.contextmanager
def _down(shop: Shop, what: tuple[str, str]) -> Iterator[None]:
    kind, name = what
    with shop.database_down(name) if kind == "database" else shop.process_down(name):
        yield


def isolation(ctx: Context) -> dict[str, Any]:
    """Stop one dependency for a while under load: per route, the share of requests that
    still succeed while it is down, and the seconds to recover once it is back."""
    s = ctx.settings
    scenarios, done = [], {}
    for scenario in _scenarios(ctx):
        entry: dict[str, Any] = {"name": scenario["name"], "sides": {}}
        for side in (MONOLITH, MICROSERVICES):
            what = scenario[side]
            if what[0] is None:
                entry["sides"][side] = {"applicable": False, "reason": what[1]}
                continue
            label = f"{what[0]} {what[1]}"
            if (side, what) in done:  # the monolith's one database serves both scenarios
                entry["sides"][side] = {**done[(side, what)], "same_as": done[(side, what)]
                                        ["scenario"]}
                continue
            ctx.progress.say(f"{scenario['name']}: {label} down for {s.outage_seconds:.0f} s",
                             side)
            seconds = LEAD_S + s.outage_seconds + s.recovery_seconds
            run = _light_load(ctx, side, f"isolation-{what[1]}", seconds)
            start = run.wait_window_start()
            time.sleep(max(0.0, start + LEAD_S - time.time()))
            down_at = time.time()
            with _down(ctx.shops[side], what):
                time.sleep(s.outage_seconds)
                restore_at = time.time()
            back_at = time.time()
            summary = ctx.finish_load(run)
            record = summary.pop("record")
            counts = timeline.counts_between(record, down_at, restore_at)
            routes = {route: {**c, "success_share": timeline.success_share(c),
                              "recovery_s": timeline.recovery_seconds(record, route, back_at)}
                      for route, c in sorted(counts.items())}
            result = {"applicable": True, "stopped": label, "scenario": scenario["name"],
                      "outage_s": round(restore_at - down_at, 3),
                      "restore_s": round(back_at - restore_at, 3), "routes": routes,
                      "timeline": timeline.series(record, down_at)}
            done[(side, what)] = result
            entry["sides"][side] = result
        scenarios.append(entry)
    return {"status": "ok", "light_users": s.light_users, "scenarios": scenarios}


# -- graceful redeploy --------------------------------------------------------------

def redeploy_estimate(ctx: Context) -> float:
    return 2 * (ctx.settings.redeploy_seconds + RUN_OVERHEAD_S + 2)


def redeploy(ctx: Context) -> dict[str, Any]:
    """A rolling reload under load: SIGHUP to each gunicorn master in turn (the monolith;
    the gateway and every service), which starts new workers and retires the old ones
    gracefully. Every failed request counts."""
    s = ctx.settings
    plan = {MONOLITH: [MONOLITH], MICROSERVICES: ["gateway", *SERVICES]}
    sides = {}
    for side, names in plan.items():
        ctx.progress.say(f"rolling reload of {', '.join(names)} (SIGHUP)", side)
        run = _light_load(ctx, side, "redeploy", s.redeploy_seconds)
        start = run.wait_window_start()
        gap = (s.redeploy_seconds - 2 * LEAD_S) / len(names)
        reloads = []
        for index, name in enumerate(names):
            time.sleep(max(0.0, start + LEAD_S + index * gap - time.time()))
            process = ctx.shops[side].process(name)
            assert process.pid is not None
            reloads.append({"process": name, "at": time.time()})
            os.kill(process.pid, signal.SIGHUP)
        summary = ctx.finish_load(run)
        record = summary.pop("record")
        sides[side] = {"reloaded": names, "requests": summary["requests"],
                       "failed": summary["failed"], "error_rate": summary["error_rate"],
                       "statuses": {route: r["statuses"] for route, r in
                                    summary["routes"].items()},
                       "errors": summary["errors"][:5],
                       "timeline": timeline.series(record, reloads[0]["at"])}
    return {"status": "ok", "light_users": s.light_users, "signal": "SIGHUP", "sides": sides}
