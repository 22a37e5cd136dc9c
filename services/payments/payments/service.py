"""The payments use cases, as keyword-only functions over a unit of work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from chassis.clock import utcnow

from payments.domain import (
    Card,
    Charge,
    ChargeNotFound,
    ChargeStatus,
    DuplicateCharge,
    RefundNotAllowed,
    authorise,
    check_card,
)
from payments.repository import SqlUnitOfWork

UnitOfWorkFactory = Callable[[], SqlUnitOfWork]


def charge_card(*, uow: UnitOfWorkFactory, order_id: str, amount_cents: int, card: Card,
                today: date | None = None) -> tuple[Charge, bool]:
    """Charge the card once per order; a repeat gets the first charge and ``False``."""
    with uow() as work:
        existing = work.charges.get(order_id)
        if existing is not None:
            return existing, False
        check_card(card, today or utcnow().date())  # again: never trust the caller alone
        moment = utcnow()
        charge = Charge(order_id=order_id, status=authorise(card), card_last4=card.last4,
                        amount_cents=amount_cents, created_at=moment, updated_at=moment)
        try:
            work.charges.add(charge)
            work.commit()
            return charge, True
        except DuplicateCharge:
            pass  # a concurrent request for the same order won; answer with its charge
    return get_charge(uow=uow, order_id=order_id), False


def get_charge(*, uow: UnitOfWorkFactory, order_id: str) -> Charge:
    """The charge of an order, or ChargeNotFound."""
    with uow() as work:
        charge = work.charges.get(order_id)
    if charge is None:
        raise ChargeNotFound(order_id)
    return charge


def refund_charge(*, uow: UnitOfWorkFactory, order_id: str) -> Charge:
    """Refund a captured charge; refunding twice is fine, a declined charge is a conflict."""
    with uow() as work:
        if work.charges.mark_refunded(order_id, now=utcnow()):
            work.commit()
    charge = get_charge(uow=uow, order_id=order_id)
    if charge.status is not ChargeStatus.REFUNDED:
        raise RefundNotAllowed(order_id, charge.status)
    return charge
