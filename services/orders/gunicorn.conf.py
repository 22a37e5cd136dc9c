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
    bind_from_env,
    child_exit,
    forwarded_allow_ips_from_env,
    on_starting,
    workers_from_env,
)

bind = bind_from_env(default_port=8104)
workers = workers_from_env()
forwarded_allow_ips = forwarded_allow_ips_from_env()
worker_class = "sync"
# A checkout makes several downstream calls, each bounded by UPSTREAM_TIMEOUT_SECONDS.
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "on_starting", "when_ready", "on_exit"]

_reconciler: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:
    global _reconciler
    interval = float(os.environ.get("RECONCILE_INTERVAL_SECONDS", "30"))
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
