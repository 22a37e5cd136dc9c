"""The repositories against real databases: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from orders.db import Database
from orders.domain import Order, OrderLine, ShippingAddress
from orders.repository import IdempotencyRepository, OrderRepository
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
ADDRESS = ShippingAddress(name="Ada", line1="1 Way", city="London", postal_code="N1",
                          country="GB")


def an_order(user_id: str = "u1", at: datetime = T0) -> Order:
    lines = [OrderLine("p2", "SKU-B", "Bowl", 300, 2), OrderLine("p1", "SKU-A", "Cup", 100, 1)]
    return Order.pending(user_id=user_id, lines=lines, shipping_address=ADDRESS,
                         card_last4="4242", now=at)


def test_an_order_comes_back_as_it_was_stored(db_session: Session) -> None:
    orders = OrderRepository(db_session)
    order = an_order()
    orders.add(order)
    db_session.expire_all()
    assert orders.get(order.id) == order
    assert orders.get("missing") is None


def test_the_list_is_newest_first_and_per_user(db_session: Session) -> None:
    orders = OrderRepository(db_session)
    old, new = an_order(at=T0), an_order(at=T0 + timedelta(seconds=1))
    for order in (old, new, an_order(user_id="u2")):
        orders.add(order)
    page, total = orders.list_page(user_id="u1", offset=0, limit=1)
    assert total == 2 and [o.id for o in page] == [new.id]
    assert [o.id for o in orders.list_page(user_id="u1", offset=1, limit=5)[0]] == [old.id]


def test_a_move_succeeds_only_from_the_expected_status(db_session: Session) -> None:
    orders = OrderRepository(db_session)
    order = an_order()
    orders.add(order)
    confirmed = order.moved("confirmed", "captured", T0)
    assert orders.move(confirmed, expected="pending")
    assert not orders.move(order.moved("failed", "declined", T0), expected="pending")
    stored = orders.get(order.id)
    assert stored is not None and stored.status == "confirmed"
    assert stored.payment.status == "captured"


def test_a_deleted_order_takes_its_lines_with_it(db_session: Session) -> None:
    orders = OrderRepository(db_session)
    order = an_order()
    orders.add(order)
    orders.delete(order.id)
    assert orders.get(order.id) is None and orders.list_page(user_id="u1", offset=0,
                                                              limit=5)[1] == 0


def test_stale_pending_orders_are_found_once_leased(db_session: Session) -> None:
    orders = OrderRepository(db_session)
    stale, young = an_order(at=T0), an_order(at=T0 + timedelta(minutes=10))
    orders.add(stale)
    orders.add(young)
    now = T0 + timedelta(minutes=5)
    assert orders.stale_pending(created_before=now, now=now, limit=10) == [stale.id]
    assert orders.take_lease(stale.id, now=now, until=now + timedelta(minutes=1))
    assert not orders.take_lease(stale.id, now=now, until=now + timedelta(minutes=1))
    assert orders.stale_pending(created_before=now, now=now, limit=10) == []


def test_an_idempotency_key_is_claimed_once_bound_then_completed(db_session: Session) -> None:
    keys = IdempotencyRepository(db_session)
    keys.insert_claim(user_id="u1", key="k", fingerprint="f", now=T0,
                      expires_at=T0 + timedelta(days=1))
    assert not keys.bind(user_id="u1", key="k", claimed_at=T0 - timedelta(seconds=1),
                         order_id="o1")  # not this claim: another request's, taken over
    assert keys.bind(user_id="u1", key="k", claimed_at=T0, order_id="o1")
    keys.release(user_id="u1", key="k", claimed_at=T0)  # bound: only its order settles it
    keys.complete_for_order("o1", status_code=201, body={"id": "o1"},
                            expires_at=T0 + timedelta(days=1))
    record = keys.get("u1", "k")
    assert record is not None and record.status_code == 201
    assert record.response_body == {"id": "o1"} and record.claimed_at == T0


def test_an_abandoned_or_expired_key_can_be_retaken(db_session: Session) -> None:
    keys = IdempotencyRepository(db_session)
    keys.insert_claim(user_id="u1", key="k", fingerprint="f", now=T0,
                      expires_at=T0 + timedelta(days=1))
    later = T0 + timedelta(minutes=5)
    assert not keys.retake(user_id="u1", key="k", fingerprint="g", now=later,
                           expires_at=later, abandoned_before=T0)
    assert keys.retake(user_id="u1", key="k", fingerprint="g", now=later,
                       expires_at=later + timedelta(days=1), abandoned_before=later)
    record = keys.get("u1", "k")
    assert record is not None and record.fingerprint == "g"


def test_expired_keys_with_a_stored_answer_are_purged(db_session: Session) -> None:
    keys = IdempotencyRepository(db_session)
    keys.insert_claim(user_id="u1", key="old", fingerprint="f", now=T0, expires_at=T0)
    keys.bind(user_id="u1", key="old", claimed_at=T0, order_id="o1")
    keys.complete_for_order("o1", status_code=201, body={}, expires_at=T0)
    assert keys.purge_expired(T0 + timedelta(seconds=1)) == 1
    assert keys.get("u1", "old") is None


def test_a_second_claim_of_the_same_key_is_refused_by_the_store(database: Database) -> None:
    for attempt in range(2):
        with database.uow(write=True) as uow:
            keys = IdempotencyRepository(uow.session)
            if attempt == 0:
                keys.insert_claim(user_id="u1", key="k", fingerprint="f", now=T0,
                                  expires_at=T0 + timedelta(days=1))
                uow.commit()
            else:
                with pytest.raises(IntegrityError):
                    keys.insert_claim(user_id="u1", key="k", fingerprint="f", now=T0,
                                      expires_at=T0 + timedelta(days=1))
