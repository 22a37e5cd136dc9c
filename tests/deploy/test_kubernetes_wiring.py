"""The manifests fit together: Services find pods, ports exist, references resolve,
images are ones the repository builds, probes ask paths the apps serve.
(NetworkPolicies: test_network_policies.py.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Document = dict[str, Any]
APP_PROBE_PATHS = {"/healthz", "/readyz"}
STORE_IMAGES = {"postgres:16", "mongo:7", "redis:7"}
# A ConfigMap that is a copy of a file of deploy/ (the stores' first-start scripts).
SCRIPT_COPIES = {
    ("postgres-init", "10-databases.sh"): "deploy/postgres/init-databases.sh",
    ("mongodb-init", "10-catalog.js"): "deploy/mongodb/init-catalog.js",
}


def exposed_ports(template: Document) -> set[int | str]:
    ports: set[int | str] = set()
    for container in template["containers"]:
        for port in container.get("ports", []):
            ports.add(port["containerPort"])
            ports.add(port.get("name", port["containerPort"]))
    return ports


def of_kind(k8s_documents: list[tuple[Path, Document]], kind: str) -> Iterator[Document]:
    return (doc for _path, doc in k8s_documents if doc["kind"] == kind)


def test_every_service_selects_pods_that_expose_its_target_ports(
        k8s_documents: list[tuple[Path, Document]],
        pods_matching: Callable[[Document], list[Document]]) -> None:
    for service in of_kind(k8s_documents, "Service"):
        name = service["metadata"]["name"]
        pods = pods_matching({"matchLabels": service["spec"]["selector"]})
        assert [t for t in pods if t["kind"] != "Job"], f"Service {name} selects no workload"
        assert all(t["kind"] != "Job" for t in pods), f"Service {name} selects a Job's pods"
        for port in service["spec"]["ports"]:
            for template in pods:
                assert port["targetPort"] in exposed_ports(template), (
                    f"Service {name}: no container of {template['where']} exposes "
                    f"{port['targetPort']}")


def test_every_config_map_and_secret_a_pod_names_exists(
        pod_templates: list[Document], config_objects: dict[tuple[str, str], Document]) -> None:
    for template in pod_templates:
        for kind, name, key in references(template):
            assert (kind, name) in config_objects, f"{template['where']}: no {kind} {name}"
            if key is not None:
                assert key in config_objects[(kind, name)], (
                    f"{template['where']}: {kind} {name} has no key {key}")


def references(template: Document) -> Iterator[tuple[str, str, str | None]]:
    for container in template["containers"]:
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                yield "ConfigMap", source["configMapRef"]["name"], None
            if "secretRef" in source:
                yield "Secret", source["secretRef"]["name"], None
        for variable in container.get("env", []):
            value_from = variable.get("valueFrom", {})
            if "configMapKeyRef" in value_from:
                ref = value_from["configMapKeyRef"]
                yield "ConfigMap", ref["name"], ref["key"]
            if "secretKeyRef" in value_from:
                ref = value_from["secretKeyRef"]
                yield "Secret", ref["name"], ref["key"]
    for volume in template["spec"].get("volumes", []):
        if "configMap" in volume:
            yield "ConfigMap", volume["configMap"]["name"], None
        if "secret" in volume:
            yield "Secret", volume["secret"]["secretName"], None


def test_every_image_is_built_by_a_dockerfile_of_the_repository_or_is_a_pinned_store(
        pod_templates: list[Document], deployables: dict[str, Document], repo: Path) -> None:
    built = {d["image"]: d["dockerfile"] for d in deployables.values()}
    built["shopstack/nginx:dev"] = repo / "deploy" / "nginx" / "Dockerfile"
    for template in pod_templates:
        for container in template["containers"]:
            image = container["image"]
            if image in built:
                assert built[image].is_file(), f"{image}: no {built[image]}"
            else:
                assert image in STORE_IMAGES, f"{template['where']}: nothing builds {image}"


def probes(container: Document) -> Iterator[Document]:
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        if kind in container:
            yield container[kind]


def test_every_http_probe_asks_a_path_the_apps_serve_on_a_port_they_expose(
        pod_templates: list[Document]) -> None:
    for template in pod_templates:
        for container in template["spec"]["containers"]:
            names = {p.get("name") for p in container.get("ports", [])}
            numbers = {p["containerPort"] for p in container.get("ports", [])}
            for probe in probes(container):
                port = next(iter(probe.values()))["port"] if "exec" not in probe else None
                assert port is None or port in names | numbers, f"{template['where']}: {port}"
                if "httpGet" in probe:
                    assert probe["httpGet"]["path"] in APP_PROBE_PATHS, template["where"]


@pytest.mark.parametrize("module", ["flask_support.py", "fastapi_support.py"])
def test_the_chassis_serves_the_probe_paths_in_every_app(repo: Path, module: str) -> None:
    source = (repo / "chassis" / "chassis" / module).read_text()
    for path in APP_PROBE_PATHS:
        assert f'.get("{path}"' in source


def test_every_ingress_backend_is_a_service_port(
        k8s_documents: list[tuple[Path, Document]]) -> None:
    services = {s["metadata"]["name"]: s for s in of_kind(k8s_documents, "Service")}
    for ingress in of_kind(k8s_documents, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                ports = services[backend["name"]]["spec"]["ports"]
                assert backend["port"]["name"] in {p["name"] for p in ports}


def test_every_autoscaler_and_disruption_budget_targets_a_deployment(
        k8s_documents: list[tuple[Path, Document]],
        pods_matching: Callable[[Document], list[Document]]) -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind(k8s_documents, "Deployment")}
    for autoscaler in of_kind(k8s_documents, "HorizontalPodAutoscaler"):
        target = deployments[autoscaler["spec"]["scaleTargetRef"]["name"]]
        assert "replicas" not in target["spec"], "the autoscaler owns the replica count"
    for budget in of_kind(k8s_documents, "PodDisruptionBudget"):
        pods = pods_matching(budget["spec"]["selector"])
        assert [t["kind"] for t in pods] == ["Deployment"], budget["metadata"]["name"]


@pytest.mark.parametrize(("config_map", "key"), list(SCRIPT_COPIES))
def test_a_store_script_in_a_config_map_is_the_file_of_deploy(
        repo: Path, config_objects: dict[tuple[str, str], Document], config_map: str,
        key: str) -> None:
    original = (repo / SCRIPT_COPIES[(config_map, key)]).read_text()
    assert config_objects[("ConfigMap", config_map)][key] == original


# Processes of a service's image that serve no API, only their probes: name -> module.
WORKERS = {"orders-relay": "orders.relay", "orders-reconciler": "orders.reconciler",
                  "catalog-relay": "catalog.relay"}


@pytest.mark.parametrize(("name", "module"), list(WORKERS.items()))
def test_each_worker_process_runs_once_with_its_command_probed_on_its_own_port(
        k8s_documents: list[tuple[Path, Document]], compose: Document, name: str,
        module: str) -> None:
    [deployment] = [d for d in of_kind(k8s_documents, "Deployment")
                    if d["metadata"]["name"] == name]
    assert deployment["spec"]["replicas"] == 1
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", module]
    port = {v["name"]: v.get("value") for v in container["env"]}["PORT"]
    assert [p["containerPort"] for p in container["ports"]] == [int(port)]
    assert not [s for s in of_kind(k8s_documents, "Service")
                if s["spec"]["selector"].get("app") == name], "nothing calls it"
    service = compose["services"][name]
    assert service["command"] == ["python", "-m", module]
    assert f"http://127.0.0.1:{service['environment']['PORT']}/" in " ".join(
        service["healthcheck"]["test"])
