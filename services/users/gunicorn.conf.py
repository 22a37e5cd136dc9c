"""gunicorn settings for the users service:

    gunicorn -c services/users/gunicorn.conf.py users.wsgi:app
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
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE
limit_request_line = LIMIT_REQUEST_LINE
answer_gunicorn_errors_as_problems(served_by="users")

__all__ = ["child_exit", "when_ready"]
