"""The contract as OpenAPI: ``/openapi.json`` from ``contract/openapi.yaml``, and ``/docs``.

The document is read on first request and kept; while the file is missing the
routes answer 503 and look again next time.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import Any

import yaml
from chassis.flask_support import json_response
from chassis.problems import Unavailable
from flask import Blueprint, Response

from shop.web import shop

bp = Blueprint("openapi", __name__)

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


class OpenApiDocument:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._document: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def get(self) -> dict[str, Any]:
        with self._lock:
            if self._document is None:
                self._document = self._load()
            return self._document

    def _load(self) -> dict[str, Any]:
        try:
            document = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise Unavailable("The OpenAPI document is not available.") from exc
        if not isinstance(document, dict):
            raise Unavailable("The OpenAPI document is not available.")
        return document


def _document() -> dict[str, Any]:
    return shop().openapi.get()


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(_document())


@bp.get("/docs")
def docs() -> Response:
    return Response(render_docs(_document()), content_type="text/html; charset=utf-8")


def render_docs(document: dict[str, Any]) -> str:
    """A plain page listing every operation (no CDN is needed to read it)."""
    info = document.get("info", {})
    title = html.escape(str(info.get("title", "API")))
    rows = []
    for path, operations in (document.get("paths") or {}).items():
        for method, operation in (operations or {}).items():
            if method in HTTP_METHODS:
                summary = (operation or {}).get("summary", "")
                rows.append(f"<tr><td><code>{method.upper()}</code></td>"
                            f"<td><code>{html.escape(path)}</code></td>"
                            f"<td>{html.escape(str(summary))}</td></tr>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            "<p>The machine-readable document: <a href=\"/openapi.json\">/openapi.json</a></p>"
            f"<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></body></html>")
