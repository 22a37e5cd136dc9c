"""One locust run, in a subprocess of its own, pinned to the generator's cores.

The subprocess keeps gevent's monkey-patching out of the harness, and taskset
keeps the generator off the shops' cores. The run writes its record (see
:mod:`loadtest.recorder`) to a JSON file; :func:`summarise` turns it into the
figures the stages report.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadtest import mixes, stats

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


@dataclass
class LoadSpec:
    base_url: str
    mix: str = "default"
    mode: str = "closed"  # or "open"
    users: int = 1
    rate: float = 0.0  # open mode: arrivals per second
    duration: float = 10.0
    settle: float = 1.0
    data_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)


def open_loop_users(rate: float, shoppers: int) -> int:
    """The user pool for a fixed arrival rate: enough for 0.3 s of arrivals in flight
    (at least 16), no more than there are prepared shoppers."""
    return max(1, min(shoppers, max(16, math.ceil(rate * 0.3))))


class LoadRun:
    """A started locust run; :meth:`wait` returns its summarised record."""

    def __init__(self, spec: LoadSpec, workdir: Path, name: str, cores: str | None) -> None:
        self.spec = spec
        self.waited_for_health_s = 0.0
        workdir.mkdir(parents=True, exist_ok=True)
        self.output = workdir / f"{name}.json"
        self.ready_file = workdir / f"{name}.ready"
        self.log = workdir / f"{name}.log"
        for path in (self.output, self.ready_file):
            path.unlink(missing_ok=True)
        argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "-H", spec.base_url, "-u", str(spec.users), "-r", str(max(spec.users, 1)),
                "--run-time", f"{int(spec.duration + spec.settle + 150)}s", "--only-summary",
                "--loglevel", "WARNING", "--exit-code-on-error", "0", "--stop-timeout", "2"]
        if cores and shutil.which("taskset"):
            argv = ["taskset", "-c", cores, *argv]
        env = {**os.environ, **spec.env, "LOADTEST_MIX": spec.mix, "LOADTEST_MODE": spec.mode,
               "LOADTEST_RATE": str(spec.rate), "LOADTEST_USERS": str(spec.users),
               "LOADTEST_DURATION": str(spec.duration), "LOADTEST_SETTLE": str(spec.settle),
               "LOADTEST_OUTPUT": str(self.output), "LOADTEST_READY_FILE": str(self.ready_file)}
        if spec.data_file is not None:
            env["LOADTEST_DATA"] = str(spec.data_file)
        self._log_handle = open(self.log, "w")  # noqa: SIM115 - closed in wait()
        self.popen = subprocess.Popen(argv, env=env, stdout=self._log_handle,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def wait_window_start(self, timeout: float = 150.0) -> float:
        """Block until the measured window starts; its start time (time.time())."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_file.exists() and self.ready_file.read_text().strip():
                return float(self.ready_file.read_text())
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"the load generator did not start measuring; see {self.log}:\n"
                           + self.log.read_text()[-2000:])

    def wait(self) -> dict[str, Any]:
        timeout = self.spec.duration + self.spec.settle + 200
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        finally:
            self._log_handle.close()
        if not self.output.exists():
            raise RuntimeError(f"the load generator wrote no record; see {self.log}:\n"
                               + self.log.read_text()[-2000:])
        return json.loads(self.output.read_text())

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def summarise(record: dict[str, Any]) -> dict[str, Any]:
    """Throughput, latency percentiles and errors, per route and in total, over the window."""
    start, end = record["window"]
    seconds = (end - start) if start and end else math.nan
    routes, everything = {}, []
    for name, route in sorted(record["routes"].items()):
        count = route["ok"] + route["failed"]
        failed_statuses = {status: n for status, n in route["statuses"].items()
                           if not mixes.expected(name, int(status))}
        routes[name] = {"requests": count, "ok": route["ok"], "failed": route["failed"],
                        "failed_statuses": failed_statuses,
                        "error_rate": route["failed"] / count if count else math.nan,
                        "throughput_rps": count / seconds if seconds else math.nan,
                        "statuses": route["statuses"], **stats.latency_summary(
                            route["latencies_ms"])}
        everything.extend(route["latencies_ms"])
    requests = sum(r["requests"] for r in routes.values())
    failed = sum(r["failed"] for r in routes.values())
    failed_statuses: dict[str, int] = {}
    for route in routes.values():
        for status, n in route["failed_statuses"].items():
            failed_statuses[status] = failed_statuses.get(status, 0) + n
    arrivals = record.get("arrivals", {})
    lags = arrivals.get("lags_ms", [])
    return {
        "window_s": seconds, "window": [start, end], "requests": requests, "failed": failed,
        "failed_statuses": failed_statuses,
        "error_rate": failed / requests if requests else math.nan,
        "throughput_rps": requests / seconds if seconds else math.nan,
        **stats.latency_summary(everything), "routes": routes, "errors": record["errors"],
        "arrivals": {"scheduled": arrivals.get("scheduled", 0),
                     "served": arrivals.get("served", 0),
                     "late_over_10ms": sum(1 for lag in lags if lag > 10.0),
                     "lag_p99_ms": stats.percentile(lags, 0.99)},
        "settings": record["settings"],
    }


def run(spec: LoadSpec, workdir: Path, name: str, cores: str | None) -> dict[str, Any]:
    """One run to its end: its record, raw (for timelines) and summarised."""
    load = LoadRun(spec, workdir, name, cores)
    try:
        record = load.wait()
    finally:
        load.stop()
    return {"record": record, "summary": summarise(record)}
