"""Charging and refunding; each function joins the caller's transaction through its session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from shop.payments.domain import Card, Charge, NotRefundable, Refund, process
from shop.payments.repository import ChargeRepository


def authorise(*, order_id: str, card: Card, amount_cents: int) -> Charge:
    """Ask the (simulated) processor; nothing is recorded yet."""
    return process(order_id=order_id, card=card, amount_cents=amount_cents)


def record(*, session: Session, charge: Charge, now: datetime) -> None:
    """Keep the processor's verdict with the order it belongs to."""
    ChargeRepository(session).add(charge, now)


def refund(*, session: Session, order_id: str, now: datetime) -> Charge:
    """Refund a captured charge in full, with a refund record, or :class:`NotRefundable`."""
    charges = ChargeRepository(session)
    charge = charges.get(order_id)
    if charge is None or not charges.move(order_id, from_status="captured",
                                          to_status="refunded", now=now):
        raise NotRefundable(order_id)
    charges.add_refund(Refund.of(charge), now)
    return Charge(order_id=order_id, status="refunded", card_last4=charge.card_last4,
                  amount_cents=charge.amount_cents)
