"""The observability wiring, checked statically: the compose profile ``observability``
(Prometheus scraping every app, Grafana provisioned with the dashboard, Jaeger taking
OTLP), the Kubernetes copy of the dashboard and its scrape configuration, the OTLP
endpoint setting everywhere, and a dashboard that queries only metrics the apps define.
(tests/observability checks the same names against a running stack's /metrics.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from chassis.process_metrics import ProcessGroupCollector
from prometheus_client.metrics import MetricWrapperBase

from chassis import metrics

Document = dict[str, Any]
OBSERVABILITY = Path("deploy/observability")
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "shopstack.json"
SUFFIXES = {"counter": ("_total",), "gauge": ("",),
            "histogram": ("_bucket", "_sum", "_count")}
# Every metric is written with a selector (``name{...}``), so that this finds them all
# (once the quoted label values, which may hold braces, are left out).
METRIC_IN_QUERY = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{")


def load(repo: Path, path: Path) -> Any:
    return yaml.safe_load((repo / path).read_text())


def dashboard_queries(repo: Path) -> list[str]:
    dashboard = json.loads((repo / DASHBOARD).read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def defined_metric_names() -> set[str]:
    names = set()
    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            names |= {value._name + suffix for suffix in SUFFIXES[value._type]}
    return names | {family.name + ("_total" if family.type == "counter" else "")
                    for family in ProcessGroupCollector(1).collect()}


def test_the_profile_runs_prometheus_grafana_and_jaeger_on_loopback(
        compose: Document) -> None:
    services = {name: s for name, s in compose["services"].items()
                if "observability" in s["profiles"]}
    assert set(services) == {"prometheus", "grafana", "jaeger"}
    assert all(s["profiles"] == ["observability"] for s in services.values())
    assert all(port.startswith("127.0.0.1:") for s in services.values() for port in s["ports"])
    assert set(services["grafana"]["depends_on"]) == {"prometheus", "jaeger"}


def test_prometheus_scrapes_every_app_as_a_job_labelled_with_its_shop(
        repo: Path, compose: Document, deployables: dict[str, Document]) -> None:
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/observability/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    jobs = {job["job_name"]: job["static_configs"][0]
            for job in load(repo, OBSERVABILITY / "prometheus.yml")["scrape_configs"]}
    assert set(jobs) == set(deployables)
    for name, deployable in deployables.items():
        assert jobs[name]["targets"] == [f"{name}:{deployable['port']}"]
        shop = "monolith" if name == "monolith" else "microservices"
        assert jobs[name]["labels"] == {"shop": shop}


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard(
        repo: Path, compose: Document) -> None:
    grafana = compose["services"]["grafana"]
    mounts = dict(volume.rsplit(":", 1)[0].split(":", 1) for volume in grafana["volumes"])
    provisioning = repo / mounts["./deploy/observability/grafana/provisioning"].replace(
        "/etc/grafana/provisioning", str(OBSERVABILITY / "grafana" / "provisioning"))
    sources = yaml.safe_load((provisioning / "datasources" / "datasources.yml").read_text())
    by_uid = {source["uid"]: source for source in sources["datasources"]}
    assert by_uid["prometheus"]["url"] == "http://prometheus:9090"
    assert by_uid["jaeger"]["url"] == "http://jaeger:16686"
    providers = yaml.safe_load((provisioning / "dashboards" / "dashboards.yml").read_text())
    path = providers["providers"][0]["options"]["path"]
    assert mounts["./deploy/observability/grafana/dashboards"] == path
    dashboard = json.loads((repo / DASHBOARD).read_text())
    assert {target["datasource"]["uid"] for panel in dashboard["panels"]
            for target in panel["targets"]} == {"prometheus"}


def test_every_panel_says_what_it_answers_and_the_docs_name_it(repo: Path) -> None:
    dashboard = json.loads((repo / DASHBOARD).read_text())
    docs = (repo / "docs" / "observability.md").read_text()
    for panel in dashboard["panels"]:
        assert panel["description"] and panel["title"] in docs, panel["title"]


def test_every_metric_the_dashboard_queries_is_one_the_apps_define(repo: Path) -> None:
    used = {name for expr in dashboard_queries(repo)
            for name in METRIC_IN_QUERY.findall(re.sub(r'"[^"]*"', '""', expr))}
    assert len(used) >= 10
    assert used <= defined_metric_names(), used - defined_metric_names()


def test_every_app_exports_traces_only_where_an_otlp_endpoint_is_set(
        compose: Document, deployables: dict[str, Document], repo: Path) -> None:
    for name in deployables:
        environment = compose["services"][name]["environment"]
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "", name
    assert "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" in (repo / "docker-compose.yml").read_text()


def test_every_app_pins_the_sdk_the_exporter_and_its_instrumentations(
        repo: Path, deployables: dict[str, Document]) -> None:
    for name, deployable in deployables.items():
        pins = (repo / deployable["directory"] / "requirements.txt").read_text()
        server = "fastapi" if "asgi" in (repo / deployable["directory"] / "Dockerfile"
                                         ).read_text() else "flask"
        for package in ("opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http",
                        "opentelemetry-instrumentation-httpx",
                        f"opentelemetry-instrumentation-{server}"):
            assert re.search(rf"^{package}==", pins, re.MULTILINE), (name, package)


def test_the_kubernetes_dashboard_is_the_same_json_and_every_app_pod_is_scraped(
        repo: Path, k8s_documents: list[tuple[Path, Document]],
        deployables: dict[str, Document]) -> None:
    objects = {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in k8s_documents}
    dashboard = objects[("ConfigMap", "shopstack-dashboard")]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert dashboard["data"]["shopstack.json"] == (repo / DASHBOARD).read_text()
    scrape = yaml.safe_load(objects[("ConfigMap", "shopstack-prometheus-scrape")]["data"][
        "scrape-configs.yml"])
    targets = {rule.get("target_label") for rule in scrape[0]["relabel_configs"]}
    assert {"job", "shop", "__address__", "__metrics_path__"} <= targets
    for name, deployable in deployables.items():
        annotations = dict(objects[("Deployment", name)]["spec"]["template"]["metadata"][
            "annotations"])
        # A Pod with nginx beside the app names the app as the one `kubectl logs` shows.
        assert annotations.pop("kubectl.kubernetes.io/default-container", name) == name
        assert annotations == {"prometheus.io/scrape": "true",
                               "prometheus.io/port": str(deployable["port"]),
                               "prometheus.io/path": "/metrics"}, name
        assert objects[("ConfigMap", f"{name}-config")]["data"][
            "OTEL_EXPORTER_OTLP_ENDPOINT"] == "", name
