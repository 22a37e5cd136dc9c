"""``GET /api/orders/events``: the caller's order events from the outbox table, as SSE.

The same stream as the gateway's, without a broker: a generator polls the
caller's outbox rows after its position (``seq``) with short sleeps between
polls, writes each event, and a comment at least every heartbeat.
``Last-Event-ID`` resumes after that event's row; one that is not kept replays
what is (nothing is missed), and rows are read by ``seq`` (nothing twice).

The cost: each open stream polls the outbox every ``SSE_POLL_SECONDS``. The
monolith's gevent workers (see its gunicorn.conf.py) yield during those sleeps,
so a stream holds a greenlet, not a worker; still (1) at most ``SSE_MAX_STREAMS``
streams are open across all workers on one host (slot files locked with flock,
freed when a worker dies), 503 past that, so that polling cannot crowd out the
shop; and (2) each response ends after ``SSE_MAX_STREAM_SECONDS`` with ``retry:``
telling the client to reconnect at once with its Last-Event-ID, which keeps the
stream working under a sync worker too (its timeout is 30 s).
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from chassis.clock import utcnow
from chassis.problems import Unavailable
from flask import Blueprint, Response, request, stream_with_context

from shop.db import Database
from shop.orders.outbox import OutboxRepository
from shop.web import caller, deps

bp = Blueprint("order_events", __name__)

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
MAX_LAST_EVENT_ID = 64
READ_COUNT = 100
RECONNECT_MS = 500
# Old events are purged when a stream opens, at most this often per worker: a burst of
# streams opening (clients reconnecting every SSE_MAX_STREAM_SECONDS) is not a burst of
# DELETEs. Purging later only keeps events longer than the retention asks.
PURGE_EVERY_SECONDS = 60.0
_last_purge = [float("-inf")]


@bp.get("/api/orders/events")
def order_events() -> Response:
    user_id = caller().subject
    settings = deps().settings
    slot = _take_slot(settings.data_dir / "monolith" / "streams", settings.sse_max_streams)
    if slot is None:
        raise Unavailable("Too many event streams are open; try again shortly.", retry_after=5)
    try:
        position = _position(deps().db, user_id, request.headers.get("Last-Event-ID"),
                             settings.event_retention_seconds)
    except BaseException:
        slot.close()
        raise
    messages = _messages(deps().db, user_id, position, slot, settings)
    return Response(stream_with_context(messages), mimetype=MEDIA_TYPE, headers=HEADERS)


def _position(db: Database, user_id: str, last_event_id: str | None, retention: int) -> int:
    """The ``seq`` to read after: the resumed event's, else the caller's newest now."""
    if time.monotonic() - _last_purge[0] >= PURGE_EVERY_SECONDS:
        _last_purge[0] = time.monotonic()
        with db.uow(write=True) as uow:
            OutboxRepository(uow.session).purge(now=utcnow(), retention_seconds=retention)
            uow.commit()
    with db.uow() as uow:
        outbox = OutboxRepository(uow.session)
        if last_event_id is None or not last_event_id.strip():
            return outbox.newest_seq(user_id)
        if len(last_event_id) > MAX_LAST_EVENT_ID:
            return 0
        return outbox.seq_of(user_id=user_id, event_id=last_event_id.strip()) or 0


def _messages(db: Database, user_id: str, position: int, slot: IO[str],
              settings: Any) -> Iterator[str]:
    ends_at = time.monotonic() + settings.sse_max_stream_seconds
    try:
        yield f"retry: {RECONNECT_MS}\n: stream open\n\n"
        beat = time.monotonic()
        while time.monotonic() < ends_at:
            with db.uow() as uow:
                found = OutboxRepository(uow.session).after(user_id=user_id, seq=position,
                                                            limit=READ_COUNT)
            for seq, event in found:
                yield _message(event)
                position = seq
            if time.monotonic() - beat >= settings.sse_heartbeat_seconds:
                yield ": keep-alive\n\n"
                beat = time.monotonic()
            if len(found) < READ_COUNT:
                time.sleep(settings.sse_poll_seconds)
    finally:
        slot.close()


def _message(event: dict[str, Any]) -> str:
    data = json.dumps(event, separators=(",", ":"))
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"


def _take_slot(directory: Path, slots: int) -> IO[str] | None:
    """An exclusive lock on one of ``slots`` files, held until the file is closed."""
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(slots):
        handle = open(directory / f"slot-{number}.lock", "a")  # noqa: SIM115 (held open)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


__all__ = ["bp"]
