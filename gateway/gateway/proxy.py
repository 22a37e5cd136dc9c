"""A request forwarded as it is, and the service's answer returned as it is.

Only the headers the contract names travel, in either direction; hop-by-hop
headers never do. Bodies pass through untouched (no JSON decoding and encoding
on the hot path).
"""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import Response

from gateway.deps import Deps
from gateway.upstreams import Target

FORWARDED_REQUEST_HEADERS = frozenset({b"authorization", b"idempotency-key", b"content-type"})
RETURNED_RESPONSE_HEADERS = frozenset({b"content-type", b"www-authenticate", b"retry-after",
                                       b"idempotent-replayed"})


def forwarded_headers(request: Request) -> dict[str, bytes]:
    """The contract's request headers, read from the raw ASGI list in one pass. Values
    travel as the bytes the client sent, without the optional whitespace around them
    (RFC 9110 5.5: not part of the value), so that any value the server accepted from
    the client is one the outbound client can send on (control characters are refused
    before, by the request limits)."""
    return {name.decode("latin-1"): value.strip(b" \t")
            for name, value in request.scope["headers"] if name in FORWARDED_REQUEST_HEADERS}


def target_of(request: Request) -> str:
    """The path and query string exactly as the client sent them (ids stay percent-encoded)."""
    scope = request.scope
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    target = raw_path.decode("latin-1")
    query: bytes = scope.get("query_string", b"")
    return f"{target}?{query.decode('latin-1')}" if query else target


def relay(upstream: httpx.Response) -> Response:
    """The service's status, body and contract headers as the gateway's answer."""
    headers = {name.decode("latin-1"): value.decode("latin-1")
               for name, value in upstream.headers.raw
               if name.lower() in RETURNED_RESPONSE_HEADERS}
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)


async def call_through(deps: Deps, target: Target, request: Request) -> httpx.Response:
    """The request sent on to the target's service; its answer as it came."""
    body = await request.body()
    return await deps.upstreams.call(target.upstream, request.method, target_of(request),
                                     route=target.route, content=body or None,
                                     headers=forwarded_headers(request))


async def forward(deps: Deps, target: Target, request: Request) -> Response:
    return relay(await call_through(deps, target, request))
