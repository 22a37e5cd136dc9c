"""gunicorn settings for the gateway: ``gunicorn -c gateway/gunicorn.conf.py gateway.asgi:app``."""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_address,
    child_exit,
    freeze_before_fork,
    trust_the_proxy_on_the_socket,
    when_ready,
)
from chassis.uvicorn_worker import problem_worker
from gateway.config import Settings

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
# On a Unix socket (BIND_SOCKET) the client's address comes from the proxy beside the app.
post_worker_init = trust_the_proxy_on_the_socket
worker_class = problem_worker(served_by="gateway")
# Loaded once in the master, its workers forked from it: they share its code and start-up
# objects (the lifespan still opens every client in each worker).
preload_app = True
pre_fork = freeze_before_fork
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "when_ready"]
