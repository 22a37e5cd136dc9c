"""The catalog's MongoDB: a pooled client and the database its repositories work on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chassis.clock import utcnow
from chassis.pool_metrics import mongo_pool_listener
from pymongo import MongoClient
from pymongo.database import Database as MongoDatabase

Document = dict[str, Any]
Database = MongoDatabase[Document]

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


def now() -> datetime:
    """The current time at the precision MongoDB stores (milliseconds)."""
    moment = utcnow()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
