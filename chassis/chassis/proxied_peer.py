"""The client's address behind the proxy that shares an app's Unix socket (``BIND_SOCKET``).

In the monolith's and the gateway's Pods (and compose projects) nginx is the app's
only peer: the app listens on a socket in a volume that only the two containers
mount. A socket peer has no address, so gunicorn gives WSGI an empty
``REMOTE_ADDR`` and uvicorn gives ASGI no ``client``; uvicorn's proxy-header
support trusts addresses only, and gunicorn has none for the client's address.
Every client would then be one client to the gateway's rate limit and to the logs.

So on a socket, and only there, the last ``X-Forwarded-For`` entry is the client:
the one the proxy beside the app wrote (nginx replaces whatever the client sent,
deploy/nginx/). On TCP nothing changes, and ``FORWARDED_ALLOW_IPS`` (no proxy by
default) still decides. gunicorn installs the wrapper for a socket binding:
:func:`chassis.gunicorn_settings.trust_the_proxy_on_the_socket`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# The ASGI shapes, without a dependency on an ASGI framework (the Flask apps use this too).
ASGIApp = Callable[..., Any]
Scope = dict[str, Any]
Receive = Send = Callable[..., Any]


def forwarded_client(values: Iterable[str]) -> str | None:
    """The last address of the ``X-Forwarded-For`` values, or None when it is no address."""
    entries = [entry.strip() for value in values for entry in value.split(",")]
    if not entries or not entries[-1]:
        return None
    try:
        return str(ipaddress.ip_address(entries[-1]))
    except ValueError:
        return None


class ProxiedPeerWSGI:
    """``REMOTE_ADDR`` from the proxy's ``X-Forwarded-For`` on a socket connection."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if not environ.get("REMOTE_ADDR"):  # a socket peer: gunicorn leaves it empty
            client = forwarded_client([environ.get("HTTP_X_FORWARDED_FOR", "")])
            if client is not None:
                environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)


class ProxiedPeerASGI:
    """``scope["client"]`` from the proxy's ``X-Forwarded-For`` on a socket connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not scope.get("client"):
            values = [value.decode("latin-1") for name, value in scope["headers"]
                      if name == b"x-forwarded-for"]
            client = forwarded_client(values)
            if client is not None:
                scope = {**scope, "client": (client, 0)}
        await self.app(scope, receive, send)
