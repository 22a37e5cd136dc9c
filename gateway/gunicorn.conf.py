"""gunicorn settings for the gateway: ``gunicorn -c gateway/gunicorn.conf.py gateway.asgi:app``."""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_from_env,
    child_exit,
    forwarded_allow_ips_from_env,
    trust_the_proxy_on_the_socket,
    when_ready,
    workers_from_env,
)
from chassis.uvicorn_worker import problem_worker

bind = bind_from_env(default_port=8080)
workers = workers_from_env()
forwarded_allow_ips = forwarded_allow_ips_from_env()
# On a Unix socket (BIND_SOCKET) the client's address comes from the proxy beside the app.
post_worker_init = trust_the_proxy_on_the_socket
worker_class = problem_worker(served_by="gateway")
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "when_ready"]
