"""gunicorn settings for the orders service (see the README for the command line).

The API only: the reconciler (``python -m orders.reconciler``) and the outbox relay
(``python -m orders.relay``) are processes of their own, started beside it by the
launcher, compose and Kubernetes.

gevent workers, as the monolith's (see monolith/gunicorn.conf.py): a sync worker
closed every connection after its answer, so the gateway reconnected for each call,
and was held whole for the length of a checkout's saga, most of it spent waiting on
catalog, payments and cart. A gevent worker keeps the gateway's connections alive
and serves other requests while a saga waits. gunicorn monkey-patches the standard
library before it loads the app: the pooled httpx clients (chassis.outbound), psycopg
3 and the trace exporter's thread then wait through gevent; SQLite calls are local
and short and run to completion, and no transaction spans a downstream call.
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
worker_class = "gevent"
worker_connections = 1000
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
