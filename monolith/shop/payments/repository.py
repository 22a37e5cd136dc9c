"""Charges and refunds in the database."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import update
from sqlalchemy.orm import Session

from shop.payments.domain import Charge, ChargeStatus, Refund
from shop.payments.models import PaymentRow, RefundRow


class ChargeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, charge: Charge, now: datetime) -> None:
        self.session.add(PaymentRow(order_id=charge.order_id, status=charge.status,
                                    card_last4=charge.card_last4,
                                    amount_cents=charge.amount_cents,
                                    created_at=now, updated_at=now))
        self.session.flush()

    def get(self, order_id: str) -> Charge | None:
        row = self.session.get(PaymentRow, order_id)
        if row is None:
            return None
        return Charge(order_id=row.order_id, status=cast(ChargeStatus, row.status),
                      card_last4=row.card_last4, amount_cents=row.amount_cents)

    def move(self, order_id: str, *, from_status: ChargeStatus, to_status: ChargeStatus,
             now: datetime) -> bool:
        """Change the status only if it is still ``from_status``."""
        result = self.session.execute(
            update(PaymentRow)
            .where(PaymentRow.order_id == order_id, PaymentRow.status == from_status)
            .values(status=to_status, updated_at=now))
        return result.rowcount == 1  # type: ignore[attr-defined]

    def add_refund(self, refund: Refund, now: datetime) -> None:
        self.session.add(RefundRow(id=refund.id, order_id=refund.order_id,
                                   amount_cents=refund.amount_cents, created_at=now))
        self.session.flush()
