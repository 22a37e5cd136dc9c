"""gunicorn settings for the orders service (see the README for the command line).

The API only: the reconciler (``python -m orders.reconciler``) and the outbox relay
(``python -m orders.relay``) are processes of their own, started beside it by the
launcher, compose and Kubernetes.
"""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    LIMIT_REQUEST_LINE,
    bind_address,
    child_exit,
    when_ready,
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

__all__ = ["child_exit", "when_ready"]
