"""What a load run records, inside the locust process, and writes as JSON at its end.

* the *window*: measurement starts once every user is ready plus a settling
  time, and lasts the run's duration; only requests that end inside it count
  towards throughput and percentiles;
* per route: latencies (ms; in open mode from the *scheduled* arrival, so a
  request that waited for a free user is not flattered), successes, failures,
  and answers by status;
* a timeline of successes and failures per route in short buckets, over the
  whole run, for the stages that break something while the load runs;
* in open mode, the arrivals scheduled, served, and how late they were served.

No locust or gevent import here: the harness's tests use it as it is.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUCKET_SECONDS = 0.25
MAX_ERROR_SAMPLES = 20


@dataclass
class RouteRecord:
    latencies_ms: list[float] = field(default_factory=list)
    ok: int = 0
    failed: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class Recorder:
    started: float = field(default_factory=time.time)
    window_start: float | None = None
    window_end: float | None = None
    routes: dict[str, RouteRecord] = field(default_factory=dict)
    timeline: dict[str, list[list[int]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    scheduled: int = 0
    served: int = 0
    lags_ms: list[float] = field(default_factory=list)

    def in_window(self, at: float) -> bool:
        return (self.window_start is not None and at >= self.window_start
                and (self.window_end is None or at <= self.window_end))

    def record(self, route: str, latency_ms: float, status: int, failure: str | None,
               at: float | None = None) -> None:
        """One answered (or failed) request of ``route``, ended at ``at``."""
        at = time.time() if at is None else at
        bucket = int((at - self.started) / BUCKET_SECONDS)
        series = self.timeline.setdefault(route, [])
        while len(series) <= bucket:
            series.append([0, 0])
        series[bucket][1 if failure else 0] += 1
        if not self.in_window(at):
            return
        entry = self.routes.setdefault(route, RouteRecord())
        entry.statuses[str(status)] += 1
        if failure:
            entry.failed += 1
            if len(self.errors) < MAX_ERROR_SAMPLES:
                self.errors.append(f"{route}: {failure}"[:300])
        else:
            entry.ok += 1
            entry.latencies_ms.append(latency_ms)

    def arrival_served(self, lag_ms: float, at: float | None = None) -> None:
        if self.in_window(time.time() if at is None else at):
            self.served += 1
            self.lags_ms.append(lag_ms)

    def as_json(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {
            "settings": settings, "started": self.started,
            "window": [self.window_start, self.window_end],
            "routes": {name: {"latencies_ms": r.latencies_ms, "ok": r.ok, "failed": r.failed,
                              "statuses": dict(r.statuses)} for name, r in self.routes.items()},
            "timeline": {"bucket_s": BUCKET_SECONDS, "routes": self.timeline},
            "errors": self.errors,
            "arrivals": {"scheduled": self.scheduled, "served": self.served,
                         "lags_ms": self.lags_ms},
        }

    def write(self, path: Path, settings: dict[str, Any]) -> None:
        path.write_text(json.dumps(self.as_json(settings)))
