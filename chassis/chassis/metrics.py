"""Prometheus metrics: every family the apps export is defined here, once.

    http_requests_total, http_request_duration_seconds   RED per route (every app)
    checkout_step_duration_seconds, checkouts_total       checkout steps (orders, monolith)
    circuit_breaker_transitions_total, circuit_breaker_open   breakers (gateway, orders)
    gateway_rate_limited_requests_total                   refusals at the edge (gateway)
    db_pool_connections, db_pool_max_connections          SQL and MongoDB pools
    http_client_requests_in_flight, http_client_request_duration_seconds
                                                          outbound HTTP (gateway, orders)
    process_cpu_seconds_total, process_resident_memory_bytes, ...   the app's processes

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder (the launcher and the images do) so that ``/metrics`` adds up
every worker's samples instead of showing one worker's. Gauges then say how
they add up (``livesum``: the living workers' values, summed).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from chassis.process_metrics import ProcessGroupCollector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered.", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

CHECKOUT_STEP_SECONDS = Histogram(
    "checkout_step_duration_seconds",
    "Time spent in one step of a checkout, by step and outcome (ok or the error's name).",
    ["step", "outcome"],
    buckets=LATENCY_BUCKETS,
)
CHECKOUTS = Counter(
    "checkouts_total", "Checkouts finished, by outcome (confirmed or the error's name).",
    ["outcome"],
)

BREAKER_TRANSITIONS = Counter(
    "circuit_breaker_transitions_total",
    "Circuit breaker state changes, by breaker and the state entered.",
    ["breaker", "state"],
)
BREAKER_OPEN = Gauge(
    "circuit_breaker_open",
    "1 while the breaker is open or half-open, else 0 (the highest over the workers).",
    ["breaker"], multiprocess_mode="livemax",
)

RATE_LIMITED = Counter(
    "gateway_rate_limited_requests_total",
    "Requests the gateway refused with 429, by kind of client (sub: a token, addr: a peer).",
    ["client_kind"],
)
RATE_LIMIT_FAIL_OPEN = Counter(
    "gateway_rate_limit_fail_open_total",
    "Times the rate limiter let requests through because Redis did not answer.",
)

POOL_CONNECTIONS = Gauge(
    "db_pool_connections",
    "Connections of a store's client pool, by state (open, in_use), over the living workers.",
    ["pool", "state"], multiprocess_mode="livesum",
)
POOL_MAX = Gauge(
    "db_pool_max_connections",
    "The most connections a store's client pool may open, over the living workers.",
    ["pool"], multiprocess_mode="livesum",
)

CLIENT_IN_FLIGHT = Gauge(
    "http_client_requests_in_flight",
    "Outbound requests waiting for an answer (each holds one pooled connection).",
    ["downstream"], multiprocess_mode="livesum",
)
CLIENT_MAX_CONNECTIONS = Gauge(
    "http_client_pool_max_connections",
    "The most connections an outbound client's pool may open, over the living workers.",
    ["downstream"], multiprocess_mode="livesum",
)
CLIENT_LATENCY = Histogram(
    "http_client_request_duration_seconds",
    "Time of one outbound attempt, by downstream, method and status (or error).",
    ["downstream", "method", "status"],
    buckets=LATENCY_BUCKETS,
)

UNMATCHED_ROUTE = "<unmatched>"


def observe(service: str, method: str, route: str, status: int, seconds: float) -> None:
    labels = (service, method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text exposition of this process (or of every worker, in multiprocess mode,
    with the CPU and memory of the whole gunicorn process group)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(ProcessGroupCollector())
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
