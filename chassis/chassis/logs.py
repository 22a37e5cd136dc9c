"""One JSON object per log line, each carrying the service name, the request id and the
trace id (of the span being served, when there is one)."""

from __future__ import annotations

import logging
import sys

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from chassis.request_context import current_request_id


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = current_request_id()
        record.trace_id = _trace_id()
        return True


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every record of the process to stderr as JSON (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{service}{request_id}{trace_id}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_shopstack", False):
            root.removeHandler(existing)
    handler._shopstack = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
