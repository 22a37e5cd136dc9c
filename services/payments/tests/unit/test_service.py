"""The service over a fake unit of work: idempotency and refund rules without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from payments import service
from payments.domain import (
    Card,
    Charge,
    ChargeNotFound,
    ChargeStatus,
    DuplicateCharge,
    InvalidCard,
    RefundNotAllowed,
)

GOOD = Card("4242424242424242", 12, 2030, "123")
DECLINED = Card("4000000000000002", 12, 2030, "123")
TODAY = date(2026, 11, 25)


class FakeCharges:
    def __init__(self, store: dict[str, Charge], racing: Charge | None) -> None:
        self.store, self.racing = store, racing

    def get(self, order_id: str) -> Charge | None:
        return self.store.get(order_id)

    def add(self, charge: Charge) -> None:
        if self.racing is not None:  # another request stores its charge first
            self.store[charge.order_id] = self.racing
            raise DuplicateCharge(charge.order_id)
        self.store[charge.order_id] = charge

    def mark_refunded(self, order_id: str, *, now: datetime) -> bool:
        charge = self.store.get(order_id)
        if charge is None or charge.status is not ChargeStatus.CAPTURED:
            return False
        self.store[order_id] = replace(charge, status=ChargeStatus.REFUNDED, updated_at=now)
        return True


class FakeUnitOfWork:
    def __init__(self, store: dict[str, Charge], racing: Charge | None = None) -> None:
        self.charges = FakeCharges(store, racing)

    def __enter__(self) -> FakeUnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def commit(self) -> None:
        pass


def fake_uow(store: dict[str, Charge], racing: Charge | None = None) -> Any:
    return lambda: FakeUnitOfWork(store, racing)


def charge(store: dict[str, Charge], card: Card, order_id: str = "o-1",
           racing: Charge | None = None) -> tuple[Charge, bool]:
    return service.charge_card(uow=fake_uow(store, racing), order_id=order_id,
                               amount_cents=500, card=card, today=TODAY)


def test_a_first_charge_is_created_and_a_repeat_returns_it_unchanged() -> None:
    store: dict[str, Charge] = {}
    first, created = charge(store, GOOD)
    assert (first.status, first.card_last4, created) == (ChargeStatus.CAPTURED, "4242", True)
    again, created_again = charge(store, DECLINED)
    assert (again, created_again) == (first, False)


def test_a_declined_card_is_recorded_as_declined() -> None:
    store: dict[str, Charge] = {}
    declined, _ = charge(store, DECLINED)
    assert declined.status is ChargeStatus.DECLINED
    assert store["o-1"].card_last4 == "0002"


def test_an_expired_card_is_refused_and_nothing_is_stored() -> None:
    store: dict[str, Charge] = {}
    with pytest.raises(InvalidCard):
        charge(store, Card("4242424242424242", 10, 2026, "123"))
    assert store == {}


def test_a_lost_race_answers_with_the_winners_charge() -> None:
    store: dict[str, Charge] = {}
    winner = Charge("o-1", ChargeStatus.DECLINED, "0002", 500, datetime(2026, 1, 1),
                    datetime(2026, 1, 1))
    result, created = charge(store, GOOD, racing=winner)
    assert (result, created) == (winner, False)


def test_only_a_captured_charge_is_refunded_and_twice_is_fine() -> None:
    store: dict[str, Charge] = {}
    charge(store, GOOD, order_id="paid")
    charge(store, DECLINED, order_id="declined")

    def refund(order_id: str) -> Charge:
        return service.refund_charge(uow=fake_uow(store), order_id=order_id)

    assert refund("paid").status is ChargeStatus.REFUNDED
    assert refund("paid").status is ChargeStatus.REFUNDED
    with pytest.raises(RefundNotAllowed):
        refund("declined")
    with pytest.raises(ChargeNotFound):
        refund("nobody")
