"""gunicorn settings for the cart service:

    gunicorn -c services/cart/gunicorn.conf.py cart.asgi:app
"""

from __future__ import annotations

from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_from_env,
    child_exit,
    forwarded_allow_ips_from_env,
    when_ready,
    workers_from_env,
)
from chassis.uvicorn_worker import problem_worker

bind = bind_from_env(default_port=8103)
workers = workers_from_env()
forwarded_allow_ips = forwarded_allow_ips_from_env()
worker_class = problem_worker(served_by="cart")
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = ACCESS_LOG
errorlog = "-"
control_socket_disable = CONTROL_SOCKET_DISABLE

__all__ = ["child_exit", "when_ready"]
