"""The contract as a document: ``contract/openapi.yaml``, read on first use and kept, and
the plain page that lists its operations (no CDN is needed to read it).

While the file is missing the document is :class:`Unavailable` (a 503), and it is
looked for again next time. No Flask here: the routes are in ``shop/openapi.py``.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path
from typing import Any

import yaml
from chassis.problems import Unavailable

HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


class ContractDocument:
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


def render_docs(document: dict[str, Any]) -> str:
    """A plain page listing every operation."""
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
