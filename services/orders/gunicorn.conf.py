"""gunicorn settings for the orders service (see the README for the command line).

The master also starts the reconciler, ``python -m orders.manage reconcile --every N``,
as a child process once it is ready (not a thread: the master forks workers, and
forking a process that runs threads is unsafe). It stops with the master, and on
its own if the master dies. ``RECONCILE_INTERVAL_SECONDS=0`` turns it off, for a
deployment that runs the reconciler as its own process instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    LIMIT_REQUEST_LINE,
    bind_address,
    child_exit,
    clear_metrics,
)
from chassis.server_errors import answer_gunicorn_errors_as_problems
from orders.config import Settings

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
worker_class = "sync"
# A checkout makes several downstream calls, each bounded by UPSTREAM_TIMEOUT_SECONDS.
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE
limit_request_line = LIMIT_REQUEST_LINE
answer_gunicorn_errors_as_problems(served_by="orders")

__all__ = ["child_exit", "when_ready", "on_exit"]

_reconciler: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:
    global _reconciler
    clear_metrics(server)
    interval = _settings.reconcile_interval_seconds
    if interval > 0:
        _reconciler = subprocess.Popen(
            [sys.executable, "-m", "orders.manage", "reconcile", "--every", str(interval),
             "--parent-pid", str(os.getpid())])
        server.log.info("reconciler started (pid %s, every %ss)", _reconciler.pid, interval)


def on_exit(server: Any) -> None:
    if _reconciler is not None and _reconciler.poll() is None:
        _reconciler.terminate()
        try:
            _reconciler.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _reconciler.kill()
