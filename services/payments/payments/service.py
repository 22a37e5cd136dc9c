"""Charging and refunding; each function is one transaction of the payments database."""

from __future__ import annotations

from datetime import date

from chassis.cards import Card
from chassis.clock import utcnow

from payments.db import Database
from payments.domain import (
    Charge,
    ChargeNotFound,
    ChargeStatus,
    DuplicateCharge,
    NotRefundable,
    check_card,
    process,
)
from payments.repository import ChargeRepository


def authorise(*, db: Database, order_id: str, card: Card, amount_cents: int,
              today: date | None = None) -> tuple[Charge, bool]:
    """Ask the (simulated) processor once per order and keep its verdict; a repeat gets
    the first charge and ``False``."""
    with db.uow(write=True) as uow:
        charges = ChargeRepository(uow.session)
        existing = charges.get(order_id)
        if existing is not None:
            return existing, False
        check_card(card, today or utcnow().date())  # again: never trust the caller alone
        moment = utcnow()
        charge = Charge(order_id=order_id, status=process(card), card_last4=card.last4,
                        amount_cents=amount_cents, created_at=moment, updated_at=moment)
        try:
            charges.add(charge)
            uow.commit()
            return charge, True
        except DuplicateCharge:
            pass  # a concurrent request for the same order won; answer with its charge
    return get(db=db, order_id=order_id), False


def get(*, db: Database, order_id: str) -> Charge:
    """The charge of an order, or :class:`ChargeNotFound`."""
    with db.uow() as uow:
        charge = ChargeRepository(uow.session).get(order_id)
    if charge is None:
        raise ChargeNotFound(order_id)
    return charge


def refund(*, db: Database, order_id: str) -> Charge:
    """Refund a captured charge in full; refunding twice is fine, a declined charge is
    :class:`NotRefundable`."""
    with db.uow(write=True) as uow:
        if ChargeRepository(uow.session).move(order_id, from_status=ChargeStatus.CAPTURED,
                                              to_status=ChargeStatus.REFUNDED, now=utcnow()):
            uow.commit()
    charge = get(db=db, order_id=order_id)
    if charge.status is not ChargeStatus.REFUNDED:
        raise NotRefundable(order_id, charge.status)
    return charge
