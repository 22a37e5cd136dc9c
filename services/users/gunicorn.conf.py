"""gunicorn settings for the users service:

    gunicorn -c services/users/gunicorn.conf.py users.wsgi:app
"""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    LIMIT_REQUEST_LINE,
    bind_from_env,
    child_exit,
    forwarded_allow_ips_from_env,
    when_ready,
    workers_from_env,
)
from chassis.server_errors import answer_gunicorn_errors_as_problems

bind = bind_from_env(default_port=8101)
workers = workers_from_env()
forwarded_allow_ips = forwarded_allow_ips_from_env()
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
