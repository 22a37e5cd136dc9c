"""Server-Sent Events framing: one message per event, comments to keep a stream alive."""

from __future__ import annotations

import json
from typing import Any

MEDIA_TYPE = "text/event-stream"
# No cache may keep the stream, and no proxy (nginx) may buffer it.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# Bounds what a client's Last-Event-ID costs to look up; event ids are UUIDs.
MAX_LAST_EVENT_ID = 64


def message(event: dict[str, Any]) -> str:
    """``id:`` the event id, ``event:`` its type, ``data:`` the CloudEvent on one line."""
    data = json.dumps(event, separators=(",", ":"))
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"


def comment(text: str) -> str:
    return f": {text}\n\n"


def last_event_id(value: str | None) -> str | None:
    """The client's Last-Event-ID, None when absent, blank or too long to be one of ours."""
    if value is None or not value.strip() or len(value) > MAX_LAST_EVENT_ID:
        return None
    return value.strip()
