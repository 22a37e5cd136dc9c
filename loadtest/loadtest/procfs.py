"""CPU time and memory of processes and their descendants, read from /proc (Linux).

CPU is utime + stime of ``/proc/<pid>/stat``; memory is Rss and Pss of
``/proc/<pid>/smaps_rollup``. PSS charges each shared page to its sharers in
equal parts, so PSS adds up across processes (a pre-forked server's workers
share most of their pages); RSS counts a shared page in every process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Memory:
    rss_bytes: int
    pss_bytes: int

    def __add__(self, other: Memory) -> Memory:
        return Memory(self.rss_bytes + other.rss_bytes, self.pss_bytes + other.pss_bytes)


NO_MEMORY = Memory(0, 0)


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    text = (PROC / str(pid) / "stat").read_text()
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` itself, in seconds."""
    fields = _stat_fields(pid)
    # After the name: state(3) ppid(4) ... utime(14) stime(15), numbered from 1 with pid.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def parent_pid(pid: int) -> int:
    return int(_stat_fields(pid)[1])


def memory(pid: int) -> Memory:
    """Rss and Pss of ``pid`` from smaps_rollup (kB there, bytes here)."""
    values = {}
    for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0]) * 1024
    return Memory(values.get("Rss", 0), values.get("Pss", 0))


def children_map() -> dict[int, list[int]]:
    """Every live process's children, by parent pid."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            children.setdefault(parent_pid(int(entry.name)), []).append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return children


def tree(root: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """``root`` and all its live descendants."""
    children = children_map() if children is None else children
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        if (PROC / str(pid)).exists():
            found.append(pid)
        pending.extend(children.get(pid, ()))
    return found


def read_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds per pid, leaving out those that exited meanwhile."""
    result = {}
    for pid in pids:
        try:
            result[pid] = cpu_seconds(pid)
        except (OSError, ValueError, IndexError):
            continue
    return result


def read_memory(pids: list[int]) -> Memory:
    """RSS and PSS summed over ``pids`` (those still alive)."""
    total = NO_MEMORY
    for pid in pids:
        try:
            total = total + memory(pid)
        except (OSError, ValueError):
            continue
    return total


def find_pids(command_part: str, port: int | None = None) -> list[int]:
    """Pids whose command line contains ``command_part`` (and ``port``'s digits, if given):
    for servers this harness did not start, such as the machine's Redis."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if command_part in command and (port is None or str(port) in command):
            found.append(int(entry.name))
    return found
