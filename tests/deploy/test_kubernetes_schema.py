"""Every manifest is valid Kubernetes on its own, and every overlay lists what it composes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

# The oldest and the newest Kubernetes the manifests are meant for.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
KUSTOMIZATION_KEYS = {"apiVersion", "kind", "resources"}


def documents_of(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_passes_strict_schema_validation(manifest_file: Path, version: str) -> None:
    for document in documents_of(manifest_file):
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{manifest_file.name} {document['kind']}: "
                        f"{'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            pytest.fail(f"{manifest_file.name}: no schema: {exc.message}")


def test_every_namespaced_object_lives_in_the_shop_namespace(manifest_file: Path) -> None:
    for document in documents_of(manifest_file):
        if document["kind"] != "Namespace":
            assert document["metadata"].get("namespace") == "shopstack", (
                f"{manifest_file.name} {document['kind']}/{document['metadata']['name']}")


def test_the_namespace_enforces_the_restricted_pod_security_profile(repo: Path) -> None:
    [namespace] = documents_of(repo / "k8s" / "base" / "namespace.yaml")
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_no_two_objects_share_a_kind_and_a_name(k8s_documents: list[tuple[Path, dict]]) -> None:
    seen: dict[tuple[str, str], Path] = {}
    for path, document in k8s_documents:
        key = (document["kind"], document["metadata"]["name"])
        assert key not in seen, f"{key} in {path} and in {seen[key]}"
        seen[key] = path


def test_a_kustomization_lists_plain_files_and_folders_that_exist(
        kustomization_file: Path) -> None:
    kustomization = yaml.safe_load(kustomization_file.read_text())
    assert set(kustomization) <= KUSTOMIZATION_KEYS, "no generators, patches or transformers"
    assert kustomization["kind"] == "Kustomization"
    for resource in kustomization["resources"]:
        target = kustomization_file.parent / resource
        assert target.is_file() or (target / "kustomization.yaml").is_file(), resource


def test_every_manifest_file_is_listed_by_the_kustomization_beside_it(
        manifest_file: Path) -> None:
    kustomization = yaml.safe_load((manifest_file.parent / "kustomization.yaml").read_text())
    assert manifest_file.name in kustomization["resources"]


@pytest.mark.parametrize("overlay", ["monolith", "microservices"])
def test_an_overlay_brings_the_namespace_the_stores_and_the_policies(
        repo: Path, overlay: str) -> None:
    kustomization = yaml.safe_load((repo / "k8s" / overlay / "kustomization.yaml").read_text())
    assert {"../base", "../stores", "../network-policies"} <= set(kustomization["resources"])
