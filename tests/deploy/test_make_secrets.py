"""deploy/make_secrets.py writes an overlay on which every app starts in production:
every development value replaced, the values agreeing with each other, the files private."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

Document = dict[str, Any]
NOT_SECRET = {"MONGO_INITDB_ROOT_USERNAME"}


@pytest.fixture(scope="module")
def overlay(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("secrets") / "shop"
    subprocess.run([sys.executable, str(repo / "deploy" / "make_secrets.py"),
                    str(repo / "k8s" / "microservices"), str(out)],
                   check=True, capture_output=True, timeout=60)
    return out


@pytest.fixture(scope="module")
def patched(overlay: Path, config_objects: dict[tuple[str, str], Document]
            ) -> dict[tuple[str, str], Document]:
    """The repository's ConfigMaps and Secrets with the overlay's patches merged in."""
    merged = {key: dict(data) for key, data in config_objects.items()}
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    for patch in kustomization["patches"]:
        document = yaml.safe_load((overlay / patch["path"]).read_text())
        key = (document["kind"], document["metadata"]["name"])
        assert key in merged, f"{patch['path']} patches nothing"
        merged[key].update(document.get("stringData", document.get("data", {})))
    return merged


def test_the_overlay_builds_on_the_chosen_overlay_of_the_repository(
        overlay: Path, repo: Path) -> None:
    kustomization = yaml.safe_load((overlay / "kustomization.yaml").read_text())
    [base] = kustomization["resources"]
    assert (overlay / base).resolve() == repo / "k8s" / "microservices"


def test_every_secret_value_is_replaced(
        config_objects: dict[tuple[str, str], Document],
        patched: dict[tuple[str, str], Document],
        external_secrets: dict[str, tuple[str, ...]]) -> None:
    for (kind, name), data in config_objects.items():
        if kind == "Secret" and name not in external_secrets:
            for key, value in data.items():
                if key not in NOT_SECRET:
                    assert patched[(kind, name)][key] != value, f"{name} {key}"


def test_the_files_are_readable_by_their_owner_only(overlay: Path) -> None:
    for path in overlay.glob("secret-*.yaml"):
        assert path.stat().st_mode & 0o077 == 0, path.name


def app_env(template: Document, data: dict[tuple[str, str], Document]) -> dict[str, str]:
    env: dict[str, str] = {}
    container = template["spec"]["containers"][0]
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(data[("ConfigMap", source["configMapRef"]["name"])])
        if "secretRef" in source:
            env.update(data[("Secret", source["secretRef"]["name"])])
    for variable in container.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            env[variable["name"]] = data[("Secret", ref["name"])][ref["key"]]
    return env


def test_every_app_starts_in_production_on_the_new_values(
        pod_templates: list[Document], patched: dict[tuple[str, str], Document],
        settings_class: Callable[[str], Any]) -> None:
    for template in pod_templates:
        image = template["spec"]["containers"][0]["image"]
        if image.startswith("shopstack/") and template["kind"] == "Deployment":
            env = app_env(template, patched)
            assert env["ENVIRONMENT"] == "production"
            settings = settings_class(image.removeprefix("shopstack/").split(":")[0])
            given = {k.lower(): v for k, v in env.items() if k.lower() in settings.model_fields}
            assert settings(**given).development_secrets_in_use() == [], template["where"]


def test_the_store_urls_carry_the_new_store_passwords(
        patched: dict[tuple[str, str], Document]) -> None:
    postgres = patched[("Secret", "postgres-secrets")]
    for app, owner in [("monolith", "SHOP"), ("users", "USERS"), ("orders", "ORDERS"),
                       ("payments", "PAYMENTS")]:
        url = urlsplit(patched[("Secret", f"{app}-secrets")]["DATABASE_URL"])
        assert url.password == postgres[f"{owner}_DB_PASSWORD"], app
    mongodb = urlsplit(patched[("Secret", "catalog-secrets")]["MONGODB_URL"])
    assert mongodb.password == patched[("Secret", "mongodb-secrets")]["CATALOG_DB_PASSWORD"]
    for app in ("cart", "gateway"):
        redis = urlsplit(patched[("Secret", f"{app}-secrets")]["REDIS_URL"])
        assert redis.password == patched[("Secret", "redis-secrets")]["REDIS_PASSWORD"], app


def test_each_internal_edge_gets_a_fresh_token_of_its_own(
        patched: dict[tuple[str, str], Document]) -> None:
    def secret(app: str) -> dict[str, str]:
        return dict(patched[("Secret", f"{app}-secrets")])

    edges = {
        "cart -> catalog": (secret("cart")["CATALOG_TOKEN"],
                            secret("catalog")["CART_CALLER_TOKEN"]),
        "orders -> catalog": (secret("orders")["CATALOG_TOKEN"],
                              secret("catalog")["ORDERS_CALLER_TOKEN"]),
        "orders -> cart": (secret("orders")["CART_TOKEN"], secret("cart")["ORDERS_CALLER_TOKEN"]),
        "orders -> payments": (secret("orders")["PAYMENTS_TOKEN"],
                               secret("payments")["ORDERS_CALLER_TOKEN"]),
    }
    for edge, (sent, accepted) in edges.items():
        assert sent == accepted and len(sent) >= 32, edge
    assert len({sent for sent, _ in edges.values()}) == len(edges)
