"""deploy/hostnet_compose.py: docker-compose.yml rewritten for an engine without a
bridge, on the machine's own stores, on loopback ports that collide with nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

Document = dict[str, Any]
STORES = {"postgres", "mongodb", "redis"}
# `make run` (8000, 8080, 81xx) and the contract suite's own targets (18000, 18001,
# 18080, 181xx) must be able to run beside the containers.
TAKEN = {8000, 8080, 18000, 18001, 18080, *range(8100, 8200), *range(18100, 18200)}
MONGODB_PORT = 28017
# Behind their nginx, on a Unix socket: the nginx takes the port.
BEHIND_NGINX = ("monolith", "gateway")


@pytest.fixture(scope="module")
def derived(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Document:
    out = tmp_path_factory.mktemp("hostnet") / "compose.yml"
    subprocess.run([sys.executable, str(repo / "deploy" / "hostnet_compose.py"), str(out),
                    "--mongodb-port", str(MONGODB_PORT), "--env",
                    "gateway:RATE_LIMIT_PER_MINUTE=1000"],
                   check=True, capture_output=True, timeout=60)
    document: Document = yaml.safe_load(out.read_text())
    return document


@pytest.fixture(scope="module")
def listening(derived: Document) -> dict[int, str]:
    """Port -> the app that listens on it."""
    return {int(s["environment"]["PORT"]): name for name, s in derived["services"].items()
            if "PORT" in s.get("environment", {}) and not name.endswith("-init")}


def urls(service: Document) -> list[str]:
    return [str(value) for value in service["environment"].values() if "://" in str(value)]


def test_the_stores_and_observability_are_gone_and_every_app_is_kept_with_its_image_and_command(
        derived: Document, compose: Document) -> None:
    kept = {name for name, service in compose["services"].items() if name not in STORES
            and "observability" not in service["profiles"]}
    assert set(derived["services"]) == kept
    for name in kept:
        for key in ("image", "command", "profiles", "restart"):
            assert derived["services"][name].get(key) == compose["services"][name].get(key)


def test_every_service_uses_the_host_network_and_publishes_and_builds_nothing(
        derived: Document) -> None:
    for name, service in derived["services"].items():
        assert service["network_mode"] == "host", name
        assert not {"ports", "build", "networks"} & set(service), name
        assert not STORES & set(service.get("depends_on", {})), name


def test_the_start_order_between_the_apps_is_kept(derived: Document, compose: Document
                                                   ) -> None:
    for name, service in derived["services"].items():
        expected = {target: rule for target, rule in
                    compose["services"][name].get("depends_on", {}).items()
                    if target not in STORES}
        assert service.get("depends_on", {}) == expected, name


def test_every_app_listens_on_loopback_on_its_compose_port_plus_20000(
        derived: Document, deployables: dict[str, Document]) -> None:
    for name, deployable in deployables.items():
        services = (f"{name}-nginx",) if name in BEHIND_NGINX else (name, f"{name}-init")
        for service_name in services:
            env = derived["services"][service_name]["environment"]
            assert env["HOST"] == "127.0.0.1"
            assert int(env["PORT"]) == deployable["port"] + 20000, service_name
        probe = " ".join(derived["services"][services[0]]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{deployable['port'] + 20000}/readyz" in probe, name


def test_no_port_collides_with_make_run_or_the_contract_targets(
        listening: dict[int, str]) -> None:
    assert not (set(listening) | {MONGODB_PORT}) & TAKEN
    # five services, the two shops' nginx, the two relays' and the reconciler's probes
    assert len(listening) == 10


def test_every_url_targets_loopback_and_every_app_url_a_port_an_app_listens_on(
        derived: Document, listening: dict[int, str]) -> None:
    for name, service in derived["services"].items():
        for url in urls(service):
            parts = urlsplit(url)
            assert parts.hostname == "127.0.0.1", f"{name}: {url}"
            if parts.scheme == "http":
                assert parts.port in listening, f"{name}: {url}"


def test_the_stores_are_the_machines_own_with_a_database_of_each_owners_own(
        derived: Document) -> None:
    found: dict[str, set[str]] = {"postgresql": set(), "redis": set(), "mongodb": set()}
    for name, service in derived["services"].items():
        if name.endswith("-init"):
            continue
        for url in urls(service):
            parts = urlsplit(url)
            if parts.scheme in found:
                found[parts.scheme].add(parts.path)
                assert parts.port == {"postgresql": 5432, "redis": 6379,
                                      "mongodb": MONGODB_PORT}[parts.scheme], url
    assert found["postgresql"] == {"/containers_shop", "/containers_users",
                                   "/containers_orders", "/containers_payments"}
    # The cart's, the gateway's, and the event broker's (the relay's and the gateway's).
    assert len(found["redis"]) == 3 and "/0" not in found["redis"]


def test_an_app_and_its_init_get_the_same_settings(derived: Document) -> None:
    services = derived["services"]
    for name in services:
        if name.endswith("-init"):
            app = dict(services[name.removesuffix("-init")]["environment"])
            if name.removesuffix("-init") in BEHIND_NGINX:  # the server's socket only
                assert app.pop("BIND_SOCKET") == "/run/shop/app.sock"
            assert services[name]["environment"] == app, name


def test_an_app_on_a_socket_keeps_it_and_its_nginx_takes_the_port(derived: Document) -> None:
    services = derived["services"]
    for name in BEHIND_NGINX:
        assert "PORT" not in services[name]["environment"], name
        assert services[name]["healthcheck"]["test"][-3:] == ["-m", "chassis.probe", "/readyz"]
        nginx = services[f"{name}-nginx"]
        assert nginx["read_only"] is True and nginx["network_mode"] == "host"
        assert {v.split(":")[0] for v in nginx["volumes"]} == {
            f"{name}-socket", f"{name}-storefront"}


def test_an_override_reaches_the_app_and_its_init(derived: Document) -> None:
    for name in ("gateway", "gateway-init"):
        assert derived["services"][name]["environment"]["RATE_LIMIT_PER_MINUTE"] == "1000"


def test_only_the_volumes_the_apps_mount_are_declared(derived: Document) -> None:
    mounted = {volume.split(":")[0] for service in derived["services"].values()
               for volume in service.get("volumes", [])}
    assert set(derived.get("volumes", {})) == mounted == {
        "monolith-data", "users-data", "monolith-socket", "monolith-storefront",
        "gateway-socket", "gateway-storefront"}
