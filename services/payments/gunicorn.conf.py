"""Gunicorn settings: ``gunicorn -c services/payments/gunicorn.conf.py payments.asgi:app``."""

from __future__ import annotations

import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8105')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "uvicorn_worker.UvicornWorker"
accesslog = None  # the chassis logs one JSON line per request
graceful_timeout = 20
timeout = 30


def child_exit(_server: Any, worker: Any) -> None:
    """Forget a dead worker's metrics so /metrics adds up only the living ones."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

# gunicorn 27 opens a control socket under $HOME by default: shared by every app on
# a host and impossible on a read-only root filesystem. Nothing here uses it.
control_socket_disable = True
