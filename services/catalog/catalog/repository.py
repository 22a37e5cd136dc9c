"""Products in MongoDB: search, pages, categories and conditional stock moves.

Stock moves only through conditional ``$inc`` updates on a single product
document, which MongoDB applies atomically, so stock never goes below zero.
Each write that changes a product records its events in that same update
(:mod:`catalog.events`), and the relay reads them back from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from chassis.clock import utcnow
from chassis.events import PRODUCT_CHANGED, STOCK_CHANGED
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from catalog.db import Database, Document
from catalog.documents import (
    MAX_INT64,
    SORT_KEYS,
    TIE_BREAKER,
    live,
    object_id,
    product_document,
    product_filter,
    product_from_document,
    reservation_from_document,
    tombstone_sku,
)
from catalog.domain import (
    Category,
    Product,
    ProductSearch,
    Reservation,
    ReservationStatus,
    ReservedLine,
)
from catalog.events import pending, with_events


class ProductRepository:
    def __init__(self, db: Database) -> None:
        self.collection: Collection[Document] = db["products"]

    def ensure_indexes(self) -> None:
        self.collection.create_index("sku", unique=True)
        self.collection.create_index("category")
        self.collection.create_index("price_cents")
        self.collection.create_index([("created_at", DESCENDING)])
        self.collection.create_index("pending")  # the relay's scan

    def add(self, product: Product) -> None:
        events = pending(product.created_at, PRODUCT_CHANGED)
        self.collection.insert_one({**product_document(product),
                                    "outbox": events["$push"]["outbox"]["$each"],
                                    "pending": events["$inc"]["pending"]})

    def add_many(self, products: Iterable[Product]) -> None:
        """Without events: only the seed comes this way, into a catalog nobody has read."""
        docs = [product_document(product) for product in products]
        if docs:
            self.collection.insert_many(docs)

    def get(self, product_id: str) -> Product | None:
        oid = object_id(product_id)
        doc = self.collection.find_one(live({"_id": oid})) if oid else None
        return product_from_document(doc) if doc else None

    def get_many(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The products that exist among ``product_ids``, in the order asked."""
        wanted = list(dict.fromkeys(product_ids))
        oids = [oid for oid in map(object_id, wanted) if oid is not None]
        found = {str(doc["_id"]): doc for doc in self.collection.find(live({"_id": {"$in": oids}}))}
        return {pid: product_from_document(found[pid]) for pid in wanted if pid in found}

    def update(self, product_id: str, changes: dict[str, Any], now: datetime) -> Product | None:
        oid = object_id(product_id)
        if oid is None or not changes:
            return self.get(product_id)
        events = (PRODUCT_CHANGED, STOCK_CHANGED) if "stock" in changes else (PRODUCT_CHANGED,)
        doc = self.collection.find_one_and_update(
            live({"_id": oid}), with_events({"$set": {**changes, "updated_at": now}}, now, *events),
            return_document=ReturnDocument.AFTER)
        return product_from_document(doc) if doc else None

    def delete(self, product_id: str) -> bool:
        """Leave a tombstone holding the deletion's event; the relay removes it once out."""
        oid = object_id(product_id)
        if oid is None:
            return False
        now = utcnow()
        result = self.collection.update_one(live({"_id": oid}), with_events(
            {"$set": {"deleted": True, "sku": tombstone_sku(oid), "updated_at": now}},
            now, PRODUCT_CHANGED))
        return result.matched_count == 1

    def list_page(self, search: ProductSearch) -> tuple[list[Product], int]:
        query = product_filter(search)
        offset = min(search.offset, MAX_INT64)
        cursor = (self.collection.find(query)
                  .sort([*SORT_KEYS[search.sort], TIE_BREAKER])
                  .skip(offset).limit(search.limit))
        found = [product_from_document(doc) for doc in cursor]
        if len(found) < search.limit and (found or offset == 0):
            return found, offset + len(found)  # a short page is the last one: it tells the total
        return found, self._count(query)

    def categories(self) -> list[Category]:
        groups = self.collection.aggregate(
            [{"$match": live({})},
             {"$group": {"_id": "$category", "product_count": {"$sum": 1}}}])
        found = [Category(name=g["_id"], product_count=g["product_count"]) for g in groups]
        return sorted(found, key=lambda category: category.name)  # code point order

    def count(self) -> int:
        return self._count(live({}))

    def _count(self, query: Document) -> int:
        """The ``count`` command, not ``count_documents``: that is an aggregation
        (``$match``, ``$group``) which nx-27017 runs in Python over every document, where
        the command is one SQL ``COUNT``. With a filter MongoDB counts both exactly."""
        answer = self.collection.database.command("count", self.collection.name, query=query)
        return int(answer["n"])

    def take_stock(self, product_id: str, quantity: int) -> ReservedLine | None:
        """Take ``quantity`` units if that many are in stock (atomically), else None."""
        oid = object_id(product_id)
        doc = oid and self.collection.find_one_and_update(
            live({"_id": oid, "stock": {"$gte": quantity}}),
            with_events({"$inc": {"stock": -quantity}}, utcnow(), STOCK_CHANGED),
            projection={"sku": 1, "name": 1, "price_cents": 1},
            return_document=ReturnDocument.AFTER)
        if not doc:
            return None
        return ReservedLine(product_id=product_id, sku=doc["sku"], name=doc["name"],
                            unit_price_cents=doc["price_cents"], quantity=quantity)

    def give_back_stock(self, product_id: str, quantity: int) -> None:
        """Return stock; a product deleted since simply takes nothing back."""
        oid = object_id(product_id)
        if oid is not None:
            self.collection.update_one(live({"_id": oid}), with_events(
                {"$inc": {"stock": quantity}}, utcnow(), STOCK_CHANGED))

    def stock_of(self, product_id: str) -> int:
        """Units in stock now; 0 for a product that does not exist."""
        oid = object_id(product_id)
        doc = oid and self.collection.find_one(live({"_id": oid}), projection={"stock": 1})
        return int(doc["stock"]) if doc else 0

    def with_pending_events(self, limit: int) -> list[Document]:
        """Products (and tombstones) whose events are not out yet, at most ``limit``."""
        return list(self.collection.find({"pending": {"$gt": 0}}).limit(limit))

    def events_published(self, doc: Document, published: list[str]) -> None:
        """Drop the events published from ``doc``, unless another relay did already;
        a tombstone goes with its last event."""
        if not published:
            return
        result = self.collection.update_one(
            {"_id": doc["_id"], "outbox": published[0]},
            {"$pull": {"outbox": {"$in": published}}, "$inc": {"pending": -len(published)}})
        if result.modified_count and doc.get("deleted"):
            self.collection.delete_one({"_id": doc["_id"], "deleted": True, "pending": 0})


class ReservationRepository:
    """Reservations keyed by order id; every change of status is one conditional update."""

    def __init__(self, db: Database) -> None:
        self.collection: Collection[Document] = db["reservations"]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("status", ASCENDING), ("created_at", ASCENDING)])

    def get(self, order_id: str) -> Reservation | None:
        doc = self.collection.find_one({"_id": order_id})
        return reservation_from_document(doc) if doc else None

    def add(self, order_id: str, status: ReservationStatus, now: datetime) -> bool:
        """Insert a reservation; False when the order id already has one."""
        try:
            self.collection.insert_one({"_id": order_id, "status": status.value, "lines": [],
                                        "shortages": [], "created_at": now, "updated_at": now})
        except DuplicateKeyError:
            return False
        return True

    def record_lines(self, order_id: str, lines: Iterable[ReservedLine]) -> bool:
        """Record the lines taken so far; False once the reservation is no longer pending."""
        result = self.collection.update_one(
            {"_id": order_id, "status": ReservationStatus.PENDING.value},
            {"$set": {"lines": [asdict(line) for line in lines]}})
        return result.matched_count == 1

    def transition(self, order_id: str, from_statuses: Iterable[ReservationStatus],
                   to_status: ReservationStatus, now: datetime,
                   **changes: Any) -> Reservation | None:
        """Move the reservation to ``to_status`` if it is in one of ``from_statuses``.

        Returns the reservation as it was before, or None when nothing moved: of
        several callers racing for the same transition exactly one wins.
        """
        doc = self.collection.find_one_and_update(
            {"_id": order_id, "status": {"$in": [status.value for status in from_statuses]}},
            {"$set": {**changes, "status": to_status.value, "updated_at": now}},
            return_document=ReturnDocument.BEFORE)
        return reservation_from_document(doc) if doc else None
