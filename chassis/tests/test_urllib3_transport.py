"""The urllib3-backed transport against a real socket (an ephemeral loopback port)."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from chassis.urllib3_transport import Urllib3Transport

ANSWER = (b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Extra: one\r\n"
          b"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, delay: float = 0.0, hang_up: bool = False) -> None:
        self.seen: list[bytes] = []
        self.connections = 0
        self.delay, self.hang_up = delay, hang_up
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(socketserver.StreamRequestHandler):
    server: Server

    def handle(self) -> None:
        self.server.connections += 1
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = self.rfile.readline()
                if not line:
                    return
                head += line
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            self.server.seen.append(head + (self.rfile.read(length) if length else b""))
            if self.server.hang_up:
                return
            time.sleep(self.server.delay)
            self.wfile.write(ANSWER)


@contextmanager
def served(**options: float | bool) -> Iterator[tuple[Server, httpx.Client]]:
    server = Server(**options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=server.url, transport=Urllib3Transport(),
                          timeout=1.0) as client:
            yield server, client
    finally:
        server.shutdown()
        server.server_close()


def test_a_request_goes_as_built_and_the_answer_comes_back() -> None:
    with served() as (server, client):
        answer = client.post("/api/products/a%2Fb?x=1", content=b'{"q":1}',
                             headers={"Idempotency-Key": b"k-1",
                                      "Content-Type": "application/json"})
        assert answer.status_code == 201
        assert answer.json() == {"ok": True}
        assert answer.headers["x-extra"] == "one"
        assert answer.headers.get_list("set-cookie") == ["a=1", "b=2"]
        sent = server.seen[0]
        assert sent.startswith(b"POST /api/products/a%2Fb?x=1 HTTP/1.1\r\n")
        assert b"\r\nidempotency-key: k-1\r\n" in sent.lower()
        assert sent.endswith(b'\r\n\r\n{"q":1}')


def test_connections_are_kept_alive() -> None:
    with served() as (server, client):
        for _ in range(5):
            assert client.get("/x").status_code == 201
        assert len(server.seen) == 5
        assert server.connections == 1


def test_a_header_http_does_not_allow_is_refused_before_sending() -> None:
    with served() as (server, client):
        for headers in ({"X-Bad": "a\r\nInjected: yes"}, {"X-Bad": "a\x00b"},
                        {"X Bad": "name not a token"}):
            with pytest.raises(httpx.LocalProtocolError):
                client.get("/x", headers=headers)
        assert server.seen == []


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with httpx.Client(transport=Urllib3Transport(), timeout=1.0) as client, \
            pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/x")


def test_a_slow_answer_is_a_read_timeout() -> None:
    with served(delay=0.5) as (_server, client), pytest.raises(httpx.ReadTimeout):
        client.get("/x", timeout=0.1)


def test_a_server_that_hangs_up_without_answering_is_a_protocol_error() -> None:
    with served(hang_up=True) as (server, client), pytest.raises(httpx.RemoteProtocolError):
        client.post("/x", content=b"{}")
    assert len(server.seen) == 1  # sent once: nothing is retried here


def test_a_request_waits_for_a_connection_no_longer_than_its_pool_timeout() -> None:
    """At most ``max_connections`` to a host: one more request waits, then gives up."""
    with served(delay=0.5) as (server, _client):
        transport = Urllib3Transport(max_connections=1)
        with httpx.Client(base_url=server.url, transport=transport) as client:
            first = threading.Thread(target=client.get, args=("/first",))
            first.start()
            time.sleep(0.1)
            with pytest.raises(httpx.PoolTimeout):
                client.get("/second", timeout=httpx.Timeout(2.0, pool=0.1))
            first.join()
        assert server.connections == 1
