"""The chassis wired into a FastAPI app: request ids, logs, metrics, problems, health.

    install(app, served_by="catalog", error_table=..., readiness={"mongodb": ping})

Bodies and query strings go through :func:`json_body` and :func:`query` so that
a FastAPI service validates exactly like a Flask one (strict JSON types, the
same ``errors`` list).
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chassis import metrics
from chassis.asgi_limits import RequestLimitsMiddleware
from chassis.health import LIVE_BODY, AsyncCheck, run_async_checks
from chassis.problems import (
    PROBLEM_CONTENT_TYPE,
    ErrorTable,
    Forbidden,
    Internal,
    Problem,
    Unauthorized,
    ValidationFailed,
    problem_for,
    status_problem,
)
from chassis.request_context import REQUEST_ID_HEADER, accept_request_id, request_id_var
from chassis.request_limits import MAX_BODY_BYTES, RequestLimits
from chassis.settings import INTERNAL_TOKEN_HEADER
from chassis.tokens import Claims, TokenVerifier, bearer_token
from chassis.validation import field_errors, validate_body, validate_query

ModelT = TypeVar("ModelT", bound=BaseModel)

# For every app: ``FastAPI(..., telemetry=NATIVE_TELEMETRY_OFF)``. FastAPI's own
# OpenTelemetry (a span around each request, dependency and response, request metrics,
# exception logs) would repeat what the chassis records already, the official
# instrumentation's server span when traces are exported (chassis.tracing), the
# Prometheus metrics and the access and error logs, and it turns itself on whenever a
# tracer provider is set, which chassis.tracing always does.
NATIVE_TELEMETRY_OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False,
                                         "operation_spans": False}

access_log = logging.getLogger("access")
error_log = logging.getLogger("errors")


def problem_response(problem: Problem) -> Response:
    return Response(json.dumps(problem.body()), status_code=problem.status,
                    media_type=PROBLEM_CONTENT_TYPE, headers=problem.headers)


class RequestContextMiddleware:
    """Pure ASGI middleware: request id in and out, ``X-Served-By``, metrics, access log,
    and the catch-all that turns an unhandled exception into a logged 500 problem."""

    def __init__(self, app: ASGIApp, served_by: str) -> None:
        self.app = app
        self.served_by = served_by

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode())
        request_id = accept_request_id(offered.decode("latin-1") if offered else None)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"x-request-id", b"x-served-by")]
                headers += [(b"x-request-id", request_id.encode()),
                            (b"x-served-by", self.served_by.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            error_log.exception("unhandled error")
            if status["sent"]:
                raise
            await problem_response(Internal(request_id))(scope, receive, send_with_headers)
        finally:
            self._record(scope, status["code"], time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = getattr(scope.get("route"), "path", metrics.UNMATCHED_ROUTE)
        metrics.observe(self.served_by, scope["method"], route, status, elapsed)
        peer = scope.get("client")
        access_log.info("request", extra={
            "method": scope["method"], "route": route, "path": scope["path"],
            "status": status, "duration_ms": round(elapsed * 1000, 2),
            # The peer, or what a trusted proxy (FORWARDED_ALLOW_IPS) says it is.
            "client": peer[0] if peer else None})


def install(app: FastAPI, *, served_by: str, error_table: ErrorTable,
            readiness: Mapping[str, AsyncCheck], max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Install request ids, access logs, metrics, request bounds, problem errors and
    health routes."""
    app.add_middleware(RequestLimitsMiddleware,
                       limits=RequestLimits(max_body_bytes=max_body_bytes))
    app.add_middleware(RequestContextMiddleware, served_by=served_by)
    _install_error_handlers(app, error_table)
    _install_health_routes(app, readiness)


def _install_error_handlers(app: FastAPI, table: ErrorTable) -> None:
    async def on_problem(_request: Request, exc: Exception) -> Response:
        problem = problem_for(exc, table)
        if problem is None:  # pragma: no cover - only registered for mapped types
            raise exc
        return problem_response(problem)

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        problem = status_problem(exc.status_code)
        if exc.headers and "Allow" in exc.headers:
            problem.headers["Allow"] = exc.headers["Allow"]
        return problem_response(problem)

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem_response(ValidationFailed(field_errors(exc.errors())))

    app.add_exception_handler(Problem, on_problem)
    for exception_type in table:
        app.add_exception_handler(exception_type, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def _install_health_routes(app: FastAPI, readiness: Mapping[str, AsyncCheck]) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse(LIVE_BODY)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        return JSONResponse(await run_async_checks(readiness))

    @app.get("/metrics", include_in_schema=False)
    async def metrics_route() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency: the request body validated strictly as ``model``.

    Use as ``body: Annotated[ProductCreate, Depends(json_body(ProductCreate))]``.
    """
    async def dependency(request: Request) -> ModelT:
        return validate_body(model, await request.body())
    return dependency


def query(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency: the query string validated as ``model``."""
    async def dependency(request: Request) -> ModelT:
        params = request.query_params
        # The first of repeated parameters, as Flask's ``request.args`` gives it.
        return validate_query(model, {key: params.getlist(key)[0] for key in params})
    return dependency


def bearer_claims() -> Callable[[Request], Awaitable[Claims]]:
    """A dependency: the verified claims of the request's bearer token, checked by the
    app's own verifier (``state.deps.verifier``; a signature check of well under a
    millisecond, done on the event loop)."""
    async def dependency(request: Request) -> Claims:
        verifier: TokenVerifier = request.app.state.deps.verifier
        return verifier.verify(bearer_token(request.headers.get("authorization")))
    return dependency


def internal_caller(*callers: str) -> Callable[[Request], Awaitable[str]]:
    """A dependency for /internal routes: only the named callers, each presenting its
    own token (``caller_token(name)`` of the app's settings, ``state.deps.settings``),
    may call them.
    Answers the caller's name."""
    async def dependency(request: Request) -> str:
        offered = request.headers.get(INTERNAL_TOKEN_HEADER, "").encode()
        settings = request.app.state.deps.settings
        for caller in callers:
            expected = settings.caller_token(caller)
            if expected and hmac.compare_digest(offered, expected.encode()):
                return caller
        raise Unauthorized("A valid internal token of a caller of this route is required.")
    return dependency


def require_admin(claims: Claims) -> Claims:
    if claims.role != "admin":
        raise Forbidden("This action needs an administrator.")
    return claims


def json_ok(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json",
                    headers=dict(headers or {}))


def _threadpool_dependencies(app: FastAPI) -> list[str]:
    """The dependencies of ``app``'s routes that FastAPI runs in its thread pool: every
    plain ``def`` one. Each costs a hand-off to a worker thread and back on every request
    that uses it, so the chassis and the services write theirs as ``async def`` (a route's
    own handler may still be sync on purpose: the catalog's, over pymongo)."""
    found: set[str] = set()

    def walk(dependant: Any) -> None:
        for sub in dependant.dependencies:
            check(sub.call)
            walk(sub)

    def check(call: Any) -> None:
        if call is not None and not (inspect.iscoroutinefunction(call)
                                     or inspect.isasyncgenfunction(call)):
            found.add(f"{call.__module__}.{call.__qualname__}")

    def routes(table: list[Any]) -> None:
        for route in table:
            if (dependant := getattr(route, "dependant", None)) is not None:
                walk(dependant)
            # An included router (FastAPI resolves them lazily): its routes, and what
            # include_router itself added.
            if (router := getattr(route, "original_router", None)) is not None:
                routes(router.routes)
                context = getattr(route, "include_context", None)
                for depends in getattr(context, "dependencies", []):
                    check(depends.dependency)

    routes(app.router.routes)
    return sorted(found)


def request_overheads(app: FastAPI) -> list[str]:
    """What ``app`` would pay on every request for nothing, for its tests to refuse:
    dependencies handed to the thread pool , and
    FastAPI's own telemetry turned on beside the chassis's (``NATIVE_TELEMETRY_OFF``
    not passed; FastAPI offers no public way to ask, hence its private attribute)."""
    found = [f"thread pool: {name}" for name in _threadpool_dependencies(app)]
    if app._native_telemetry.enabled():
        found.append("FastAPI's native telemetry is on")
    return found
