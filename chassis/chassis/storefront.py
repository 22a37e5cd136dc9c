"""The storefront's static files, as both shops serve them (``/`` and ``/assets/...``).

The monolith and the gateway serve the same folder with the same headers; nginx
serves it in the containers' Pods with the same headers too (deploy/nginx/).
Only a fixed set of file types is served, and asset names are matched by a
pattern with no room for ``..`` or absolute paths, so no request can read
outside the folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# No inline script or style anywhere: every script and style sheet is a file of this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate every time: a new version of the shop shows on the next load.
    "Cache-Control": "no-cache",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
INDEX = "index.html"
ASSET_NAME = re.compile(r"[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*\.(?:js|css|svg)")


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    content_type: str


class Storefront:
    """Reads from ``directory`` on every request, so an edited file shows on reload."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def index(self) -> StaticFile | None:
        return self._read(INDEX)

    def asset(self, name: str) -> StaticFile | None:
        """``name`` below ``assets/``, e.g. ``views/cart.js``; None when there is no such file."""
        if not ASSET_NAME.fullmatch(name):
            return None
        return self._read(f"assets/{name}")

    def _read(self, relative: str) -> StaticFile | None:
        path = self.directory / relative
        try:
            body = path.read_bytes()
        except OSError:
            return None
        return StaticFile(body, CONTENT_TYPES[path.suffix])
