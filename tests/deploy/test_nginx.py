"""nginx beside the monolith and the gateway (deploy/nginx/): its image, its rendered
configuration, and its place in their Pods, checked without a Docker engine."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from chassis.request_limits import MAX_BODY_BYTES
from chassis.storefront import HEADERS

Document = dict[str, Any]
REPO = Path(__file__).resolve().parents[2]
NGINX_DIR = REPO / "deploy" / "nginx"
DOCKERFILE = NGINX_DIR / "Dockerfile"
NGINX_IMAGE = "shopstack/nginx:dev"
FRONTED = {"monolith": 8000, "gateway": 8080}
SOCKET_DIR, SOCKET, STOREFRONT = "/run/shop", "/run/shop/app.sock", "/srv/storefront"


def load_render() -> Any:
    spec = importlib.util.spec_from_file_location("nginx_render", NGINX_DIR / "render.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = load_render()


@pytest.fixture
def rendered(tmp_path: Path) -> dict[str, str]:
    """Every rendered file, by name, for the monolith behind the ingress."""
    env = {"SERVED_BY": "monolith", "PORT": "8000", "RUN_DIR": str(tmp_path / "run"),
           "FORWARDED_ALLOW_IPS": "10.244.0.0/16"}
    main = render.render(env)
    return {path.name: path.read_text() for path in main.parent.iterdir()}


def test_every_marker_is_filled_and_the_temporary_paths_are_under_the_run_dir(
        rendered: dict[str, str], tmp_path: Path) -> None:
    for name, text in rendered.items():
        assert not render.MARKER.search(text), name
    main = rendered["nginx.conf"]
    for directive in ("pid", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
                      "uwsgi_temp_path", "scgi_temp_path"):
        [path] = re.findall(rf"^\s*{directive} (\S+);", main, re.M)
        assert path.startswith(str(tmp_path / "run")), directive
    assert "listen 0.0.0.0:8000 default_server;" in main
    assert f"server unix:{SOCKET};" in main
    assert "daemon off;" in main and "error_log stderr" in main


def test_the_storefront_s_headers_are_the_apps_own(rendered: dict[str, str]) -> None:
    headers = dict(re.findall(r'^add_header (\S+) "([^"]*)" always;',
                              rendered["storefront-headers.conf"], re.M))
    assert {name: headers[name] for name in HEADERS} == HEADERS
    assert headers["X-Served-By"] == "monolith"


def test_bodies_are_bounded_as_the_apps_bound_them(rendered: dict[str, str]) -> None:
    assert f"client_max_body_size {MAX_BODY_BYTES};" in rendered["nginx.conf"]


def test_the_event_stream_is_not_buffered_and_may_stay_quiet(rendered: dict[str, str]) -> None:
    main = rendered["nginx.conf"]
    block = main[main.index("location = /api/orders/events {"):]
    block = block[:block.index("}")]
    assert "proxy_buffering off;" in block and "proxy_pass http://app;" in block
    [timeout] = re.findall(r"proxy_read_timeout (\d+)h;", block)
    assert int(timeout) >= 1
    assert re.search(r"^\s*proxy_buffering on;", main, re.M), "everything else is buffered"


def test_the_client_s_address_is_set_never_passed_on(rendered: dict[str, str]) -> None:
    main = rendered["nginx.conf"]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in main
    for header in ("X-Forwarded-Proto", "X-Forwarded-Protocol", "X-Forwarded-Ssl", "Forwarded"):
        assert f'proxy_set_header {header} "";' in main, header
    assert "set_real_ip_from 10.244.0.0/16;" in main and "real_ip_header X-Forwarded-For;" in main


def test_without_trusted_proxies_no_real_ip_is_taken(tmp_path: Path) -> None:
    main = render.render({"SERVED_BY": "gateway", "RUN_DIR": str(tmp_path)}).read_text()
    assert "set_real_ip_from" not in main and "real_ip_header" not in main
    assert "listen 0.0.0.0:8080 default_server;" in main


@pytest.mark.parametrize(("variable", "value"), [
    ("FORWARDED_ALLOW_IPS", "*"), ("FORWARDED_ALLOW_IPS", "10.0.0.0/8, nowhere"),
    ("SERVED_BY", ""), ("SERVED_BY", "shop; evil"), ("PORT", "0"), ("PORT", "80;"),
    ("APP_SOCKET", "relative.sock"), ("APP_SOCKET", "/run/../etc/x"), ("HOST", "localhost"),
    ("MAX_BODY_BYTES", "1m"), ("WORKER_PROCESSES", "many"),
])
def test_a_value_that_cannot_go_into_the_configuration_is_refused(
        tmp_path: Path, variable: str, value: str) -> None:
    env = {"SERVED_BY": "monolith", "RUN_DIR": str(tmp_path), variable: value}
    with pytest.raises(render.SettingError):
        render.render(env)


def contract_problem_titles() -> dict[str, str]:
    """Each problem type's title, as the contract document pins them."""
    schemas = yaml.safe_load((REPO / "contract" / "openapi.yaml").read_text())["components"][
        "schemas"]
    titles = {}
    for schema in schemas.values():
        for part in schema.get("allOf", []):
            props = part.get("properties", {})
            if "const" in props.get("type", {}) and "const" in props.get("title", {}):
                titles[props["type"]["const"].removeprefix("/problems/")] = props["title"]["const"]
    return titles


def test_what_nginx_answers_itself_is_the_contract_s_problem(rendered: dict[str, str]) -> None:
    problem_titles = contract_problem_titles()
    main = rendered["nginx.conf"]
    bodies = [json.loads(body) for body in re.findall(r"return \d+ '(\{.*\})';", main)]
    assert {body["status"] for body in bodies} >= {400, 404, 413, 414, 431, 500, 503}
    for body in bodies:
        slug = body["type"].removeprefix("/problems/")
        assert body["title"] == problem_titles[slug] and body["detail"], body
    for status in ("400", "413", "414", "494", "502"):
        assert re.search(rf"error_page [0-9 ]*\b{status}\b[0-9 ]* = /\.problems/", main), status
    assert "default_type application/problem+json;" in rendered["problem-headers.conf"]


def test_the_dockerfile_uses_the_base_argument_and_a_fixed_non_root_user() -> None:
    lines = [line.strip() for line in re.sub(r"\\\n", " ", DOCKERFILE.read_text()).splitlines()
             if line.strip() and not line.strip().startswith("#")]
    assert lines[0] == "ARG PYTHON_IMAGE=python:3.12-slim"
    assert [line for line in lines if line.startswith("FROM")] == ["FROM ${PYTHON_IMAGE}"]
    assert [line for line in lines if line.startswith("USER")] == ["USER 10002:10001"]
    assert "STOPSIGNAL SIGQUIT" in lines
    entrypoint = json.loads(next(line for line in lines if line.startswith("ENTRYPOINT"))
                            .split(" ", 1)[1])
    assert entrypoint == ["python3", "/etc/shop-nginx/render.py"]
    run = " ".join(line for line in lines if line.startswith("RUN"))
    assert "--uid 10002" in run and "--gid 10001" in run and "rm -rf /var/lib/apt/lists/*" in run


def test_hadolint_passes_on_the_nginx_dockerfile() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    run = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True,
                         timeout=60, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_build_scripts_build_it_on_the_same_base(repo: Path) -> None:
    script = (repo / "deploy" / "build-images.sh").read_text()
    assert "[nginx]=deploy/nginx/Dockerfile" in script
    assert re.search(r"IMAGES:-[a-z ]*\bnginx\b", script)
    ignore = (repo / ".dockerignore").read_text().splitlines()
    assert "!deploy/nginx/" in ignore


def deployment(k8s_documents: list[tuple[Path, Document]], name: str) -> Document:
    [found] = [d for _p, d in k8s_documents
               if d["kind"] == "Deployment" and d["metadata"]["name"] == name]
    return found


def test_each_shop_s_pod_runs_nginx_beside_the_app_on_shared_empty_dirs(
        k8s_documents: list[tuple[Path, Document]]) -> None:
    for name, port in FRONTED.items():
        spec = deployment(k8s_documents, name)["spec"]["template"]["spec"]
        containers = {c["name"]: c for c in spec["containers"]}
        assert list(containers) == [name, "nginx"], name
        app, nginx = containers[name], containers["nginx"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        assert volumes["socket"]["emptyDir"]["medium"] == "Memory"
        assert "emptyDir" in volumes["storefront"] and "emptyDir" in volumes["nginx-tmp"]

        def mounts(container: Document) -> dict[str, tuple[str, bool]]:
            return {m["mountPath"]: (m["name"], m.get("readOnly", False))
                    for m in container.get("volumeMounts", [])}

        assert mounts(app)[SOCKET_DIR] == ("socket", False)
        assert mounts(nginx)[SOCKET_DIR] == ("socket", False)
        assert mounts(nginx)[STOREFRONT] == ("storefront", True)
        assert mounts(nginx)["/tmp"] == ("nginx-tmp", False)
        assert "ports" not in app, f"{name}: reached through nginx only"
        app_env = {v["name"]: v.get("value") for v in app["env"]}
        assert app_env["BIND_SOCKET"] == SOCKET
        nginx_env = {v["name"]: v.get("value") for v in nginx["env"]}
        assert nginx_env["SERVED_BY"] == name and nginx_env["PORT"] == str(port)
        assert render.trusted_proxies(nginx_env.get("FORWARDED_ALLOW_IPS", "")) != []
        assert nginx["ports"] == [{"name": "http", "containerPort": port}]
        assert nginx["image"] == NGINX_IMAGE
        security = nginx["securityContext"]
        assert (security["runAsUser"], security["runAsGroup"]) == (10002, 10001)

        [copy] = [c for c in spec["initContainers"] if c["name"] == "storefront"]
        assert copy["image"] == app["image"] == f"shopstack/{name}:dev", name
        assert copy["command"] == ["cp", "-R", "/app/storefront/.", f"{STOREFRONT}/"]
        assert mounts(copy) == {STOREFRONT: ("storefront", False)}


def test_each_shop_s_service_and_policy_reach_its_nginx(
        k8s_documents: list[tuple[Path, Document]]) -> None:
    for name, port in FRONTED.items():
        [service] = [d for _p, d in k8s_documents
                     if d["kind"] == "Service" and d["metadata"]["name"] == name]
        assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
        policies = [d for _p, d in k8s_documents if d["kind"] == "NetworkPolicy"
                    and d["spec"]["podSelector"].get("matchLabels") == {"app": name}
                    and "Ingress" in d["spec"]["policyTypes"]]
        ports = {p["port"] for policy in policies for rule in policy["spec"].get("ingress", [])
                 for p in rule.get("ports", [])}
        assert port in ports, name


def test_the_apps_settings_no_longer_name_a_proxy(
        k8s_documents: list[tuple[Path, Document]]) -> None:
    for name in FRONTED:
        [config] = [d for _p, d in k8s_documents
                    if d["kind"] == "ConfigMap" and d["metadata"]["name"] == f"{name}-config"]
        assert "FORWARDED_ALLOW_IPS" not in config["data"], "nginx names the trusted proxies"


def test_the_rendered_templates_are_the_ones_the_image_copies() -> None:
    dockerfile = DOCKERFILE.read_text()
    assert "COPY deploy/nginx/render.py deploy/nginx/*.template /etc/shop-nginx/" in dockerfile
    assert sorted(p.name for p in NGINX_DIR.glob("*.template")) == [
        "nginx.conf.template", "problem-headers.conf.template",
        "storefront-headers.conf.template"]
