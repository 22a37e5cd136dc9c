"""The app factory: settings in, a wired FastAPI app out; nothing happens at import time.

Middleware, outermost first: XML rendering, the chassis's request context
(request id, ``X-Served-By``, metrics, access log, the 500 catch-all), rate
limiting; then the route table. Clients (one per downstream, Redis) are opened
in the lifespan and closed with it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from chassis.fastapi_support import NATIVE_TELEMETRY_OFF, install
from chassis.health import AsyncCheck
from chassis.logs import configure_logging
from chassis.outbound import UnsendableRequest
from chassis.problems import BadRequest, ErrorTable
from chassis.tracing import install_fastapi
from fastapi import FastAPI

from gateway.config import Settings
from gateway.deps import open_deps
from gateway.events import event_routes
from gateway.openapi import ContractDocument, contract_routes, find_contract
from gateway.ratelimit import RateLimitMiddleware
from gateway.routing import build_routes
from gateway.storefront import storefront_routes
from gateway.upstreams import UpstreamLogFilter
from gateway.xml_render import XmlMiddleware

# A request the outbound client refused to send was the caller's (logged by the client).
ERRORS: ErrorTable = {
    UnsendableRequest: lambda exc: BadRequest("The request cannot be passed on as sent."),
}


def readiness(app: FastAPI) -> dict[str, AsyncCheck]:
    """Redis only. The services are upstreams, not dependencies of the gateway's own: a
    readiness that followed them would take every gateway replica out of its load
    balancer when one service fails, turning one route's 503 into the whole shop's."""
    async def redis() -> None:
        await app.state.deps.redis.ping()

    return {"redis": redis}


def create_app(settings: Settings | None = None, *,
               transports: Mapping[str, httpx.AsyncBaseTransport] | None = None) -> FastAPI:
    """The gateway; ``transports`` (by downstream name) let tests stand in for the services."""
    settings = settings or Settings()
    configure_logging("gateway", settings.log_level)
    _quiet_client_logs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.deps = open_deps(settings, transports or {})
        deps_now = app.state.deps
        deps_now.start()
        try:
            yield
        finally:
            await deps_now.aclose()

    app = FastAPI(title="shopstack gateway", lifespan=lifespan, openapi_url=None,
                  docs_url=None, redoc_url=None, telemetry=NATIVE_TELEMETRY_OFF)
    app.router.redirect_slashes = False
    app.add_middleware(RateLimitMiddleware)
    install(app, served_by="gateway", error_table=ERRORS, readiness=readiness(app),
            max_body_bytes=settings.max_body_bytes)
    app.add_middleware(XmlMiddleware)
    install_fastapi(app, service="gateway", settings=settings)
    app.router.routes.extend(contract_routes(ContractDocument(find_contract(settings.openapi_path))))
    app.router.routes.extend(event_routes())  # before /api/orders/{order_id} matches it
    app.router.routes.extend(build_routes())
    app.router.routes.extend(storefront_routes(settings.storefront_dir))
    return app


def _quiet_client_logs() -> None:
    """One access line per request says it all: no line per upstream call from httpx,
    and the access line gains the upstream's name and latency."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    access = logging.getLogger("access")
    if not any(isinstance(f, UpstreamLogFilter) for f in access.filters):
        access.addFilter(UpstreamLogFilter())
