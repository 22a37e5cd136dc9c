"""What an anonymous client can send: odd headers, oversize bodies and heads, broken HTTP.

Each is answered with the contract's problem (never a server's own HTML or text
page, never a 5xx), and none of it costs anyone else an answer: after a burst
of such requests, more than it takes to open a circuit breaker at the gateway,
the same routes still answer normal requests. Raw sockets send what an HTTP
client library would refuse to.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

MiB = 1024 * 1024
LIMIT = MiB
# More than the gateway's breaker takes to open (BREAKER_FAILURES, 5 by default).
BURST = 12
HEAD_LIMIT_BYTES = 64 * 1024


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _read_answer(sock: socket.socket) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before an answer: {data!r}"
        data += chunk
        assert len(data) < HEAD_LIMIT_BYTES
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(int(lines[0].split()[1]), headers, body[:length])


def exchange(base_url: str, head: bytes, body: Iterable[bytes] = ()) -> Answer:
    """Send ``head`` and then ``body`` (from a thread, stopping when the server stops
    reading), and read one answer while they are still going out."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=15) as sock:

        def send_body() -> None:
            try:
                sock.sendall(head)
                for chunk in body:
                    sock.sendall(chunk)
            except OSError:
                pass  # the server answered and closed: the rest is cut off

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        try:
            return _read_answer(sock)
        finally:
            with contextlib.suppress(OSError):  # already reset by the server
                sock.shutdown(socket.SHUT_RDWR)
            sender.join(timeout=15)


def request_head(method: str, target: str, headers: list[tuple[str, str]] | None = None,
                 host: str = "shop") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield f"{n:x}\r\n".encode() + b"x" * n + b"\r\n"
    yield b"0\r\n\r\n"


def plain(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def assert_problem(answer: Answer, status: int, slug: str, served_by: str | None = None) -> None:
    assert answer.status == status, answer
    assert answer.headers["content-type"].startswith("application/problem+json"), answer
    body = answer.json()
    assert (body["type"], body["status"]) == (f"/problems/{slug}", status)
    assert answer.headers.get("x-request-id")
    if served_by:
        assert answer.headers["x-served-by"] == served_by


def served_by(shop: Any) -> str:
    return "gateway" if shop.gateway else "monolith"


# ---- bodies ------------------------------------------------------------------------

BODY_ROUTES = [("POST", "/api/auth/login"), ("POST", "/api/auth/register"),
               ("GET", "/api/products"), ("POST", "/api/products"),
               ("PUT", "/api/cart/items/p1"), ("POST", "/api/orders"),
               ("POST", "/api/orders/o1/cancel"), ("GET", "/healthz")]


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_declared_body_over_the_limit_is_a_413_problem_on_every_route(
        shop: Any, customer: Any, method: str, path: str) -> None:
    head = request_head(method, path, [("Authorization", f"Bearer {customer.token}"),
                                       ("Content-Type", "application/json"),
                                       ("Content-Length", str(5 * MiB))])

    answer = exchange(shop.base_url, head, plain(5 * MiB))

    assert_problem(answer, 413, "content-too-large", served_by(shop))


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_chunked_body_over_the_limit_is_cut_off_with_a_413_problem(
        shop: Any, customer: Any, method: str, path: str) -> None:
    head = request_head(method, path, [("Authorization", f"Bearer {customer.token}"),
                                       ("Content-Type", "application/json"),
                                       ("Transfer-Encoding", "chunked")])

    answer = exchange(shop.base_url, head, chunked(20 * MiB))

    assert_problem(answer, 413, "content-too-large", served_by(shop))


def test_a_chunked_body_within_the_limit_is_taken(shop: Any, customer: Any,
                                                   create_product: Any) -> None:
    product = create_product()
    payload = json.dumps({"quantity": 2}).encode()
    head = request_head("PUT", f"/api/cart/items/{product['id']}",
                        [("Authorization", f"Bearer {customer.token}"),
                         ("Content-Type", "application/json"),
                         ("Transfer-Encoding", "chunked")])
    body = [f"{len(payload):x}\r\n".encode() + payload + b"\r\n", b"0\r\n\r\n"]

    answer = exchange(shop.base_url, head, body)

    assert answer.status == 200, answer
    assert answer.json()["item_count"] == 2


def test_a_body_longer_than_its_declared_length_is_read_no_further(
        shop: Any, api: httpx.Client) -> None:
    head = request_head("POST", "/api/auth/login", [("Content-Type", "application/json"),
                                                    ("Content-Length", "10")])

    answer = exchange(shop.base_url, head, plain(5 * MiB))

    # Ten bytes of "x" are no JSON (a 400 malformed from the app), and what follows is
    # no HTTP request (a 400 bad-request from the server, which may come first).
    assert answer.status == 400, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] in {"/problems/malformed", "/problems/bad-request"}
    assert api.get("/api/products", params={"page_size": 1}).status_code == 200


def test_oversize_bodies_do_not_close_the_routes_for_everyone(
        shop: Any, api: httpx.Client, admin: Any, customer: Any, checkout_body: Any) -> None:
    routes = [("POST", "/api/auth/login", {}), ("POST", "/api/orders", customer.headers)]
    for method, path, headers in routes:
        for _ in range(BURST):
            head = request_head(method, path, [*headers.items(),
                                               ("Content-Length", str(5 * MiB))])
            assert exchange(shop.base_url, head, plain(5 * MiB)).status == 413

    login = api.post("/api/auth/login",
                     json={"email": admin.email, "password": admin.password})
    orders = api.get("/api/orders", headers=customer.headers)
    assert (login.status_code, orders.status_code) == (200, 200)


# ---- headers -----------------------------------------------------------------------

ODD_AUTHORIZATION = ["Bearer x ", " Bearer x", "Bearer\tx\t", "Bearer x  \t ",
                     "Bearer \xe9\xff", "Bearer " + "x" * 3000]


def test_odd_header_values_never_close_a_route_for_everyone(shop: Any, api: httpx.Client,
                                                           admin: Any) -> None:
    targets = [("GET", "/api/products?page_size=1"), ("POST", "/api/auth/login"),
               ("GET", "/api/categories")]
    for method, target in targets:
        for value in ODD_AUTHORIZATION * 2:
            head = request_head(method, target, [("Authorization", value),
                                                 ("Idempotency-Key", " k "),
                                                 ("Content-Type", "application/json\t"),
                                                 ("Content-Length", "2")])
            answer = exchange(shop.base_url, head, [b"{}"])
            assert answer.status < 500, (value, answer)

    assert api.get("/api/products", params={"page_size": 1}).status_code == 200
    assert api.get("/api/categories").status_code == 200
    login = api.post("/api/auth/login",
                     json={"email": admin.email, "password": admin.password})
    assert login.status_code == 200


def test_whitespace_around_a_token_is_not_part_of_it(shop: Any, customer: Any) -> None:
    for value in (f"Bearer {customer.token} ", f"Bearer {customer.token}\t"):
        head = request_head("GET", "/api/users/me", [("Authorization", value)])

        answer = exchange(shop.base_url, head)

        assert answer.status == 200, answer
        assert answer.json()["id"] == customer.id


@pytest.mark.parametrize("value", ["a\x01b", "a\x7fb", "\x1b[31m"])
def test_a_control_character_in_a_header_is_a_400_problem(shop: Any, api: httpx.Client,
                                                          value: str) -> None:
    for _ in range(BURST // 2):
        head = request_head("GET", "/api/products?page_size=1", [("Authorization", value)])
        assert_problem(exchange(shop.base_url, head), 400, "bad-request", served_by(shop))

    assert api.get("/api/products", params={"page_size": 1}).status_code == 200


@pytest.mark.parametrize("size", [5000, 9000, 20000])
def test_a_very_long_header_is_a_431_problem(shop: Any, api: httpx.Client, size: int) -> None:
    for _ in range(BURST // 2):
        head = request_head("GET", "/api/products?page_size=1",
                            [("Authorization", "Bearer " + "x" * size)])
        assert_problem(exchange(shop.base_url, head), 431, "header-fields-too-large",
                       served_by(shop))

    assert api.get("/api/products", params={"page_size": 1}).status_code == 200


@pytest.mark.parametrize(("count", "size"), [(70, 1), (150, 1), (150, 1000), (2000, 1000)])
def test_too_many_headers_is_a_431_problem(shop: Any, count: int, size: int) -> None:
    head = request_head("GET", "/api/products",
                        [(f"X-Field-{i}", "v" * size) for i in range(count)])

    assert_problem(exchange(shop.base_url, head), 431, "header-fields-too-large",
                   served_by(shop))


# ---- the request line and the servers' own errors ----------------------------------

@pytest.mark.parametrize("length", [5000, 9000, 20000])
def test_a_very_long_url_is_a_414_problem(shop: Any, length: int) -> None:
    head = request_head("GET", "/api/products?q=" + "a" * length)

    assert_problem(exchange(shop.base_url, head), 414, "uri-too-long", served_by(shop))


@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET /api/products HTTP/9.9\r\nHost: shop\r\n\r\n",
    b"GET /api/products HTTP/1.1\r\nHost: shop\r\nNo colon here\r\n\r\n",
    b"POST /api/auth/login HTTP/1.1\r\nHost: shop\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=["request-line", "version", "header-line", "chunk-size"])
def test_a_request_that_is_not_http_is_a_400_problem(shop: Any, api: httpx.Client,
                                                     raw: bytes) -> None:
    assert_problem(exchange(shop.base_url, raw), 400, "bad-request", served_by(shop))
    assert api.get("/healthz").status_code == 200


@pytest.mark.parametrize(("path", "allowed"), [("/api/products", {"GET", "POST"}),
                                               ("/api/auth/login", {"POST"}),
                                               ("/api/cart", {"GET", "DELETE"})])
def test_options_is_a_405_problem_naming_the_allowed_methods(
        api: httpx.Client, expect_problem: Callable[..., Any], path: str,
        allowed: set[str]) -> None:
    response = api.options(path)

    expect_problem(response, 405, "method-not-allowed")
    offered = {method.strip() for method in response.headers["Allow"].split(",")}
    assert allowed <= offered and "OPTIONS" not in offered


# ---- the services behind the gateway: the same bounds, from each of them ----------

SERVICE_NAMES = ("users", "catalog", "cart", "orders", "payments")


def service_url(shop: Any, name: str) -> str:
    stack = getattr(shop, "stack", None)
    if stack is None:
        pytest.fail("reaching the services needs a shop the suite started itself")
    return f"http://127.0.0.1:{stack.process(name).spec.port}"


@pytest.mark.gateway_only
@pytest.mark.own_stack
@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_refuses_a_body_over_the_limit_with_a_413_problem(
        shop: Any, name: str) -> None:
    url = service_url(shop, name)
    declared = request_head("POST", "/healthz", [("Content-Length", str(5 * MiB))])
    streamed = request_head("POST", "/healthz", [("Transfer-Encoding", "chunked")])

    assert_problem(exchange(url, declared, plain(5 * MiB)), 413, "content-too-large", name)
    assert_problem(exchange(url, streamed, chunked(5 * MiB)), 413, "content-too-large", name)


@pytest.mark.gateway_only
@pytest.mark.own_stack
@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_answers_its_servers_own_errors_as_problems(
        shop: Any, name: str) -> None:
    url = service_url(shop, name)

    assert_problem(exchange(url, b"GARBAGE\r\n\r\n"), 400, "bad-request", name)
    assert_problem(exchange(url, request_head("GET", "/healthz?" + "a" * 9000)), 414,
                   "uri-too-long", name)
