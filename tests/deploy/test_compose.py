"""docker-compose.yml: health-checked stores and apps started in order by conditions,
one-shot inits before their apps, two profiles, and only the two shops published."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]
PROFILES = {"monolith", "microservices", "observability"}
PUBLISHED = {"monolith": "127.0.0.1:8000:8000", "gateway": "127.0.0.1:8080:8080",
             "prometheus": "127.0.0.1:9090:9090", "grafana": "127.0.0.1:3000:3000",
             "jaeger": "127.0.0.1:16686:16686"}
APP_PROBE = re.compile(r"http://127\.0\.0\.1:(\d+)(/healthz|/readyz)")


def is_init(service: Document) -> bool:
    """A one-shot init: ``python -m <package>.manage init``."""
    command = service.get("command", [])
    return len(command) == 4 and command[2].endswith(".manage") and command[3] == "init"


def test_the_file_is_compose_v2_with_no_version_and_no_container_names(repo: Path) -> None:
    raw = yaml.safe_load((repo / "docker-compose.yml").read_text())
    assert "version" not in raw
    assert all("container_name" not in service for service in raw["services"].values())


def test_every_service_but_a_one_shot_init_has_a_healthcheck(compose: Document) -> None:
    for name, service in compose["services"].items():
        healthcheck = service.get("healthcheck", {})
        if is_init(service):
            assert service["restart"] == "no" and healthcheck == {"disable": True}, name
        else:
            assert healthcheck.get("test") and not healthcheck.get("disable"), name
            assert service["restart"] == "unless-stopped", name


def test_every_dependency_waits_for_health_or_for_a_finished_init(compose: Document) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for target, rule in depends_on.items():
            expected = ("service_completed_successfully" if is_init(services[target])
                        else "service_healthy")
            assert rule == {"condition": expected}, f"{name} -> {target}"


def test_every_app_waits_for_its_own_init(compose: Document, deployables: dict[str, Document]
                                          ) -> None:
    services = compose["services"]
    for name in deployables:
        init = services[f"{name}-init"]
        assert init["image"] == services[name]["image"]
        assert services[name]["depends_on"][f"{name}-init"] == {
            "condition": "service_completed_successfully"}


def test_the_init_commands_run_a_module_the_deployable_has(
        compose: Document, deployables: dict[str, Document], repo: Path) -> None:
    for name, deployable in deployables.items():
        command = compose["services"][f"{name}-init"]["command"]
        assert command[:2] == ["python", "-m"] and command[3:] == ["init"], name
        module = command[2].replace(".", "/") + ".py"
        assert (repo / deployable["directory"] / module).is_file(), command


def test_every_service_belongs_to_a_profile_its_dependencies_share(compose: Document) -> None:
    services = compose["services"]
    for name, service in services.items():
        profiles = set(service.get("profiles", []))
        assert profiles and profiles <= PROFILES, name
        for target in service.get("depends_on", {}):
            assert profiles <= set(services[target]["profiles"]), f"{name} -> {target}"


def test_only_the_shops_and_the_observability_uis_are_published_on_the_host(
        compose: Document) -> None:
    published = {name: service["ports"] for name, service in compose["services"].items()
                 if service.get("ports")}
    assert published == {name: [port] for name, port in PUBLISHED.items()}


def test_every_app_is_built_from_its_dockerfile_with_the_base_image_as_an_argument(
        compose: Document, deployables: dict[str, Document], repo: Path) -> None:
    for name, deployable in deployables.items():
        for service_name in (name, f"{name}-init"):
            service = compose["services"][service_name]
            assert service["image"] == deployable["image"]
            assert service["build"]["context"] == "."
            assert repo / service["build"]["dockerfile"] == deployable["dockerfile"]
            assert service["build"]["args"] == {"PYTHON_IMAGE": "python:3.12-slim"}
    assert "${PYTHON_IMAGE:-python:3.12-slim}" in (repo / "docker-compose.yml").read_text()


def test_every_app_healthcheck_asks_its_own_port_for_a_path_it_serves(
        compose: Document, deployables: dict[str, Document]) -> None:
    for name, deployable in deployables.items():
        probe = " ".join(compose["services"][name]["healthcheck"]["test"])
        found = APP_PROBE.search(probe)
        assert found and int(found.group(1)) == deployable["port"], name


def test_every_volume_is_declared_and_every_mounted_file_or_folder_exists(
        compose: Document, repo: Path) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (repo / source).exists(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: {source}"
