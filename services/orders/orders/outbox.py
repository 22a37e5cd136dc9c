"""The outbox: order events stored in the same transaction as the change they report.

The saga records an order pending before it knows whether the stock is there; an
order that finds none is deleted and never shows up. So ``order.created`` is
written when the order first settles (with ``order.confirmed`` or
``order.failed``, in that transaction), which gives the same events, in the same
order, as the monolith's single checkout transaction. ``order.cancelled`` goes
with the cancel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chassis.events import ORDER_CONFIRMED, ORDER_CREATED, ORDER_FAILED, cloud_event
from chassis.sql import rowcount
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from orders.domain import Order
from orders.models import OutboxRow
from orders.schemas import OrderOut

SOURCE = "/orders"


def order_event(event_type: str, order: Order) -> dict[str, Any]:
    """The CloudEvent of ``order`` as it is now; ``data`` is what GET /api/orders/{id} gives."""
    return cloud_event(type=event_type, source=SOURCE, subject=order.id,
                       data=OrderOut.from_domain(order).model_dump(mode="json"),
                       time=order.updated_at)


SETTLED_AS = {"confirmed": ORDER_CONFIRMED, "failed": ORDER_FAILED}


def settled_events(pending: Order, settled: Order) -> list[dict[str, Any]]:
    """``order.created`` (the order as it was recorded) then what it settled as."""
    return [order_event(ORDER_CREATED, pending), order_event(SETTLED_AS[settled.status], settled)]


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, user_id: str, events: list[dict[str, Any]], now: datetime) -> None:
        self.session.add_all(OutboxRow(event_id=event["id"], user_id=user_id, event=event,
                                       created_at=now) for event in events)
        self.session.flush()

    def unpublished(self, limit: int) -> list[OutboxRow]:
        """The oldest events not yet published; locked on PostgreSQL, skipped if held."""
        return list(self.session.scalars(
            select(OutboxRow).where(OutboxRow.published_at.is_(None))
            .order_by(OutboxRow.seq).limit(limit).with_for_update(skip_locked=True)))

    def mark_published(self, seqs: list[int], now: datetime) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.seq.in_(seqs))
                             .values(published_at=now)
                             .execution_options(synchronize_session=False))

    def purge_published(self, before: datetime) -> int:
        result = self.session.execute(
            delete(OutboxRow).where(OutboxRow.published_at.is_not(None),
                                    OutboxRow.published_at < before))
        return rowcount(result)
