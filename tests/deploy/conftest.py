"""What the deploy checks share: the Kubernetes manifests, docker-compose.yml and
the Dockerfiles of the repository, loaded once, and the deployables they run.

Everything here is static: no cluster, no Docker engine, no network. Test
modules cannot import from this file (importlib mode), so it hands them plain
data through fixtures, and parametrizes the arguments named in PARAMETERS.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"

Document = dict[str, Any]

# name: (directory, settings "module:Class", port)
DEPLOYABLES: dict[str, tuple[str, str, int]] = {
    "monolith": ("monolith", "shop.config:Settings", 8000),
    "users": ("services/users", "users.config:Settings", 8101),
    "catalog": ("services/catalog", "catalog.config:Settings", 8102),
    "cart": ("services/cart", "cart.config:Settings", 8103),
    "orders": ("services/orders", "orders.config:Settings", 8104),
    "payments": ("services/payments", "payments.config:Settings", 8105),
    "gateway": ("gateway", "gateway.config:Settings", 8080),
}


# Secrets the pods read that no manifest holds: made by hand before `kubectl apply -k`
# with the command docs/deploy.md gives, so that no private key is ever kept in the
# repository. Name -> the keys the pods read from it (each an Ed25519 PEM).
EXTERNAL_SECRETS: dict[str, tuple[str, ...]] = {"jwt-signing-keys": ("monolith", "users")}


def deployable(name: str) -> Document:
    directory, settings, port = DEPLOYABLES[name]
    return {"name": name, "directory": directory, "settings": settings, "port": port,
            "image": f"shopstack/{name}:dev", "dockerfile": REPO / directory / "Dockerfile"}


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def load_documents(path: Path) -> list[Document]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


PARAMETERS: dict[str, Callable[[], list[Any]]] = {
    "deployable": lambda: [deployable(name) for name in DEPLOYABLES],
    "manifest_file": manifest_files,
    "kustomization_file": lambda: sorted(K8S.rglob("kustomization.yaml")),
}


def _parameter_id(value: Any) -> str:
    if isinstance(value, Path):
        return str(value.relative_to(REPO))
    return str(value["name"]) if isinstance(value, dict) else str(value)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argument, values in PARAMETERS.items():
        if argument in metafunc.fixturenames:
            metafunc.parametrize(argument, values(), ids=_parameter_id)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def deployables() -> dict[str, Document]:
    return {name: deployable(name) for name in DEPLOYABLES}


@pytest.fixture(scope="session")
def k8s_documents() -> list[tuple[Path, Document]]:
    return [(path, doc) for path in manifest_files() for doc in load_documents(path)]


@pytest.fixture(scope="session")
def pod_templates(k8s_documents: list[tuple[Path, Document]]) -> list[Document]:
    """Every pod template: where (for messages), kind, name, labels, spec, containers."""
    templates = []
    for path, doc in k8s_documents:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            template = doc["spec"]["template"]
            spec = template["spec"]
            templates.append({
                "where": f"{path.relative_to(REPO)} {doc['kind']}/{doc['metadata']['name']}",
                "kind": doc["kind"], "name": doc["metadata"]["name"],
                "labels": template["metadata"].get("labels", {}), "spec": spec,
                "containers": [*spec.get("initContainers", []), *spec["containers"]],
            })
    return templates


def label_selector_matches(selector: Document, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics: matchLabels and matchExpressions."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, values = expression["key"], expression.get("values", [])
        verdict = {"In": labels.get(key) in values, "NotIn": labels.get(key) not in values,
                   "Exists": key in labels, "DoesNotExist": key not in labels}
        if not verdict[expression["operator"]]:
            return False
    return True


@pytest.fixture(scope="session")
def pods_matching(pod_templates: list[Document]) -> Callable[[Document], list[Document]]:
    """The pod templates a label selector picks."""
    def pick(selector: Document) -> list[Document]:
        return [t for t in pod_templates if label_selector_matches(selector, t["labels"])]
    return pick


@pytest.fixture(scope="session")
def external_secrets() -> dict[str, tuple[str, ...]]:
    return EXTERNAL_SECRETS


def new_signing_key() -> str:
    """What `openssl genpkey -algorithm ed25519` prints."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()


@pytest.fixture(scope="session")
def config_objects(k8s_documents: list[tuple[Path, Document]]) -> dict[tuple[str, str], Document]:
    """Every ConfigMap's and Secret's data by (kind, name); a Secret's stringData counts.
    The hand-made Secrets are there too, with fresh keys, as the documented command makes."""
    found: dict[tuple[str, str], Document] = {
        ("Secret", name): {key: new_signing_key() for key in keys}
        for name, keys in EXTERNAL_SECRETS.items()}
    for _path, doc in k8s_documents:
        if doc["kind"] in ("ConfigMap", "Secret"):
            data = {**doc.get("data", {}), **doc.get("stringData", {})}
            found[(doc["kind"], doc["metadata"]["name"])] = data
    return found


@pytest.fixture(scope="session")
def container_env(
    config_objects: dict[tuple[str, str], Document],
) -> Callable[[Document], dict[str, tuple[str, str]]]:
    """A container's environment: name -> (where it comes from, its value)."""
    def resolve(container: Document) -> dict[str, tuple[str, str]]:
        env: dict[str, tuple[str, str]] = {}
        for source in container.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in source:
                    data = config_objects.get((kind, source[key]["name"]), {})
                    env.update({name: (kind, str(v)) for name, v in data.items()})
        for variable in container.get("env", []):
            env[variable["name"]] = _env_value(variable, config_objects)
        return env
    return resolve


def _env_value(variable: Document, config_objects: dict[tuple[str, str], Document]
               ) -> tuple[str, str]:
    if "value" in variable:
        return ("value", str(variable["value"]))
    for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
        ref = variable.get("valueFrom", {}).get(key)
        if ref:
            return (kind, str(config_objects.get((kind, ref["name"]), {}).get(ref["key"], "")))
    return ("other", "")


_INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: Any) -> Any:
    """Compose's ${NAME:-default}, resolved to the development default."""
    if isinstance(value, str):
        return _INTERPOLATION.sub(lambda m: m.group("default") or "", value).replace("$$", "$")
    if isinstance(value, list):
        return [interpolate(item) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item) for key, item in value.items()}
    return value


@pytest.fixture(scope="session")
def compose() -> Document:
    """docker-compose.yml with its anchors merged and its development defaults filled in."""
    return interpolate(yaml.safe_load((REPO / "docker-compose.yml").read_text()))


@pytest.fixture(scope="session")
def settings_class() -> Callable[[str], Any]:
    """A deployable's Settings class, imported from its package."""
    def load(name: str) -> Any:
        module_name, class_name = DEPLOYABLES[name][1].split(":")
        return getattr(importlib.import_module(module_name), class_name)
    return load


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression: ``*`` and ``?`` stay inside one
    path segment, ``**`` spans any number of them, ``[...]`` is a class."""
    regex, in_class = "", False
    for char in pattern.strip("/").replace("**/", "\0"):
        if char == "\0":
            regex += "(?:[^/]+/)*"
        elif in_class or char in "[]":
            regex += char
            in_class = (in_class or char == "[") and char != "]"
        else:
            regex += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
    return re.compile(regex)


@pytest.fixture(scope="session")
def dockerignore() -> Callable[[str], bool]:
    """Whether the root .dockerignore leaves a path out of the build context (the last
    pattern that matches the path or one of its folders decides)."""
    rules = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), _glob_regex(line.removeprefix("!"))))

    def ignored(path: str) -> bool:
        parts = path.strip("/").split("/")
        candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        verdict = False
        for negated, regex in rules:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                verdict = not negated
        return verdict
    return ignored
