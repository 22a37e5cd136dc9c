"""The one envelope every domain event travels in: CloudEvents 1.0, JSON format.

An event is built once, when the change it reports is written, and stored as it
is (the outbox row, the product document's pending list); the relay and every
reader pass the same dict along, so its ``id`` is the same everywhere and a
consumer can drop a repeat by it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

ORDER_CREATED = "order.created"
ORDER_CONFIRMED = "order.confirmed"
ORDER_FAILED = "order.failed"
ORDER_CANCELLED = "order.cancelled"
PRODUCT_CHANGED = "product.changed"
STOCK_CHANGED = "stock.changed"


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cloud_event(*, type: str, source: str, subject: str, data: dict[str, Any],
                time: datetime, id: str | None = None) -> dict[str, Any]:
    """A CloudEvent with a fresh id unless one is given (``time`` must be aware, UTC)."""
    return {"specversion": SPEC_VERSION, "id": id or str(uuid.uuid4()), "source": source,
            "type": type, "time": _timestamp(time), "subject": subject,
            "datacontenttype": CONTENT_TYPE, "data": data}
