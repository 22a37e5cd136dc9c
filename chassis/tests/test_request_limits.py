"""Request bounds: the same answers from the Flask hook and the ASGI middleware, bodies
cut off as they stream in, and the servers' own errors as problems."""

from __future__ import annotations

import io
import json
import socket
from typing import Any

import pytest
from chassis.asgi_limits import RequestLimitsMiddleware
from chassis.request_limits import RequestLimits
from chassis.server_errors import answer_gunicorn_errors_as_problems, problem_response_bytes
from fastapi import FastAPI
from flask import Flask
from werkzeug.test import EnvironBuilder

from chassis import fastapi_support, flask_support

LIMIT = 1000
CHUNK = 100


class CountingStream(io.RawIOBase):
    """``total`` bytes of body, counting how many were read."""

    def __init__(self, total: int) -> None:
        self.left, self.read_bytes = total, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.left, 64)
        buffer[:n] = b"x" * n
        self.left -= n
        self.read_bytes += n
        return n


def flask_app() -> Flask:
    app = Flask("limits")
    flask_support.install(app, served_by="monolith", error_table={}, readiness={},
                          max_body_bytes=LIMIT)

    @app.get("/ignores-body")
    def ignores_body() -> str:
        return "{}"

    @app.post("/echo")
    def echo() -> str:
        from flask import request
        return json.dumps({"length": len(request.get_data())})

    return app


def fastapi_app() -> FastAPI:
    app = FastAPI()
    fastapi_support.install(app, served_by="catalog", error_table={}, readiness={},
                            max_body_bytes=LIMIT)

    @app.get("/ignores-body")
    async def ignores_body() -> dict:
        return {}

    @app.post("/echo")
    async def echo(request: fastapi_support.Request) -> dict:
        return {"length": len(await request.body())}

    return app


def call_flask(method: str, path: str, *, body: bytes | CountingStream = b"",
               chunked: bool = False, headers: list[tuple[str, str]] | None = None,
               ) -> tuple[int, dict[str, str], bytes]:
    """One request through the WSGI app as a server would make it (chunked: no length,
    ``wsgi.input_terminated``, as gunicorn sets it)."""
    environ = EnvironBuilder(path=path, method=method, headers=headers or []).get_environ()
    stream = body if isinstance(body, CountingStream) else io.BytesIO(body)
    environ["wsgi.input"] = io.BufferedReader(stream) if isinstance(body, CountingStream) \
        else stream
    if chunked:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        declared = dict(headers or []).get("Content-Length")
        environ["CONTENT_LENGTH"] = declared or str(len(body) if isinstance(body, bytes) else 0)
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]],
                       exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    content = b"".join(flask_app().wsgi_app(environ, start_response))
    return answer["status"], answer["headers"], content


async def call_asgi(app: Any, method: str, path: str, *, chunks: list[bytes] | None = None,
                    headers: list[tuple[bytes, bytes]] | None = None,
                    ) -> tuple[int, dict[bytes, bytes], bytes, int]:
    """One request through an ASGI app, the body as ``chunks``; also how many were read."""
    pending = list(chunks or [b""])
    taken = 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        if not pending:
            return {"type": "http.disconnect"}
        taken += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw_path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": raw_path,
             "raw_path": raw_path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": headers or [], "client": ("127.0.0.1", 1), "server": ("t", 80)}
    await app(scope, receive, send)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body, taken


def problem_of(content: bytes, status: int, slug: str) -> dict[str, Any]:
    body = json.loads(content)
    assert body["status"] == status
    assert body["type"] == f"/problems/{slug}"
    return dict(body)


pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit_on_asgi() -> None:
    chunks = [b"x" * CHUNK] * 100  # 10 times the limit

    status, headers, content, taken = await call_asgi(fastapi_app(), "POST", "/echo",
                                                      chunks=chunks)

    assert status == 413
    assert headers[b"content-type"] == b"application/problem+json"
    assert headers[b"x-served-by"] == b"catalog"
    problem_of(content, 413, "content-too-large")
    assert taken == LIMIT // CHUNK + 1


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit_on_flask() -> None:
    stream = CountingStream(100 * LIMIT)

    status, headers, content = call_flask("POST", "/echo", body=stream, chunked=True)

    assert status == 413
    assert headers["Content-Type"] == "application/problem+json"
    problem_of(content, 413, "content-too-large")
    assert stream.read_bytes <= LIMIT + 64 * 1024


async def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    status, _, content, taken = await call_asgi(
        fastapi_app(), "POST", "/echo", chunks=[b"x"],
        headers=[(b"content-length", str(LIMIT + 1).encode())])
    assert (status, taken) == (413, 0)

    stream = CountingStream(LIMIT + 1)
    status, _, _ = call_flask("POST", "/echo", body=stream,
                              headers=[("Content-Length", str(LIMIT + 1))])
    assert (status, stream.read_bytes) == (413, 0)


async def test_a_route_that_ignores_its_body_still_refuses_an_oversize_one() -> None:
    status, _, _, _ = await call_asgi(fastapi_app(), "GET", "/ignores-body",
                                      chunks=[b"x" * CHUNK] * 20)
    assert status == 413
    assert call_flask("GET", "/ignores-body", body=CountingStream(20 * CHUNK),
                      chunked=True)[0] == 413


async def test_a_body_at_the_limit_reaches_the_app_whole() -> None:
    _, _, content, _ = await call_asgi(fastapi_app(), "POST", "/echo",
                                       chunks=[b"x" * CHUNK] * (LIMIT // CHUNK))
    assert json.loads(content) == {"length": LIMIT}
    _, _, content = call_flask("POST", "/echo", body=CountingStream(LIMIT), chunked=True)
    assert json.loads(content) == {"length": LIMIT}


HEADS = [
    pytest.param("/ignores-body?q=" + "a" * 5000, [], 414, "uri-too-long", id="long-target"),
    pytest.param("/ignores-body", [("X-Big", "v" * 5000)], 431, "header-fields-too-large",
                 id="long-header"),
    pytest.param("/ignores-body", [(f"X-H{i}", "v") for i in range(70)], 431,
                 "header-fields-too-large", id="many-headers"),
    pytest.param("/ignores-body", [("X-Ctl", "a\x01b")], 400, "bad-request",
                 id="control-character"),
]


@pytest.mark.parametrize(("path", "headers", "status", "slug"), HEADS)
async def test_an_oversize_or_broken_head_is_a_problem_from_both_frameworks(
        path: str, headers: list[tuple[str, str]], status: int, slug: str) -> None:
    raw = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    asgi_status, _, asgi_content, _ = await call_asgi(fastapi_app(), "GET", path, headers=raw)
    flask_status, _, flask_content = call_flask("GET", path, headers=headers)

    assert asgi_status == flask_status == status
    problem_of(asgi_content, status, slug)
    problem_of(flask_content, status, slug)


async def test_options_is_a_405_with_allow_from_both_frameworks() -> None:
    asgi_status, asgi_headers, asgi_content, _ = await call_asgi(fastapi_app(), "OPTIONS",
                                                                 "/echo")
    flask_status, flask_headers, flask_content = call_flask("OPTIONS", "/echo")

    assert asgi_status == flask_status == 405
    problem_of(asgi_content, 405, "method-not-allowed")
    problem_of(flask_content, 405, "method-not-allowed")
    assert "POST" in asgi_headers[b"allow"].decode() and "POST" in flask_headers["Allow"]
    assert "OPTIONS" not in flask_headers["Allow"]


async def test_the_middleware_passes_other_scopes_through() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    await RequestLimitsMiddleware(app, RequestLimits())({"type": "lifespan"}, None, None)
    assert seen == ["lifespan"]


def test_a_server_level_error_is_a_whole_problem_response() -> None:
    raw = problem_response_bytes(431, "users", "Too many headers")

    head, _, content = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 431 Request Header Fields Too Large"
    fields = dict(line.split(": ", 1) for line in lines[1:])
    assert fields["Content-Type"] == "application/problem+json"
    assert fields["X-Served-By"] == "users"
    assert fields["X-Request-ID"]
    assert int(fields["Content-Length"]) == len(content)
    assert problem_of(content, 431, "header-fields-too-large")["detail"] == "Too many headers"
    bare = problem_response_bytes(400, "users").partition(b"\r\n\r\n")[2]
    assert problem_of(bare, 400, "bad-request")["title"] == "Bad request"


def test_gunicorns_error_writer_answers_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn import util

    monkeypatch.setattr(util, "write_error", util.write_error)  # restored after the test
    answer_gunicorn_errors_as_problems(served_by="monolith")
    ours, theirs = socket.socketpair()
    with ours, theirs:
        util.write_error(ours, 414, "URI Too Long", "line too long")
        raw = theirs.recv(65536)

    assert raw.startswith(b"HTTP/1.1 414 URI Too Long\r\n")
    assert b"X-Served-By: monolith\r\n" in raw
    problem_of(raw.partition(b"\r\n\r\n")[2], 414, "uri-too-long")
