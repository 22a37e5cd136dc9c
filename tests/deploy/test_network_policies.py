"""The NetworkPolicies: default deny, DNS for all, and exactly the edges of
docs/microservices.md, each allowed on both ends (the caller's egress and the
callee's ingress)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Document = dict[str, Any]
Edge = tuple[str, str, int]
INGRESS_CONTROLLER = "ingress-controller"
EXPECTED_EDGES: set[Edge] = {
    (INGRESS_CONTROLLER, "monolith", 8000), (INGRESS_CONTROLLER, "gateway", 8080),
    ("monolith", "postgres", 5432), ("monolith-init", "postgres", 5432),
    ("gateway", "users", 8101), ("gateway", "catalog", 8102), ("gateway", "cart", 8103),
    ("gateway", "orders", 8104), ("gateway", "redis", 6379),
    ("users", "postgres", 5432), ("users-init", "postgres", 5432),
    ("catalog", "mongodb", 27017), ("catalog-init", "mongodb", 27017), ("catalog", "users", 8101),
    ("cart", "redis", 6379), ("cart", "users", 8101), ("cart", "catalog", 8102),
    ("orders", "postgres", 5432), ("orders-init", "postgres", 5432), ("orders", "users", 8101),
    ("orders", "catalog", 8102), ("orders", "cart", 8103), ("orders", "payments", 8105),
    ("payments", "postgres", 5432), ("payments-init", "postgres", 5432),
    ("orders-relay", "postgres", 5432), ("orders-relay", "redis", 6379),
    ("catalog-relay", "mongodb", 27017), ("catalog-relay", "redis", 6379),
    ("orders-reconciler", "postgres", 5432), ("orders-reconciler", "catalog", 8102),
    ("orders-reconciler", "cart", 8103), ("orders-reconciler", "payments", 8105),
}


def policies(k8s_documents: list[tuple[Path, Document]]) -> list[Document]:
    return [doc for _path, doc in k8s_documents if doc["kind"] == "NetworkPolicy"]


def container_ports(template: Document) -> set[int]:
    return {p["containerPort"] for c in template["containers"] for p in c.get("ports", [])}


def rules(policy: Document, direction: str) -> Iterator[tuple[list[Document], list[int]]]:
    """(peers, ports) of each rule of one direction; empty ports admit every port."""
    for rule in policy["spec"].get(direction, []):
        peers = rule.get("from" if direction == "ingress" else "to", [])
        yield peers, [port["port"] for port in rule.get("ports", [])]


class Graph:
    def __init__(self, policies: list[Document], pods_matching: Callable[[Document], list[Any]]
                 ) -> None:
        self.policies = policies
        self.pods_matching = pods_matching

    def picks(self, selector: Document, app: str) -> bool:
        return any(t["labels"].get("app") == app for t in self.pods_matching(selector))

    def admits(self, direction: str, subject: str, other: str, port: int) -> bool:
        """Whether a policy of ``subject`` lets ``other`` through on ``port``."""
        for policy in self.policies:
            if not self.picks(policy["spec"]["podSelector"], subject):
                continue
            for peers, ports in rules(policy, direction):
                if (not ports or port in ports) and any(self.peer_is(p, other) for p in peers):
                    return True
        return False

    def peer_is(self, peer: Document, app: str) -> bool:
        if "namespaceSelector" in peer:
            names = peer["namespaceSelector"].get("matchLabels", {})
            return app == INGRESS_CONTROLLER and names.get(
                "kubernetes.io/metadata.name") == "ingress-nginx"
        return self.picks(peer["podSelector"], app)

    def edges(self, pod_templates: list[Document]) -> dict[Edge, tuple[bool, bool]]:
        """Every (caller, callee, port) that either end admits: (egress, ingress) allowed."""
        apps = {t["labels"]["app"] for t in pod_templates}
        found = {}
        for callee in pod_templates:
            for port in container_ports(callee):
                name = callee["labels"]["app"]
                for caller in apps | {INGRESS_CONTROLLER}:
                    ingress = self.admits("ingress", name, caller, port)
                    # Outside the namespace: only the callee's end is ours to check.
                    egress = ingress if caller == INGRESS_CONTROLLER else self.admits(
                        "egress", caller, name, port)
                    if egress or ingress:
                        found[(caller, name, port)] = (egress, ingress)
        return found


def test_the_policies_allow_exactly_the_edges_of_the_architecture(
        k8s_documents: list[tuple[Path, Document]], pod_templates: list[Document],
        pods_matching: Callable[[Document], list[Any]]) -> None:
    edges = Graph(policies(k8s_documents), pods_matching).edges(pod_templates)
    assert {edge for edge, ends in edges.items() if all(ends)} == EXPECTED_EDGES
    half_open = {edge: ends for edge, ends in edges.items() if not all(ends)}
    assert half_open == {}, "an edge admitted on one end only: (egress, ingress)"


def test_every_policy_and_peer_selects_pods_and_names_no_missing_app(
        k8s_documents: list[tuple[Path, Document]],
        pods_matching: Callable[[Document], list[Any]]) -> None:
    for policy in policies(k8s_documents):
        name = policy["metadata"]["name"]
        selectors = [policy["spec"]["podSelector"]] + [
            peer["podSelector"] for direction in ("ingress", "egress")
            for peers, _ports in rules(policy, direction) for peer in peers
            if "namespaceSelector" not in peer]
        for selector in selectors:
            assert pods_matching(selector), f"NetworkPolicy {name}: {selector} selects no pod"
            for expression in selector.get("matchExpressions", []):
                for value in expression["values"]:
                    assert pods_matching({"matchLabels": {expression["key"]: value}}), (
                        f"NetworkPolicy {name}: no pod is {value}")


def test_every_port_a_policy_admits_is_one_its_pods_expose(
        k8s_documents: list[tuple[Path, Document]],
        pods_matching: Callable[[Document], list[Any]]) -> None:
    for policy in policies(k8s_documents):
        subjects = pods_matching(policy["spec"]["podSelector"])
        for _peers, ports in rules(policy, "ingress"):
            for template in subjects:
                assert set(ports) <= container_ports(template), policy["metadata"]["name"]
        for peers, ports in rules(policy, "egress"):
            for peer in peers:
                if "namespaceSelector" not in peer:
                    for template in pods_matching(peer["podSelector"]):
                        assert set(ports) <= container_ports(template), policy["metadata"]["name"]


def test_the_namespace_denies_all_traffic_by_default_but_dns(
        k8s_documents: list[tuple[Path, Document]]) -> None:
    catch_all = [p for p in policies(k8s_documents) if p["spec"]["podSelector"] == {}]
    deny = [p for p in catch_all if "ingress" not in p["spec"] and "egress" not in p["spec"]]
    assert deny and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    [dns] = [p for p in catch_all if p["spec"].get("egress")]
    [(peers, ports)] = list(rules(dns, "egress"))
    assert ports == [53, 53] and peers[0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
