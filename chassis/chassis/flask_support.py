"""The chassis wired into a Flask app: request ids, logs, metrics, problems, health.

    install(app, served_by="monolith", error_table=..., readiness={"database": ping})
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, json, request
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from chassis import metrics
from chassis.flask_limits import install_request_limits
from chassis.health import LIVE_BODY, Check, run_checks
from chassis.problems import (
    PROBLEM_CONTENT_TYPE,
    ErrorTable,
    Forbidden,
    Internal,
    Problem,
    problem_for,
    status_problem,
)
from chassis.request_context import REQUEST_ID_HEADER, accept_request_id, request_id_var
from chassis.request_limits import MAX_BODY_BYTES, RequestLimits
from chassis.tokens import Claims, TokenVerifier, bearer_token
from chassis.validation import ModelT, validate_body

access_log = logging.getLogger("access")
error_log = logging.getLogger("errors")


def problem_response(problem: Problem) -> Response:
    response = Response(json.dumps(problem.body()), status=problem.status,
                        content_type=PROBLEM_CONTENT_TYPE)
    response.headers.update(problem.headers)
    return response


def json_response(body: Any, status: int = 200,
                  headers: Mapping[str, str] | None = None) -> Response:
    response = Response(json.dumps(body), status=status, content_type="application/json")
    response.headers.update(headers or {})
    return response


class IdConverter(BaseConverter):
    """The default path converter: one path segment without NUL characters. Every path
    parameter is an id, and PostgreSQL cannot even compare a string holding NUL: such
    an id matches no route (a 404) instead of failing in the database (a 500)."""

    regex = "[^/\x00]+"


def install(app: Flask, *, served_by: str, error_table: ErrorTable,
            readiness: Mapping[str, Check], max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Install request ids, access logs, metrics, request bounds, problem errors and
    health routes (before the app's own routes are added: they use the id converter,
    and no automatic OPTIONS answer: OPTIONS is a 405 like on the ASGI apps)."""
    app.url_map.converters["default"] = IdConverter
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    _install_request_lifecycle(app, served_by)
    install_request_limits(app, RequestLimits(max_body_bytes=max_body_bytes))
    _install_error_handlers(app, error_table)
    _install_health_routes(app, readiness)


def _install_request_lifecycle(app: Flask, served_by: str) -> None:
    @app.before_request
    def start() -> None:
        g.request_started = time.perf_counter()
        g.request_id_token = request_id_var.set(
            accept_request_id(request.headers.get(REQUEST_ID_HEADER)))

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id_var.get() or ""
        response.headers["X-Served-By"] = served_by
        route = request.url_rule.rule if request.url_rule else metrics.UNMATCHED_ROUTE
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        metrics.observe(served_by, request.method, route, response.status_code, elapsed)
        access_log.info("request", extra={
            "method": request.method, "route": route, "path": request.path,
            "status": response.status_code, "duration_ms": round(elapsed * 1000, 2),
            "client": request.remote_addr})  # the socket's peer: gunicorn never rewrites it
        return response

    @app.teardown_request
    def forget(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)


def _install_error_handlers(app: Flask, table: ErrorTable) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        problem = status_problem(exc.code or 500)
        allow = dict(exc.get_headers()).get("Allow")
        if allow:
            problem.headers["Allow"] = allow
        return problem_response(problem)

    @app.errorhandler(Exception)
    def any_error(exc: Exception) -> Response:
        problem = problem_for(exc, table)
        if problem is None:
            error_log.exception("unhandled error")
            problem = Internal(request_id_var.get())
        return problem_response(problem)


def _install_health_routes(app: Flask, readiness: Mapping[str, Check]) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        return json_response(LIVE_BODY)

    @app.get("/readyz")
    def readyz() -> Response:
        return json_response(run_checks(readiness))

    @app.get("/metrics")
    def metrics_route() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)


def authenticate(verifier: TokenVerifier) -> Claims:
    """The verified claims of the current request's bearer token."""
    return verifier.verify(bearer_token(request.headers.get("Authorization")))


def require_admin(claims: Claims) -> Claims:
    if claims.role != "admin":
        raise Forbidden("This action needs an administrator.")
    return claims


def body(model: type[ModelT]) -> ModelT:
    """The current request's body validated strictly against ``model``."""
    return validate_body(model, request.get_data())


def dump(model: BaseModel) -> dict[str, Any]:
    """A response model as JSON-ready data."""
    return model.model_dump(mode="json")
