"""The app factory: settings in, a wired FastAPI app out; nothing happens at import time.

Middleware, outermost first: XML rendering, the chassis's request context
(request id, ``X-Served-By``, metrics, access log, the 500 catch-all), rate
limiting; then the route table. Clients (one per downstream, Redis) are opened
in the lifespan and closed with it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from chassis.fastapi_support import install
from chassis.health import AsyncCheck
from chassis.logs import configure_logging
from chassis.outbound import UnsendableRequest
from chassis.pool_metrics import watch_redis_pool
from chassis.problems import BadRequest, ErrorTable, Unavailable
from chassis.tracing import install_fastapi
from fastapi import FastAPI
from redis.asyncio import Redis
from starlette.requests import Request
from starlette.responses import Response

from gateway import aggregation
from gateway.auth import AsyncJwksVerifier, EdgeAuth
from gateway.config import Settings
from gateway.events import OrderEvents, event_routes
from gateway.openapi import ContractDocument, contract_routes, find_contract
from gateway.proxy import forward
from gateway.ratelimit import RateLimiter, RateLimitMiddleware
from gateway.routing import Endpoint, build_routes, endpoint_for
from gateway.storefront import storefront_routes
from gateway.upstreams import (
    JWKS,
    UpstreamLogFilter,
    Upstreams,
    begin_request,
    open_upstreams,
)
from gateway.xml_render import XmlMiddleware

# A request the outbound client refused to send was the caller's (logged by the client).
ERRORS: ErrorTable = {
    UnsendableRequest: lambda exc: BadRequest("The request cannot be passed on as sent."),
}
REDIS_TIMEOUT_SECONDS = 0.25


Handler = Callable[[Upstreams, Request], Awaitable[Response]]
HANDLERS: Mapping[str, Handler] = {
    "cart_view": aggregation.show_cart,
    "cart_set_item": aggregation.set_item,
    "cart_remove_item": aggregation.remove_item,
    "cart_clear": aggregation.clear_cart,
}


@dataclass
class Gateway:
    """What the lifespan opens: the edge's long-lived clients."""

    upstreams: Upstreams
    auth: EdgeAuth
    redis: Redis
    limiter: RateLimiter | None

    async def aclose(self) -> None:
        await self.upstreams.aclose()
        await self.redis.aclose()


def open_gateway(settings: Settings,
                 transports: Mapping[str, httpx.AsyncBaseTransport]) -> Gateway:
    upstreams = open_upstreams(settings, transports)
    jwks_path = httpx.URL(settings.resolved_jwks_url).raw_path.decode()

    async def fetch_jwks() -> dict[str, Any]:
        answer = await upstreams.call(JWKS, "GET", jwks_path)
        if answer.status_code != 200:
            raise Unavailable("The token issuer's keys cannot be fetched.")
        return dict(answer.json())

    verifier = AsyncJwksVerifier(fetch_jwks, issuer=settings.jwt_issuer,
                                 audience=settings.jwt_audience)
    redis = Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    watch_redis_pool(redis, "redis")  # the pool's gauges (chassis.pool_metrics)
    limit = settings.rate_limit_per_minute
    limiter = RateLimiter(redis, limit=limit) if limit > 0 else None
    return Gateway(upstreams, EdgeAuth(verifier), redis, limiter)


def make_endpoint(methods: Mapping[str, Endpoint]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        spec = endpoint_for(methods, request.method)
        gateway: Gateway = request.app.state.gateway
        begin_request(f"{request.method} {request.scope['route'].path}")
        await gateway.auth.guard(request.scope, spec.guard)
        if spec.handler == "proxy":
            return await forward(gateway.upstreams, spec.upstream, request)
        return await HANDLERS[spec.handler](gateway.upstreams, request)
    return endpoint


def readiness(app: FastAPI) -> dict[str, AsyncCheck]:
    """Redis only. The services are upstreams, not dependencies of the gateway's own: a
    readiness that followed them would take every gateway replica out of its load
    balancer when one service fails, turning one route's 503 into the whole shop's."""
    async def redis() -> None:
        await app.state.gateway.redis.ping()

    return {"redis": redis}


def create_app(settings: Settings | None = None, *,
               transports: Mapping[str, httpx.AsyncBaseTransport] | None = None) -> FastAPI:
    """The gateway; ``transports`` (by downstream name) let tests stand in for the services."""
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level)
    _quiet_client_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.gateway = open_gateway(settings, transports or {})
        app.state.order_events = OrderEvents.open(settings)
        try:
            yield
        finally:
            await app.state.order_events.aclose()
            await app.state.gateway.aclose()

    app = FastAPI(title="shopstack gateway", lifespan=lifespan, openapi_url=None,
                  docs_url=None, redoc_url=None)
    app.router.redirect_slashes = False
    app.add_middleware(RateLimitMiddleware)
    install(app, served_by="gateway", error_table=ERRORS, readiness=readiness(app),
            max_body_bytes=settings.max_body_bytes)
    app.add_middleware(XmlMiddleware)
    install_fastapi(app, service="gateway", settings=settings)
    app.router.routes.extend(contract_routes(ContractDocument(find_contract(settings.openapi_path))))
    app.router.routes.extend(event_routes())  # before /api/orders/{order_id} matches it
    app.router.routes.extend(build_routes(make_endpoint))
    app.router.routes.extend(storefront_routes(settings.storefront_dir))
    return app


def _quiet_client_logs() -> None:
    """One access line per request says it all: no line per upstream call from httpx,
    and the access line gains the upstream's name and latency."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    access = logging.getLogger("access")
    if not any(isinstance(f, UpstreamLogFilter) for f in access.filters):
        access.addFilter(UpstreamLogFilter())
