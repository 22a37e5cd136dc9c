"""The downstream services: one pooled client each, a deadline per call, timings for the log.

Every call is bounded by ``UPSTREAM_TIMEOUT_SECONDS`` as a whole, retries
included, so a slow service costs a 503 within that budget. Each attempt's own
timeout is a little shorter than the budget, so that the first attempt always
ends by itself and the circuit breaker counts it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx
from chassis.outbound import AsyncServiceClient, OwnProblemsFinal
from chassis.problems import Unavailable

from gateway.config import Settings

UpstreamCalls = list[tuple[str, float]]
# This request's upstream calls, collected for its access log line only.
upstream_calls: ContextVar[UpstreamCalls | None] = ContextVar("upstream_calls", default=None)



@dataclass(frozen=True)
class Target:
    """What one method of one public route serves: its name (``"GET /api/orders"``), for
    its deadline and its breakers, and the service behind it."""

    route: str
    upstream: str


ATTEMPT_SHARE = 0.9
# The issuer's key set: served by users, but its URL is configured on its own.
JWKS = "jwks"


class EdgeServiceClient(OwnProblemsFinal, AsyncServiceClient):
    """A service that answers with its own 503 problem (a store or a service behind it is
    down) is up: the edge relays that answer (:class:`chassis.outbound.OwnProblemsFinal`),
    so that one route's missing dependency (the cart, for a checkout) does not close the
    gateway's door on the service's other routes (the order list)."""


CHECKOUT_ROUTE = "POST /api/orders"
CANCEL_ROUTE = "POST /api/orders/{order_id}/cancel"
# The order sagas: several calls inside orders, each bounded by its own timeout there.
SAGA_ROUTES = (CHECKOUT_ROUTE, CANCEL_ROUTE)


class Upstreams:
    def __init__(self, clients: Mapping[str, AsyncServiceClient], *, deadline: float,
                 route_deadlines: Mapping[str, float] | None = None) -> None:
        self._clients = dict(clients)
        self.deadline = deadline
        self.route_deadlines = dict(route_deadlines or {})

    async def call(self, name: str, method: str, path: str, *, route: str | None = None,
                   **kwargs: Any) -> httpx.Response:
        """One call to ``name`` within the deadline of ``route`` (the public route it
        serves, ``"POST /api/orders"``), or :class:`Unavailable`. Each (service, route)
        pair has its own circuit breaker, so a slow checkout cannot shut the door on
        the order list."""
        deadline = self.route_deadlines.get(route or "", self.deadline)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(deadline):
                return await self._clients[name].request(
                    method, path, breaker_key=route, timeout=deadline * ATTEMPT_SHARE,
                    **kwargs)
        except TimeoutError as exc:
            raise Unavailable(f"The {name} service did not answer in time.") from exc
        finally:
            _record(name, time.perf_counter() - started)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()


def _record(name: str, seconds: float) -> None:
    calls = upstream_calls.get()
    if calls is not None:
        calls.append((name, seconds))


def begin_request() -> None:
    """Begin collecting this request's upstream calls for its access log line."""
    upstream_calls.set([])


class UpstreamLogFilter(logging.Filter):
    """Adds ``upstream`` and ``upstream_ms`` to the access log line of a proxied request."""

    def filter(self, record: logging.LogRecord) -> bool:
        calls = upstream_calls.get()
        if calls:
            record.upstream = ",".join(dict.fromkeys(name for name, _ in calls))
            record.upstream_ms = round(sum(seconds for _, seconds in calls) * 1000, 2)
        upstream_calls.set(None)
        return True


def service_urls(settings: Settings) -> dict[str, str]:
    """Base URLs of the services behind the edge, and of the issuer's JWKS (its origin)."""
    jwks = httpx.URL(settings.resolved_jwks_url)
    return {"users": settings.users_url, "catalog": settings.catalog_url,
            "cart": settings.cart_url, "orders": settings.orders_url,
            JWKS: str(jwks.copy_with(raw_path=b"/"))}


def open_upstreams(settings: Settings,
                   transports: Mapping[str, httpx.AsyncBaseTransport]) -> Upstreams:
    """A pooled client per downstream; the edge calls public routes only, so none carries
    an internal token."""
    deadline = settings.upstream_timeout_seconds
    clients = {
        name: EdgeServiceClient(
            name, url, timeout=deadline * ATTEMPT_SHARE,
            transport=transports.get(name), retries=settings.upstream_retries,
            breaker_failures=settings.breaker_failures,
            breaker_reset_seconds=settings.breaker_reset_seconds)
        for name, url in service_urls(settings).items()
    }
    return Upstreams(clients, deadline=deadline,
                     route_deadlines=dict.fromkeys(SAGA_ROUTES,
                                                   settings.checkout_timeout_seconds))
