"""The contract as an OpenAPI document (``contract/openapi.yaml``, the same one the
monolith serves) at ``/openapi.json``, and ``/docs``: a plain page listing its paths.

The document is read once, on first use, and kept encoded.
"""

from __future__ import annotations

import html
import json
import logging
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from chassis.problems import Unavailable
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from gateway.routing import NamedRoute

log = logging.getLogger(__name__)

CONTRACT_RELATIVE_PATH = Path("contract") / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def find_contract(configured: Path | None) -> Path:
    """OPENAPI_PATH when set, else contract/openapi.yaml in the repository around the gateway."""
    if configured is not None:
        return configured
    for directory in [Path.cwd(), *Path(__file__).resolve().parents]:
        candidate = directory / CONTRACT_RELATIVE_PATH
        if candidate.is_file():
            return candidate
    return CONTRACT_RELATIVE_PATH


class ContractDocument:
    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def document(self) -> dict[str, Any]:
        try:
            loaded = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            log.error("the contract document %s cannot be read: %s", self.path, exc)
            raise Unavailable("The API description is not available.") from exc
        if not isinstance(loaded, dict):
            raise Unavailable("The API description is not available.")
        return loaded

    @cached_property
    def encoded(self) -> bytes:
        return json.dumps(self.document).encode()

    def docs_page(self) -> str:
        info = self.document.get("info", {})
        title = html.escape(str(info.get("title", "API")))
        rows = []
        for path, operations in self.document.get("paths", {}).items():
            for method in HTTP_METHODS:
                operation = (operations or {}).get(method)
                if isinstance(operation, dict):
                    summary = html.escape(str(operation.get("summary", "")))
                    rows.append(f"<tr><td><code>{method.upper()}</code></td>"
                                f"<td><code>{html.escape(path)}</code></td><td>{summary}</td></tr>")
        return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{title}</title></head><body><h1>{title}</h1>"
                f"<p>The machine-readable description: <a href=\"/openapi.json\">/openapi.json</a>"
                f"</p><table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table></body></html>")


def contract_routes(contract: ContractDocument) -> list[Route]:
    async def openapi_json(_request: Request) -> Response:
        return Response(contract.encoded, media_type="application/json")

    async def docs(_request: Request) -> Response:
        return HTMLResponse(contract.docs_page())

    return [NamedRoute("/openapi.json", openapi_json, methods=["GET"]),
            NamedRoute("/docs", docs, methods=["GET"])]
