"""uvicorn's own answers, driven through the worker's protocol class without a socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from chassis.uvicorn_worker import MAX_HEAD_BYTES, problem_protocol, problem_worker
from uvicorn.config import Config
from uvicorn.server import ServerState


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8080)}.get(
            name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("no request should reach the app")


def _feed(*chunks: bytes) -> FakeTransport:
    async def run() -> FakeTransport:
        config = Config(app=_app, lifespan="off", log_level="critical")
        protocol = problem_protocol("gateway")(config=config, server_state=ServerState(),
                                               app_state={})
        transport = FakeTransport()
        protocol.connection_made(transport)
        for chunk in chunks:
            if transport.closed:
                break
            protocol.data_received(chunk)
        return transport

    return asyncio.run(run())


def _problem(raw: bytes, status: int, slug: str) -> None:
    head, _, content = raw.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode())
    assert b"Content-Type: application/problem+json" in head
    assert b"X-Served-By: gateway" in head
    assert json.loads(content)["type"] == f"/problems/{slug}"


def test_a_request_uvicorn_cannot_parse_is_a_400_problem() -> None:
    transport = _feed(b"GARBAGE\r\n\r\n")

    _problem(transport.written, 400, "bad-request")
    assert transport.closed


def test_a_head_that_never_ends_is_cut_off_with_a_431_problem() -> None:
    line = b"X-Field: " + b"v" * 1000 + b"\r\n"
    chunks = [b"GET / HTTP/1.1\r\nHost: shop\r\n"] + [line * 10] * 100  # about 1 MiB

    transport = _feed(*chunks)

    _problem(transport.written, 431, "header-fields-too-large")
    assert transport.closed
    assert MAX_HEAD_BYTES < 1024 * 1024


def test_the_worker_runs_that_protocol() -> None:
    worker = problem_worker(served_by="catalog")
    assert worker.CONFIG_KWARGS["http"].__name__.startswith("Problem")
