"""/proc sampled in a background thread while a stage runs.

Each tracked *component* (an app with its workers, a store, the load generator)
is a set of processes found afresh at every sample (workers come and go).
CPU is kept per pid as last seen, so a worker that exits keeps its CPU time in
the total; a component's CPU over a window is its total at the window's end
minus its total at the start. Memory is the sum over the live processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from loadtest import procfs


@dataclass
class Component:
    """Something whose processes are measured: ``pids()`` lists them now."""

    name: str
    side: str  # "monolith", "microservices" or "generator"
    tier: str  # "edge", "services", "stores" or "generator"
    pids: Callable[[], list[int]]
    note: str = ""


@dataclass
class Sample:
    at: float  # time.time()
    cpu: dict[str, float]  # component -> cumulative CPU seconds
    memory: dict[str, procfs.Memory]


@dataclass
class Sampler:
    components: list[Component]
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._seen: dict[str, dict[int, float]] = {c.name: {} for c in self.components}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def sample(self) -> Sample:
        cpu, memory = {}, {}
        for component in self.components:
            try:
                pids = component.pids()
            except Exception:  # noqa: BLE001 - a component that is down has no processes
                pids = []
            seen = self._seen[component.name]
            seen.update(procfs.read_cpu(pids))
            cpu[component.name] = sum(seen.values())
            memory[component.name] = procfs.read_memory(pids)
        taken = Sample(time.time(), cpu, memory)
        with self._lock:
            self.samples.append(taken)
        return taken

    def start(self) -> Sampler:
        self.sample()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="sampler")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> Sampler:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def cpu_at(self, at: float) -> dict[str, float]:
        """Cumulative CPU seconds per component at ``at``, linearly interpolated between
        the samples on either side (the nearest sample outside their range)."""
        with self._lock:
            samples = list(self.samples)
        if not samples:
            return {c.name: 0.0 for c in self.components}
        before = [s for s in samples if s.at <= at] or samples[:1]
        after = [s for s in samples if s.at >= at] or samples[-1:]
        low, high = before[-1], after[0]
        weight = 0.0 if high.at == low.at else (at - low.at) / (high.at - low.at)
        weight = min(1.0, max(0.0, weight))
        return {name: low.cpu.get(name, 0.0) + weight * (value - low.cpu.get(name, 0.0))
                for name, value in high.cpu.items()}

    def cpu_between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per component from ``start`` to ``end`` (time.time() values)."""
        first, last = self.cpu_at(start), self.cpu_at(end)
        return {name: last[name] - first.get(name, 0.0) for name in last}

    def memory_between(self, start: float, end: float) -> dict[str, procfs.Memory]:
        """Per component, the largest PSS sample (with its RSS) within the window."""
        with self._lock:
            inside = [s for s in self.samples if start <= s.at <= end] or self.samples[-1:]
        peak: dict[str, procfs.Memory] = {}
        for sample in inside:
            for name, memory in sample.memory.items():
                if name not in peak or memory.pss_bytes > peak[name].pss_bytes:
                    peak[name] = memory
        return peak
