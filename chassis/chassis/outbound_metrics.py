"""Transports that count and time every outbound attempt (chassis.metrics):

    http_client_requests_in_flight{downstream}                   each holds a pooled connection
    http_client_request_duration_seconds{downstream, method, status}   status or "error"

They wrap the client's real transport (or a test's), so every attempt counts,
retries included, whatever answers it. By default the synchronous one sends over
urllib3's pool (chassis.urllib3_transport), the asynchronous one over aiohttp's
(chassis.aiohttp_transport).
"""

from __future__ import annotations

import time

import httpx

from chassis.metrics import CLIENT_IN_FLIGHT, CLIENT_LATENCY, CLIENT_MAX_CONNECTIONS


class _Meter:
    def __init__(self, downstream: str, max_connections: int) -> None:
        self.downstream = downstream
        self.in_flight = CLIENT_IN_FLIGHT.labels(downstream)
        self.in_flight.inc(0)
        CLIENT_MAX_CONNECTIONS.labels(downstream).inc(max_connections)

    def done(self, method: str, status: str, started: float) -> None:
        self.in_flight.dec()
        CLIENT_LATENCY.labels(self.downstream, method, status).observe(
            time.perf_counter() - started)


class MeteredTransport(httpx.BaseTransport):
    def __init__(self, downstream: str, inner: httpx.BaseTransport | None,
                 max_connections: int = 100) -> None:
        if inner is None:  # imported here, as aiohttp's below: only this client sends over it
            from chassis.urllib3_transport import Urllib3Transport

            inner = Urllib3Transport(max_connections=max_connections)
        self.inner = inner
        self.meter = _Meter(downstream, max_connections)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.meter.in_flight.inc()
        started, status = time.perf_counter(), "error"
        try:
            response = self.inner.handle_request(request)
            status = str(response.status_code)
            return response
        finally:
            self.meter.done(request.method, status, started)

    def close(self) -> None:
        self.inner.close()


class AsyncMeteredTransport(httpx.AsyncBaseTransport):
    def __init__(self, downstream: str, inner: httpx.AsyncBaseTransport | None,
                 max_connections: int = 100) -> None:
        if inner is None:  # imported here: the synchronous services do without aiohttp
            from chassis.aiohttp_transport import AiohttpTransport

            inner = AiohttpTransport(max_connections=max_connections)
        self.inner = inner
        self.meter = _Meter(downstream, max_connections)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.meter.in_flight.inc()
        started, status = time.perf_counter(), "error"
        try:
            response = await self.inner.handle_async_request(request)
            status = str(response.status_code)
            return response
        finally:
            self.meter.done(request.method, status, started)

    async def aclose(self) -> None:
        await self.inner.aclose()
