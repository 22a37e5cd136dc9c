"""What Kubernetes and docker compose hand each app is what its Settings class reads:
no variable it ignores, nothing it needs left out, values it accepts, secrets kept
in Secrets, and development values that production refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

Document = dict[str, Any]
Env = dict[str, str]
# Read by the metrics library, not by the Settings classes (HOST, PORT, BIND_SOCKET and
# WEB_CONCURRENCY are Settings fields, which gunicorn.conf.py reads).
PROCESS_VARIABLES = {"PROMETHEUS_MULTIPROC_DIR"}


def image_name(image: str) -> str:
    return image.removeprefix("shopstack/").split(":")[0]


def runs_the_app(image: str, command: list[str]) -> bool:
    """An app's own image running the app (or its init): not nginx, not the copy of the
    storefront that an app's image makes for nginx (both read no app settings)."""
    return (image.startswith("shopstack/") and image != "shopstack/nginx:dev"
            and "/app/storefront/." not in " ".join(command))


def k8s_app_containers(pod_templates: list[Document], container_env: Callable[[Document], Any]
                       ) -> Iterator[tuple[str, str, dict[str, tuple[str, str]]]]:
    """(deployable, where, name -> (source kind, value)) for every app container."""
    for template in pod_templates:
        for container in template["containers"]:
            if runs_the_app(container["image"], container.get("command", [])):
                yield (image_name(container["image"]),
                       f"{template['where']} {container['name']}", container_env(container))


def app_envs(pod_templates: list[Document], container_env: Callable[[Document], Any],
             compose: Document) -> Iterator[tuple[str, str, Env]]:
    """(deployable, where, env) for every app container of Kubernetes and of compose."""
    for name, where, env in k8s_app_containers(pod_templates, container_env):
        yield name, where, {var: value for var, (_source, value) in env.items()}
    for service_name, service in compose["services"].items():
        if runs_the_app(service["image"], service.get("command", [])):
            yield (image_name(service["image"]), f"docker-compose.yml {service_name}",
                   dict(service.get("environment", {})))


def fields_by_variable(settings_class: Any) -> dict[str, Any]:
    found = {}
    for field_name, info in settings_class.model_fields.items():
        alias = info.validation_alias if isinstance(info.validation_alias, str) else None
        found[(alias or field_name).upper()] = info
    return found


def problems_with(env: Env, fields: dict[str, Any]) -> list[str]:
    problems = [f"{var} is read by nothing" for var in env
                if var not in fields and var not in PROCESS_VARIABLES]
    problems += [f"{var} is required but not set" for var, info in fields.items()
                 if info.is_required() and var not in env]
    # A URL left to its default points at 127.0.0.1 or at an embedded SQLite file.
    problems += [f"{var} is not set" for var in fields if var.endswith("_URL") and var not in env]
    return problems


def build(settings_class: Any, env: Env, **overrides: str) -> Any:
    fields = fields_by_variable(settings_class)
    given = {fields[var].alias or var.lower(): value for var, value in env.items() if var in fields}
    return settings_class(**{**given, **overrides})


@pytest.fixture
def envs(pod_templates: list[Document], container_env: Callable[[Document], Any],
         compose: Document) -> list[tuple[str, str, Env]]:
    return list(app_envs(pod_templates, container_env, compose))


def test_every_app_container_gets_exactly_the_variables_its_settings_read(
        envs: list[tuple[str, str, Env]], settings_class: Callable[[str], Any]) -> None:
    assert {name for name, _where, _env in envs} == {
        "monolith", "users", "catalog", "cart", "orders", "payments", "gateway"}
    for name, where, env in envs:
        assert problems_with(env, fields_by_variable(settings_class(name))) == [], where


def test_the_settings_accept_every_value_they_are_given(
        envs: list[tuple[str, str, Env]], settings_class: Callable[[str], Any]) -> None:
    for name, where, env in envs:
        try:
            build(settings_class(name), env)
        except ValidationError as exc:
            pytest.fail(f"{where}: {exc}")


def test_the_development_values_are_refused_in_production(
        envs: list[tuple[str, str, Env]], settings_class: Callable[[str], Any]) -> None:
    """The values in the repository are public: ENVIRONMENT=production must not start on them."""
    for name, where, env in envs:
        assert build(settings_class(name), env).development_secrets_in_use(), where
        with pytest.raises(ValidationError, match="development secrets"):
            build(settings_class(name), env, environment="production")


def is_secret(info: Any) -> bool:
    return SecretStr in (info.annotation, *getattr(info.annotation, "__args__", ()))


def test_every_secret_and_every_url_with_a_password_comes_from_a_kubernetes_secret(
        pod_templates: list[Document], container_env: Callable[[Document], Any],
        settings_class: Callable[[str], Any]) -> None:
    for name, where, env in k8s_app_containers(pod_templates, container_env):
        for var, info in fields_by_variable(settings_class(name)).items():
            if var in env and (is_secret(info) or var.endswith("_URL") and "@" in env[var][1]):
                assert env[var][0] == "Secret", f"{where}: {var} from a {env[var][0]}"


# Who calls whose /internal routes: the caller holds <CALLEE>_TOKEN, the callee
# <CALLER>_CALLER_TOKEN, with the same value (docs/microservices.md).
INTERNAL_EDGES = {("cart", "catalog"), ("orders", "catalog"), ("orders", "cart"),
                  ("orders", "payments")}


def test_each_internal_edge_has_a_token_of_its_own_that_both_ends_agree_on(
        envs: list[tuple[str, str, Env]]) -> None:
    for prefix in ("k8s/", "docker-compose.yml"):
        by_app: dict[str, list[Env]] = {}
        for name, where, env in envs:
            if where.startswith(prefix):
                by_app.setdefault(name, []).append(env)
        edges = {}
        for caller, callee in INTERNAL_EDGES:
            sent = {env.get(f"{callee.upper()}_TOKEN") for env in by_app[caller]}
            accepted = {env.get(f"{caller.upper()}_CALLER_TOKEN") for env in by_app[callee]}
            assert len(sent) == 1 and sent == accepted and None not in sent, (
                prefix, caller, callee)
            edges[(caller, callee)] = sent.pop()
        assert len(set(edges.values())) == len(INTERNAL_EDGES), f"{prefix}: edges share a token"
        # Nobody else holds an edge's token: a callee names only the callers it has.
        for name, app_envs_ in by_app.items():
            for env in app_envs_:
                held = {var for var, value in env.items() if value in edges.values()}
                expected = {f"{callee.upper()}_TOKEN" for caller, callee in INTERNAL_EDGES
                            if caller == name}
                expected |= {f"{caller.upper()}_CALLER_TOKEN"
                             for caller, callee in INTERNAL_EDGES if callee == name}
                assert held == expected, (prefix, name)


# Loads each gunicorn.conf.py as gunicorn does (a module run from its path) and prints the
# names gunicorn reads; a process of its own, as the configs patch gunicorn on load.
READ_GUNICORN_CONFIGS = """
import json, runpy, sys
configs = {name: runpy.run_path(path) for name, path in json.loads(sys.argv[1]).items()}
print(json.dumps({name: [c["bind"], c["workers"], c["forwarded_allow_ips"]]
                  for name, c in configs.items()}))
"""


def test_each_settings_class_defaults_to_its_deployables_port(
        deployables: dict[str, Document], settings_class: Callable[[str], Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    for name, deployable in deployables.items():
        assert settings_class(name)().port == deployable["port"], name


def test_every_gunicorn_config_binds_and_forks_as_its_settings_say(
        repo: Path, deployables: dict[str, Document]) -> None:
    """HOST, PORT, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS reach gunicorn through the
    deployable's Settings (BIND_SOCKET too: chassis/tests/test_storefront.py)."""
    paths = {name: str(repo / d["directory"] / "gunicorn.conf.py")
             for name, d in deployables.items()}
    env = {**os.environ, "HOST": "127.0.0.9", "PORT": "12345", "WEB_CONCURRENCY": "3",
           "FORWARDED_ALLOW_IPS": "10.0.0.0/8"}
    env.pop("BIND_SOCKET", None)

    result = subprocess.run([sys.executable, "-c", READ_GUNICORN_CONFIGS, json.dumps(paths)],
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {name: ["127.0.0.9:12345", 3, "10.0.0.0/8"]
                                         for name in deployables}


def test_each_app_forks_its_settings_default_workers_in_kubernetes_and_compose(
        pod_templates: list[Document], compose: Document, settings_class: Callable[[str], Any],
        deployables: dict[str, Document], monkeypatch: pytest.MonkeyPatch) -> None:
    """One count per app, its Settings default (docs/performance.md, "Workers per app"):
    each Deployment names it, as its resources were sized for it; compose leaves it out."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    for template in pod_templates:
        if template["kind"] != "Deployment" or template["name"] not in deployables:
            continue
        [container] = [c for c in template["containers"] if c["name"] == template["name"]]
        env = {v["name"]: v.get("value") for v in container.get("env", [])}
        default = settings_class(template["name"])().web_concurrency
        assert env["WEB_CONCURRENCY"] == str(default), template["where"]
    for service_name, service in compose["services"].items():
        if runs_the_app(service["image"], service.get("command", [])):
            assert "WEB_CONCURRENCY" not in service.get("environment", {}), service_name
