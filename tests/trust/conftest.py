"""Both shops started at the same time, the way `make run` starts them (devstack, each
app with the secrets devstack makes for the run), on ports of their own.

One stack for the directory's one module: the monolith on 26000 and the gateway on
26080 in front of the services on 261xx, on SQLite files and nx-27017 (26017) in a
temporary folder, with Redis db 7 (flushed before and after) and a rate limit low
enough to reach. The processes' output is kept in ``processes.log`` in that folder.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from devstack.microservices import gateway_spec, service_specs, store_specs
from devstack.stacks import Stack, StackSettings, monolith_specs

MONOLITH_PORT = 26000
GATEWAY_PORT = 26080
SERVICE_PORTS = {"users": 26101, "catalog": 26102, "cart": 26103, "orders": 26104,
                 "payments": 26105}
MONGODB_PORT = 26017
REDIS_URL = "redis://127.0.0.1:6379/7"
RATE_LIMIT_PER_MINUTE = 60


@dataclass(frozen=True)
class BothShops:
    settings: StackSettings
    stack: Stack
    log_file: Path
    rate_limit_per_minute: int = RATE_LIMIT_PER_MINUTE

    @property
    def monolith(self) -> str:
        return self.settings.url(MONOLITH_PORT)

    @property
    def gateway(self) -> str:
        return self.settings.url(GATEWAY_PORT)

    def service(self, name: str) -> str:
        return self.settings.url(SERVICE_PORTS[name])


@pytest.fixture(scope="module")
def shops() -> Iterator[BothShops]:
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    with tempfile.TemporaryDirectory(prefix="shop-trust-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), web_concurrency=1, monolith_port=MONOLITH_PORT,
            gateway_port=GATEWAY_PORT, service_ports=SERVICE_PORTS, mongodb_port=MONGODB_PORT,
            redis_url=REDIS_URL,
            extra_env={"RATE_LIMIT_PER_MINUTE": str(RATE_LIMIT_PER_MINUTE),
                       "RECONCILE_INTERVAL_SECONDS": "0"})
        log_file = Path(tmp) / "processes.log"
        with open(log_file, "a", buffering=1) as sink:
            stack = Stack("trust", store_specs(settings),
                          monolith_specs(settings) + service_specs(settings)
                          + [gateway_spec(settings)],
                          {"monolith": settings.url(MONOLITH_PORT),
                           "gateway": settings.url(GATEWAY_PORT)}, sink)
            with stack:
                yield BothShops(settings, stack, log_file)
    store.flushdb()
    store.close()


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client
