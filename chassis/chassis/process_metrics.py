"""CPU and memory of the whole app: the gunicorn master and every process it started.

prometheus_client's own process collector sees one process, and in multiprocess
mode it is left out altogether, so ``/metrics`` of a gunicorn app would show no
CPU or memory at all. This collector reads ``/proc`` for the process group's
root (the master, whose pid the chassis's ``when_ready`` hook leaves in
``PROCESS_GROUP_PID_ENV``; else this process) and its children, and reports the
standard names summed over them:

    process_cpu_seconds_total      user + system time, reaped children included,
                                   so it only falls when the master restarts
    process_resident_memory_bytes  resident set sizes added up (pages shared
                                   after fork count once per process: an upper bound)
    process_start_time_seconds     when the root started
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

PROCESS_GROUP_PID_ENV = "METRICS_PROCESS_GROUP_PID"
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def _children(root: int) -> list[int]:
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and fields[1] == str(root):  # field 4: ppid
                pids.append(int(entry.name))
    return pids


def _boot_time() -> float:
    for line in (PROC / "stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


class ProcessGroupCollector(Collector):
    def __init__(self, root_pid: int | None = None) -> None:
        self.root_pid = root_pid

    def _root(self) -> int:
        if self.root_pid is not None:
            return self.root_pid
        return int(os.environ.get(PROCESS_GROUP_PID_ENV) or os.getpid())

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        root = self._root()
        root_fields = _stat_fields(root)
        if root_fields is None:  # no /proc (not Linux), or the root is gone
            return
        ticks = os.sysconf("SC_CLK_TCK")
        page = os.sysconf("SC_PAGE_SIZE")
        cpu_ticks = rss_pages = 0
        for fields in [root_fields, *filter(None, map(_stat_fields, _children(root)))]:
            # fields 14-17 (utime stime cutime cstime), 24 (rss), counted from 1
            cpu_ticks += sum(int(value) for value in fields[11:15])
            rss_pages += int(fields[21])
        yield CounterMetricFamily("process_cpu_seconds_total",
                                  "CPU time of the app's processes, in seconds.",
                                  value=cpu_ticks / ticks)
        yield GaugeMetricFamily("process_resident_memory_bytes",
                                "Resident memory of the app's processes, added up.",
                                value=rss_pages * page)
        yield GaugeMetricFamily("process_start_time_seconds",
                                "When the app's root process started (Unix time).",
                                value=_boot_time() + int(root_fields[19]) / ticks)
