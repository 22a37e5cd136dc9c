"""An httpx transport that sends over urllib3's connection pool, for the synchronous
clients (orders and its reconciler, on gevent workers).

httpx stays the client's API (requests, responses, timeouts, ``MockTransport`` in
tests); only the wire goes through urllib3. httpx's own transport (httpcore's pool)
tests every connection it holds for readability on each request, under gevent a poll
each through the hub, so a call costs more with every connection its pool keeps; urllib3
tests only the connection it hands out (docs/performance.md, "The synchronous call over
urllib3").

What httpx's own transport guarantees, this one keeps, as chassis.aiohttp_transport
does: a header that HTTP does not allow is refused before sending
(:class:`httpx.LocalProtocolError`); the target is sent exactly as built; no redirect is
followed and nothing is retried here (chassis.outbound decides); bodies are not decoded;
each failure surfaces as the httpx error of the same kind; at most ``max_connections``
to a host, a request waiting up to its pool timeout for one.
"""

from __future__ import annotations

import httpx
import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    EmptyPoolError,
    LocationParseError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)

from chassis.wire_headers import checked_headers


class Urllib3Transport(httpx.BaseTransport):
    def __init__(self, *, max_connections: int = 100) -> None:
        self._pools = urllib3.PoolManager(maxsize=max_connections, block=True, retries=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = urllib3.HTTPHeaderDict(checked_headers(request.headers.raw))
        parts = request.extensions.get("timeout", {})
        url = request.url
        try:
            pool = self._pools.connection_from_host(url.host, url.port, scheme=url.scheme)
            answer = pool.urlopen(
                request.method, url.raw_path.decode("ascii"), body=request.content or None,
                headers=headers, retries=False, redirect=False, assert_same_host=False,
                timeout=urllib3.Timeout(connect=parts.get("connect"), read=parts.get("read")),
                pool_timeout=parts.get("pool"), preload_content=True, decode_content=False)
        except NewConnectionError as exc:  # a subclass of ConnectTimeoutError: first
            raise httpx.ConnectError(str(exc), request=request) from exc
        except ConnectTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc), request=request) from exc
        except ReadTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except EmptyPoolError as exc:
            raise httpx.PoolTimeout(str(exc), request=request) from exc
        except LocationParseError as exc:
            raise httpx.InvalidURL(str(exc)) from exc
        except ProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise httpx.ReadError(str(exc), request=request) from exc
        return httpx.Response(answer.status, headers=list(answer.headers.items()),
                              stream=httpx.ByteStream(answer.data), request=request)

    def close(self) -> None:
        self._pools.clear()
