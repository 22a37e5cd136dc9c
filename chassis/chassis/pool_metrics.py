"""The connection pools of the stores' clients, as gauges (chassis.metrics).

    db_pool_connections{pool, state="open"|"in_use"}   kept up to date by the pool's events
    db_pool_connections{pool, state="idle"}             Redis pools: open and not in use
    db_pool_max_connections{pool}                       the pool's ceiling

Each worker keeps its own pools; in multiprocess mode the gauges add up the
living workers. SQLAlchemy pools are watched through their events, pymongo's
through its connection-pool monitoring, redis-py's (sync or asyncio) by
recounting the pool each time a connection is taken from it or given back.
"""

from __future__ import annotations

import functools
import inspect
import os
from typing import TYPE_CHECKING, Any

from chassis.metrics import POOL_CONNECTIONS, POOL_MAX

if TYPE_CHECKING:  # the catalog's image has no SQLAlchemy: import it where it is used
    from sqlalchemy import Engine


def watch_sql_pool(engine: Engine, pool: str | None = None) -> None:
    """Gauges for ``engine``'s pool, labelled ``pool`` (default: the dialect's name)."""
    from sqlalchemy import event
    from sqlalchemy.pool import QueuePool

    pool = pool or engine.dialect.name
    opened = POOL_CONNECTIONS.labels(pool, "open")
    in_use = POOL_CONNECTIONS.labels(pool, "in_use")
    opened.inc(0)
    in_use.inc(0)
    if isinstance(engine.pool, QueuePool):
        ceiling = POOL_MAX.labels(pool)
        most = engine.pool.size() + max(engine.pool._max_overflow, 0)
        ceiling.inc(most)
        # An engine made in a preloading gunicorn master (its samples are cleared when
        # it is ready) is each forked worker's own pool: each counts its ceiling again.
        os.register_at_fork(after_in_child=lambda: ceiling.inc(most))
    event.listen(engine, "connect", lambda *_: opened.inc())
    event.listen(engine, "close", lambda *_: opened.dec())
    event.listen(engine, "close_detached", lambda *_: opened.dec())
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


def mongo_pool_listener(pool: str = "mongodb", max_pool_size: int = 100) -> Any:
    """A pymongo ``ConnectionPoolListener`` for ``MongoClient(event_listeners=[...])``."""
    from pymongo import monitoring

    opened = POOL_CONNECTIONS.labels(pool, "open")
    in_use = POOL_CONNECTIONS.labels(pool, "in_use")
    opened.inc(0)
    in_use.inc(0)
    POOL_MAX.labels(pool).inc(max_pool_size)

    class Listener(monitoring.ConnectionPoolListener):
        def pool_created(self, event: Any) -> None: ...
        def pool_ready(self, event: Any) -> None: ...
        def pool_cleared(self, event: Any) -> None: ...
        def pool_closed(self, event: Any) -> None: ...
        def connection_created(self, event: Any) -> None:
            opened.inc()
        def connection_ready(self, event: Any) -> None: ...
        def connection_closed(self, event: Any) -> None:
            opened.dec()
        def connection_check_out_started(self, event: Any) -> None: ...
        def connection_check_out_failed(self, event: Any) -> None: ...
        def connection_checked_out(self, event: Any) -> None:
            in_use.inc()
        def connection_checked_in(self, event: Any) -> None:
            in_use.dec()

    return Listener()


def _connected(connection: Any) -> bool:
    """A pooled redis-py connection with its socket open (a pool keeps the ones it
    disconnected, to connect them again when taken)."""
    flag = getattr(connection, "is_connected", None)
    if isinstance(flag, bool):
        return flag
    return getattr(connection, "_sock", None) is not None


def watch_redis_pool(client: Any, pool: str = "redis") -> None:
    """Gauges for a redis-py client's connection pool (``redis.Redis`` or
    ``redis.asyncio.Redis``), labelled ``pool``: connections in use, idle, and open."""
    connections = client.connection_pool
    in_use = POOL_CONNECTIONS.labels(pool, "in_use")
    idle = POOL_CONNECTIONS.labels(pool, "idle")
    opened = POOL_CONNECTIONS.labels(pool, "open")
    POOL_MAX.labels(pool).set(connections.max_connections)

    def recount() -> None:
        busy = len(getattr(connections, "_in_use_connections", ()))
        free = sum(1 for c in getattr(connections, "_available_connections", ())
                   if _connected(c))
        in_use.set(busy)
        idle.set(free)
        opened.set(busy + free)

    for name in ("get_connection", "release", "disconnect"):
        method = getattr(connections, name)
        if inspect.iscoroutinefunction(method):
            async def counted_async(*args: Any, _method: Any = method, **kwargs: Any) -> Any:
                try:
                    return await _method(*args, **kwargs)
                finally:
                    recount()
            setattr(connections, name, functools.wraps(method)(counted_async))
        else:
            def counted(*args: Any, _method: Any = method, **kwargs: Any) -> Any:
                try:
                    return _method(*args, **kwargs)
                finally:
                    recount()
            setattr(connections, name, functools.wraps(method)(counted))
    recount()
