"""docker-compose.yml: health-checked stores and apps started in order by conditions,
one-shot inits before their apps, two profiles, and only the two shops published, each
through the nginx beside it (a shared socket volume and a storefront volume)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

Document = dict[str, Any]
PROFILES = {"monolith", "microservices", "observability"}
PUBLISHED = {"monolith-nginx": "127.0.0.1:8000:8000", "gateway-nginx": "127.0.0.1:8080:8080",
             "prometheus": "127.0.0.1:9090:9090", "grafana": "127.0.0.1:3000:3000",
             "jaeger": "127.0.0.1:16686:16686"}
APP_PROBE = re.compile(r"http://127\.0\.0\.1:(\d+)(/healthz|/readyz)")
SOCKET_PROBE = ["CMD", "python", "-m", "chassis.probe", "/readyz"]
# The shops nginx fronts, and where the shared volumes are mounted.
BEHIND_NGINX = ("monolith", "gateway")
SOCKET_DIR, SOCKET = "/run/shop", "/run/shop/app.sock"
STOREFRONT_DIR = "/srv/storefront"
NGINX_IMAGE = "shopstack/nginx:dev"


def is_init(service: Document) -> bool:
    """A one-shot: ``python -m <package>.manage init``, or the copy of a storefront."""
    command = service.get("command", [])
    manage_init = len(command) == 4 and command[2].endswith(".manage") and command[3] == "init"
    return manage_init or is_storefront_copy(service)


def is_storefront_copy(service: Document) -> bool:
    command = " ".join(service.get("command", []))
    return f"cp -R /app/storefront/. {STOREFRONT_DIR}/" in command


def mounts(service: Document) -> dict[str, str]:
    """Mount path -> volume (with ``:ro`` kept on the path)."""
    found = {}
    for volume in service.get("volumes", []):
        source, target, *mode = volume.split(":")
        found[target + (":ro" if mode == ["ro"] else "")] = source
    return found


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
        if name in BEHIND_NGINX:  # the app on its socket, its nginx on the port
            assert compose["services"][name]["healthcheck"]["test"] == SOCKET_PROBE, name
            name = f"{name}-nginx"
        probe = " ".join(compose["services"][name]["healthcheck"]["test"])
        found = APP_PROBE.search(probe)
        assert found and int(found.group(1)) == deployable["port"], name


def test_each_shop_s_nginx_shares_the_app_s_socket_and_a_copy_of_its_storefront(
        compose: Document, deployables: dict[str, Document]) -> None:
    services = compose["services"]
    for name in BEHIND_NGINX:
        app, nginx, copy = (services[name], services[f"{name}-nginx"],
                            services[f"{name}-storefront"])
        assert app["environment"]["BIND_SOCKET"] == SOCKET, name
        socket_volume = mounts(app)[SOCKET_DIR]
        assert mounts(nginx)[SOCKET_DIR] == socket_volume, name
        assert "APP_SOCKET" not in nginx["environment"], "the image's default is the socket"
        # The copy comes from the app's own image, so the files match the app's version.
        assert copy["image"] == app["image"] == deployables[name]["image"], name
        assert copy["restart"] == "no" and is_storefront_copy(copy), name
        storefront_volume = mounts(copy)[STOREFRONT_DIR]
        assert mounts(nginx)[f"{STOREFRONT_DIR}:ro"] == storefront_volume, name
        assert socket_volume != storefront_volume, name
        assert nginx["depends_on"] == {
            name: {"condition": "service_healthy"},
            f"{name}-storefront": {"condition": "service_completed_successfully"}}
        assert nginx["environment"]["SERVED_BY"] == name
        assert nginx["environment"]["PORT"] == str(deployables[name]["port"])
        assert "ports" not in app, f"{name}: only its nginx is published"


def test_nginx_runs_read_only_from_its_image_built_on_the_same_base(
        compose: Document, repo: Path) -> None:
    for name in BEHIND_NGINX:
        nginx = compose["services"][f"{name}-nginx"]
        assert nginx["image"] == NGINX_IMAGE
        assert repo / nginx["build"]["dockerfile"] == repo / "deploy" / "nginx" / "Dockerfile"
        assert nginx["build"]["args"] == {"PYTHON_IMAGE": "python:3.12-slim"}
        assert nginx["read_only"] is True and nginx["tmpfs"] == ["/tmp"], name
        assert nginx["restart"] == "unless-stopped", name


def test_every_volume_is_declared_and_every_mounted_file_or_folder_exists(
        compose: Document, repo: Path) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (repo / source).exists(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: {source}"
