"""Slow clients cannot stop a shop: 50 connections that hang on while normal requests
keep being answered.

The slow clients are raw sockets of three kinds: ones that send their headers a
byte at a time, ones that send headers and then trickle their body, and ones
that pipeline requests for a large answer and never read it (with a tiny
receive buffer, so the server's writes block). While they all hang on, every
probe request must be answered 200 within the server's own time budget (the
gunicorn worker timeout, 30 s), not necessarily fast: times are not asserted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx

SLOW_CLIENTS = 50
PROBES = 5
# gunicorn's worker timeout in every gunicorn.conf.py: the longest a request may take.
SERVER_TIMEOUT_SECONDS = 30.0
TRICKLE_EVERY_SECONDS = 0.5
HEADERS = "Host: shop\r\nUser-Agent: slow-client\r\nAccept: */*\r\n"


def _slow_headers() -> list[bytes]:
    request = f"GET /api/products?page_size=1 HTTP/1.1\r\n{HEADERS}X-Pad: {'a' * 200}\r\n\r\n"
    return [bytes([b]) for b in request.encode()]


def _slow_body() -> list[bytes]:
    body = b'{"email": "slow@example.com", "password": "' + b"p" * 400 + b'"}'
    head = (f"POST /api/auth/login HTTP/1.1\r\n{HEADERS}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return [head] + [bytes([b]) for b in body]


def _never_reads() -> list[bytes]:
    request = f"GET /openapi.json HTTP/1.1\r\n{HEADERS}\r\n".encode()
    return [request * 20]


@contextmanager
def slow_clients(base_url: str, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections of the three kinds, trickling until the block ends."""
    address = urlsplit(base_url)
    kinds = [_slow_headers, _slow_body, _never_reads]
    sockets: list[socket.socket] = []
    pending: list[list[bytes]] = []
    for index in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        sock.connect((address.hostname, address.port))
        sock.setblocking(False)
        sockets.append(sock)
        pending.append(kinds[index % len(kinds)]())
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(TRICKLE_EVERY_SECONDS):
            for sock, parts in zip(sockets, pending, strict=True):
                if parts:
                    try:
                        sock.send(parts.pop(0))
                    except (BlockingIOError, OSError):
                        pass

    # The never-reading clients send their whole pipeline at once, then nothing.
    for sock, parts in zip(sockets, pending, strict=True):
        if len(parts) == 1:
            try:
                sock.send(parts.pop())
            except (BlockingIOError, OSError):
                pass
    worker = threading.Thread(target=trickle, daemon=True)
    worker.start()
    try:
        time.sleep(2 * TRICKLE_EVERY_SECONDS)  # every slow client is in the server by now
        yield sockets
    finally:
        stop.set()
        worker.join()
        for sock in sockets:
            sock.close()


def _probe(base_url: str, path: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        response = httpx.get(f"{base_url}{path}", timeout=SERVER_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return {"path": path, "status": repr(exc), "seconds": time.perf_counter() - started}
    return {"path": path, "status": response.status_code,
            "seconds": time.perf_counter() - started}


def test_normal_requests_are_answered_while_50_slow_clients_hang_on(shop: Any) -> None:
    with slow_clients(shop.base_url, SLOW_CLIENTS) as sockets:
        assert len(sockets) == SLOW_CLIENTS
        paths = ["/healthz", "/api/products?page_size=1"]
        results = [_probe(shop.base_url, paths[i % len(paths)]) for i in range(PROBES)]
    print(f"{shop.name}: probes while {SLOW_CLIENTS} slow clients hang on: "
          + ", ".join(f"{r['status']} in {r['seconds']:.2f} s" for r in results))
    assert [r["status"] for r in results] == [200] * PROBES, results
