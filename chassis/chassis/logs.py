"""One JSON object per log line, each carrying the service name and the request id."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from chassis.request_context import current_request_id


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = current_request_id()
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every record of the process to stderr as JSON (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter(service))
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{service}{request_id}{message}",
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
