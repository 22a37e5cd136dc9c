"""Redis Streams as the event broker: publishing exactly once per event id, and
the names of the streams.

Each event goes to its topic's stream (``orders.events``, ``catalog.events``),
read by consumer groups, and, when it has an owner, to that owner's own stream
(``orders.events.user.<id>``), which the live order stream reads so that a
client's resume scans only its own events. Both XADDs and the event's marker
key run in one MULTI/EXEC under WATCH of the marker: a relay that published and
died before marking its outbox row publishes nothing twice when it tries again.

Streams are trimmed by age (``MINID`` ~ now - retention) as they are written,
and a user's stream expires when it has been quiet for the retention period.
"""

from __future__ import annotations

import json
import time
from typing import Any

from redis import Redis, WatchError

ORDERS_STREAM = "orders.events"
CATALOG_STREAM = "catalog.events"
USER_STREAM_PREFIX = "orders.events.user."
_MARKER_PREFIX = "events.published."
DEFAULT_RETENTION_SECONDS = 25 * 3600


def user_stream(user_id: str) -> str:
    return f"{USER_STREAM_PREFIX}{user_id}"


def min_id(retention_seconds: int, now: float | None = None) -> str:
    """The oldest stream id still kept: entries older than ``retention_seconds`` go."""
    return str(int(((now or time.time()) - retention_seconds) * 1000))


def publish(redis: Redis, event: dict[str, Any], *, stream: str, owner_stream: str | None,
            retention_seconds: int = DEFAULT_RETENTION_SECONDS) -> bool:
    """Append ``event`` to its streams unless it is there already; whether it was added."""
    marker = f"{_MARKER_PREFIX}{event['id']}"
    fields = {"id": event["id"], "type": event["type"], "event": json.dumps(event)}
    oldest = min_id(retention_seconds)
    with redis.pipeline(transaction=True) as pipe:
        try:
            pipe.watch(marker)
            if pipe.exists(marker):
                return False
            pipe.multi()
            pipe.xadd(stream, fields, minid=oldest, approximate=True)
            if owner_stream is not None:
                pipe.xadd(owner_stream, fields, minid=oldest, approximate=True)
                pipe.expire(owner_stream, retention_seconds)
            pipe.set(marker, "1", ex=retention_seconds)
            pipe.execute()
        except WatchError:
            return False
    return True


def decode(fields: dict[bytes, bytes]) -> dict[str, Any]:
    """The CloudEvent of one stream entry."""
    return dict(json.loads(fields[b"event"]))
