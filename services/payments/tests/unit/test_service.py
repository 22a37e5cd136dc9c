"""The service over a real (SQLite) database: idempotency and refund rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from payments import service
from payments.db import Database
from payments.domain import (
    Card,
    Charge,
    ChargeNotFound,
    ChargeStatus,
    InvalidCard,
    NotRefundable,
)
from payments.repository import ChargeRepository

GOOD = Card("4242424242424242", 12, 2030, "123")
DECLINED = Card("4000000000000002", 12, 2030, "123")
TODAY = date(2026, 11, 25)


def charge(db: Database, card: Card, order_id: str = "o-1") -> tuple[Charge, bool]:
    return service.authorise(db=db, order_id=order_id, card=card, amount_cents=500,
                             today=TODAY)


def test_a_first_charge_is_created_and_a_repeat_returns_it_unchanged(db: Database) -> None:
    first, created = charge(db, GOOD)
    assert (first.status, first.card_last4, created) == (ChargeStatus.CAPTURED, "4242", True)
    again, created_again = charge(db, DECLINED)
    assert (again.order_id, again.status, again.card_last4, created_again) == (
        "o-1", ChargeStatus.CAPTURED, "4242", False)


def test_a_declined_card_is_recorded_as_declined(db: Database) -> None:
    declined, _ = charge(db, DECLINED)
    assert declined.status is ChargeStatus.DECLINED
    assert service.get(db=db, order_id="o-1").card_last4 == "0002"


def test_an_expired_card_is_refused_and_nothing_is_stored(db: Database) -> None:
    with pytest.raises(InvalidCard):
        charge(db, Card("4242424242424242", 10, 2026, "123"))
    with pytest.raises(ChargeNotFound):
        service.get(db=db, order_id="o-1")


def test_a_lost_race_answers_with_the_winners_charge(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with db.uow(write=True) as uow:  # the winner, stored while this request looked away
        ChargeRepository(uow.session).add(Charge("o-1", ChargeStatus.DECLINED, "0002", 500,
                                                 moment, moment))
        uow.commit()
    looked = []
    real_get = ChargeRepository.get

    def get_missing_it_once(self: ChargeRepository, order_id: str) -> Charge | None:
        looked.append(order_id)
        return None if len(looked) == 1 else real_get(self, order_id)

    monkeypatch.setattr(ChargeRepository, "get", get_missing_it_once)
    result, created = charge(db, GOOD)
    assert (result.status, result.card_last4, created) == (ChargeStatus.DECLINED, "0002", False)


def test_only_a_captured_charge_is_refunded_and_twice_is_fine(db: Database) -> None:
    charge(db, GOOD, order_id="paid")
    charge(db, DECLINED, order_id="declined")

    def refund(order_id: str) -> Charge:
        return service.refund(db=db, order_id=order_id)

    assert refund("paid").status is ChargeStatus.REFUNDED
    assert refund("paid").status is ChargeStatus.REFUNDED
    with pytest.raises(NotRefundable):
        refund("declined")
    with pytest.raises(ChargeNotFound):
        refund("nobody")
