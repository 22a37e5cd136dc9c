"""The aiohttp-backed transport against a real socket (an ephemeral loopback port)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from chassis.aiohttp_transport import AiohttpTransport

Seen = list[bytes]


async def _server(seen: Seen, delay: float,
                  on_connect: Callable[[object], None]) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        on_connect(writer)
        writers.append(writer)
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            seen.append(head + body)
            await asyncio.sleep(delay)
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                         b"X-Extra: one\r\nContent-Length: 11\r\n\r\n{\"ok\":true}")
            await writer.drain()

    writers: list[asyncio.StreamWriter] = []
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    server.writers = writers  # type: ignore[attr-defined]
    return server, server.sockets[0].getsockname()[1]


Scenario = Callable[[Seen, httpx.AsyncClient], Awaitable[None]]


def served(scenario: Scenario, delay: float = 0.0,
           on_connect: Callable[[object], None] = lambda _writer: None) -> None:
    """Run ``scenario`` against a fresh server, with a client over the transport."""
    async def main() -> None:
        seen: Seen = []
        server, port = await _server(seen, delay, on_connect)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         transport=AiohttpTransport(), timeout=1.0) as client:
                await scenario(seen, client)
        finally:
            server.close()
            for writer in server.writers:  # type: ignore[attr-defined]
                writer.close()
            await server.wait_closed()

    asyncio.run(main())


def test_a_request_goes_as_built_and_the_answer_comes_back() -> None:
    async def scenario(seen: Seen, client: httpx.AsyncClient) -> None:
        answer = await client.post("/api/products/a%2Fb?x=1", content=b'{"q":1}',
                                   headers={"Idempotency-Key": b"k-1",
                                            "Content-Type": "application/json"})
        assert answer.status_code == 201
        assert answer.json() == {"ok": True}
        assert answer.headers["x-extra"] == "one"
        sent = seen[0]
        assert sent.startswith(b"POST /api/products/a%2Fb?x=1 HTTP/1.1\r\n")
        assert b"\r\nidempotency-key: k-1\r\n" in sent.lower()
        assert sent.endswith(b'\r\n\r\n{"q":1}')

    served(scenario)


def test_connections_are_kept_alive() -> None:
    async def scenario(seen: Seen, client: httpx.AsyncClient) -> None:
        for _ in range(5):
            assert (await client.get("/x")).status_code == 201
        assert len(seen) == 5
        assert len(connections) == 1

    connections: list[object] = []
    served(scenario, on_connect=connections.append)


def test_a_header_http_does_not_allow_is_refused_before_sending() -> None:
    async def scenario(seen: Seen, client: httpx.AsyncClient) -> None:
        for headers in ({"X-Bad": "a\r\nInjected: yes"}, {"X-Bad": "a\x00b"}):
            with pytest.raises(httpx.LocalProtocolError):
                await client.get("/x", headers=headers)
        assert seen == []

    served(scenario)


def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def main() -> None:
        async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=1.0) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/x")

    asyncio.run(main())


def test_a_slow_answer_is_a_read_timeout() -> None:
    async def scenario(_seen: Seen, client: httpx.AsyncClient) -> None:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/x", timeout=0.1)

    served(scenario, delay=0.5)
