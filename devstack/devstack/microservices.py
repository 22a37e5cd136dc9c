"""The microservices stack: stores, five services and the gateway in front."""

from __future__ import annotations

import os

from devstack.process import ProcessSpec, http_probe, python_module
from devstack.secrets import internal_token_env
from devstack.stacks import REPO_ROOT, StackSettings, _app, _common_env
from devstack.stores import embedded_mongodb, embedded_redis

SERVICES_DIR = REPO_ROOT / "services"
# Probe ports: the service's own plus an offset (catalog relay 8102 -> 8112;
# orders relay and reconciler 8104 -> 8114, 8124).
RELAY_PORT_OFFSET = 10
RECONCILER_PORT_OFFSET = 20


def store_specs(settings: StackSettings) -> list[ProcessSpec]:
    specs = []
    if settings.mongodb_url is None:
        specs.append(embedded_mongodb(settings.mongodb_port, settings.data_dir))
    if settings.redis_url is None:
        specs.append(embedded_redis(settings.redis_port, settings.data_dir))
    return specs


def _store_urls(settings: StackSettings) -> tuple[str, str]:
    mongodb = settings.mongodb_url or f"mongodb://127.0.0.1:{settings.mongodb_port}"
    redis = settings.redis_url or f"redis://127.0.0.1:{settings.redis_port}/0"
    return mongodb, redis


def service_specs(settings: StackSettings) -> list[ProcessSpec]:
    ports = settings.service_ports
    urls = {name: settings.url(port) for name, port in ports.items()}
    mongodb_url, redis_url = _store_urls(settings)
    shared = {"JWKS_URL": f"{urls['users']}/.well-known/jwks.json"}

    def env(name: str, **extra: str) -> dict[str, str]:
        environment = {**_common_env(settings, name, ports[name]), **shared,
                       **internal_token_env(name, settings.internal_tokens), **extra}
        database_url = settings.service_database_urls.get(name)
        if database_url:
            environment["DATABASE_URL"] = database_url
        return environment

    def init(package: str) -> list[list[str]]:
        return [python_module(f"{package}.manage", "init")]

    orders_env = env("orders", CATALOG_URL=urls["catalog"], CART_URL=urls["cart"],
                     PAYMENTS_URL=urls["payments"])
    return [
        _app("users", SERVICES_DIR / "users", "users.wsgi:app", ports["users"], env("users"),
             init("users")),
        _app("catalog", SERVICES_DIR / "catalog", "catalog.asgi:app", ports["catalog"],
             env("catalog", MONGODB_URL=mongodb_url, EVENTS_REDIS_URL=events_url(settings)),
             init("catalog")),
        catalog_relay_spec(ports["catalog"] + RELAY_PORT_OFFSET,
                           env("catalog", MONGODB_URL=mongodb_url,
                               EVENTS_REDIS_URL=events_url(settings))),
        _app("cart", SERVICES_DIR / "cart", "cart.asgi:app", ports["cart"],
             env("cart", REDIS_URL=redis_url, CATALOG_URL=urls["catalog"],
                 EVENTS_REDIS_URL=events_url(settings)), init("cart")),
        _app("payments", SERVICES_DIR / "payments", "payments.asgi:app", ports["payments"],
             env("payments"), init("payments")),
        _app("orders", SERVICES_DIR / "orders", "orders.wsgi:app", ports["orders"],
             orders_env, init("orders")),
        relay_spec(ports["orders"] + RELAY_PORT_OFFSET,
                   env("orders", EVENTS_REDIS_URL=events_url(settings))),
        *reconciler_specs(ports["orders"] + RECONCILER_PORT_OFFSET, orders_env),
    ]


def events_url(settings: StackSettings) -> str:
    return settings.events_redis_url or _store_urls(settings)[1]


def relay_spec(port: int, env: dict[str, str]) -> ProcessSpec:
    """The orders outbox relay, started after the orders service migrated; it answers
    its probes on ``port``."""
    return ProcessSpec(name="orders-relay", argv=python_module("orders.relay"),
                       env={**env, "PORT": str(port)}, port=port,
                       probe=http_probe(f"http://127.0.0.1:{port}/healthz"))


def catalog_relay_spec(port: int, env: dict[str, str]) -> ProcessSpec:
    """The catalog's event relay, started after the catalog made its indexes; it answers
    its probes on ``port``."""
    return ProcessSpec(name="catalog-relay", argv=python_module("catalog.relay"),
                       env={**env, "PORT": str(port)}, port=port,
                       probe=http_probe(f"http://127.0.0.1:{port}/healthz"))


def reconciler_specs(port: int, env: dict[str, str]) -> list[ProcessSpec]:
    """The orders reconciler, started after the orders service migrated; it answers its
    probes on ``port``. None when RECONCILE_INTERVAL_SECONDS is 0 (a stack whose tests
    want pending orders to stay pending)."""
    interval = env.get("RECONCILE_INTERVAL_SECONDS",
                       os.environ.get("RECONCILE_INTERVAL_SECONDS", "30"))  # as the child sees it
    if float(interval) <= 0:
        return []
    return [ProcessSpec(name="orders-reconciler", argv=python_module("orders.reconciler"),
                        env={**env, "PORT": str(port)}, port=port,
                        probe=http_probe(f"http://127.0.0.1:{port}/readyz"))]


def gateway_spec(settings: StackSettings) -> ProcessSpec:
    ports = settings.service_ports
    _, redis_url = _store_urls(settings)
    environment = {
        **_common_env(settings, "gateway", settings.gateway_port),
        "REDIS_URL": redis_url,
        "EVENTS_REDIS_URL": events_url(settings),
        "JWKS_URL": f"{settings.url(ports['users'])}/.well-known/jwks.json",
        **{f"{name.upper()}_URL": settings.url(port) for name, port in ports.items()},
        **internal_token_env("gateway", settings.internal_tokens),
    }
    return _app("gateway", REPO_ROOT / "gateway", "gateway.asgi:app", settings.gateway_port,
                environment, init=[python_module("gateway.manage", "init")])
