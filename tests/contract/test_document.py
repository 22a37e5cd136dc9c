"""The contract document itself: the promises every operation must spell out.

These run once, without a shop: they keep `contract/openapi.yaml` honest as
it grows, so that schemathesis checks each operation against the whole
contract and not only against what someone remembered to write down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
import yaml

CONTRACT_FILE = Path(__file__).resolve().parents[2] / "contract" / "openapi.yaml"
DOCUMENT: dict[str, Any] = yaml.safe_load(CONTRACT_FILE.read_text())
OPERATIONS = [(path, method, operation) for path, item in DOCUMENT["paths"].items()
              for method, operation in item.items() if method != "parameters"]


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref``s to the node they name."""
    while "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def response(operation: dict[str, Any], status: str) -> dict[str, Any]:
    return resolve(operation["responses"][status])


def test_the_document_is_openapi_3_1_that_schemathesis_loads() -> None:
    schema = schemathesis.openapi.from_path(str(CONTRACT_FILE))

    assert DOCUMENT["openapi"].startswith("3.1.")
    assert len(list(schema.get_all_operations())) == len(OPERATIONS)


def test_every_response_documents_the_request_id_and_who_served_it() -> None:
    for path, method, operation in OPERATIONS:
        for status in operation["responses"]:
            headers = response(operation, status).get("headers", {})

            assert {"X-Request-ID", "X-Served-By"} <= set(headers), (method, path, status)


def test_every_api_operation_documents_rate_limits_and_unavailability() -> None:
    for path, method, operation in OPERATIONS:
        if path.startswith("/api/"):
            assert {"429", "503"} <= set(operation["responses"]), (method, path)


def test_every_operation_behind_a_token_documents_401_with_www_authenticate() -> None:
    for path, method, operation in OPERATIONS:
        if operation.get("security"):
            headers = response(operation, "401")["headers"]

            assert headers["WWW-Authenticate"]["$ref"].endswith("/WWW-Authenticate"), (method, path)


def test_every_error_response_is_problem_json() -> None:
    for path, method, operation in OPERATIONS:
        for status in operation["responses"]:
            if int(status) >= 400:
                content = response(operation, status)["content"]

                assert "application/problem+json" in content, (method, path, status)


def test_request_bodies_forbid_unknown_fields() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for path, method, operation in OPERATIONS:
        if "requestBody" in operation:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]

            assert schemas[ref.rsplit("/", 1)[1]]["additionalProperties"] is False, (method, path)
