"""Reading a run's timeline (successes and failures per route in short buckets, see
:mod:`loadtest.recorder`) around the moments a stage broke or restored something."""

from __future__ import annotations

from typing import Any


def _buckets(record: dict[str, Any], route: str) -> list[list[int]]:
    return list(record["timeline"]["routes"].get(route, []))


def _bucket_start(record: dict[str, Any], index: int) -> float:
    return float(record["started"]) + index * float(record["timeline"]["bucket_s"])


def counts_between(record: dict[str, Any], start: float, end: float) -> dict[str, dict[str, int]]:
    """Per route: the requests that ended in buckets starting within [start, end)."""
    result = {}
    for route in record["timeline"]["routes"]:
        ok = failed = 0
        for index, (good, bad) in enumerate(_buckets(record, route)):
            if start <= _bucket_start(record, index) < end:
                ok, failed = ok + good, failed + bad
        result[route] = {"ok": ok, "failed": failed}
    return result


def success_share(counts: dict[str, int]) -> float | None:
    total = counts["ok"] + counts["failed"]
    return counts["ok"] / total if total else None


def recovery_seconds(record: dict[str, Any], route: str, back_at: float) -> float | None:
    """Seconds from ``back_at`` to the end of the last bucket of ``route`` with a failure
    (0.0 when none failed after it); None when it was still failing in the run's last
    bucket (not recovered within the run)."""
    buckets = _buckets(record, route)
    size = float(record["timeline"]["bucket_s"])
    last_failure = None
    for index, (_good, bad) in enumerate(buckets):
        if bad and _bucket_start(record, index) + size > back_at:
            last_failure = index
    if last_failure is None:
        return 0.0
    if last_failure == len(buckets) - 1:
        return None
    return max(0.0, _bucket_start(record, last_failure) + size - back_at)


def series(record: dict[str, Any], origin: float) -> dict[str, Any]:
    """Successes and failures per bucket, all routes together, with times relative to
    ``origin`` (seconds): what the restart and isolation plots draw."""
    routes = record["timeline"]["routes"]
    length = max((len(b) for b in routes.values()), default=0)
    ok, failed = [0] * length, [0] * length
    for buckets in routes.values():
        for index, (good, bad) in enumerate(buckets):
            ok[index] += good
            failed[index] += bad
    return {"bucket_s": record["timeline"]["bucket_s"],
            "t_s": [round(_bucket_start(record, i) - origin, 3) for i in range(length)],
            "ok": ok, "failed": failed}
