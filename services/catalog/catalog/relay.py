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
import threading

from chassis.background import Heartbeat, relay_rounds, run_until_signalled, serve_probes
from chassis.events import PRODUCT_CHANGED
from chassis.logs import configure_logging
from redis import Redis

from catalog.config import RelaySettings, Settings
from catalog.db import Database, connect
from catalog.events import cloud_events
from catalog.repository import ProductRepository
from catalog.versions import ProductsVersion
from chassis import streams

log = logging.getLogger(__name__)
BROKER_TIMEOUT_SECONDS = 2.0


def relay_once(*, db: Database, broker: Redis, batch_size: int, retention_seconds: int) -> int:
    """Publish the pending events of up to ``batch_size`` products; how many were published.
    A round that published a ``product.changed`` replaces the products version too: the
    write's own replacement may have failed (:mod:`catalog.versions`)."""
    products = ProductRepository(db)
    published = 0
    changed = False
    for doc in products.with_pending_events(batch_size):
        texts = []
        for text, event in cloud_events(doc):
            streams.publish(broker, event, stream=streams.CATALOG_STREAM, owner_stream=None,
                            retention_seconds=retention_seconds)
            texts.append(text)
            changed = changed or event["type"] == PRODUCT_CHANGED
        products.events_published(doc, texts)
        published += len(texts)
    if changed:
        ProductsVersion(broker).bump()
    return published


def run(settings: Settings, stop: threading.Event) -> None:
    """Relay until ``stop`` is set: at once while there is a backlog, else every interval."""
    client = connect(settings.mongodb_url, timeout_ms=settings.mongodb_timeout_ms)
    db = client[settings.mongodb_database]
    broker = Redis.from_url(settings.events_redis_url, socket_timeout=BROKER_TIMEOUT_SECONDS,
                            socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    heartbeat = Heartbeat(stale_after_seconds=30 + 10 * settings.relay_interval_seconds)
    probes = serve_probes(settings.host, settings.port, heartbeat, {
        "mongodb": lambda: db.command("ping") and None,
        "broker": lambda: broker.ping() and None})
    log.info("relay started", extra={"every_seconds": settings.relay_interval_seconds})
    try:
        relay_rounds(lambda: relay_once(db=db, broker=broker,
                                        batch_size=settings.relay_batch_size,
                                        retention_seconds=settings.event_retention_seconds),
                     batch_size=settings.relay_batch_size,
                     interval_seconds=settings.relay_interval_seconds,
                     heartbeat=heartbeat, stop=stop, waiting_in="the products")
    finally:
        probes.shutdown()
        broker.close()
        client.close()


def main() -> None:
    settings = RelaySettings()
    configure_logging("catalog-relay", settings.log_level)
    run_until_signalled(lambda stop: run(settings, stop))


if __name__ == "__main__":
    main()
