"""`python -m loadtest saturation` (`make profile-saturation`): where each shop spends its
CPU when it is saturated, process by process, in one run.

Both shops are started as `make compare` starts them (PostgreSQL, each app's default
workers, the shops on one core and the load generator on the other). For each shop in
turn: a warm-up run, then a closed loop of ``USERS`` shoppers with no think time for
``DURATION`` seconds on ``MIX``. It prints the CPU each process tree used in that window per
request served at the edge, and how many requests each hop answered and made (from the
apps' own Prometheus counters), so a hop that is asked more often than the edge is (a
lookup per cart view, a retry) shows. ``PROFILE_DIR=dir`` adds a py-spy profile of
every app process (``--gil``: samples only while Python runs, so waiting is left out) and
a table of the functions with the most samples per app.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from loadtest import fixture, generator, procfs
from loadtest.gateway_throughput import py_spy, top_table
from loadtest.sampler import Component
from loadtest.shops import (
    MICROSERVICES,
    MONOLITH,
    Cores,
    LocalSettings,
    Shop,
    local_shops,
)

STORE_COMPONENTS = ("postgres", "postgres (monolith)", "mongodb", "redis")
# Requests a process answered and made, by route or downstream and status.
COUNTERS = re.compile(r'^(http_requests_total|http_client_request_duration_seconds_count)'
                      r'\{(?P<labels>.*)\} (?P<value>[0-9.e+]+)$')
LABEL = re.compile(r'(\w+)="([^"]*)"')


def counts_of(app: str, exposition: str) -> Counter[tuple[str, str, str]]:
    """(app, "answered <method> <route>" or "asked <downstream> <method>", status) -> count,
    from one app's Prometheus exposition (probes and scrapes left out)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for line in exposition.splitlines():
        match = COUNTERS.match(line)
        if match is None:
            continue
        labels = dict(LABEL.findall(match["labels"]))
        if labels.get("route") in ("/metrics", "/healthz", "/readyz"):
            continue
        what = (f"answered {labels.get('method', '')} {labels.get('route', '')}"
                if match[1] == "http_requests_total"
                else f"asked {labels.get('downstream', '')} {labels.get('method', '')}")
        counts[(app, what, labels.get("status", ""))] += float(match["value"])
    return counts


def scrape(shop: Shop) -> Counter[tuple[str, str, str]]:
    """Every app of ``shop``'s counts now (:func:`counts_of`)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for app, port in shop.process_ports.items():
        counts += counts_of(app, httpx.get(f"http://127.0.0.1:{port}/metrics",
                                           timeout=5.0).text)
    return counts


def _profilers(components: list[Component], seconds: float, cores: str | None,
               out: Path) -> list[subprocess.Popen[bytes]]:
    started = []
    pin = ["taskset", "-c", cores] if cores else []
    for component in components:
        if component.name in STORE_COMPONENTS:
            continue
        for pid in component.pids():
            started.append(subprocess.Popen(
                [*pin, py_spy(), "record", "--pid", str(pid), "--gil", "--rate", "100",
                 "--format", "raw", "--nonblocking", "--duration", str(max(1, int(seconds))),
                 "--output", str(out / f"{component.name}-{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return started


def _samples(collapsed: Path) -> int:
    """How many samples a py-spy ``raw`` file holds (each line ends in its count)."""
    return sum(int(count) for line in collapsed.read_text().splitlines()
               if (count := line.rpartition(" ")[2]).isdigit())


def measure(shop: Shop, workdir: Path, cores: Cores, *, users: int, seconds: float,
            mix: str, profile_dir: Path | None) -> list[str]:
    data = fixture.prepare(shop.base_url, shop.admin_email, shop.admin_password,
                           shoppers=max(16, users))
    data_file = fixture.write(data, workdir / f"{shop.side}.json")
    spec = {"base_url": shop.base_url, "mix": mix, "mode": "closed", "users": users,
            "data_file": data_file}
    generator.run(generator.LoadSpec(duration=5.0, **spec), workdir, f"warm-{shop.side}",
                  cores.generator)
    run = generator.LoadRun(generator.LoadSpec(duration=seconds, **spec), workdir,
                            f"saturated-{shop.side}", cores.generator)
    # The window: after locust's start and settling, before its end.
    time.sleep(3.0)
    window = max(1.0, seconds - 5.0)
    profilers = (_profilers(shop.components, window, cores.generator, profile_dir)
                 if profile_dir is not None else [])
    counts_before = scrape(shop)
    cpu_before = {c.name: sum(procfs.read_cpu(c.pids()).values()) for c in shop.components}
    started = time.monotonic()
    time.sleep(window)
    elapsed = time.monotonic() - started
    cpu = {c.name: sum(procfs.read_cpu(c.pids()).values()) - cpu_before[c.name]
           for c in shop.components}
    counts = scrape(shop)
    summary = generator.summarise(run.wait())
    run.stop()
    for profiler in profilers:
        profiler.wait(timeout=window + 30)
    delta = {key: counts[key] - counts_before.get(key, 0) for key in counts}
    edge = MONOLITH if shop.side == MONOLITH else "gateway"
    edge_requests = sum(n for (app, what, _), n in delta.items()
                        if app == edge and what.startswith("answered"))
    lines = [f"== {shop.side}: {summary['throughput_rps']:.1f} req/s, p50 "
             f"{summary['p50_ms']:.1f} ms, {summary['failed']} failed; "
             f"{edge_requests:.0f} requests at the edge in the {elapsed:.1f} s window",
             f"{'process':24} {'CPU s':>7} {'ms / edge request':>18} {'share':>6}"]
    total = sum(cpu.values())
    for name, used in sorted(cpu.items(), key=lambda item: -item[1]):
        lines.append(f"{name:24} {used:7.2f} {1000 * used / max(1, edge_requests):18.3f} "
                     f"{used / total if total else 0:6.1%}")
    lines.append(f"{'all':24} {total:7.2f} {1000 * total / max(1, edge_requests):18.3f}")
    lines.append("requests answered and made per app (status), in the window:")
    for (app, what, status), n in sorted(delta.items()):
        if n:
            lines.append(f"  {app:10} {what:52} {status:>4} {n:7.0f}")
    if profile_dir is not None:
        for component in shop.components:
            files = sorted(profile_dir.glob(f"{component.name}-[0-9]*.txt"))
            busiest = max(files, key=_samples, default=None)
            if busiest is not None:
                lines.append(f"-- {component.name} (its busiest process, {busiest.name})")
                lines.extend(top_table(busiest, limit=12))
    return lines


def main() -> int:
    users = int(os.environ.get("USERS") or "8")
    seconds = float(os.environ.get("DURATION") or "20")
    mix = os.environ.get("MIX") or "default"
    profile = os.environ.get("PROFILE_DIR")
    profile_dir = Path(profile) if profile else None
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
    cores = Cores.split()
    settings = LocalSettings(stores=os.environ.get("STORES") or "postgres", cores=cores)
    print(f"both shops at saturation: {users} users, closed loop, {seconds:.0f} s, mix "
          f"{mix}; shops on CPU {cores.shops}, generator on CPU {cores.generator}", flush=True)
    with tempfile.TemporaryDirectory(prefix="saturation-") as tmp, \
            local_shops(settings, Path(tmp)) as shops:
        for side in (MONOLITH, MICROSERVICES):
            print(f"measuring {side} ...", flush=True)
            for line in measure(shops[side], Path(tmp), cores, users=users, seconds=seconds,
                                mix=mix, profile_dir=profile_dir):
                print(line, flush=True)
    return 0
