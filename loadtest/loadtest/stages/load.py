"""Capacity sweep, latency at equal load, and the cost per request derived from the
equal-load runs: the stages that only put load on the shops."""

from __future__ import annotations

import math
from typing import Any

from loadtest import stats
from loadtest.generator import open_loop_users
from loadtest.schedule import alternating
from loadtest.shops import MICROSERVICES, RELAY, SIDES
from loadtest.stages.context import Context, requests_per_action

PERCENTILES = ("p50_ms", "p95_ms", "p99_ms")
RUN_OVERHEAD_S = 4.0  # a locust start, its users' start and the settling time


def _lean(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's summary without its raw record (kept out of results.json)."""
    return {k: v for k, v in summary.items() if k != "record"}


def _aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians with spread over rounds: in total and per route."""
    routes = sorted({route for run in runs for route in run["routes"]})
    failed_statuses: dict[str, int] = {}
    for run in runs:
        for status, n in run["failed_statuses"].items():
            failed_statuses[status] = failed_statuses.get(status, 0) + n
    keys = ("throughput_rps", "error_rate", *PERCENTILES)
    return {
        "requests": sum(run["requests"] for run in runs),
        "failed": sum(run["failed"] for run in runs),
        "failed_statuses": failed_statuses,
        "waited_for_health_s": stats.spread(run.get("waited_for_health_s", math.nan)
                                            for run in runs),
        **{key: stats.spread(run[key] for run in runs) for key in keys},
        "routes": {route: {key: stats.spread(run["routes"][route][key] for run in runs
                                             if route in run["routes"]) for key in keys}
                   for route in routes},
        "generator_cpu_share": stats.spread(run.get("generator_cpu_share", math.nan)
                                            for run in runs),
    }


def capacity_estimate(ctx: Context) -> float:
    s = ctx.settings
    return len(s.capacity_users) * len(SIDES) * s.rounds * (s.step_seconds + RUN_OVERHEAD_S)


def capacity(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {
        side: {users: [] for users in s.capacity_users} for side in SIDES}
    for slot in alternating(SIDES, s.rounds, s.capacity_users):
        users = int(slot.step)  # type: ignore[call-overload]
        ctx.progress.say(f"round {slot.round + 1}/{s.rounds}, {users} users, closed loop, "
                         f"{s.step_seconds:.0f} s", slot.shop)
        summary = ctx.load(slot.shop, f"capacity-{users}u", mode="closed", users=users,
                           duration=s.step_seconds)
        runs[slot.shop][users].append(_lean(summary))
    sides = {}
    for side in SIDES:
        steps = [{"users": users, **_aggregate(runs[side][users])} for users in s.capacity_users]
        peaks = [max(runs[side][users][r]["throughput_rps"] for users in s.capacity_users)
                 for r in range(s.rounds)]
        best = max(steps, key=lambda step: step["throughput_rps"]["median"])
        sides[side] = {"steps": steps, "peak_rps": stats.spread(peaks),
                       "peak_users": best["users"],
                       "runs": {str(u): runs[side][u] for u in s.capacity_users}}
    for side in SIDES:  # the per-run details stay in raw/, not in results.json
        for run_list in sides[side]["runs"].values():
            for run in run_list:
                run.pop("errors", None)
    return {"status": "ok", "mix": s.mix, "mode": "closed loop, no think time",
            "users": list(s.capacity_users), "step_seconds": s.step_seconds,
            "rounds": s.rounds, "sides": sides}


def equal_load_estimate(ctx: Context) -> float:
    s = ctx.settings
    return len(SIDES) * s.rounds * (s.equal_load_seconds + RUN_OVERHEAD_S)


def equal_load(ctx: Context) -> dict[str, Any]:
    s = ctx.settings
    capacity_result = ctx.results.get("capacity", {})
    peaks = [capacity_result.get("sides", {}).get(side, {}).get("peak_rps", {}).get("median")
             for side in SIDES]
    if not all(peak and not math.isnan(peak) for peak in peaks):
        return {"status": "failed", "reason": "no capacity figures to derive a rate from"}
    target_rps = s.equal_load_share * min(peaks)  # type: ignore[type-var]
    rate = target_rps / requests_per_action(s.mix)
    users = open_loop_users(rate, s.shoppers)
    idle = ctx.sampler.sample().memory if ctx.sampler is not None else {}
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for slot in alternating(SIDES, s.rounds):
        ctx.progress.say(f"round {slot.round + 1}/{s.rounds}, {rate:.1f} arrivals/s "
                         f"(~{target_rps:.0f} req/s), {s.equal_load_seconds:.0f} s", slot.shop)
        summary = ctx.load(slot.shop, "equal-load", mode="open", rate=rate, users=users,
                           duration=s.equal_load_seconds)
        runs[slot.shop].append(_lean(summary))
    return {
        "status": "ok", "mix": s.mix, "mode": "fixed arrival rate (open loop)",
        "share_of_smaller_peak": s.equal_load_share, "target_rps": target_rps,
        "arrivals_per_s": rate, "user_pool": users, "seconds": s.equal_load_seconds,
        "rounds": s.rounds,
        "sides": {side: {**_aggregate(runs[side]),
                         "arrivals": {"scheduled": sum(r["arrivals"]["scheduled"]
                                                       for r in runs[side]),
                                      "served": sum(r["arrivals"]["served"] for r in runs[side]),
                                      "late_over_10ms": sum(r["arrivals"]["late_over_10ms"]
                                                            for r in runs[side])},
                         "runs": [{k: v for k, v in r.items() if k != "errors"}
                                  for r in runs[side]]}
                  for side in SIDES},
        "_idle_memory": {name: {"rss_bytes": m.rss_bytes, "pss_bytes": m.pss_bytes}
                         for name, m in idle.items()},
    }


def cost_estimate(_ctx: Context) -> float:
    return 0.0


def cost(ctx: Context) -> dict[str, Any]:
    """CPU seconds per 1,000 requests per process, tier and side, and memory per process
    and side, idle and under load, from the equal-load runs (the same rate on both
    sides, so the figures compare work done, not saturation)."""
    equal = ctx.results.get("equal_load", {})
    if equal.get("status") != "ok":
        return {"status": "failed", "reason": "needs the equal-load stage's runs"}
    assert ctx.sampler is not None
    idle = equal.pop("_idle_memory", {})
    components = {c.name: c for c in ctx.sampler.components}
    sides: dict[str, Any] = {}
    for side in SIDES:
        runs = equal["sides"][side]["runs"]
        names = [c.name for c in ctx.sampler.components if c.side == side]
        per_component = {name: stats.spread(stats.per_thousand(run["cpu_s"].get(name, 0.0),
                                                               run["requests"]) for run in runs)
                         for name in names}
        tiers: dict[str, Any] = {}
        for tier in ("edge", "services", "stores"):
            members = [n for n in names if components[n].tier == tier]
            tiers[tier] = stats.spread(stats.per_thousand(
                sum(run["cpu_s"].get(n, 0.0) for n in members), run["requests"]) for run in runs)
        total = stats.spread(stats.per_thousand(sum(run["cpu_s"].get(n, 0.0) for n in names),
                                                run["requests"]) for run in runs)
        load_memory = {name: max((run["memory"].get(name, {"rss_bytes": 0, "pss_bytes": 0})
                                  for run in runs), key=lambda m: m["pss_bytes"])
                       for name in names}
        idle_memory = {name: idle.get(name, {"rss_bytes": 0, "pss_bytes": 0}) for name in names}
        sides[side] = {
            "cpu_s_per_1000": {"components": per_component, "tiers": tiers, "total": total},
            "memory": {"idle": idle_memory, "load": load_memory,
                       "idle_total": _sum_memory(idle_memory),
                       "load_total": _sum_memory(load_memory)},
            "components": {n: {"tier": components[n].tier, "note": components[n].note}
                           for n in names},
        }
        for run in runs:
            run.pop("memory", None)
    return {"status": "ok", "source": "equal_load", "sides": sides,
            "events": _events_cost(equal, components),
            "generator_cpu_s_per_1000": {side: stats.spread(stats.per_thousand(
                run["cpu_s"].get("load generator", 0.0), run["requests"])
                for run in equal["sides"][side]["runs"]) for side in SIDES}}


CHECKOUT_ROUTE = "POST /api/orders"


def _events_cost(equal: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """What publishing the order events costs in CPU: the orders relay's CPU seconds per
    1,000 checkouts of the equal-load runs (the monolith has no relay: its stream reads
    its outbox table, whose write is in the checkout's own time, see the traced stage)."""
    if RELAY not in components:
        return {"status": "skipped", "reason": "no relay process sampled"}
    runs = equal["sides"][MICROSERVICES]["runs"]
    checkouts = [run["routes"].get(CHECKOUT_ROUTE, {}).get("requests", 0) for run in runs]
    return {"status": "ok", "process": RELAY, "checkouts": sum(checkouts),
            "relay_cpu_s": stats.spread(run["cpu_s"].get(RELAY, 0.0) for run in runs),
            # Its share of one core over a run: a relay polls its outbox even when idle.
            "relay_core_share": stats.spread(run["cpu_s"].get(RELAY, 0.0) / run["window_s"]
                                             for run in runs if run.get("window_s")),
            "relay_cpu_s_per_1000_checkouts": stats.spread(
                stats.per_thousand(run["cpu_s"].get(RELAY, 0.0), n)
                for run, n in zip(runs, checkouts, strict=True) if n)}


def _sum_memory(memory: dict[str, dict[str, int]]) -> dict[str, int]:
    return {"rss_bytes": sum(m["rss_bytes"] for m in memory.values()),
            "pss_bytes": sum(m["pss_bytes"] for m in memory.values())}
