"""gunicorn settings for the monolith: ``gunicorn -c monolith/gunicorn.conf.py shop.wsgi:app``.

gevent workers, not sync ones: a sync worker is held whole by one client for as
long as that client takes to send its request or read its answer, so two slow
clients stopped the shop. A gevent worker parks a slow client's greenlet on its
socket and serves the others (up to ``worker_connections`` each). gunicorn
monkey-patches the standard library before it loads the app; psycopg 3 (3.1.14
and later) then waits on its sockets through gevent, SQLAlchemy's pool locks
become gevent locks, and SQLite calls (quick, local) simply run to completion.
The cost is in docs/contract-decisions.md ("Servers and workers").

The app is loaded once, in the master, and the workers fork from it (``preload_app``):
the code and the objects made at start-up stay shared between the workers instead of
one copy each (docs/performance.md, "Workers per app"). For that the master patches
the standard library first, before anything else is imported, so the app it loads is
the patched one the workers run; a worker's own patching then finds nothing left to do.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

# ruff: noqa: E402 (the patching above must come before every other import)
from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    LIMIT_REQUEST_LINE,
    bind_address,
    child_exit,
    freeze_before_fork,
    trust_the_proxy_on_the_socket,
    when_ready,
)
from chassis.server_errors import answer_gunicorn_errors_as_problems

from shop.config import Settings

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
# On a Unix socket (BIND_SOCKET) the client's address comes from the proxy beside the app.
post_worker_init = trust_the_proxy_on_the_socket
worker_class = "gevent"
preload_app = True
pre_fork = freeze_before_fork
worker_connections = 1000
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE
limit_request_line = LIMIT_REQUEST_LINE
answer_gunicorn_errors_as_problems(served_by="monolith")

__all__ = ["child_exit", "when_ready"]
