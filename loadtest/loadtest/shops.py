"""The two shops, started locally on ports of their own for a comparison, or reached
at URLs given (remote mode: compose, a cluster), and what the stages can do to them.

Local shops use devstack's pieces (its process specs and Stack), each process
wrapped in ``taskset`` so that the shops run on the shops' cores only. Stores:
``postgres`` (the default) gives each database a fresh PostgreSQL database on
the machine's server, Redis the machine's (a database of its own, flushed),
and the catalogue nx-27017; ``embedded`` is devstack's SQLite defaults.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.process import ManagedProcess, ProcessSpec
from devstack.stacks import Stack, StackSettings, monolith_specs
from devstack.targets import POSTGRES_ADMIN_URL, fresh_postgres_database

from loadtest import procfs
from loadtest.sampler import Component

MONOLITH, MICROSERVICES = "monolith", "microservices"
SIDES = (MONOLITH, MICROSERVICES)
MONOLITH_PORT, GATEWAY_PORT = 28000, 28080
SERVICE_PORTS = {"users": 28101, "catalog": 28102, "cart": 28103, "orders": 28104,
                 "payments": 28105}
MONGODB_PORT, EMBEDDED_REDIS_PORT = 28017, 28379
COMPARE_REDIS_URL = os.environ.get("COMPARE_REDIS_URL", "redis://127.0.0.1:6379/7")
SERVICES = ("users", "catalog", "cart", "orders", "payments")
RELAY = "orders-relay"
# The microservices' processes beside their APIs: counted in the cost like any app.
WORKERS = {RELAY: "the orders outbox relay: publishes the order events",
           "catalog-relay": "the catalog relay: publishes the product and stock events",
           "orders-reconciler": "the orders reconciler: settles checkouts left pending"}
# Every app process of a side (not its stores), as devstack names them.
APP_PROCESSES = {MONOLITH: (MONOLITH,), MICROSERVICES: (*SERVICES, RELAY, "gateway")}
# Both sides alike: no gateway rate limit (one generator is one client), quiet logs, and no
# traces exported whatever the caller's shell sets (only the traced stage turns them on).
SHOP_ENV = {"RATE_LIMIT_PER_MINUTE": "0", "LOG_LEVEL": "WARNING",
            "OTEL_EXPORTER_OTLP_ENDPOINT": ""}


@dataclass(frozen=True)
class Cores:
    """Which CPUs the shops and the generator run on (None: unpinned)."""

    shops: str | None
    generator: str | None

    @staticmethod
    def split() -> Cores:
        """The last allowed CPU for the generator, the others for the shops; unpinned on
        a one-CPU machine or without taskset."""
        allowed = sorted(os.sched_getaffinity(0))
        if len(allowed) < 2 or not shutil.which("taskset"):
            return Cores(None, None)
        return Cores(",".join(map(str, allowed[:-1])), str(allowed[-1]))


def pinned(spec: ProcessSpec, cores: str | None) -> ProcessSpec:
    if cores is None:
        return spec
    return dataclasses.replace(spec, argv=["taskset", "-c", cores, *spec.argv])


class PostgresBackends:
    """The server processes serving some databases (one per connection), found through
    pg_stat_activity: the stores' share of the CPU."""

    def __init__(self, databases: list[str]) -> None:
        self.databases = databases
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None

    def pids(self) -> list[int]:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
            rows = self._conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)",
                (self.databases,)).fetchall()
        return [int(pid) for (pid,) in rows]

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()


@dataclass
class Shop:
    """One side of the comparison. ``stack`` is None for a shop reached from outside."""

    side: str
    base_url: str
    admin_email: str
    admin_password: str
    stack: Stack | None = None
    components: list[Component] = field(default_factory=list)
    databases: dict[str, str] = field(default_factory=dict)  # role -> PostgreSQL name
    process_ports: dict[str, int] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.stack is not None

    def process(self, name: str) -> ManagedProcess:
        assert self.stack is not None
        return self.stack.process(name)

    def worker_counts(self) -> dict[str, int]:
        """Each gunicorn app's live workers (its master's children), as started."""
        assert self.stack is not None
        names = [name for name in APP_PROCESSES[self.side] if name not in WORKERS]
        return {name: len(_tree(self.stack.process(name))) - 1 for name in names}

    def ready_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.process_ports[name]}/readyz"

    def ready(self, name: str) -> bool:
        try:
            return httpx.get(self.ready_url(name), timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    @contextlib.contextmanager
    def database_down(self, role: str) -> Iterator[None]:
        """No connection to the PostgreSQL database of ``role`` inside the block: new
        ones are refused and open ones cut, as when its server is unreachable."""
        name = self.databases[role]
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s", (name,))
            try:
                yield
            finally:
                conn.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    @contextlib.contextmanager
    def process_down(self, name: str) -> Iterator[None]:
        """Process ``name`` stopped inside the block, started (and ready) after it."""
        process = self.process(name)
        process.stop()
        try:
            yield
        finally:
            process.start()
            process.wait_ready(60)


def restart_apps(shops: Iterable[Shop], env: Mapping[str, str | None]) -> float:
    """Every app process of ``shops`` stopped (all at once), then started again and
    ready, with ``env`` merged into its environment (a None value: the variable
    removed); the seconds it took. Init steps are not run again: the data stays. The
    starts are made from the calling thread (the main one: see devstack.process)."""
    began = time.monotonic()
    shops = list(shops)
    processes = [shop.process(name) for shop in shops for name in APP_PROCESSES[shop.side]]
    with ThreadPoolExecutor(len(processes)) as pool:
        list(pool.map(lambda process: process.stop(), processes))
    for process in processes:
        merged = {**process.spec.env, **{k: v for k, v in env.items() if v is not None}}
        for key in [k for k, v in env.items() if v is None]:
            merged.pop(key, None)
        process.spec = dataclasses.replace(process.spec, env=merged)
        process.start()
    with ThreadPoolExecutor(len(processes)) as pool:
        list(pool.map(lambda process: process.wait_ready(90), processes))
    for shop in shops:
        _wait_shop(shop.base_url)
    return time.monotonic() - began


def _tree(process: ManagedProcess) -> list[int]:
    return procfs.tree(process.pid) if process.running and process.pid else []


def _process_tree(stack: Stack, name: str) -> Callable[[], list[int]]:
    return lambda: _tree(stack.process(name))


def _app_component(stack: Stack, name: str, side: str, tier: str) -> Component:
    process = stack.process(name)
    return Component(name, side, tier, lambda: _tree(process))


@dataclass
class LocalSettings:
    stores: str = "postgres"  # or "embedded"
    workers: int | None = None  # None: each app's own default (its Settings)
    cores: Cores = field(default_factory=lambda: Cores(None, None))


def _wait_shop(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/categories", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def local_shops(settings: LocalSettings, workdir: Path) -> Iterator[dict[str, Shop]]:
    """Both shops started (in parallel) and ready; stopped, every process, on exit."""
    postgres = settings.stores == "postgres"
    databases: dict[str, str] = {}
    if postgres:
        redis.Redis.from_url(COMPARE_REDIS_URL).flushdb()
        databases = {role: f"compare_{role}" for role in ("monolith", "users", "orders",
                                                           "payments")}
        urls = {role: fresh_postgres_database(name) for role, name in databases.items()}
    workdir.mkdir(parents=True, exist_ok=True)
    common = {"web_concurrency": settings.workers, "extra_env": SHOP_ENV}
    monolith_settings = StackSettings(
        data_dir=workdir / "monolith", monolith_port=MONOLITH_PORT,
        monolith_database_url=urls["monolith"] if postgres else None, **common)
    micro_settings = StackSettings(
        data_dir=workdir / "microservices", gateway_port=GATEWAY_PORT,
        service_ports=SERVICE_PORTS, mongodb_port=MONGODB_PORT,
        redis_port=EMBEDDED_REDIS_PORT,
        service_database_urls={r: urls[r] for r in ("users", "orders", "payments")}
        if postgres else {},
        redis_url=COMPARE_REDIS_URL if postgres else None, **common)
    cores = settings.cores.shops
    with open(workdir / "processes.log", "a", buffering=1) as sink:
        monolith_stack = Stack(MONOLITH, [], [pinned(s, cores) for s in monolith_specs(
            monolith_settings)], {MONOLITH: monolith_settings.url(MONOLITH_PORT)}, sink)
        # Store servers are not pinned, the harness's own (nx-27017) no more than the
        # machine's PostgreSQL and Redis: the shops' cores hold the apps, and each side's
        # stores run where its stores run (docs/comparison.md, "CPU sharing").
        micro_stack = Stack(
            MICROSERVICES, store_specs(micro_settings),
            [pinned(s, cores) for s in service_specs(micro_settings)
             + [gateway_spec(micro_settings)]],
            {"gateway": micro_settings.url(GATEWAY_PORT)}, sink)
        backends = {side: PostgresBackends(names) for side, names in (
            (MONOLITH, ["compare_monolith"]),
            (MICROSERVICES, ["compare_users", "compare_orders", "compare_payments"]))}
        try:
            # One after the other, from this (the main) thread: devstack gives only the
            # children the main thread starts a parent-death signal.
            for stack in (monolith_stack, micro_stack):
                stack.start()
            shops = {
                MONOLITH: Shop(MONOLITH, monolith_settings.url(MONOLITH_PORT),
                               monolith_settings.admin_email, monolith_settings.admin_password,
                               monolith_stack, databases={"monolith": "compare_monolith"}
                               if postgres else {}, process_ports={MONOLITH: MONOLITH_PORT}),
                MICROSERVICES: Shop(MICROSERVICES, micro_settings.url(GATEWAY_PORT),
                                    micro_settings.admin_email, micro_settings.admin_password,
                                    micro_stack, databases={r: f"compare_{r}" for r in (
                                        "users", "orders", "payments")} if postgres else {},
                                    process_ports={**SERVICE_PORTS, "gateway": GATEWAY_PORT}),
            }
            shops[MONOLITH].components = [_app_component(monolith_stack, MONOLITH, MONOLITH,
                                                         "services")]
            micro = [_app_component(micro_stack, "gateway", MICROSERVICES, "edge")]
            micro += [_app_component(micro_stack, name, MICROSERVICES, "services")
                      for name in SERVICES]
            micro += [Component(name, MICROSERVICES, "services",
                                _process_tree(micro_stack, name), about)
                      for name, about in WORKERS.items()
                      if micro_stack.has(name)]
            micro.append(_app_component(micro_stack, "mongodb", MICROSERVICES, "stores"))
            shops[MICROSERVICES].components = micro
            if postgres:
                for side in SIDES:
                    shops[side].components.append(Component(
                        "postgres" if side == MICROSERVICES else "postgres (monolith)", side,
                        "stores", backends[side].pids,
                        "the server processes of this side's databases"))
                micro.append(Component("redis", MICROSERVICES, "stores",
                                       lambda: procfs.find_pids("redis-server", 6379),
                                       "the machine's Redis, shared with anything else on it"))
            else:
                micro.append(_app_component(micro_stack, "redis", MICROSERVICES, "stores"))
            for shop in shops.values():
                _wait_shop(shop.base_url)
            yield shops
        finally:
            for stack in (micro_stack, monolith_stack):
                stack.stop()
            for backend in backends.values():
                backend.close()
            if postgres:
                redis.Redis.from_url(COMPARE_REDIS_URL).flushdb()


def remote_shops(monolith_url: str, gateway_url: str, admin_email: str,
                 admin_password: str) -> dict[str, Shop]:
    return {MONOLITH: Shop(MONOLITH, monolith_url.rstrip("/"), admin_email, admin_password),
            MICROSERVICES: Shop(MICROSERVICES, gateway_url.rstrip("/"), admin_email,
                                admin_password)}
