"""The shops the contract suite and the browser tests run against, each on its own ports.

`CONTRACT_TARGETS` (comma-separated names) picks some; by default all run:
the monolith on SQLite, the monolith on PostgreSQL, and the gateway in front
of the microservices on PostgreSQL, Redis and nx-27017. The browser tests
(`browser_targets()`, picked by `BROWSER_TARGETS`) run the monolith on SQLite
and the gateway on ports, databases and a Redis db of their own, so that they
never meet a contract stack still running in the same session.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
import redis

from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings, monolith_specs

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
TEST_SERVICE_PORTS = {"users": 18101, "catalog": 18102, "cart": 18103, "orders": 18104,
                      "payments": 18105}
BROWSER_REDIS_URL = os.environ.get("BROWSER_REDIS_URL", "redis://127.0.0.1:6379/7")
BROWSER_SERVICE_PORTS = {"users": 19101, "catalog": 19102, "cart": 19103, "orders": 19104,
                         "payments": 19105}


@dataclass(frozen=True)
class RunningShop:
    name: str
    base_url: str
    admin_email: str
    admin_password: str
    gateway: bool
    data_dir: Path
    stack: Stack | None = None


@dataclass(frozen=True)
class Target:
    name: str
    gateway: bool
    start: Callable[[], contextlib.AbstractContextManager[RunningShop]]


def fresh_postgres_database(name: str) -> str:
    """Drop and create ``name``; return its SQLAlchemy URL."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    host_part = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+psycopg://{host_part}/{name}"


@contextlib.contextmanager
def _running(stack_name: str, build: Callable[[StackSettings, IO[str]], Stack], port: int,
             gateway: bool, **overrides: object) -> Iterator[RunningShop]:
    with tempfile.TemporaryDirectory(prefix=f"shop-{stack_name}-") as tmp:
        data_dir = Path(tmp)
        settings = StackSettings(data_dir=data_dir, web_concurrency=2, **overrides)  # type: ignore[arg-type]
        with open(data_dir / "processes.log", "a", buffering=1) as sink, \
                build(settings, sink) as stack:
            yield RunningShop(stack_name, f"http://127.0.0.1:{port}", settings.admin_email,
                              settings.admin_password, gateway, data_dir, stack)


def _monolith(settings: StackSettings, sink: IO[str]) -> Stack:
    return Stack("monolith", [], monolith_specs(settings),
                 {"monolith": settings.url(settings.monolith_port)}, sink)


def _microservices(settings: StackSettings, sink: IO[str]) -> Stack:
    return Stack("microservices", store_specs(settings),
                 service_specs(settings) + [gateway_spec(settings)],
                 {"gateway": settings.url(settings.gateway_port)}, sink)


# The event stream's comment comes every second, so that the suite can see it.
EVENT_STREAM_ENV = {"SSE_HEARTBEAT_SECONDS": "1"}


def monolith_sqlite() -> contextlib.AbstractContextManager[RunningShop]:
    return _running("monolith-sqlite", _monolith, 18000, False, monolith_port=18000,
                    extra_env=EVENT_STREAM_ENV)


def monolith_postgres() -> contextlib.AbstractContextManager[RunningShop]:
    return _running("monolith-postgres", _monolith, 18001, False, monolith_port=18001,
                    monolith_database_url=fresh_postgres_database("contract_monolith"),
                    extra_env=EVENT_STREAM_ENV)


def gateway(*, name: str = "gateway", port: int = 18080,
            service_ports: dict[str, int] = TEST_SERVICE_PORTS, mongodb_port: int = 27117,
            redis_url: str = TEST_REDIS_URL,
            database_prefix: str = "contract") -> contextlib.AbstractContextManager[RunningShop]:
    redis.Redis.from_url(redis_url).flushdb()
    databases = {service: fresh_postgres_database(f"{database_prefix}_{service}")
                 for service in ("users", "orders", "payments")}
    return _running(name, _microservices, port, True, gateway_port=port,
                    service_ports=service_ports, mongodb_port=mongodb_port,
                    service_database_urls=databases, redis_url=redis_url,
                    extra_env={"RATE_LIMIT_PER_MINUTE": "3000",
                               "RECONCILE_INTERVAL_SECONDS": "5", **EVENT_STREAM_ENV})


def browser_monolith() -> contextlib.AbstractContextManager[RunningShop]:
    return _running("browser-monolith", _monolith, 19000, False, monolith_port=19000)


def browser_gateway() -> contextlib.AbstractContextManager[RunningShop]:
    return gateway(name="browser-gateway", port=19080, service_ports=BROWSER_SERVICE_PORTS,
                   mongodb_port=19117, redis_url=BROWSER_REDIS_URL, database_prefix="browser")


ALL_TARGETS = [
    Target("monolith-sqlite", False, monolith_sqlite),
    Target("monolith-postgres", False, monolith_postgres),
    Target("gateway", True, gateway),
]


def contract_targets() -> list[Target]:
    return _picked(ALL_TARGETS, os.environ.get("CONTRACT_TARGETS"))


def _picked(targets: list[Target], wanted: str | None) -> list[Target]:
    if not wanted:
        return list(targets)
    names = {name.strip() for name in wanted.split(",") if name.strip()}
    return [target for target in targets if target.name in names]


BROWSER_TARGETS = [
    Target("browser-monolith", False, browser_monolith),
    Target("browser-gateway", True, browser_gateway),
]


def browser_targets() -> list[Target]:
    return _picked(BROWSER_TARGETS, os.environ.get("BROWSER_TARGETS"))
