"""The lean HTTP/1.1 transport against a real socket server on loopback."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from gateway.transport import LeanTransport

pytestmark = pytest.mark.anyio

Reply = Callable[[bytes], bytes | None]


class Server:
    """A loopback server that answers each request with ``reply(request_bytes)``
    (None: close without answering) and remembers requests and connections."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.connections = 0
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                answer = self.reply(request)
                if answer is None:
                    break
                writer.write(answer)
                await writer.drain()
                if b"connection: close" in answer.lower() or answer.startswith(b"HTTP/1.0"):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    def drop_idle_connections(self) -> None:
        for writer in self._writers:
            writer.close()


def ok(body: bytes = b'{"ok": true}', extra: bytes = b"") -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n%s\r\n%s" % (len(body), extra, body))


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Reply], object]]:
    servers: list[asyncio.Server] = []

    async def start(reply: Reply) -> Server:
        server = Server(reply)
        listener = await asyncio.start_server(server._serve, "127.0.0.1", 0)
        server.port = listener.sockets[0].getsockname()[1]
        servers.append(listener)
        return server

    yield start
    for listener in servers:
        listener.close()


@pytest.fixture
async def client() -> AsyncIterator[Callable[[Server], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(server: Server, timeout: float = 1.0) -> httpx.AsyncClient:
        made = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}",
                                 transport=LeanTransport(), timeout=timeout)
        clients.append(made)
        return made

    yield make
    for made in clients:
        await made.aclose()


async def test_a_request_goes_out_whole_and_its_answer_comes_back(serve, client) -> None:
    server = await serve(lambda _request: ok(extra=b"retry-after: 3\r\n"))

    response = await client(server).post("/api/orders?x=1%202", json={"a": 1},
                                         headers={"Idempotency-Key": "k"})

    assert response.status_code == 200 and response.json() == {"ok": True}
    assert response.headers["retry-after"] == "3"
    request = server.requests[0]
    assert request.startswith(b"POST /api/orders?x=1%202 HTTP/1.1\r\n")
    assert b"\r\nidempotency-key: k\r\n" in request.lower()
    assert request.endswith(b'\r\n\r\n{"a":1}')


async def test_keep_alive_reuses_one_connection(serve, client) -> None:
    server = await serve(lambda _request: ok())
    http = client(server)

    for _ in range(3):
        assert (await http.get("/x")).status_code == 200

    assert server.connections == 1


async def test_connection_close_is_honoured(serve, client) -> None:
    server = await serve(lambda _request: ok(extra=b"connection: close\r\n"))
    http = client(server)

    for _ in range(2):
        assert (await http.get("/x")).status_code == 200

    assert server.connections == 2


async def test_a_chunked_answer_is_reassembled(serve, client) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
               b"4;ext=1\r\nWiki\r\n6\r\npedia \r\n0\r\ntrailer: x\r\n\r\n")
    server = await serve(lambda _request: chunked)
    http = client(server)

    first, second = await http.get("/a"), await http.get("/b")

    assert first.content == second.content == b"Wikipedia "
    assert "transfer-encoding" not in first.headers and server.connections == 1


async def test_a_gzipped_answer_is_decoded(serve, client) -> None:
    server = await serve(lambda _request: ok(gzip.compress(b"[1]"),
                                             b"content-encoding: gzip\r\n"))

    assert (await client(server).get("/x")).json() == [1]


async def test_no_body_for_204_or_head(serve, client) -> None:
    def reply(request: bytes) -> bytes:
        if request.startswith(b"DELETE"):
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if request.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n"
        return ok()

    server = await serve(reply)
    http = client(server)

    assert (await http.delete("/x")).content == b""
    assert (await http.head("/x")).content == b""
    assert (await http.get("/x")).json() == {"ok": True}
    assert server.connections == 1


async def test_an_answer_delimited_by_close_is_read_to_the_end(serve, client) -> None:
    server = await serve(lambda _request: b"HTTP/1.0 200 OK\r\n\r\nall of it")
    http = client(server)

    assert (await http.get("/x")).content == b"all of it"


async def test_a_connection_the_server_dropped_while_idle_is_replaced(serve, client) -> None:
    server = await serve(lambda _request: ok())
    http = client(server)
    await http.get("/x")
    server.drop_idle_connections()
    await asyncio.sleep(0.05)

    assert (await http.get("/x")).status_code == 200
    assert server.connections == 2


async def test_a_refused_connection_is_a_connect_error(client) -> None:
    server = Server(lambda _request: ok())
    server.port = 1

    with pytest.raises(httpx.ConnectError):
        await client(server).get("/x")


async def test_a_silent_server_is_a_read_timeout(serve, client) -> None:
    server = await serve(lambda _request: b"")

    with pytest.raises(httpx.ReadTimeout):
        await client(server, timeout=0.2).get("/x")


async def test_a_server_that_hangs_up_without_answering_is_a_transport_error(serve,
                                                                             client) -> None:
    server = await serve(lambda _request: None)

    with pytest.raises(httpx.TransportError):
        await client(server).post("/x", json={})
    assert len(server.requests) == 1


async def test_garbage_instead_of_http_is_a_protocol_error(serve, client) -> None:
    server = await serve(lambda _request: b"SSH-2.0-OpenSSH\r\n\r\n")

    with pytest.raises(httpx.RemoteProtocolError):
        await client(server).get("/x")


async def test_a_header_with_a_line_break_is_refused_before_sending(serve, client) -> None:
    server = await serve(lambda _request: ok())
    request = httpx.Request("GET", f"http://127.0.0.1:{server.port}/x")
    request.headers._list.append((b"x-evil", b"x-evil", b"a\r\nb: c"))

    with pytest.raises(httpx.LocalProtocolError):
        await LeanTransport().handle_async_request(request)
    assert server.requests == []


async def test_calls_beyond_the_connection_limit_wait_for_a_free_one(serve) -> None:
    server = await serve(lambda _request: ok())
    transport = LeanTransport(max_connections=2)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}",
                                 transport=transport, timeout=1.0) as http:
        answers = await asyncio.gather(*(http.get("/x") for _ in range(6)))

    assert {answer.status_code for answer in answers} == {200}
    assert server.connections <= 2


async def test_an_answer_trickling_in_cannot_outlast_the_read_timeout(client) -> None:
    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        for byte in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok":
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)
        writer.close()

    listener = await asyncio.start_server(trickle, "127.0.0.1", 0)
    server = Server(lambda _request: None)
    server.port = listener.sockets[0].getsockname()[1]
    started = asyncio.get_running_loop().time()
    try:
        with pytest.raises(httpx.ReadTimeout):
            await client(server, timeout=0.3).get("/x")
    finally:
        listener.close()
    assert asyncio.get_running_loop().time() - started < 0.5
