from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from payments import service
from payments.config import Settings
from payments.db import Database
from payments.domain import Card, Charge, ChargeStatus, DuplicateCharge
from payments.manage import init
from payments.repository import ChargeRepository
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

CAPTURED, REFUNDED = ChargeStatus.CAPTURED, ChargeStatus.REFUNDED
MOMENT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
GOOD = Card("4242424242424242", 12, 2030, "123")


def a_charge(order_id: str = "o-1", status: ChargeStatus = ChargeStatus.CAPTURED) -> Charge:
    return Charge(order_id=order_id, status=status, card_last4="4242", amount_cents=1500,
                  created_at=MOMENT, updated_at=MOMENT)


def test_a_charge_round_trips(db_session: Session) -> None:
    charges = ChargeRepository(db_session)
    charges.add(a_charge())
    found = charges.get("o-1")
    assert found is not None
    assert (found.order_id, found.status, found.card_last4, found.amount_cents) == (
        "o-1", ChargeStatus.CAPTURED, "4242", 1500)
    assert found.created_at.replace(tzinfo=found.created_at.tzinfo or UTC) == MOMENT
    assert charges.get("o-2") is None


def test_a_second_charge_for_the_same_order_is_refused(db_session: Session) -> None:
    charges = ChargeRepository(db_session)
    charges.add(a_charge())
    with pytest.raises(DuplicateCharge):
        charges.add(a_charge())


def test_only_a_captured_charge_moves_to_refunded(db_session: Session) -> None:
    charges = ChargeRepository(db_session)
    charges.add(a_charge("paid"))
    charges.add(a_charge("declined", ChargeStatus.DECLINED))
    assert charges.move("paid", from_status=CAPTURED, to_status=REFUNDED, now=MOMENT) is True
    assert charges.move("paid", from_status=CAPTURED, to_status=REFUNDED, now=MOMENT) is False
    assert charges.move("declined", from_status=CAPTURED, to_status=REFUNDED,
                         now=MOMENT) is False
    assert [charges.get(o).status for o in ("paid", "declined")] == [  # type: ignore[union-attr]
        ChargeStatus.REFUNDED, ChargeStatus.DECLINED]


def test_the_table_has_no_place_for_a_card_number_or_cvc(engine: Engine) -> None:
    columns = {column["name"] for column in inspect(engine).get_columns("charges")}
    assert columns == {"id", "order_id", "status", "card_last4", "amount_cents", "created_at",
                       "updated_at"}


def test_init_twice_leaves_the_schema_at_the_newest_revision(
        settings: Settings, engine: Engine) -> None:
    init(settings)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == "0001"


def test_a_charge_survives_its_unit_of_work_and_a_repeat_charges_nothing(
        db: Database) -> None:
    first, created = service.authorise(db=db, order_id="o-1", card=GOOD, amount_cents=900)
    again, created_again = service.authorise(db=db, order_id="o-1", card=GOOD,
                                             amount_cents=900)
    assert (created, created_again) == (True, False)
    assert again.order_id == first.order_id and again.status is first.status


def test_concurrent_charges_of_one_order_create_exactly_one(
        db: Database) -> None:
    def attempt(_: int) -> tuple[Charge, bool]:
        return service.authorise(db=db, order_id="o-race", card=GOOD, amount_cents=900)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert [created for _, created in outcomes].count(True) == 1
    assert {(charge.order_id, charge.status) for charge, _ in outcomes} == {
        ("o-race", ChargeStatus.CAPTURED)}
