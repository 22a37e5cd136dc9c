"""MongoDB repositories: documents are converted to domain objects at this boundary.

Stock moves only through conditional ``$inc`` updates on a single product
document, which MongoDB applies atomically, so stock never goes below zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from bson import ObjectId
from chassis.pool_metrics import mongo_pool_listener
from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from catalog.documents import (
    MAX_INT64,
    SORT_KEYS,
    TIE_BREAKER,
    Document,
    object_id,
    product_filter,
    product_from_document,
    reservation_from_document,
)
from catalog.domain import (
    Category,
    DuplicateSku,
    NewProduct,
    Product,
    ProductFilter,
    Reservation,
    ReservationStatus,
    ReservedLine,
)

# pymongo's own default, named so that the pool gauge can state it.
MAX_POOL_SIZE = 100

def connect(url: str, *, timeout_ms: int) -> MongoClient[Document]:
    """A pooled client; it connects lazily, so making one never blocks.

    A server that is down costs ``timeout_ms``; one that hangs mid-answer, five times that.
    """
    return MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=timeout_ms,
                       connectTimeoutMS=timeout_ms, socketTimeoutMS=timeout_ms * 5,
                       maxPoolSize=MAX_POOL_SIZE,
                       event_listeners=[mongo_pool_listener(max_pool_size=MAX_POOL_SIZE)])


class ProductRepository:
    def __init__(self, database: Database[Document]) -> None:
        self.collection: Collection[Document] = database["products"]

    def ensure_indexes(self) -> None:
        self.collection.create_index("sku", unique=True)
        self.collection.create_index("category")
        self.collection.create_index("price_cents")
        self.collection.create_index([("created_at", DESCENDING)])

    def count(self) -> int:
        return self.collection.count_documents({})

    def get(self, product_id: str) -> Product | None:
        oid = object_id(product_id)
        doc = self.collection.find_one({"_id": oid}) if oid else None
        return product_from_document(doc) if doc else None

    def get_many(self, product_ids: Iterable[str]) -> list[Product]:
        """The products that exist among ``product_ids``, in the order asked, once each."""
        wanted = list(dict.fromkeys(product_ids))
        oids = [oid for oid in map(object_id, wanted) if oid is not None]
        found = {str(doc["_id"]): doc for doc in self.collection.find({"_id": {"$in": oids}})}
        return [product_from_document(found[pid]) for pid in wanted if pid in found]

    def list_page(self, criteria: ProductFilter, *, offset: int,
                  limit: int) -> tuple[list[Product], int]:
        query = product_filter(criteria)
        total = self.collection.count_documents(query)
        cursor = (self.collection.find(query)
                  .sort([*SORT_KEYS[criteria.sort], TIE_BREAKER])
                  .skip(min(offset, MAX_INT64)).limit(limit))
        return [product_from_document(doc) for doc in cursor], total

    def categories(self) -> list[Category]:
        groups = self.collection.aggregate(
            [{"$group": {"_id": "$category", "product_count": {"$sum": 1}}}])
        found = [Category(name=g["_id"], product_count=g["product_count"]) for g in groups]
        return sorted(found, key=lambda category: category.name)  # code point order

    def add(self, new: NewProduct, *, now: datetime) -> Product:
        doc = self._document(new, now)
        try:
            self.collection.insert_one(doc)
        except DuplicateKeyError as exc:
            raise DuplicateSku(new.sku) from exc
        return product_from_document(doc)

    def add_many(self, news: Iterable[NewProduct], *, now: datetime) -> int:
        docs = [self._document(new, now) for new in news]
        if docs:
            self.collection.insert_many(docs)
        return len(docs)

    def update(self, product_id: str, changes: Mapping[str, Any], *,
               now: datetime) -> Product | None:
        oid = object_id(product_id)
        if oid is None:
            return None
        doc = self.collection.find_one_and_update(
            {"_id": oid}, {"$set": {**changes, "updated_at": now}},
            return_document=ReturnDocument.AFTER)
        return product_from_document(doc) if doc else None

    def delete(self, product_id: str) -> bool:
        oid = object_id(product_id)
        return bool(oid and self.collection.delete_one({"_id": oid}).deleted_count)

    def take_stock(self, product_id: str, quantity: int) -> ReservedLine | None:
        """Take ``quantity`` units if that many are in stock (atomically), else None."""
        oid = object_id(product_id)
        doc = oid and self.collection.find_one_and_update(
            {"_id": oid, "stock": {"$gte": quantity}}, {"$inc": {"stock": -quantity}},
            projection={"sku": 1, "name": 1, "price_cents": 1},
            return_document=ReturnDocument.AFTER)
        if not doc:
            return None
        return ReservedLine(product_id=product_id, sku=doc["sku"], name=doc["name"],
                            unit_price_cents=doc["price_cents"], quantity=quantity)

    def stock_of(self, product_id: str) -> int:
        """Units in stock now; 0 for a product that does not exist."""
        oid = object_id(product_id)
        doc = oid and self.collection.find_one({"_id": oid}, projection={"stock": 1})
        return int(doc["stock"]) if doc else 0

    def give_back_stock(self, product_id: str, quantity: int) -> None:
        oid = object_id(product_id)
        if oid is not None:  # a product deleted since simply gets nothing back
            self.collection.update_one({"_id": oid}, {"$inc": {"stock": quantity}})

    @staticmethod
    def _document(new: NewProduct, now: datetime) -> Document:
        return {"_id": ObjectId(), "sku": new.sku, "name": new.name,
                "description": new.description, "category": new.category,
                "price_cents": new.price_cents, "stock": new.stock,
                "attributes": dict(new.attributes), "created_at": now, "updated_at": now}


class ReservationRepository:
    """Reservations keyed by order id; every change of status is one conditional update."""

    def __init__(self, database: Database[Document]) -> None:
        self.collection: Collection[Document] = database["reservations"]

    def ensure_indexes(self) -> None:
        self.collection.create_index([("status", ASCENDING), ("created_at", ASCENDING)])

    def get(self, order_id: str) -> Reservation | None:
        doc = self.collection.find_one({"_id": order_id})
        return reservation_from_document(doc) if doc else None

    def add(self, order_id: str, status: ReservationStatus, *, now: datetime) -> bool:
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
                   to_status: ReservationStatus, *, now: datetime,
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
