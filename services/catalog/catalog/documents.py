"""MongoDB documents at the boundary: filters and sorts built, documents read back.

Everything here is pure: no client, no I/O, so it can be tested on its own.

A product document carries its own outbox: every write that changes the
product pushes a pending event (``outbox``, a list of JSON texts, and
``pending``, their number) in the same single-document update, which MongoDB
applies atomically. A deleted product stays behind as a tombstone
(``deleted: true``) until its events are out; no read sees a tombstone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from catalog.db import Document
from catalog.domain import (
    Product,
    ProductSearch,
    Reservation,
    ReservationStatus,
    ReservedLine,
    Shortage,
)

SORT_KEYS: dict[str, list[tuple[str, int]]] = {
    "name": [("name", ASCENDING)],
    "-name": [("name", DESCENDING)],
    "price": [("price_cents", ASCENDING)],
    "-price": [("price_cents", DESCENDING)],
    "newest": [("created_at", DESCENDING)],
}
TIE_BREAKER = ("sku", ASCENDING)
MAX_INT64 = 2**63 - 1  # BSON integers are 64-bit: larger bounds and offsets are clamped


# Every read and every write of a product leaves tombstones out.
LIVE: Document = {"deleted": {"$exists": False}}  # nx-27017 mishandles $ne in updates


def live(query: Document) -> Document:
    return {**query, **LIVE}


def tombstone_sku(oid: ObjectId) -> str:
    """Longer than any sku a request may give (64), so never a live product's sku."""
    return f"{oid}:deleted:{'-' * 32}"


def object_id(product_id: str) -> ObjectId | None:
    """The ObjectId for a product id, or None for an id that could never exist."""
    return ObjectId(product_id) if ObjectId.is_valid(product_id) else None


def _moment(value: datetime | str) -> datetime:
    """A stored timestamp as an aware datetime.

    nx-27017 (the development server) stores a top-level ``$set`` of a date as
    its naive UTC text; MongoDB itself always gives back a date.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def product_from_document(doc: Mapping[str, Any]) -> Product:
    return Product(
        id=str(doc["_id"]), sku=doc["sku"], name=doc["name"],
        description=doc.get("description", ""), category=doc["category"],
        price_cents=doc["price_cents"], stock=doc["stock"],
        attributes=dict(doc.get("attributes") or {}),
        created_at=_moment(doc["created_at"]), updated_at=_moment(doc["updated_at"]),
    )


def product_document(product: Product) -> Document:
    return {"_id": ObjectId(product.id), "sku": product.sku, "name": product.name,
            "description": product.description, "category": product.category,
            "price_cents": product.price_cents, "stock": product.stock,
            "attributes": dict(product.attributes), "created_at": product.created_at,
            "updated_at": product.updated_at}


def product_filter(search: ProductSearch) -> Document:
    """The MongoDB filter for a search; words are literal, case-insensitive substrings.

    Flat (one key per field, ``$and`` only for a second word): nx-27017 turns such a
    filter, and the sort with it, into one SQL query on its indexes, while any top-level
    ``$and``/``$or`` makes it decode and test every document in Python. A word's
    ``$or`` of two fields still takes that path; MongoDB answers both alike.
    """
    query: Document = dict(LIVE)
    if search.category is not None:
        query["category"] = search.category
    price: Document = {}
    if search.min_price_cents is not None:
        price["$gte"] = min(search.min_price_cents, MAX_INT64)
    if search.max_price_cents is not None:
        price["$lte"] = min(search.max_price_cents, MAX_INT64)
    if price:
        query["price_cents"] = price
    words = [{"$or": [{field: {"$regex": re.escape(word), "$options": "i"}}
                      for field in ("name", "description")]}
             for word in search.words]
    if len(words) == 1:
        query.update(words[0])
    elif words:
        query["$and"] = words
    return query


def reservation_from_document(doc: Mapping[str, Any]) -> Reservation:
    return Reservation(
        order_id=doc["_id"], status=ReservationStatus(doc["status"]),
        lines=tuple(ReservedLine(**line) for line in doc.get("lines", [])),
        shortages=tuple(Shortage(**short) for short in doc.get("shortages", [])))
