"""Prometheus request metrics, by route template and status.

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder (the launcher and the images do) so that ``/metrics`` adds up
every worker's samples instead of showing one worker's.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered.", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

UNMATCHED_ROUTE = "<unmatched>"


def observe(service: str, method: str, route: str, status: int, seconds: float) -> None:
    labels = (service, method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The text exposition of this process (or of every worker, in multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
