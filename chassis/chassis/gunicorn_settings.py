"""What every deployable's ``gunicorn.conf.py`` shares.

A config file reads its deployable's Settings (the one source of HOST, PORT,
BIND_SOCKET, WEB_CONCURRENCY and FORWARDED_ALLOW_IPS) and takes the hooks it wants
by name, e.g.::

    from chassis.gunicorn_settings import (bind_address, child_exit,
                                           trust_the_proxy_on_the_socket, when_ready)
    from users.config import Settings

    _settings = Settings()
    bind = bind_address(_settings)
    workers = _settings.web_concurrency
    forwarded_allow_ips = _settings.forwarded_allow_ips
    post_worker_init = trust_the_proxy_on_the_socket

gunicorn reads module-level names, so imported hooks count as defined; it ignores
names that are none of its settings (``_settings``). The master builds the Settings
before it forks: a bad value stops it with the message the app would give.
"""

from __future__ import annotations

import gc
import inspect
import os
import shutil
from pathlib import Path
from typing import Any

from chassis.process_metrics import PROCESS_GROUP_PID_ENV
from chassis.settings import ChassisSettings

# The chassis logs one JSON line per request; gunicorn's access log would double it.
ACCESS_LOG = None
# gunicorn's own head limits sit above the app's (chassis.request_limits), so that the app
# answers an oversize request target or header with its problem first: 8190 is the most
# gunicorn takes for the request line; its header limits (100 fields of 8190 bytes) stay.
LIMIT_REQUEST_LINE = 8190
# gunicorn 27 opens a control socket under $HOME by default: shared by every app on a
# host and impossible on a read-only root filesystem. Nothing here uses it.
CONTROL_SOCKET_DISABLE = True


def bind_address(settings: ChassisSettings) -> str:
    """``unix:BIND_SOCKET`` when a socket is named (a proxy beside the app in the same Pod,
    sharing a volume); otherwise TCP on ``HOST:PORT``."""
    if settings.bind_socket:
        return f"unix:{settings.bind_socket}"
    return f"{settings.host}:{settings.port}"


def freeze_before_fork(_server: Any, _worker: Any) -> None:
    """gunicorn's ``pre_fork`` for a preloaded app: every object the master made is moved
    out of the garbage collector's reach (``gc.freeze``), so that no collection in a
    worker writes to the pages it shares with the master and its siblings."""
    gc.freeze()


def trust_the_proxy_on_the_socket(worker: Any) -> None:
    """gunicorn's ``post_worker_init``: on a ``BIND_SOCKET`` binding, the client's address
    is the one the proxy beside the app forwards (:mod:`chassis.proxied_peer`), since that
    proxy is the socket's only peer. On TCP nothing changes: ``FORWARDED_ALLOW_IPS`` decides.

    gunicorn has loaded the app by now (``worker.wsgi``, WSGI or ASGI) and serves what this
    leaves there."""
    if not os.environ.get("BIND_SOCKET"):
        return
    from chassis.proxied_peer import ProxiedPeerASGI, ProxiedPeerWSGI

    app = worker.wsgi
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    is_asgi = inspect.iscoroutinefunction(call)
    worker.wsgi = ProxiedPeerASGI(app) if is_asgi else ProxiedPeerWSGI(app)


def clear_metrics(_server: Any) -> None:
    """Start with an empty metrics folder so that no dead worker's samples linger, and
    tell the workers whose process group /metrics reports CPU and memory for.

    gunicorn calls this once it holds its port and before it forks a worker (not
    ``on_starting``, which runs before the bind): a server that cannot bind because
    another one runs there leaves that one's samples alone."""
    os.environ[PROCESS_GROUP_PID_ENV] = str(os.getpid())
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.is_dir():
            for entry in path.iterdir():
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        path.mkdir(parents=True, exist_ok=True)


# The hook by gunicorn's name, for configs with no ``when_ready`` of their own.
when_ready = clear_metrics


def child_exit(_server: Any, worker: Any) -> None:
    """Forget a dead worker's live samples so /metrics adds up only the living ones."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
