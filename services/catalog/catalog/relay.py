"""The catalog's relay: a process of its own (``python -m catalog.relay``) that
publishes the events pending in product documents to the ``catalog.events``
stream and then drops them from the documents.

At least once: an event is dropped only after its XADD ran, so a relay that
dies in between publishes it again, and :func:`chassis.streams.publish` drops
that repeat by event id. With the broker down the events wait in the product
documents (catalog writes do not notice) and go out when it answers again.

One process per deployment, not a thread in each web worker: it polls MongoDB,
and N workers polling would cost N times that for nothing. It answers /healthz
and /readyz on HOST:PORT (its own port, not the service's: 8112 in compose).
"""

from __future__ import annotations

import logging
import signal
import threading

from chassis.logs import configure_logging
from chassis.relay_probe import Heartbeat, serve_probes
from redis import Redis, RedisError

from catalog.config import Settings
from catalog.db import Database, connect
from catalog.events import cloud_events
from catalog.repository import ProductRepository
from chassis import streams

log = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2.0
# Wait after a failed round grows to this, so a broker that is down costs one try a second.
MAX_BACKOFF_SECONDS = 1.0


def relay_once(*, db: Database, broker: Redis, batch_size: int, retention_seconds: int) -> int:
    """Publish the pending events of up to ``batch_size`` products; how many were published."""
    products = ProductRepository(db)
    published = 0
    for doc in products.with_pending_events(batch_size):
        texts = []
        for text, event in cloud_events(doc):
            streams.publish(broker, event, stream=streams.CATALOG_STREAM, owner_stream=None,
                            retention_seconds=retention_seconds)
            texts.append(text)
        products.events_published(doc, texts)
        published += len(texts)
    return published


def run(settings: Settings, stop: threading.Event) -> None:
    """Relay until ``stop`` is set: at once while there is a backlog, else every interval."""
    client = connect(settings.mongodb_url, timeout_ms=settings.mongodb_timeout_ms)
    db = client[settings.mongodb_database]
    broker = Redis.from_url(settings.events_redis_url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                            socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    heartbeat = Heartbeat(stale_after_seconds=30 + 10 * settings.relay_interval_seconds)
    probes = serve_probes(settings.relay_host, settings.relay_port, heartbeat, {
        "mongodb": lambda: db.command("ping") and None,
        "broker": lambda: broker.ping() and None})
    backoff = 0.0
    log.info("relay started", extra={"every_seconds": settings.relay_interval_seconds})
    try:
        while not stop.is_set():
            published, backoff = _round(settings, db, broker, backoff)
            heartbeat.beat()
            if published < settings.relay_batch_size:
                stop.wait(backoff or settings.relay_interval_seconds)
    finally:
        probes.shutdown()
        broker.close()
        client.close()


def _round(settings: Settings, db: Database, broker: Redis,
           backoff: float) -> tuple[int, float]:
    """One relay round: (events published, how long to back off before the next)."""
    try:
        return relay_once(db=db, broker=broker, batch_size=settings.relay_batch_size,
                          retention_seconds=settings.event_retention_seconds), 0.0
    except (RedisError, OSError) as exc:
        log.warning("broker unavailable; events wait in the products: %r", exc)
        return 0, min(MAX_BACKOFF_SECONDS, backoff * 2 or settings.relay_interval_seconds)
    except Exception:  # one bad round (MongoDB away) must not end the relay
        log.exception("relay round failed")
        return 0, MAX_BACKOFF_SECONDS


def main() -> None:
    settings = Settings()
    configure_logging("catalog-relay", settings.log_level)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    run(settings, stop)


if __name__ == "__main__":
    main()
