"""gunicorn settings for the catalog service:

    gunicorn -c services/catalog/gunicorn.conf.py catalog.asgi:app
"""

from __future__ import annotations

from catalog.config import Settings
from chassis.gunicorn_settings import (
    ACCESS_LOG,
    CONTROL_SOCKET_DISABLE,
    bind_address,
    child_exit,
    freeze_before_fork,
    when_ready,
)
from chassis.uvicorn_worker import problem_worker

_settings = Settings()
bind = bind_address(_settings)
workers = _settings.web_concurrency
forwarded_allow_ips = _settings.forwarded_allow_ips
worker_class = problem_worker(served_by="catalog")
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
