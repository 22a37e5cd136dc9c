"""gunicorn settings for the users service (see the README for the command line)."""

from __future__ import annotations

import os
from typing import Any

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8101')}"
workers = int(os.environ.get('WEB_CONCURRENCY', '2'))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The chassis logs one JSON line per request; gunicorn's own access log would double it.
accesslog = None
errorlog = "-"
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl),
# which every service on the host would share; nothing here uses it.
control_socket_disable = True


def child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the shared Prometheus directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
