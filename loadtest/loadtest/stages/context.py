"""What every stage is given: the shops, the settings, the generator's cores, where raw
records go, the /proc sampler, the progress line, and the results so far."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from loadtest import fixture, generator, mixes, procfs
from loadtest.sampler import Component, Sampler
from loadtest.shops import Cores, Shop

# One request per route family the mix uses: catalogue, cart, orders.
HEALTH_PATHS = ("/api/products?page_size=1", "/api/categories", "/api/cart",
                "/api/orders?page_size=1")


@dataclass
class Settings:
    """Every knob of a comparison (recorded in results.json as ``settings``)."""

    quick: bool = False
    stores: str = "postgres"
    workers: int | None = None  # None: each app's own default (its Settings)
    mix: str = "default"
    rounds: int = 3
    capacity_users: tuple[int, ...] = (1, 4, 16, 32, 64)
    step_seconds: float = 8.0
    equal_load_share: float = 0.5
    equal_load_seconds: float = 15.0
    light_users: int = 2
    restart_seconds: float = 20.0
    outage_seconds: float = 10.0
    recovery_seconds: float = 20.0
    redeploy_seconds: float = 20.0
    settle_seconds: float = 1.0

    @staticmethod
    def quick_settings(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "quick": True, "rounds": 1, "capacity_users": (2, 8), "step_seconds": 3.0,
            "equal_load_seconds": 3.0, "restart_seconds": 6.0, "outage_seconds": 2.0,
            "recovery_seconds": 10.5, "redeploy_seconds": 6.0, "settle_seconds": 0.5}
        values.update(overrides)
        return Settings(**values)

    @property
    def shoppers(self) -> int:
        """Accounts prepared per shop: one per user of the largest step (and at least 64,
        the open-loop pool's headroom), fewer in a quick run."""
        most = max(self.capacity_users)
        return 2 * most if self.quick else max(most, 64)


class Progress:
    """The progress line: stage, shop, and about how long is left."""

    def __init__(self, total_estimate: float) -> None:
        self.started = time.monotonic()
        self.total = total_estimate
        self.stage = ""

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, what: str, shop: str = "") -> None:
        left = max(0.0, self.total - self.elapsed())
        where = f" · {shop}" if shop else ""
        print(f"[{_clock(self.elapsed())} · ~{_clock(left)} left] {self.stage}{where}: {what}",
              flush=True)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


@dataclass
class Context:
    shops: dict[str, Shop]
    settings: Settings
    cores: Cores
    workdir: Path
    data_files: dict[str, Path]
    progress: Progress
    results: dict[str, Any] = field(default_factory=dict)
    sampler: Sampler | None = None
    _generator_pid: int | None = None
    _runs: int = 0
    _active: list[generator.LoadRun] = field(default_factory=list)

    @property
    def local(self) -> bool:
        return all(shop.local for shop in self.shops.values())

    def generator_component(self) -> Component:
        return Component("load generator", "generator", "generator",
                         lambda: procfs.tree(self._generator_pid) if self._generator_pid
                         else [])

    def wait_healthy(self, side: str, timeout: float = 60.0) -> float:
        """Seconds until every route family of ``side`` answers again (a circuit breaker a
        saturated run opened, a process still restarting), so that no run inherits the
        last one's trouble. Polled every 0.25 s, at most ``timeout``."""
        shop = self.shops[side]
        token = fixture.read(self.data_files[side])["shoppers"][0]["token"]
        headers = {"Authorization": f"Bearer {token}"}
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if all(httpx.get(f"{shop.base_url}{path}", headers=headers,
                                 timeout=5.0).status_code == 200 for path in HEALTH_PATHS):
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{side} did not answer every route within {timeout:.0f} s")

    def start_load(self, side: str, name: str, **spec: Any) -> generator.LoadRun:
        """A locust run against ``side`` in the background (see :mod:`loadtest.generator`),
        once ``side`` answers every route family."""
        data = fixture.read(self.data_files[side])
        if fixture.refresh(data, lasting=float(spec.get("duration", 0)) + 120.0):
            fixture.write(data, self.data_files[side])
        waited = self.wait_healthy(side)
        self._runs += 1
        load_spec = generator.LoadSpec(
            base_url=self.shops[side].base_url, mix=spec.pop("mix", self.settings.mix),
            settle=self.settings.settle_seconds, data_file=self.data_files[side], **spec)
        run = generator.LoadRun(load_spec, self.workdir, f"{self._runs:03d}-{name}-{side}",
                                self.cores.generator)
        self._generator_pid = run.pid
        run.waited_for_health_s = waited
        self._active.append(run)
        return run

    def stop_loads(self) -> None:
        """Stop every run still going (a stage that failed half-way, Ctrl-C)."""
        while self._active:
            self._active.pop().stop()

    def finish_load(self, run: generator.LoadRun) -> dict[str, Any]:
        """Wait for ``run``; its summary, with the CPU each component spent in its window
        and the generator's share of its core."""
        try:
            record = run.wait()
        finally:
            run.stop()
            if run in self._active:
                self._active.remove(run)
        summary = generator.summarise(record)
        summary["record"] = record
        summary["waited_for_health_s"] = getattr(run, "waited_for_health_s", 0.0)
        start, end = summary["window"]
        if self.sampler is not None and start and end:
            time.sleep(max(0.0, end + self.sampler.interval - time.time()))
            cpu = self.sampler.cpu_between(start, end)
            summary["cpu_s"] = cpu
            summary["memory"] = {name: {"rss_bytes": m.rss_bytes, "pss_bytes": m.pss_bytes}
                                 for name, m in self.sampler.memory_between(start, end).items()}
            seconds = end - start
            summary["generator_cpu_share"] = cpu.get("load generator", 0.0) / seconds
        return summary

    def load(self, side: str, name: str, **spec: Any) -> dict[str, Any]:
        return self.finish_load(self.start_load(side, name, **spec))


def requests_per_action(mix_name: str) -> float:
    """Requests one action of the mix sends on average: a checkout sets the cart first."""
    weights = mixes.mix(mix_name)
    total = sum(weights.values())
    return 1.0 + weights.get("checkout", 0) / total if total else math.nan
