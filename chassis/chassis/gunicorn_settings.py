"""What every deployable's ``gunicorn.conf.py`` shares.

A config file takes the settings and hooks it wants by name, e.g.::

    from chassis.gunicorn_settings import bind_from_env, child_exit, when_ready, workers_from_env

    bind = bind_from_env(default_port=8101)
    workers = workers_from_env()
    forwarded_allow_ips = forwarded_allow_ips_from_env()
    post_worker_init = trust_the_proxy_on_the_socket

gunicorn reads module-level names, so imported hooks count as defined.
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path
from typing import Any

from chassis.process_metrics import PROCESS_GROUP_PID_ENV

# The chassis logs one JSON line per request; gunicorn's access log would double it.
ACCESS_LOG = None
# gunicorn's own head limits sit above the app's (chassis.request_limits), so that the app
# answers an oversize request target or header with its problem first: 8190 is the most
# gunicorn takes for the request line; its header limits (100 fields of 8190 bytes) stay.
LIMIT_REQUEST_LINE = 8190
# gunicorn 27 opens a control socket under $HOME by default: shared by every app on a
# host and impossible on a read-only root filesystem. Nothing here uses it.
CONTROL_SOCKET_DISABLE = True


def bind_from_env(*, default_port: int) -> str:
    """``BIND_SOCKET``, a Unix socket path, when set (a proxy beside the app in the same
    Pod, sharing a volume); otherwise TCP: ``HOST`` (default loopback; images set
    0.0.0.0) and ``PORT``."""
    socket_path = os.environ.get("BIND_SOCKET")
    if socket_path:
        return f"unix:{socket_path}"
    return f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', default_port)}"


def forwarded_allow_ips_from_env() -> str:
    """The proxies whose ``X-Forwarded-For`` / ``-Proto`` count: ``FORWARDED_ALLOW_IPS``
    (addresses or networks, comma-separated), **none** when unset.

    gunicorn's and uvicorn's own default trusts loopback, and on a developer machine
    (``make run``) every client is on loopback: any of them could then name itself any
    address, to the gateway's rate limit and to the logs. Only a deployment with a proxy
    in front sets this, to that proxy's addresses (docs/deploy.md, "Trusted proxies").
    """
    return os.environ.get("FORWARDED_ALLOW_IPS", "")


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


def workers_from_env() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", "2"))


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
