"""Charges in the database (SQLAlchemy 2, typed mappings).

The table is an audit trail: one row per order id (a unique constraint makes
charging idempotent even under a race), a status that only moves from
``captured`` to ``refunded``, and never more of a card than its last four digits.
"""

from __future__ import annotations

from datetime import datetime

from chassis.sql import rowcount
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    String,
    UniqueConstraint,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from payments.db import Base
from payments.domain import Charge, ChargeStatus, DuplicateCharge


class ChargeRecord(Base):
    __tablename__ = "charges"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_charges_order_id"),
        CheckConstraint("status IN ('captured', 'declined', 'refunded')",
                        name="ck_charges_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    card_last4: Mapped[str] = mapped_column(String(4))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    def to_domain(self) -> Charge:
        return Charge(order_id=self.order_id, status=ChargeStatus(self.status),
                      card_last4=self.card_last4, amount_cents=self.amount_cents,
                      created_at=self.created_at, updated_at=self.updated_at)


class ChargeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, order_id: str) -> Charge | None:
        record = self.session.scalars(
            select(ChargeRecord).where(ChargeRecord.order_id == order_id)).one_or_none()
        return record.to_domain() if record else None

    def add(self, charge: Charge) -> None:
        """Store a new charge; DuplicateCharge when the order id was charged meanwhile."""
        self.session.add(ChargeRecord(
            order_id=charge.order_id, status=charge.status.value, card_last4=charge.card_last4,
            amount_cents=charge.amount_cents, created_at=charge.created_at,
            updated_at=charge.updated_at))
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise DuplicateCharge(charge.order_id) from exc

    def move(self, order_id: str, *, from_status: ChargeStatus, to_status: ChargeStatus,
             now: datetime) -> bool:
        """Change the status only if it is still ``from_status``."""
        result = self.session.execute(
            update(ChargeRecord)
            .where(ChargeRecord.order_id == order_id, ChargeRecord.status == from_status.value)
            .values(status=to_status.value, updated_at=now))
        return rowcount(result) == 1
