"""What each shop consists of, as processes: stores first, then the apps.

Every URL variable left unset falls back to an embedded default (SQLite
files, nx-27017, a local Redis), so a fresh clone runs with no servers.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from devstack.process import (
    ManagedProcess,
    PortInUse,
    ProcessSpec,
    http_probe,
    port_is_free,
    python_module,
)
from devstack.secrets import InternalTokens, new_internal_tokens

REPO_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SERVICE_PORTS = {"users": 8101, "catalog": 8102, "cart": 8103, "orders": 8104, "payments": 8105}


@dataclass
class StackSettings:
    """Where things listen and which stores they use (None: the embedded default)."""

    data_dir: Path
    admin_email: str = "admin@example.com"
    admin_password: str = "admin-dev-password"
    # gunicorn workers of every app; None: each app's own default (its Settings).
    web_concurrency: int | None = None
    monolith_port: int = 8000
    gateway_port: int = 8080
    service_ports: Mapping[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    mongodb_port: int = 27017
    redis_port: int = 6380
    monolith_database_url: str | None = None
    service_database_urls: Mapping[str, str] = field(default_factory=dict)
    mongodb_url: str | None = None
    redis_url: str | None = None
    # The event broker (Redis Streams); None: the same Redis as redis_url.
    events_redis_url: str | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)
    # Made afresh for every stack (devstack.secrets), shared by its callers and callees.
    internal_tokens: InternalTokens = field(default_factory=new_internal_tokens)

    def url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}"


class Stack:
    """Stores and apps started in order, each app after its one-shot init steps.

    Every port is checked before anything starts or runs: a stack that cannot
    start leaves another one's files (databases, metrics) alone.
    """

    def __init__(self, name: str, stores: list[ProcessSpec], apps: list[ProcessSpec],
                 urls: Mapping[str, str], sink: IO[str]) -> None:
        self.name = name
        self.urls = dict(urls)
        self._stores = [ManagedProcess(spec, sink) for spec in stores]
        self._apps = [ManagedProcess(spec, sink) for spec in apps]

    def start(self, timeout: float = 90.0) -> None:
        self.check_ports()
        try:
            self._start_group(self._stores, timeout)
            for app in self._apps:
                app.run_init()
            self._start_group(self._apps, timeout)
        except BaseException:
            self.stop()
            raise

    def check_ports(self) -> None:
        """Raise :class:`PortInUse` (naming its holder) for the first port already taken."""
        for process in self._stores + self._apps:
            port = process.spec.port
            if port is not None and not port_is_free(port):
                raise PortInUse(process.spec.name, port)

    def stop(self) -> None:
        for process in reversed(self._apps + self._stores):
            process.stop()

    def process(self, name: str) -> ManagedProcess:
        return next(p for p in self._apps + self._stores if p.spec.name == name)

    def has(self, name: str) -> bool:
        return any(p.spec.name == name for p in self._apps + self._stores)

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @staticmethod
    def _start_group(processes: list[ManagedProcess], timeout: float) -> None:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready(timeout)


def _common_env(settings: StackSettings, name: str, port: int) -> dict[str, str]:
    # gunicorn empties it once it holds its port (chassis.gunicorn_settings.when_ready).
    metrics_dir = settings.data_dir / "metrics" / name
    metrics_dir.mkdir(parents=True, exist_ok=True)
    workers = {} if settings.web_concurrency is None else {
        "WEB_CONCURRENCY": str(settings.web_concurrency)}
    return {"HOST": "127.0.0.1", "PORT": str(port), "DATA_DIR": str(settings.data_dir),
            **workers, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "ADMIN_EMAIL": settings.admin_email, "ADMIN_PASSWORD": settings.admin_password,
            **settings.extra_env}


def _app(name: str, app_dir: Path, target: str, port: int, env: dict[str, str],
         init: list[list[str]] | None = None) -> ProcessSpec:
    return ProcessSpec(
        name=name, argv=[GUNICORN, "-c", str(app_dir / "gunicorn.conf.py"), target],
        env=env, probe=http_probe(f"http://127.0.0.1:{port}/readyz"), init=init or [],
        port=port)


def monolith_specs(settings: StackSettings) -> list[ProcessSpec]:
    env = _common_env(settings, "monolith", settings.monolith_port)
    if settings.monolith_database_url:
        env["DATABASE_URL"] = settings.monolith_database_url
    return [_app("monolith", REPO_ROOT / "monolith", "shop.wsgi:app", settings.monolith_port,
                 env, init=[python_module("shop.manage", "init")])]
