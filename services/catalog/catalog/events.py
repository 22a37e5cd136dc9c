"""The catalog's events: pending in the product document, CloudEvents when relayed.

A write pushes a pending event, ``{"id", "type", "time"}`` as JSON text, into the
product's ``outbox`` in the same single-document update as its change (see
:mod:`catalog.documents`). The relay turns each into a CloudEvent whose ``data``
is the product as it stands when it is relayed: as ``GET /api/products/{id}``
gives it for ``product.changed`` (``{"id", "deleted": true}`` once deleted), and
``{"id", "stock"}`` for ``stock.changed``. That is never older than the change
reported, and a consumer that reads it always sees the latest state.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chassis.events import PRODUCT_CHANGED, STOCK_CHANGED, cloud_event

from catalog.db import Document
from catalog.documents import product_from_document
from catalog.schemas import ProductOut

SOURCE = "/catalog"


def pending(now: datetime, *event_types: str) -> Document:
    """The update fragment that records ``event_types`` in the product's outbox."""
    stubs = [json.dumps({"id": str(uuid.uuid4()), "type": event_type, "time": now.isoformat()})
             for event_type in event_types]
    return {"$push": {"outbox": {"$each": stubs}}, "$inc": {"pending": len(stubs)}}


def with_events(update: Document, now: datetime, *event_types: str) -> Document:
    """``update`` (``$set``, ``$inc`` ...) that also records ``event_types``."""
    fragment = pending(now, *event_types)
    return {**update, "$push": fragment["$push"],
            "$inc": {**update.get("$inc", {}), **fragment["$inc"]}}


def cloud_events(doc: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each pending event of ``doc`` with its CloudEvent, oldest first."""
    product_id = str(doc["_id"])
    deleted = bool(doc.get("deleted"))
    data = {
        PRODUCT_CHANGED: ({"id": product_id, "deleted": True} if deleted else
                          ProductOut.from_domain(product_from_document(doc)).model_dump()),
        STOCK_CHANGED: {"id": product_id, "stock": 0 if deleted else int(doc["stock"])},
    }
    found = []
    for text in doc.get("outbox", []):
        stub = json.loads(text)
        found.append((text, cloud_event(type=stub["type"], source=SOURCE, subject=product_id,
                                        data=data[stub["type"]], id=stub["id"],
                                        time=datetime.fromisoformat(stub["time"]))))
    return found
