"""The outbox: order events written in the transaction of the change they report.

The same events, in the same order, as the orders service's: a checkout writes
``order.created`` (the order as it was recorded, still pending) and then
``order.confirmed`` or ``order.failed``; a cancel writes ``order.cancelled``.
The monolith has no broker: its live stream reads this table (events.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chassis.events import ORDER_CONFIRMED, ORDER_CREATED, ORDER_FAILED, cloud_event
from chassis.sql import rowcount
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shop.orders.domain import Order
from shop.orders.models import OutboxRow
from shop.orders.schemas import OrderOut

SOURCE = "/orders"
SETTLED_AS = {"confirmed": ORDER_CONFIRMED, "failed": ORDER_FAILED}


def order_event(event_type: str, order: Order) -> dict[str, Any]:
    """The CloudEvent of ``order`` as it is now; ``data`` is what GET /api/orders/{id} gives."""
    return cloud_event(type=event_type, source=SOURCE, subject=order.id,
                       data=OrderOut.from_domain(order).model_dump(mode="json"),
                       time=order.updated_at)


def checkout_events(order: Order) -> list[dict[str, Any]]:
    """``order.created`` with the order as it stood before payment, then its outcome."""
    recorded = replace(order, status="pending", payment=replace(order.payment, status="pending"),
                       updated_at=order.created_at)
    return [order_event(ORDER_CREATED, recorded), order_event(SETTLED_AS[order.status], order)]


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, user_id: str, events: list[dict[str, Any]], now: datetime) -> None:
        self.session.add_all(OutboxRow(event_id=event["id"], user_id=user_id, event=event,
                                       created_at=now) for event in events)
        self.session.flush()

    def seq_of(self, *, user_id: str, event_id: str) -> int | None:
        """Where the caller's event ``event_id`` stands; None when it is not kept (or theirs)."""
        return self.session.scalar(select(OutboxRow.seq).where(
            OutboxRow.user_id == user_id, OutboxRow.event_id == event_id))

    def newest_seq(self, user_id: str) -> int:
        found = self.session.scalar(select(OutboxRow.seq).where(OutboxRow.user_id == user_id)
                                    .order_by(OutboxRow.seq.desc()).limit(1))
        return found or 0

    def after(self, *, user_id: str, seq: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
        rows = self.session.execute(
            select(OutboxRow.seq, OutboxRow.event)
            .where(OutboxRow.user_id == user_id, OutboxRow.seq > seq)
            .order_by(OutboxRow.seq).limit(limit))
        return [(row.seq, row.event) for row in rows]

    def purge(self, *, now: datetime, retention_seconds: int) -> int:
        result = self.session.execute(delete(OutboxRow).where(
            OutboxRow.created_at < now - timedelta(seconds=retention_seconds)))
        return rowcount(result)
