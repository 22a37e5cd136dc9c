"""gunicorn settings for the users service:

    gunicorn -c services/users/gunicorn.conf.py users.wsgi:app

gevent workers, as the monolith's (see monolith/gunicorn.conf.py): the gateway's
connections stay open between calls (a sync worker closed each one after its answer)
and a slow client holds a greenlet, not the worker. argon2id (login, registration) is
CPU work and holds the worker while it runs, as it does in the monolith.
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
from users.config import Settings

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
worker_class = "gevent"
worker_connections = 1000
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE
limit_request_line = LIMIT_REQUEST_LINE
answer_gunicorn_errors_as_problems(served_by="users")

__all__ = ["child_exit", "when_ready"]
