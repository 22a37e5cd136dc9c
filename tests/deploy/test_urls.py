"""Every URL an app is given names a service or store that exists, on a port it
serves, and a store URL carries the password that store's first start gave the account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Document = dict[str, Any]
Env = dict[str, str]
# The store setting that holds the password of the account a URL logs in with.
STORE_PASSWORDS = {"postgres": "{user}_DB_PASSWORD", "mongodb": "CATALOG_DB_PASSWORD",
                   "redis": "REDIS_PASSWORD"}


def url_problem(value: str, ports_of: dict[str, set[int]], passwords: Env) -> str | None:
    url = urlsplit(value)
    if url.hostname not in ports_of or url.port not in ports_of[url.hostname]:
        return f"{value}: nothing serves {url.hostname}:{url.port}"
    if url.hostname in STORE_PASSWORDS:
        account = STORE_PASSWORDS[url.hostname].format(user=(url.username or "").upper())
        if url.password != passwords.get(account):
            return f"{value}: not the password of {account}"
    return None


def urls(env: Env) -> Iterator[tuple[str, str]]:
    return ((var, value) for var, value in env.items() if var.endswith("_URL"))


def test_every_kubernetes_url_names_a_service_port_and_the_stores_password(
        pod_templates: list[Document], container_env: Callable[[Document], Any],
        k8s_documents: list[tuple[Path, Document]],
        config_objects: dict[tuple[str, str], Document]) -> None:
    ports_of = {d["metadata"]["name"]: {p["port"] for p in d["spec"]["ports"]}
                for _path, d in k8s_documents if d["kind"] == "Service"}
    passwords = {**config_objects[("Secret", "postgres-secrets")],
                 **config_objects[("Secret", "mongodb-secrets")],
                 **config_objects[("Secret", "redis-secrets")]}
    for template in pod_templates:
        for container in template["containers"]:
            env = {var: value for var, (_kind, value) in container_env(container).items()}
            for var, value in urls(env):
                assert url_problem(value, ports_of, passwords) is None, (
                    f"{template['where']} {var}")


def test_every_compose_url_names_a_service_port_and_the_stores_password(
        compose: Document, deployables: dict[str, Document]) -> None:
    services = compose["services"]
    ports_of = {"postgres": {5432}, "mongodb": {27017}, "redis": {6379},
                **{name: {d["port"]} for name, d in deployables.items()}}
    assert set(ports_of) <= set(services)
    passwords = {**services["postgres"]["environment"], **services["mongodb"]["environment"],
                 "REDIS_PASSWORD": services["redis"]["command"][-1]}
    assert services["redis"]["environment"]["REDISCLI_AUTH"] == passwords["REDIS_PASSWORD"]
    for name, service in services.items():
        for var, value in urls(service.get("environment", {})):
            assert url_problem(value, ports_of, passwords) is None, f"{name} {var}"


def test_each_app_logs_in_to_its_own_database(
        pod_templates: list[Document], container_env: Callable[[Document], Any]) -> None:
    owners = {"monolith": "shop", "users": "users", "orders": "orders", "payments": "payments",
              "catalog": "catalog", "catalog-relay": "catalog", "orders-relay": "orders",
              "orders-reconciler": "orders"}
    for template in pod_templates:
        app = template["name"].removesuffix("-init")
        for container in template["containers"]:
            env = container_env(container)
            for var in ("DATABASE_URL", "MONGODB_URL"):
                if var in env:
                    url = urlsplit(env[var][1])
                    assert url.username == url.path.lstrip("/") == owners[app], template["where"]
