"""gunicorn settings for the payments service:

    gunicorn -c services/payments/gunicorn.conf.py payments.asgi:app
"""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_address,
    child_exit,
    when_ready,
)
from chassis.uvicorn_worker import problem_worker
from payments.config import Settings

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
worker_class = problem_worker(served_by="payments")
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "when_ready"]
