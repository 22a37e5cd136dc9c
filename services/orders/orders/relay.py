"""The outbox relay: a process of its own (``python -m orders.relay``) that publishes
unpublished outbox rows to Redis Streams and stamps them published.

At least once: a row is stamped only after its XADDs ran, so a relay that dies
in between publishes it again, and :func:`chassis.streams.publish` drops that
repeat by event id. With the broker down the rows wait in the outbox (checkouts
do not notice) and go out, in order, when it answers again.

It answers /healthz and /readyz on HOST:PORT (its own port, not the service's:
8114 in compose and Kubernetes).
"""

from __future__ import annotations

import itertools
import logging
import threading
from datetime import timedelta

from chassis.background import Heartbeat, relay_rounds, run_until_signalled, serve_probes
from chassis.clock import utcnow
from chassis.logs import configure_logging
from redis import Redis

from chassis import streams
from orders.config import RelaySettings, Settings
from orders.db import Database
from orders.outbox import OutboxRepository

log = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2.0
PURGE_EVERY_ROUNDS = 500


def relay_once(*, db: Database, broker: Redis, batch_size: int, retention_seconds: int) -> int:
    """Publish one batch of the oldest unpublished events; how many were published.

    On PostgreSQL the batch stays locked (``FOR UPDATE SKIP LOCKED``) while it is
    published, so relays side by side never publish one row at once; row locks keep
    no checkout waiting. On SQLite a lock is the whole file's: the batch is read and
    published outside it and only the stamping takes it, briefly, so the checkouts'
    writes never queue behind the broker's round trips (one relay per SQLite file).
    """
    locking = db.dialect != "sqlite"
    with db.uow(write=locking) as uow:
        outbox = OutboxRepository(uow.session)
        rows = outbox.unpublished(batch_size)
        for row in rows:
            streams.publish(broker, row.event, stream=streams.ORDERS_STREAM,
                            owner_stream=streams.user_stream(row.user_id),
                            retention_seconds=retention_seconds)
        seqs = [row.seq for row in rows]
        if seqs and locking:
            outbox.mark_published(seqs, utcnow())
            uow.commit()
    if seqs and not locking:
        with db.uow(write=True) as uow:
            OutboxRepository(uow.session).mark_published(seqs, utcnow())
            uow.commit()
    return len(seqs)


def purge(db: Database, retention_seconds: int) -> int:
    """Forget published events older than the retention period."""
    with db.uow(write=True) as uow:
        purged = OutboxRepository(uow.session).purge_published(
            utcnow() - timedelta(seconds=retention_seconds))
        uow.commit()
    return purged


def run(settings: Settings, stop: threading.Event) -> None:
    """Relay until ``stop`` is set: at once while there is a backlog, else every interval."""
    db = Database.from_url(settings.sqlalchemy_url)
    broker = Redis.from_url(settings.events_redis_url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                            socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    heartbeat = Heartbeat(stale_after_seconds=30 + 10 * settings.relay_interval_seconds)
    probes = serve_probes(settings.host, settings.port, heartbeat,
                          {"database": db.ping, "broker": lambda: broker.ping() and None})
    rounds = itertools.count()

    def round_() -> int:
        if next(rounds) % PURGE_EVERY_ROUNDS == 0:
            purge(db, settings.event_retention_seconds)
        return relay_once(db=db, broker=broker, batch_size=settings.relay_batch_size,
                          retention_seconds=settings.event_retention_seconds)

    log.info("relay started", extra={"every_seconds": settings.relay_interval_seconds})
    try:
        relay_rounds(round_, batch_size=settings.relay_batch_size,
                     interval_seconds=settings.relay_interval_seconds,
                     heartbeat=heartbeat, stop=stop, waiting_in="the outbox")
    finally:
        probes.shutdown()
        broker.close()
        db.dispose()


def main() -> None:
    settings = RelaySettings()
    configure_logging("orders-relay", settings.log_level)
    run_until_signalled(lambda stop: run(settings, stop))


if __name__ == "__main__":
    main()
