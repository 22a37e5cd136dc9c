"""An httpx transport that sends over aiohttp's connection pool.

httpx stays the client's API (requests, responses, timeouts, ``MockTransport`` in
tests); only the wire goes through aiohttp, whose pool hands out a kept-alive
connection in constant time. httpcore's pool polls every idle connection on
each request, which profiles at a quarter of the gateway's CPU under 16
connections (docs/performance.md).

What httpx's own transport guarantees, this one keeps: a header that HTTP does
not allow (CR, LF, NUL; a name that is not a token) is refused before sending
as :class:`httpx.LocalProtocolError`; the target is sent exactly as built
(percent-encoding untouched); no redirect is followed; bodies are not decoded
here (httpx decodes them as usual); each failure surfaces as the httpx error
of the same kind, so retries and breakers see what they always saw. (One difference:
aiohttp writes header values as UTF-8, so a byte above 0x7F that a client sent in a
forwarded header reaches the service re-encoded; no such value is a valid token, key
or media type either way.)
"""

from __future__ import annotations

import aiohttp
import httpx
from yarl import URL

from chassis.wire_headers import checked_headers

# Below the services' own keep-alive timeout (uvicorn's 5 s), so that the client
# drops an idle connection before the server does and never sends on a closing one.
KEEPALIVE_SECONDS = 4.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_connections: int = 100,
                 keepalive_seconds: float = KEEPALIVE_SECONDS) -> None:
        self.max_connections = max_connections
        self.keepalive_seconds = keepalive_seconds
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        """Made on first use, inside the running loop (aiohttp binds to it)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0,
                                             keepalive_timeout=self.keepalive_seconds,
                                             use_dns_cache=True, ttl_dns_cache=10)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=(
                    "User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                timeout=aiohttp.ClientTimeout(total=None))
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = checked_headers(request.headers.raw)
        timeout = _timeout(request.extensions.get("timeout", {}))
        body = request.content or None
        try:
            async with self._session_now().request(
                    request.method, URL(str(request.url), encoded=True), headers=headers,
                    data=body, allow_redirects=False, timeout=timeout,
                    compress=None) as answer:
                content = await answer.read()
                status, raw_headers = answer.status, answer.raw_headers
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except aiohttp.SocketTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.InvalidURL as exc:
            raise httpx.InvalidURL(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                aiohttp.ClientResponseError) as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
        return httpx.Response(status, headers=list(raw_headers), stream=httpx.ByteStream(content),
                              request=request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _timeout(parts: dict[str, float | None]) -> aiohttp.ClientTimeout:
    """httpx's per-phase timeouts as aiohttp's (the pool wait counts towards connecting)."""
    connect, read, pool = parts.get("connect"), parts.get("read"), parts.get("pool")
    waited = None if connect is None and pool is None else (connect or 0) + (pool or 0)
    return aiohttp.ClientTimeout(total=None, connect=waited, sock_connect=connect,
                                 sock_read=read)
