"""OpenTelemetry traces, set up the same way in every deployable.

    install_flask(app, service="orders", settings=settings)     # from a Flask app factory
    install_fastapi(app, service="catalog", settings=settings)  # from a FastAPI app factory
    instrument_engine(engine)                                    # every SQLAlchemy engine

A server span per request (the official Flask or FastAPI instrumentation), a
client span per outbound call (httpx) and per store call (SQLAlchemy,
pymongo, redis), each carrying the W3C ``traceparent`` it was given: a
caller's trace is honoured, and every call made while serving it carries it on.

Spans are exported over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the
collector's base URL; spans go to ``/v1/traces``) when that is set. When it is
not, nothing is recorded or exported and the server and client instrumentations
are left out: each request only takes up the caller's trace context, or starts
one (chassis.trace_context), so that trace ids still reach the logs and travel
on at next to no cost. SQL engines get their instrumentation only then too: an
engine made before the provider (the app factory makes its database first) waits
for :func:`configure` to say whether spans are exported.
"""

from __future__ import annotations

import importlib
import weakref
from typing import Any

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from chassis import pool_metrics, trace_context
from chassis.settings import ChassisSettings

# Probes and scrapes are not worth a span each.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"
# The store and HTTP clients an image may hold: instrumented when installed.
CLIENT_INSTRUMENTORS = (
    ("opentelemetry.instrumentation.httpx", "HTTPXClientInstrumentor"),
    # chassis.aiohttp_transport sends the async client's requests over aiohttp,
    # chassis.urllib3_transport the sync client's over urllib3.
    ("opentelemetry.instrumentation.aiohttp_client", "AioHttpClientInstrumentor"),
    ("opentelemetry.instrumentation.urllib3", "URLLib3Instrumentor"),
    ("opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    ("opentelemetry.instrumentation.pymongo", "PymongoInstrumentor"),
)

_provider: TracerProvider | None = None
_exported = False
# Engines made before configure() decided whether spans are exported.
_engines_waiting: weakref.WeakSet[Any] = weakref.WeakSet()


def configure(service: str, settings: ChassisSettings) -> TracerProvider:
    """The process's tracer provider (made once: a process is one service) and the
    client instrumentations."""
    global _provider, _exported
    if _provider is None:
        _provider = _make_provider(service, settings)
        _exported = exporting(settings)
        trace.set_tracer_provider(_provider)
        if _exported:
            _instrument_clients()
            for engine in list(_engines_waiting):
                _trace_engine(engine)
        _engines_waiting.clear()
    return _provider


def exporting(settings: ChassisSettings) -> bool:
    return bool(settings.otel_exporter_otlp_endpoint)


def _make_provider(service: str, settings: ChassisSettings) -> TracerProvider:
    resource = Resource.create({"service.name": service, "service.namespace": "shopstack"})
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # The sampler comes from OTEL_TRACES_SAMPLER: by default, the caller's decision,
    # else every trace.
    provider = TracerProvider(resource=resource)
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(
        exporter, schedule_delay_millis=settings.otel_bsp_schedule_delay))
    return provider


def _instrument_clients() -> None:
    for module_name, class_name in CLIENT_INSTRUMENTORS:
        try:
            instrumentor = getattr(importlib.import_module(module_name), class_name)()
        except ImportError:  # this image does not use that client
            continue
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def install_flask(app: Any, *, service: str, settings: ChassisSettings) -> None:
    """A server span per request of a Flask app, the caller's ``traceparent`` honoured."""
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    configure(service, settings)
    if not exporting(settings):
        _propagate_only_flask(app)
        return
    FlaskInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_URLS, enable_commenter=False)


def install_fastapi(app: Any, *, service: str, settings: ChassisSettings) -> None:
    """A server span per request of a FastAPI app (no extra span per ASGI message)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    configure(service, settings)
    if not exporting(settings):
        app.add_middleware(TraceContextMiddleware)
        return
    FastAPIInstrumentor.instrument_app(app, excluded_urls=EXCLUDED_URLS,
                                       exclude_spans=["receive", "send"])


def _propagate_only_flask(app: Any) -> None:
    from flask import g, request

    @app.before_request
    def enter() -> None:
        g.trace_context_token = trace_context.enter(request.headers)

    @app.teardown_request
    def leave(_exc: BaseException | None) -> None:
        token = g.pop("trace_context_token", None)
        if token is not None:
            trace_context.leave(token)


class TraceContextMiddleware:
    """Pure ASGI: the request's trace context, when spans are not exported."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
                   if k in (b"traceparent", b"tracestate")}
        token = trace_context.enter(headers)
        try:
            await self.app(scope, receive, send)
        finally:
            trace_context.leave(token)


def instrument_engine(engine: Any, pool: str | None = None) -> None:
    """The pool's gauges of ``engine``, and a client span per SQL statement when spans are
    exported: a span that records nothing still costs a read a tenth of its time
    (docs/performance.md, "Reads without the ORM's objects")."""
    pool_metrics.watch_sql_pool(engine, pool)
    if _provider is None:
        _engines_waiting.add(engine)
    elif _exported:
        _trace_engine(engine)


def _trace_engine(engine: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    usage = otel_metrics.get_meter(__name__).create_up_down_counter(
        "db.client.connections.usage")  # the instrumentation's own metric: not exported
    EngineTracer(trace.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine, usage)
