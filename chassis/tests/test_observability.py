"""Traces and metrics of the chassis, in process: a caller's traceparent reaches the
handler and the log lines of a Flask and of a FastAPI app, a request without one gets
a trace of its own, and breakers, steps and outbound calls are counted."""

from __future__ import annotations

import io
import json
import logging
import secrets
import subprocess
import sys

import httpx
import pytest
from chassis.breaker import CircuitBreaker
from chassis.logs import configure_logging
from chassis.outbound import ServiceClient
from chassis.process_metrics import ProcessGroupCollector
from chassis.settings import ChassisSettings
from chassis.steps import checkout_finished, checkout_step, outcome_of
from chassis.tracing import install_fastapi, install_flask
from fastapi import FastAPI
from fastapi.testclient import TestClient
from flask import Flask
from opentelemetry import trace
from prometheus_client import REGISTRY

from chassis import fastapi_support, flask_support

log = logging.getLogger("test.observability")


def current_trace_id() -> str:
    return format(trace.get_current_span().get_span_context().trace_id, "032x")


def flask_app() -> Flask:
    app = Flask(__name__)
    flask_support.install(app, served_by="flask-test", error_table={}, readiness={})
    install_flask(app, service="flask-test", settings=ChassisSettings())

    @app.get("/trace")
    def show() -> dict[str, str]:
        log.info("inside")
        return {"trace_id": current_trace_id()}
    return app


def fastapi_app() -> FastAPI:
    app = FastAPI()
    fastapi_support.install(app, served_by="fastapi-test", error_table={}, readiness={})
    install_fastapi(app, service="fastapi-test", settings=ChassisSettings())

    @app.get("/trace")
    async def show() -> dict[str, str]:
        log.info("inside")
        return {"trace_id": current_trace_id()}
    return app


@pytest.fixture
def log_lines() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("test")
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_shopstack", False))
    handler.setStream(stream)  # type: ignore[attr-defined]
    return stream


def get(app: Flask | FastAPI, headers: dict[str, str]) -> str:
    if isinstance(app, Flask):
        return str(app.test_client().get("/trace", headers=headers).get_json()["trace_id"])
    with TestClient(app) as client:
        return str(client.get("/trace", headers=headers).json()["trace_id"])


@pytest.mark.parametrize("make_app", [flask_app, fastapi_app], ids=["flask", "fastapi"])
def test_the_callers_traceparent_reaches_the_handler_and_every_log_line(
        make_app: object, log_lines: io.StringIO) -> None:
    trace_id, request_id = secrets.token_hex(16), secrets.token_hex(8)
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
               "X-Request-ID": request_id}
    assert get(make_app(), headers) == trace_id  # type: ignore[operator]
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == request_id]
    assert {line["message"] for line in mine} == {"inside", "request"}
    assert all(line["trace_id"] == trace_id for line in mine)


@pytest.mark.parametrize("make_app", [flask_app, fastapi_app], ids=["flask", "fastapi"])
def test_a_request_without_traceparent_gets_a_trace_of_its_own(make_app: object) -> None:
    first = get(make_app(), {})  # type: ignore[operator]
    second = get(make_app(), {})  # type: ignore[operator]
    assert len(first) == 32 and first != "0" * 32 and first != second


def test_a_log_line_outside_any_request_has_no_trace_id(log_lines: io.StringIO) -> None:
    log.info("outside")
    assert json.loads(log_lines.getvalue())["trace_id"] is None


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_breaker_state_change_is_counted_once() -> None:
    now = [0.0]
    name = f"test-{secrets.token_hex(4)}"
    breaker = CircuitBreaker(name, failure_threshold=2, reset_seconds=5, clock=lambda: now[0])
    assert sample("circuit_breaker_open", breaker=name) == 0
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_failure()  # already open: no second change
    assert sample("circuit_breaker_transitions_total", breaker=name, state="open") == 1
    assert sample("circuit_breaker_open", breaker=name) == 1
    now[0] = 6
    breaker.before_call()
    breaker.record_success()
    assert sample("circuit_breaker_transitions_total", breaker=name, state="half-open") == 1
    assert sample("circuit_breaker_transitions_total", breaker=name, state="closed") == 1
    assert sample("circuit_breaker_open", breaker=name) == 0


class OutOfStock(Exception):
    pass


def test_a_step_is_timed_with_its_outcome_and_a_checkout_counted_by_its_end() -> None:
    before = sample("checkout_step_duration_seconds_count", step="t", outcome="out_of_stock")
    with pytest.raises(OutOfStock), checkout_step("t"):
        raise OutOfStock()
    with checkout_step("t") as step:
        step.outcome = "declined"
    assert sample("checkout_step_duration_seconds_count", step="t",
                  outcome="out_of_stock") == before + 1
    assert sample("checkout_step_duration_seconds_count", step="t", outcome="declined") >= 1
    confirmed = sample("checkouts_total", outcome="confirmed")
    checkout_finished("confirmed")
    assert sample("checkouts_total", outcome="confirmed") == confirmed + 1
    assert outcome_of(OutOfStock()) == "out_of_stock"


def test_every_outbound_attempt_is_timed_by_status_and_none_stays_in_flight() -> None:
    name = f"down-{secrets.token_hex(4)}"
    answers = iter([httpx.Response(503), httpx.Response(200)])
    client = ServiceClient(name, "http://down.test", retries=1,
                           transport=httpx.MockTransport(lambda _request: next(answers)))
    assert client.request("GET", "/x").status_code == 200
    for status in ("503", "200"):
        assert sample("http_client_request_duration_seconds_count", downstream=name,
                      method="GET", status=status) == 1
    assert sample("http_client_requests_in_flight", downstream=name) == 0
    assert sample("http_client_pool_max_connections", downstream=name) == 100


def test_the_process_group_reports_this_process_cpu_and_memory() -> None:
    families = {family.name: family for family in ProcessGroupCollector().collect()}
    assert families["process_cpu_seconds"].samples[0].value > 0
    assert families["process_resident_memory_bytes"].samples[0].value > 10_000_000


_ENGINE_BEFORE_CONFIGURE = """
import sys
from chassis.settings import ChassisSettings
from chassis.sql import make_engine
from chassis.tracing import configure, instrument_engine
before = make_engine("sqlite://")
configure("probe", ChassisSettings(otel_exporter_otlp_endpoint=sys.argv[1] or None))
after = make_engine("sqlite://")
print(len(before.dispatch.before_cursor_execute), len(after.dispatch.before_cursor_execute))
"""


@pytest.mark.parametrize(("endpoint", "listeners"), [("", "0 0"),
                                                     ("http://127.0.0.1:9", "1 1")])
def test_sql_statements_are_traced_only_when_spans_are_exported(
        endpoint: str, listeners: str) -> None:
    # A process of its own: the tracer provider is made once per process.
    found = subprocess.run([sys.executable, "-c", _ENGINE_BEFORE_CONFIGURE, endpoint],
                           capture_output=True, text=True, check=True, timeout=60)
    assert found.stdout.split("\n")[-2] == listeners
