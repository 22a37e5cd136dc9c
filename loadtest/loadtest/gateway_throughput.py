"""The gateway's share of a service's throughput, and its CPU per proxied request.

``wrk`` (when it is on the PATH) reads one URL straight from the catalog and the
same URL through the gateway, alternating, in rounds of a few seconds each,
with the same number of connections. While each run lasts, the CPU time of the
process trees under test is read from /proc, so that the gateway's own CPU per
request comes out of the same run. With ``profile_dir`` set, ``py-spy record``
samples the serving worker during each run and writes its collapsed stacks and
a table of the functions that take the most samples (``py-spy`` from requirements-dev.txt).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loadtest import procfs

REQUESTS_PER_SEC = re.compile(r"Requests/sec:\s+([0-9.]+)")
TOTAL_REQUESTS = re.compile(r"(\d+) requests in")
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


@dataclass
class Runs:
    """Each target's rates (req/s) and the CPU-seconds per request of each process tree."""

    rates: list[float] = field(default_factory=list)
    cpu_per_request: dict[str, list[float]] = field(default_factory=dict)
    failures: int = 0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def _tree_cpu(root: int) -> float:
    return sum(procfs.cpu_seconds(pid) for pid in procfs.tree(root))


def _workers(root: int) -> list[int]:
    """The serving processes of a pre-forked server (its children), else the root."""
    children = procfs.children_map().get(root, [])
    return children or [root]


def py_spy() -> str:
    """The virtualenv's py-spy (requirements-dev.txt), else the PATH's."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else "py-spy"


def _profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
         "--rate", "200", "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wrk_once(url: str, *, connections: int, seconds: float,
             trees: Mapping[str, int], profile: Mapping[str, Path] | None = None,
             ) -> tuple[float, int, int, dict[str, float]]:
    """One wrk run: (req/s, requests, non-2xx answers, CPU-seconds of each tree)."""
    before = {name: _tree_cpu(pid) for name, pid in trees.items()}
    samplers = [_profile(_workers(trees[name])[0], seconds, out)
                for name, out in (profile or {}).items()]
    done = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "-H", "Accept: application/json",
         url], capture_output=True, text=True, check=True, timeout=seconds + 30)
    cpu = {name: _tree_cpu(pid) - before[name] for name, pid in trees.items()}
    for sampler in samplers:
        sampler.wait(timeout=seconds + 30)
    rate = REQUESTS_PER_SEC.search(done.stdout)
    total = TOTAL_REQUESTS.search(done.stdout)
    non_2xx = NON_2XX.search(done.stdout)
    if rate is None or total is None:
        raise RuntimeError(f"wrk printed no rate:\n{done.stdout}\n{done.stderr}")
    return (float(rate.group(1)), int(total.group(1)),
            int(non_2xx.group(1)) if non_2xx else 0, cpu)


def compare(targets: Mapping[str, tuple[str, Mapping[str, int]]], *, rounds: int = 2,
            connections: int = 16, seconds: float = 5.0,
            profile_dir: Path | None = None) -> dict[str, Runs]:
    """``targets``: name -> (URL, the process trees whose CPU to read, by name)."""
    runs = {name: Runs() for name in targets}
    names = list(targets)
    for index in range(rounds):
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            url, trees = targets[name]
            profile = None
            if profile_dir is not None and index == 0:
                profile = {tree: profile_dir / f"{tree}-process-reading-{name}.txt"
                           for tree in trees}
            rate, total, failed, cpu = wrk_once(url, connections=connections, seconds=seconds,
                                                trees=trees, profile=profile)
            runs[name].rates.append(rate)
            runs[name].failures += failed
            for tree, seconds_used in cpu.items():
                runs[name].cpu_per_request.setdefault(tree, []).append(
                    seconds_used / max(1, total))
    return runs


def report(runs: Mapping[str, Runs], direct: str, through: Sequence[str]) -> list[str]:
    lines = [f"{'':10} {'req/s':>9} {'CPU ms/request by process':>30}"]
    for name, run in runs.items():
        rate = sum(run.rates) / len(run.rates)
        cpu = ", ".join(f"{tree} {1000 * sum(v) / len(v):.3f}"
                        for tree, v in run.cpu_per_request.items())
        lines.append(f"{name:10} {rate:9.0f}   {cpu}")
    def mean(name: str) -> float:
        return sum(runs[name].rates) / len(runs[name].rates)

    for name in through:
        lines.append(f"{'share':10} {mean(name) / mean(direct):9.2f}   ({name} over {direct})")
    return lines


def top_table(collapsed: Path, limit: int = 15) -> list[str]:
    """The functions with the most samples in a py-spy ``raw`` file: own and total share."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_short(frame) for frame in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    if not samples:
        return ["(no samples)"]
    rows = [f"{'own %':>6} {'total %':>8}  function"]
    for frame, count in own.most_common(limit):
        rows.append(f"{100 * count / samples:6.1f} {100 * total[frame] / samples:8.1f}  {frame}")
    return rows


def _short(frame: str) -> str:
    """``function (path/to/module.py:line)`` as ``function (module.py)``."""
    name, _, where = frame.partition(" (")
    module = where.rsplit(":", 1)[0].rsplit("/", 1)[-1].rstrip(")")
    return f"{name} ({module})" if module else name


def summarise_profiles(profile_dir: Path, names: Sequence[str] | None = None) -> list[str]:
    lines = []
    for path in sorted(profile_dir.glob("*.txt")):
        if names is not None and path.stem not in names:
            continue
        lines += ["", f"py-spy {path.stem}:", *top_table(path)]
    return lines


def profile_dir_from_env() -> Path | None:
    """``BENCH_PROFILE_DIR``, made if it is set: where the benches keep py-spy profiles."""
    named = os.environ.get("BENCH_PROFILE_DIR")
    if not named:
        return None
    directory = Path(named)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def finish(runs: Mapping[str, Runs], profiles: Path | None) -> int:
    """Print the profiles' top tables (if any were taken); 1 when any answer was not a 2xx."""
    if profiles is not None:
        for line in summarise_profiles(profiles):
            print(line)
    failed = sum(run.failures for run in runs.values())
    if failed:
        print(f"{failed} non-2xx answers under load", flush=True)
        return 1
    return 0
