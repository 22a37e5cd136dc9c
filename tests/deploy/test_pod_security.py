"""Every pod keeps the restricted Pod Security profile, and every app Deployment has
what a rolling, probed, bounded, metrics-exporting deployment needs; the monolith's and
the gateway's with nginx beside the app (its own uid, probed on its port)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

Document = dict[str, Any]
ALLOWED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                        "persistentVolumeClaim", "projected", "secret"}
APP_UID = 10001
# nginx's own uid (deploy/nginx/Dockerfile), in the apps' group.
NGINX_UID = 10002
NGINX_IMAGE = "shopstack/nginx:dev"


def copies_the_storefront(container: Document) -> bool:
    return "/app/storefront/." in " ".join(container.get("command", []))


def app_container(template: Document) -> Document:
    """The container that runs the app: the one named after the Deployment."""
    [container] = [c for c in template["spec"]["containers"] if c["name"] == template["name"]]
    return container


def effective(template: Document, container: Document, key: str) -> Any:
    """A security setting as the container gets it: its own, else the pod's."""
    own = container.get("securityContext", {})
    return own[key] if key in own else template["spec"].get("securityContext", {}).get(key)


def restricted_violations(template: Document) -> list[str]:
    spec, problems = template["spec"], []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(key)
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUME_TYPES:
            problems.append(f"volume {volume['name']}: {kinds}")
    for container in template["containers"]:
        problems += [f"{container['name']}: {p}" for p in container_violations(template, container)]
    return problems


def container_violations(template: Document, container: Document) -> list[str]:
    own = container.get("securityContext", {})
    capabilities = own.get("capabilities", {})
    seccomp = effective(template, container, "seccompProfile") or {}
    checks = {
        "privileged": not own.get("privileged", False),
        "allowPrivilegeEscalation false": own.get("allowPrivilegeEscalation") is False,
        "capabilities drop ALL": "ALL" in capabilities.get("drop", []),
        "no added capability but NET_BIND_SERVICE":
            set(capabilities.get("add", [])) <= {"NET_BIND_SERVICE"},
        "runAsNonRoot": effective(template, container, "runAsNonRoot") is True,
        "runAsUser not 0": effective(template, container, "runAsUser") not in (0, None),
        "seccompProfile RuntimeDefault": seccomp.get("type") in ("RuntimeDefault", "Localhost"),
        "readOnlyRootFilesystem": own.get("readOnlyRootFilesystem") is True,
        "no hostPort": not any(p.get("hostPort") for p in container.get("ports", [])),
    }
    return [name for name, ok in checks.items() if not ok]


def test_every_pod_keeps_the_restricted_profile_with_a_read_only_root(
        pod_templates: list[Document]) -> None:
    for template in pod_templates:
        assert restricted_violations(template) == [], template["where"]


def test_every_container_has_cpu_and_memory_requests_and_limits(
        pod_templates: list[Document]) -> None:
    for template in pod_templates:
        for container in template["containers"]:
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (
                    f"{template['where']} {container['name']}: {bound}")


def test_no_pod_mounts_a_service_account_token(pod_templates: list[Document]) -> None:
    for template in pod_templates:
        assert template["spec"].get("automountServiceAccountToken") is False, template["where"]


def app_templates(pod_templates: list[Document]) -> list[Document]:
    return [t for t in pod_templates
            if t["spec"]["containers"][0]["image"].startswith("shopstack/")]


def test_every_app_pod_runs_as_the_images_user(pod_templates: list[Document]) -> None:
    for template in app_templates(pod_templates):
        for container in template["containers"]:
            expected = NGINX_UID if container["image"] == NGINX_IMAGE else APP_UID
            assert effective(template, container, "runAsUser") == expected, template["where"]
            assert effective(template, container, "runAsGroup") == APP_UID, template["where"]


def test_every_app_container_writes_only_to_an_empty_dir_at_tmp(
        pod_templates: list[Document]) -> None:
    for template in app_templates(pod_templates):
        empty_dirs = {v["name"] for v in template["spec"]["volumes"] if "emptyDir" in v}
        for container in template["containers"]:
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            where = f"{template['where']} {container['name']}"
            assert set(mounts.values()) <= empty_dirs, where
            if not copies_the_storefront(container):  # which writes to its volume only
                assert mounts.get("/tmp") in empty_dirs, where


def test_every_app_deployment_rolls_without_losing_capacity_and_probes_the_app(
        pod_templates: list[Document], k8s_documents: list[tuple[Path, Document]]) -> None:
    deployments = {d["metadata"]["name"]: d for _p, d in k8s_documents
                   if d["kind"] == "Deployment"}
    for template in app_templates(pod_templates):
        if template["kind"] != "Deployment":
            continue
        deployment = deployments[template["name"]]
        assert template["labels"] == {"app": template["name"]}
        assert deployment["spec"]["selector"] == {"matchLabels": {"app": template["name"]}}
        strategy = deployment["spec"]["strategy"]
        assert strategy["rollingUpdate"]["maxUnavailable"] == 0, template["where"]
        container = app_container(template)
        nginx = [c for c in template["spec"]["containers"] if c["image"] == NGINX_IMAGE]
        if nginx:  # the app on its socket, asked there; its readiness is nginx's
            [nginx_container] = nginx
            probe = ["python", "-m", "chassis.probe", "/healthz"]
            assert container["livenessProbe"]["exec"]["command"] == probe, template["where"]
            assert container["startupProbe"]["exec"]["command"] == probe, template["where"]
            assert nginx_container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert nginx_container["startupProbe"]["httpGet"]["path"] == "/healthz"
            assert nginx_container["livenessProbe"]["tcpSocket"]["port"] == "http"
            continue
        assert len(template["spec"]["containers"]) == 1, template["where"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert "startupProbe" in container, template["where"]


def test_every_app_deployment_sets_its_workers_and_a_writable_metrics_folder(
        pod_templates: list[Document]) -> None:
    for template in app_templates(pod_templates):
        if template["kind"] != "Deployment":
            continue
        container = app_container(template)
        env = {v["name"]: v.get("value") for v in container["env"]}
        assert env["WEB_CONCURRENCY"].isdigit(), template["where"]
        assert env["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/metrics", template["where"]
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert "/tmp/metrics" in mounts, "an empty folder of its own on every start"


def test_every_app_pod_runs_under_its_own_service_account(
        pod_templates: list[Document], k8s_documents: list[tuple[Path, Document]]) -> None:
    accounts = {d["metadata"]["name"] for _p, d in k8s_documents if d["kind"] == "ServiceAccount"}
    for template in app_templates(pod_templates):
        account = template["spec"]["serviceAccountName"]
        assert account in accounts, template["where"]
        assert template["name"].removesuffix("-init") == account, template["where"]
