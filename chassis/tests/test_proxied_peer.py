"""The client's address behind the proxy on an app's Unix socket (chassis.proxied_peer)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from chassis.gunicorn_settings import trust_the_proxy_on_the_socket
from chassis.proxied_peer import ProxiedPeerASGI, ProxiedPeerWSGI, forwarded_client

from chassis import probe


@pytest.mark.parametrize(("values", "client"), [
    (["203.0.113.7"], "203.0.113.7"), (["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
    (["198.51.100.1", "2001:db8::1"], "2001:db8::1"), ([""], None), (["nowhere"], None),
    ([], None), (["203.0.113.7, "], None),
])
def test_the_last_forwarded_entry_is_the_client(values: list[str], client: str | None) -> None:
    assert forwarded_client(values) == client


def wsgi_peer(environ: dict[str, Any]) -> str:
    seen: dict[str, Any] = {}

    def app(env: dict[str, Any], _start: Any) -> list[bytes]:
        seen.update(env)
        return []

    ProxiedPeerWSGI(app)(environ, lambda *_: None)
    return str(seen["REMOTE_ADDR"])


def test_wsgi_takes_the_forwarded_address_from_a_socket_peer_only() -> None:
    assert wsgi_peer({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}) == "203.0.113.7"
    # A TCP peer has an address: what it forwards is FORWARDED_ALLOW_IPS's business.
    assert wsgi_peer({"REMOTE_ADDR": "127.0.0.1",
                      "HTTP_X_FORWARDED_FOR": "203.0.113.7"}) == "127.0.0.1"
    assert wsgi_peer({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "bogus"}) == ""


def asgi_client(scope: dict[str, Any]) -> Any:
    seen: dict[str, Any] = {}

    async def app(inner: dict[str, Any], _receive: Any, _send: Any) -> None:
        seen.update(inner)

    asyncio.run(ProxiedPeerASGI(app)(scope, None, None))
    return seen.get("client")


def test_asgi_takes_the_forwarded_address_from_a_socket_peer_only() -> None:
    headers = [(b"x-forwarded-for", b"203.0.113.7")]
    assert asgi_client({"type": "http", "client": None, "headers": headers}) == (
        "203.0.113.7", 0)
    assert asgi_client({"type": "http", "client": ("127.0.0.1", 5), "headers": headers}) == (
        "127.0.0.1", 5)
    assert asgi_client({"type": "http", "client": None, "headers": []}) is None


class Worker:
    def __init__(self, app: Any) -> None:
        self.wsgi = app


def test_gunicorn_wraps_the_app_only_on_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    def wsgi_app(_environ: Any, _start: Any) -> list[bytes]:
        return []

    async def asgi_app(_scope: Any, _receive: Any, _send: Any) -> None:
        return None

    monkeypatch.delenv("BIND_SOCKET", raising=False)
    worker = Worker(wsgi_app)
    trust_the_proxy_on_the_socket(worker)
    assert worker.wsgi is wsgi_app
    monkeypatch.setenv("BIND_SOCKET", "/run/shop/app.sock")
    for app, wrapper in ((wsgi_app, ProxiedPeerWSGI), (asgi_app, ProxiedPeerASGI)):
        worker = Worker(app)
        trust_the_proxy_on_the_socket(worker)
        assert isinstance(worker.wsgi, wrapper) and worker.wsgi.app is app


class Answer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.send_response(200 if self.path == "/healthz" else 503)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


class UnixServer(HTTPServer):
    address_family = socket.AF_UNIX

    def server_bind(self) -> None:
        self.socket.bind(self.server_address)

    def get_request(self) -> Any:
        request, _ = self.socket.accept()
        return request, ("", 0)


def test_the_probe_asks_the_app_on_its_socket(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "app.sock")
    server = UnixServer(path, Answer)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("BIND_SOCKET", path)
        assert probe.main(["probe", "/healthz"]) == 0
        assert probe.main(["probe", "/readyz"]) == 1
        os.unlink(path)
        assert probe.main(["probe", "/healthz"]) == 1  # nobody there
    finally:
        server.shutdown()
        server.server_close()
