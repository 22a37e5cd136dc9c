"""gunicorn settings for the gateway: ``gunicorn -c gateway/gunicorn.conf.py gateway.asgi:app``."""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_from_env,
    child_exit,
    forwarded_allow_ips_from_env,
    on_starting,
    workers_from_env,
)

bind = bind_from_env(default_port=8080)
workers = workers_from_env()
forwarded_allow_ips = forwarded_allow_ips_from_env()
worker_class = "uvicorn_worker.UvicornWorker"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "on_starting"]
