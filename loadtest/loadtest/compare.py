"""`python -m loadtest compare` (`make compare`): both shops measured side by side.

Locally it starts both shops on ports of their own (see :mod:`loadtest.shops`),
pins them and the load generator to different cores, prepares each shop's data
through its API, runs every stage, and writes ``reports/<timestamp>/`` with
``reports/latest`` pointing at it. With MONOLITH_URL and GATEWAY_URL it measures
shops deployed elsewhere, from outside, and says which stages it skipped.
Exits non-zero when a stage failed or a shop answered nothing or unexpected errors.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

from loadtest import fixture, metrics, stats
from loadtest.report import validate, write_report
from loadtest.sampler import Sampler
from loadtest.shops import (
    MICROSERVICES,
    MONOLITH,
    Cores,
    LocalSettings,
    local_shops,
    remote_shops,
)
from loadtest.stages import Stage, disrupt, load, traced
from loadtest.stages.context import Context, Progress, Settings

REPO_ROOT = Path(__file__).resolve().parents[2]

STAGES = [
    Stage("capacity", "capacity sweep", load.capacity, load.capacity_estimate),
    Stage("equal_load", "latency at equal load", load.equal_load, load.equal_load_estimate),
    Stage("cost", "cost per request", load.cost, load.cost_estimate, needs_local=True),
    Stage("restart", "restart to ready", disrupt.restart, disrupt.restart_estimate,
          needs_local=True),
    Stage("isolation", "failure isolation", disrupt.isolation, disrupt.isolation_estimate,
          needs_local=True),
    Stage("redeploy", "graceful redeploy", disrupt.redeploy, disrupt.redeploy_estimate,
          needs_local=True),
    # Last: it restarts the shops with traces exported, which no other stage should pay for.
    Stage("where_time_goes", "where the time goes (traced)", traced.traced,
          traced.traced_estimate),
]
STARTUP_ESTIMATE_S = 40.0


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        kib = int(info.readline().split()[1])
    return {"cpu_model": model, "cores": os.cpu_count(), "memory_gib": round(kib / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "hostname_hash": abs(hash(platform.node())) % 10**6}


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def settings_from_environment(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    quick = env.get("QUICK", "") not in ("", "0")
    overrides: dict[str, Any] = {"stores": env.get("STORES") or "postgres",
                                 "mix": env.get("MIX") or "default"}
    if env.get("WORKERS"):
        overrides["workers"] = int(env["WORKERS"])
    if env.get("ROUNDS"):
        overrides["rounds"] = int(env["ROUNDS"])
    if env.get("USERS"):
        overrides["capacity_users"] = tuple(int(u) for u in env["USERS"].split(","))
    if env.get("STEP_SECONDS"):
        overrides["step_seconds"] = float(env["STEP_SECONDS"])
    if overrides["stores"] not in ("postgres", "embedded"):
        raise SystemExit("STORES is postgres (the default) or embedded")
    return Settings.quick_settings(**overrides) if quick else Settings(**overrides)


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    def median(path: list[str]) -> float | None:
        value: Any = results
        for key in path:
            value = (value or {}).get(key) if isinstance(value, dict) else None
        return value.get("median") if isinstance(value, dict) else value

    def of(*path: str) -> float:
        m = median([path[0], "sides", MICROSERVICES, *path[1:]])
        n = median([path[0], "sides", MONOLITH, *path[1:]])
        return stats.ratio(m if m is not None else float("nan"),
                           n if n is not None else float("nan"))

    return {"throughput": of("capacity", "peak_rps"),
            "p50_equal_load": of("equal_load", "p50_ms"),
            "p99_equal_load": of("equal_load", "p99_ms"),
            "cpu_per_request": of("cost", "cpu_s_per_1000", "total"),
            "pss_under_load": of("cost", "memory", "load_total", "pss_bytes")}


def _report_dir(base: Path) -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    directory = base / stamp
    directory.mkdir(parents=True, exist_ok=False)
    latest = base / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(stamp)
    return directory


def _run_stages(ctx: Context, stages: list[Stage], results: dict[str, Any],
                first: int = 1) -> None:
    for number, stage in enumerate(stages, first):
        ctx.progress.stage = f"stage {number}/{len(STAGES)} {stage.title}"
        if stage.needs_local and not ctx.local:
            results[stage.key] = {"status": "skipped",
                                  "reason": "needs the shops' processes on this machine"}
            results["skipped"].append({"stage": stage.key, "reason": results[stage.key]
                                       ["reason"]})
            ctx.progress.say("skipped (remote shops)")
            continue
        ctx.progress.say("starting")
        begun = time.monotonic()
        try:
            results[stage.key] = stage.run(ctx)
        except Exception as exc:  # noqa: BLE001 - recorded, reported, and the run fails
            traceback.print_exc()
            ctx.stop_loads()
            results[stage.key] = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
        results[stage.key]["seconds"] = round(time.monotonic() - begun, 1)
        ctx.results = results


def compare(settings: Settings, report_base: Path, monolith_url: str | None = None,
            gateway_url: str | None = None) -> int:
    remote = bool(monolith_url or gateway_url)
    if remote and not (monolith_url and gateway_url):
        raise SystemExit("remote mode needs both MONOLITH_URL and GATEWAY_URL")
    directory = _report_dir(report_base)
    raw = directory / "raw"
    cores = Cores(None, None) if remote else Cores.split()
    started = time.monotonic()
    total = STARTUP_ESTIMATE_S
    results: dict[str, Any] = {
        "machine": machine(), "commit": commit(),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": {**asdict(settings), "target": "remote" if remote else "local",
                     "urls": {MONOLITH: monolith_url, MICROSERVICES: gateway_url},
                     "cpu": {"shops": cores.shops, "generator": cores.generator,
                             "allowed": sorted(os.sched_getaffinity(0))}},
        "skipped": []}
    print(f"comparison → {directory}", flush=True)
    print(f"CPU sharing: shops on CPU {cores.shops or 'any (unpinned)'}, load generator on "
          f"CPU {cores.generator or 'any (unpinned)'}; both shops share the same cores and "
          "only one is under load at a time", flush=True)
    if remote:
        shops_cm = None
        shops = remote_shops(monolith_url or "", gateway_url or "",
                             os.environ.get("ADMIN_EMAIL", "admin@example.com"),
                             os.environ.get("ADMIN_PASSWORD", "admin-dev-password"))
    else:
        workers = "each app's default" if settings.workers is None else settings.workers
        print(f"starting both shops (stores: {settings.stores}, workers per app: {workers}) "
              "...", flush=True)
        shops_cm = local_shops(LocalSettings(settings.stores, settings.workers, cores),
                               directory / "shops")
        shops = shops_cm.__enter__()
        results["settings"]["workers_per_app"] = {
            name: count for shop in shops.values() for name, count in shop.worker_counts().items()}
    try:
        ctx = Context(shops, settings, cores, raw, {}, Progress(0.0))
        raw.mkdir(parents=True, exist_ok=True)
        for side, shop in shops.items():
            print(f"preparing {side}'s data through its API ({settings.shoppers} shoppers, "
                  "checkout products) ...", flush=True)
            ctx.data_files[side] = fixture.write(
                fixture.prepare(shop.base_url, shop.admin_email, shop.admin_password,
                                settings.shoppers), raw / f"fixture-{side}.json")
        total += sum(s.estimate(ctx) for s in STAGES if ctx.local or not s.needs_local)
        ctx.progress = Progress(total)
        ctx.progress.started = started
        components = [c for shop in shops.values() for c in shop.components]
        ctx.sampler = Sampler([*components, ctx.generator_component()]).start()
        before = {side: metrics.requests_by_status(shop.base_url) for side, shop in shops.items()}
        try:
            _run_stages(ctx, STAGES[:2], results)
            results["metrics"] = {
                "what": "the shop's own http_requests_total over the load stages (the edge: "
                        "the monolith, the gateway), by status class",
                "sides": {side: metrics.difference(before[side], metrics.requests_by_status(
                    shop.base_url)) for side, shop in shops.items()}}
            _run_stages(ctx, STAGES[2:], results, first=3)
        finally:
            ctx.stop_loads()
            ctx.sampler.stop()
    finally:
        if shops_cm is not None:
            print("stopping both shops ...", flush=True)
            shops_cm.__exit__(None, None, None)
    results["ratios"] = ratios(results)
    results["duration_s"] = round(time.monotonic() - started, 1)
    problems = validate(results)
    results["problems"] = problems
    summary = write_report(results, directory)
    print()
    print(summary)
    print(f"report: {directory / 'report.html'}  (results.json, summary.md beside it; "
          f"{report_base / 'latest'} points at the newest)")
    if problems:
        print("the comparison FAILED:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    del argv
    report_base = Path(os.environ.get("REPORTS_DIR", REPO_ROOT / "reports")).resolve()
    report_base.mkdir(parents=True, exist_ok=True)
    return compare(settings_from_environment(), report_base,
                   os.environ.get("MONOLITH_URL") or None, os.environ.get("GATEWAY_URL") or None)
