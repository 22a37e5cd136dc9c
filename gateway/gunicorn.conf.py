"""Gunicorn settings: ``gunicorn -c gateway/gunicorn.conf.py gateway.asgi:app``."""

from __future__ import annotations

import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
accesslog = None  # the chassis logs one JSON line per request
errorlog = "-"
keepalive = 5
graceful_timeout = 20
timeout = 30


def child_exit(_server: Any, worker: Any) -> None:
    """Forget a dead worker's metrics so /metrics adds up only the living ones."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
