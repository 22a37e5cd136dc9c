"""Orders and idempotency keys in the database, spoken of in domain words.

Every status change is a conditional UPDATE (``WHERE status = <expected>``), so
that of two processes settling the same order only one succeeds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from chassis.sql import rowcount
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from orders.domain import (
    ChargeStatus,
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderStatus,
    PaymentSummary,
    ShippingAddress,
)
from orders.models import IdempotencyKeyRow, OrderLineRow, OrderRow


def _to_domain(row: OrderRow) -> Order:
    return Order(
        id=row.id, user_id=row.user_id, status=cast(OrderStatus, row.status),
        lines=tuple(OrderLine(product_id=line.product_id, sku=line.sku, name=line.name,
                              unit_price_cents=line.unit_price_cents, quantity=line.quantity)
                    for line in row.lines),
        shipping_address=ShippingAddress(**row.shipping_address),
        payment=PaymentSummary(status=cast(ChargeStatus, row.payment_status),
                               card_last4=row.card_last4),
        created_at=row.created_at, updated_at=row.updated_at)


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        self.session.add(OrderRow(
            id=order.id, user_id=order.user_id, status=order.status,
            payment_status=order.payment.status, card_last4=order.payment.card_last4,
            total_cents=order.total_cents, shipping_address=dict(order.shipping_address.__dict__),
            created_at=order.created_at, updated_at=order.updated_at,
            lines=[OrderLineRow(product_id=line.product_id, sku=line.sku, name=line.name,
                                unit_price_cents=line.unit_price_cents, quantity=line.quantity)
                   for line in order.lines]))
        self.session.flush()

    def get(self, order_id: str, *, user_id: str | None = None) -> Order | None:
        """The order; only when it is ``user_id``'s, if one is given."""
        row = self.session.get(OrderRow, order_id, populate_existing=True)
        return _to_domain(row) if row and user_id in (None, row.user_id) else None

    def list_page(self, *, user_id: str, offset: int, limit: int) -> tuple[list[Order], int]:
        """Newest first (``created_at`` descending, then ``id``)."""
        total = self.session.scalar(
            select(func.count()).select_from(OrderRow).where(OrderRow.user_id == user_id))
        rows = self.session.scalars(
            select(OrderRow).where(OrderRow.user_id == user_id)
            .order_by(OrderRow.created_at.desc(), OrderRow.id.asc())
            .offset(offset).limit(limit))
        return [_to_domain(row) for row in rows], total or 0

    def delete(self, order_id: str) -> None:
        self.session.execute(delete(OrderLineRow).where(OrderLineRow.order_id == order_id))
        self.session.execute(delete(OrderRow).where(OrderRow.id == order_id))

    def move(self, order: Order, *, expected: OrderStatus) -> bool:
        """Store ``order``'s new status if it is still ``expected``; whether it was."""
        result = self.session.execute(
            update(OrderRow).where(OrderRow.id == order.id, OrderRow.status == expected)
            .values(status=order.status, payment_status=order.payment.status,
                    updated_at=order.updated_at, lease_until=None)
            .execution_options(synchronize_session=False))
        return rowcount(result) == 1

    def stale_pending(self, *, created_before: datetime, now: datetime,
                      limit: int) -> list[str]:
        """Ids of pending orders old enough to settle and not leased; locked on PostgreSQL,
        where a row another reconciler holds is skipped rather than waited for."""
        return list(self.session.scalars(
            select(OrderRow.id)
            .where(OrderRow.status == "pending", OrderRow.created_at < created_before,
                   or_(OrderRow.lease_until.is_(None), OrderRow.lease_until < now))
            .order_by(OrderRow.created_at).limit(limit)
            .with_for_update(skip_locked=True)))

    def take_lease(self, order_id: str, *, now: datetime, until: datetime) -> bool:
        result = self.session.execute(
            update(OrderRow)
            .where(OrderRow.id == order_id, OrderRow.status == "pending",
                   or_(OrderRow.lease_until.is_(None), OrderRow.lease_until < now))
            .values(lease_until=until).execution_options(synchronize_session=False))
        return rowcount(result) == 1

    def drop_lease(self, order_id: str) -> None:
        self.session.execute(update(OrderRow).where(OrderRow.id == order_id)
                             .values(lease_until=None)
                             .execution_options(synchronize_session=False))


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        row = self.session.get(IdempotencyKeyRow, (user_id, key), populate_existing=True)
        if row is None:
            return None
        return IdempotencyRecord(fingerprint=row.fingerprint, order_id=row.order_id,
                                 status_code=row.status_code, response_body=row.response_body,
                                 claimed_at=row.created_at, expires_at=row.expires_at)

    def insert_claim(self, *, user_id: str, key: str, fingerprint: str, now: datetime,
                     expires_at: datetime) -> None:
        self.session.add(IdempotencyKeyRow(user_id=user_id, key=key, fingerprint=fingerprint,
                                           created_at=now, expires_at=expires_at))
        self.session.flush()

    def retake(self, *, user_id: str, key: str, fingerprint: str, now: datetime,
               expires_at: datetime, abandoned_before: datetime) -> bool:
        """Claim again a key that expired or whose request died before recording an order."""
        result = self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   or_(IdempotencyKeyRow.expires_at <= now,
                       (IdempotencyKeyRow.status_code.is_(None)
                        & IdempotencyKeyRow.order_id.is_(None)
                        & (IdempotencyKeyRow.created_at < abandoned_before))))
            .values(fingerprint=fingerprint, order_id=None, status_code=None,
                    response_body=None, created_at=now, expires_at=expires_at)
            .execution_options(synchronize_session=False))
        return rowcount(result) == 1

    def bind(self, *, user_id: str, key: str, claimed_at: datetime | None,
             order_id: str) -> bool:
        """Tie the claim made at ``claimed_at`` to its order; False when that claim is no
        longer there (taken over after its lease)."""
        result = self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   IdempotencyKeyRow.created_at == claimed_at,
                   IdempotencyKeyRow.order_id.is_(None))
            .values(order_id=order_id).execution_options(synchronize_session=False))
        return rowcount(result) == 1

    def complete_for_order(self, order_id: str, *, status_code: int, body: dict[str, Any],
                           expires_at: datetime) -> None:
        self.session.execute(
            update(IdempotencyKeyRow).where(IdempotencyKeyRow.order_id == order_id)
            .values(status_code=status_code, response_body=body, expires_at=expires_at)
            .execution_options(synchronize_session=False))

    def release(self, *, user_id: str, key: str, claimed_at: datetime | None) -> None:
        """Free the claim made at ``claimed_at`` unless it is tied to an order (one that
        is, is settled with it)."""
        self.session.execute(
            delete(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   IdempotencyKeyRow.created_at == claimed_at,
                   IdempotencyKeyRow.order_id.is_(None), IdempotencyKeyRow.status_code.is_(None)))

    def release_for_order(self, order_id: str) -> None:
        self.session.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.order_id == order_id))

    def purge_expired(self, now: datetime) -> int:
        result = self.session.execute(
            delete(IdempotencyKeyRow).where(IdempotencyKeyRow.expires_at <= now,
                                            IdempotencyKeyRow.status_code.is_not(None)))
        return rowcount(result)
