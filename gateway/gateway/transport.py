"""A lean HTTP/1.1 keep-alive transport for the gateway's calls to the services.

httpx's default transport (httpcore, h11, anyio) costs about 0.7 ms of CPU per
call on the machines this runs on, most of the gateway's whole budget. This
one speaks just the HTTP/1.1 the services speak (``Content-Length``, chunked,
``Connection: close``) over asyncio streams and plugs into the chassis client
(``AsyncServiceClient(transport=...)``), which keeps its timeouts, retries and
breaker. Timeouts come from the request as httpx sets them; every failure is an
``httpx.TransportError`` as httpcore's would be. A pooled connection that the
service closed while it was idle is noticed before reuse, or, for an idempotent
request that got no answer on it, retried once on a fresh connection.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
NO_BODY_STATUSES = frozenset({204, 304})
Origin = tuple[str, int]


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = field(default_factory=time.monotonic)

    def usable(self, idle_seconds: float) -> bool:
        fresh = time.monotonic() - self.idle_since < idle_seconds
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


@dataclass
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    reusable: bool


class _NoAnswer(Exception):
    """The connection closed before a single byte of the answer arrived."""


@contextmanager
def _mapped(timeout_type: type[httpx.TimeoutException],
            error_type: type[httpx.TransportError]) -> Iterator[None]:
    try:
        yield
    except TimeoutError as exc:
        raise timeout_type(str(exc) or "timed out") from exc
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        raise error_type(str(exc) or type(exc).__name__) from exc


class LeanTransport(httpx.AsyncBaseTransport):
    """At most ``max_connections`` calls in flight per origin (the rest wait, up to the
    pool timeout), each on a connection of its own; idle ones are kept for reuse."""

    def __init__(self, *, max_connections: int = 100, idle_seconds: float = 4.0) -> None:
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots: dict[Origin, asyncio.Semaphore] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol("LeanTransport speaks plain http:// only.")
        origin = (request.url.host, request.url.port or 80)
        timeouts = request.extensions.get("timeout", {})
        message = _serialise(request, await request.aread())
        slots = self._slots.setdefault(origin, asyncio.Semaphore(self.max_connections))
        with _mapped(httpx.PoolTimeout, httpx.ConnectError):
            async with asyncio.timeout(timeouts.get("pool")):
                await slots.acquire()
        try:
            # The read timeout bounds the whole exchange too, so a service that trickles
            # its answer cannot outlast it (the caller's breaker then counts a failure).
            with _mapped(httpx.ReadTimeout, httpx.ReadError):
                async with asyncio.timeout(timeouts.get("read")):
                    answer = await self._send(origin, message, request, timeouts)
        finally:
            slots.release()
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body,
                              extensions={"http_version": b"HTTP/1.1"})

    async def _send(self, origin: Origin, message: bytes, request: httpx.Request,
                    timeouts: dict[str, float | None]) -> _Answer:
        connection = self._checkout(origin)
        try:
            return await self._exchange(origin, connection, message, request, timeouts)
        except _NoAnswer as exc:
            if connection is None or request.method not in IDEMPOTENT:
                raise httpx.RemoteProtocolError("Server disconnected without an answer.") from exc
            return await self._exchange(origin, None, message, request, timeouts)

    async def _exchange(self, origin: Origin, connection: _Connection | None, message: bytes,
                        request: httpx.Request, timeouts: dict[str, float | None]) -> _Answer:
        if connection is None:
            connection = await _connect(origin, timeouts.get("connect"))
        done = False
        try:
            with _mapped(httpx.WriteTimeout, httpx.WriteError):
                connection.writer.write(message)
                async with asyncio.timeout(timeouts.get("write")):
                    await connection.writer.drain()
            with _mapped(httpx.ReadTimeout, httpx.ReadError):
                async with asyncio.timeout(timeouts.get("read")):
                    answer = await _read_answer(connection.reader, request.method)
            done = answer.reusable
            return answer
        finally:
            if done:
                self._checkin(origin, connection)
            else:
                connection.close()

    def _checkout(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.usable(self.idle_seconds):
                return connection
            connection.close()
        return None

    def _checkin(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= self.max_connections:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        idle.append(connection)

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


async def _connect(origin: Origin, timeout: float | None) -> _Connection:
    with _mapped(httpx.ConnectTimeout, httpx.ConnectError):
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(*origin)
    return _Connection(reader, writer)


def _serialise(request: httpx.Request, body: bytes) -> bytes:
    target = request.url.raw_path
    lines = [b"%s %s HTTP/1.1\r\n" % (request.method.encode("ascii"), target)]
    for name, value in request.headers.raw:
        if b"\r" in value or b"\n" in value or b"\r" in name or b"\n" in name:
            raise httpx.LocalProtocolError("A header may not contain a line break.")
        if name.lower() != b"transfer-encoding":
            lines.append(b"%s: %s\r\n" % (name, value))
    if body and "content-length" not in request.headers:
        lines.append(b"content-length: %d\r\n" % len(body))
    lines.append(b"\r\n")
    return b"".join(lines) + body


async def _read_answer(reader: asyncio.StreamReader, method: str) -> _Answer:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionResetError) as exc:
        if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
            raise httpx.RemoteProtocolError("The answer ended inside its head.") from exc
        raise _NoAnswer() from exc
    status, headers, http11 = _parse_head(head)
    fields = {name.lower(): value.lower() for name, value in headers}
    reusable = http11 and b"close" not in fields.get(b"connection", b"")
    if method == "HEAD" or status in NO_BODY_STATUSES:
        return _Answer(status, headers, b"", reusable)
    if b"chunked" in fields.get(b"transfer-encoding", b""):
        body = await _read_chunked(reader)
        headers = [(k, v) for k, v in headers if k.lower() != b"transfer-encoding"]
    elif b"content-length" in fields:
        body = await reader.readexactly(int(fields[b"content-length"]))
    else:
        body, reusable = await reader.read(), False  # delimited by the server closing
    return _Answer(status, headers, body, reusable)


def _parse_head(head: bytes) -> tuple[int, list[tuple[bytes, bytes]], bool]:
    """The status, the headers and whether the answer is HTTP/1.1."""
    status_line, *lines = head[:-4].split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code = rest[:3]
    if not version.startswith(b"HTTP/1.") or not code.isdigit() or int(code) < 200:
        raise httpx.RemoteProtocolError(f"Unexpected status line {status_line[:64]!r}.")
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon:
            raise httpx.RemoteProtocolError("A header line without a colon.")
        headers.append((name.strip(), value.strip()))
    return int(code), headers, version == b"HTTP/1.1"


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16):
        chunks.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise httpx.RemoteProtocolError("A chunk does not end where its size says.")
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # trailer fields: nothing the gateway relays
    return b"".join(chunks)
