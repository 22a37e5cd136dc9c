"""The request bounds (:mod:`chassis.request_limits`) as pure ASGI middleware.

It sits inside the request context (so its answers carry the request id and
are logged and counted) and in front of everything else. The body is read
before the app runs, as a stream that is cut off once it passes the limit,
whether its length was declared, chunked, or absent; the app then receives
the bounded body as one message. So no route, whether it reads its body or
not, and no proxy behind the edge ever sees an unbounded body.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis.problems import PROBLEM_CONTENT_TYPE, ContentTooLarge, Problem
from chassis.request_limits import RequestLimits


class _Disconnected(Exception):
    """The client went away before its body was complete: nobody to answer."""


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = self._head_problem(scope)
        if problem is None:
            try:
                body = await self._bounded_body(receive)
            except ContentTooLarge as exc:
                problem = exc
            except _Disconnected:
                return
        if problem is not None:
            await send_problem(send, problem)
            return
        await self.app(scope, _replay(body, receive), send)

    def _head_problem(self, scope: Scope) -> Problem | None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        target = len(raw_path) + (len(query) + 1 if query else 0)
        headers = scope["headers"]
        declared = next((value for name, value in headers if name == b"content-length"), None)
        return (self.limits.head_problem(target, headers)
                or self.limits.declared_length_problem(declared))

    async def _bounded_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limits.max_body_bytes:
                raise self.limits.too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the server's own messages (a disconnect, later)."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


async def send_problem(send: Send, problem: Problem) -> None:
    """The problem as the whole answer; the connection is closed after it, so that the
    rest of a refused body is never read."""
    content = json.dumps(problem.body()).encode()
    headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode()),
               (b"content-length", str(len(content)).encode()), (b"connection", b"close")]
    headers += [(name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
