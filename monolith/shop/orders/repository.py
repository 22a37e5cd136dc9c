"""Orders and Idempotency-Key records in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from chassis.sql import rowcount
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from shop.db import sql_integer
from shop.orders.domain import (
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderStatus,
    PaymentSummary,
    ShippingAddress,
)
from shop.orders.models import IdempotencyKeyRow, OrderLineRow, OrderRow
from shop.payments.domain import ChargeStatus
from shop.payments.models import PaymentRow


def _to_domain(row: OrderRow, payment: PaymentRow | None) -> Order:
    lines = sorted((OrderLine(product_id=line.product_id, sku=line.sku, name=line.name,
                              unit_price_cents=line.unit_price_cents, quantity=line.quantity)
                    for line in row.lines), key=lambda line: line.sku)
    summary = (PaymentSummary(status=cast(ChargeStatus, payment.status),
                              card_last4=payment.card_last4)
               if payment else PaymentSummary(status="pending", card_last4=""))
    return Order(id=row.id, user_id=row.user_id, status=cast(OrderStatus, row.status),
                 lines=tuple(lines), shipping_address=ShippingAddress(**row.shipping_address),
                 payment=summary, created_at=row.created_at, updated_at=row.updated_at)


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, order: Order) -> None:
        row = OrderRow(id=order.id, user_id=order.user_id, status=order.status,
                       total_cents=order.total_cents,
                       shipping_address=dict(order.shipping_address.__dict__),
                       created_at=order.created_at, updated_at=order.updated_at)
        row.lines = [OrderLineRow(**line.__dict__) for line in order.lines]
        self.session.add(row)
        self.session.flush()

    def get(self, order_id: str, *, user_id: str) -> Order | None:
        """The order, only when it is ``user_id``'s."""
        found = self.session.execute(
            select(OrderRow, PaymentRow)
            .outerjoin(PaymentRow, PaymentRow.order_id == OrderRow.id)
            .where(OrderRow.id == order_id, OrderRow.user_id == user_id)).first()
        return _to_domain(*found) if found else None

    def list_page(self, *, user_id: str, offset: int, limit: int) -> tuple[list[Order], int]:
        """Newest first (``created_at`` descending, then ``id``)."""
        total = self.session.scalar(select(func.count()).select_from(OrderRow)
                                    .where(OrderRow.user_id == user_id)) or 0
        rows = self.session.execute(
            select(OrderRow, PaymentRow)
            .outerjoin(PaymentRow, PaymentRow.order_id == OrderRow.id)
            .where(OrderRow.user_id == user_id)
            .order_by(OrderRow.created_at.desc(), OrderRow.id.asc())
            .offset(sql_integer(offset)).limit(limit))
        return [_to_domain(order, payment) for order, payment in rows], total

    def move(self, order_id: str, *, from_status: OrderStatus, to_status: OrderStatus,
             now: datetime) -> bool:
        """Change the status only if it is still ``from_status`` (a concurrent move loses)."""
        result = self.session.execute(
            update(OrderRow).where(OrderRow.id == order_id, OrderRow.status == from_status)
            .values(status=to_status, updated_at=now))
        return rowcount(result) == 1


class IdempotencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        row = self.session.get(IdempotencyKeyRow, (user_id, key))
        if row is None:
            return None
        return IdempotencyRecord(fingerprint=row.fingerprint, state=cast(Any, row.state),
                                 status_code=row.status_code, response_body=row.response_body,
                                 claimed_at=row.created_at, expires_at=row.expires_at)

    def insert_claim(self, *, user_id: str, key: str, fingerprint: str, now: datetime,
                     expires_at: datetime) -> None:
        self.session.add(IdempotencyKeyRow(user_id=user_id, key=key, fingerprint=fingerprint,
                                           state="in_progress", created_at=now,
                                           expires_at=expires_at))
        self.session.flush()

    def retake(self, *, user_id: str, key: str, fingerprint: str, now: datetime,
               expires_at: datetime, abandoned_before: datetime) -> bool:
        """Claim afresh a record that expired, or whose checkout died before settling it
        (still ``in_progress``, claimed before ``abandoned_before``); False when another
        request got there first."""
        result = self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   or_(IdempotencyKeyRow.expires_at <= now,
                       (IdempotencyKeyRow.state == "in_progress")
                       & (IdempotencyKeyRow.created_at < abandoned_before)))
            .values(fingerprint=fingerprint, state="in_progress", status_code=None,
                    response_body=None, created_at=now, expires_at=expires_at))
        return rowcount(result) == 1

    def complete(self, *, user_id: str, key: str, claimed_at: datetime | None, status_code: int,
                 body: dict[str, Any], expires_at: datetime) -> bool:
        """Store the response of the claim made at ``claimed_at``; False when that claim
        is no longer there (taken over after its lease)."""
        result = self.session.execute(
            update(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   IdempotencyKeyRow.state == "in_progress",
                   IdempotencyKeyRow.created_at == claimed_at)
            .values(state="completed", status_code=status_code, response_body=body,
                    expires_at=expires_at))
        return rowcount(result) == 1

    def release(self, *, user_id: str, key: str, claimed_at: datetime | None) -> None:
        self.session.execute(
            delete(IdempotencyKeyRow)
            .where(IdempotencyKeyRow.user_id == user_id, IdempotencyKeyRow.key == key,
                   IdempotencyKeyRow.state == "in_progress",
                   IdempotencyKeyRow.created_at == claimed_at))
