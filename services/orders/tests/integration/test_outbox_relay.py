"""The outbox, written with each settle and cancel, and the relay that publishes it to
Redis Streams (real Redis, db 9, emptied around each test)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from orders import service
from orders.db import Database
from orders.domain import Card, Checkout, OutOfStock, PaymentDeclined, ShippingAddress
from orders.models import OutboxRow
from orders.relay import relay_once
from orders.saga import Saga
from orders.service import checkout
from redis import ConnectionError as RedisConnectionError
from redis import Redis
from sqlalchemy import select

from chassis import streams

BROKER_URL = "redis://127.0.0.1:6379/9"
NOWHERE_URL = "redis://127.0.0.1:1/0"
ADDRESS = ShippingAddress(name="Ada", line1="1 Way", city="London", postal_code="N1",
                          country="GB")


def request(card_number: str = "4242424242424242") -> Checkout:
    return Checkout(card=Card(number=card_number, exp_month=12, exp_year=2100, cvc="123"),
                    shipping_address=ADDRESS)


@pytest.fixture
def broker() -> Iterator[Redis]:
    redis = Redis.from_url(BROKER_URL)
    redis.flushdb()
    yield redis
    redis.flushdb()
    redis.close()


@pytest.fixture
def bought(saga: Saga, fake, user_id: str, create_product: Callable[..., str]) -> Callable:
    def buy(card_number: str = "4242424242424242") -> str:
        fake.put_in_cart(user_id, create_product(stock=3), 1)
        return checkout(saga=saga, user_id=user_id, request=request(card_number)).id
    return buy


@dataclass(frozen=True)
class Stored:
    user_id: str
    event: dict
    published_at: datetime | None


def outbox(db: Database) -> list[Stored]:
    with db.uow() as uow:
        return [Stored(row.user_id, row.event, row.published_at)
                for row in uow.session.scalars(select(OutboxRow).order_by(OutboxRow.seq))]


def stream_events(broker: Redis, key: str) -> list[dict]:
    return [streams.decode(fields) for _id, fields in broker.xrange(key)]


def relay(db: Database, broker: Redis) -> int:
    return relay_once(db=db, broker=broker, batch_size=100, retention_seconds=3600)


def test_a_confirmed_checkout_writes_created_then_confirmed_with_the_order(
        saga: Saga, bought: Callable[..., str], user_id: str) -> None:
    order_id = bought()

    rows = outbox(saga.db)
    assert [row.event["type"] for row in rows] == ["order.created", "order.confirmed"]
    assert {row.user_id for row in rows} == {user_id}
    assert [row.event["data"]["status"] for row in rows] == ["pending", "confirmed"]
    assert all(row.event["subject"] == order_id and row.published_at is None for row in rows)


def test_a_declined_checkout_writes_created_then_failed_and_out_of_stock_writes_nothing(
        saga: Saga, fake, user_id: str, create_product: Callable[..., str],
        bought: Callable[..., str]) -> None:
    with pytest.raises(PaymentDeclined):
        bought("4000000000000002")
    fake.put_in_cart(user_id, create_product(stock=0), 1)
    with pytest.raises(OutOfStock):
        checkout(saga=saga, user_id=user_id, request=request())

    assert [row.event["type"] for row in outbox(saga.db)] == ["order.created", "order.failed"]


def test_a_cancel_writes_order_cancelled(saga: Saga, bought: Callable[..., str],
                                         user_id: str) -> None:
    order_id = bought()

    service.cancel(saga=saga, user_id=user_id, order_id=order_id)

    last = outbox(saga.db)[-1].event
    assert (last["type"], last["data"]["status"]) == ("order.cancelled", "cancelled")


def test_the_relay_publishes_each_event_once_to_the_topic_and_the_owners_stream(
        saga: Saga, bought: Callable[..., str], user_id: str, broker: Redis) -> None:
    bought()
    bought()

    assert relay(saga.db, broker) == 4
    assert relay(saga.db, broker) == 0

    stored = [row.event for row in outbox(saga.db)]
    assert stream_events(broker, streams.ORDERS_STREAM) == stored
    assert stream_events(broker, streams.user_stream(user_id)) == stored
    assert all(row.published_at is not None for row in outbox(saga.db))


def test_an_event_published_again_after_a_crash_is_not_added_twice(broker: Redis) -> None:
    event = {"id": "e-1", "type": "order.created", "subject": "o-1"}

    added = [streams.publish(broker, event, stream="topic", owner_stream="mine")
             for _ in range(2)]

    assert added == [True, False]
    assert broker.xlen("topic") == broker.xlen("mine") == 1
    assert json.loads(broker.xrange("topic")[0][1][b"event"]) == event


def test_with_the_broker_down_events_wait_in_the_outbox_and_go_out_when_it_is_back(
        saga: Saga, bought: Callable[..., str], user_id: str, broker: Redis) -> None:
    bought()
    down = Redis.from_url(NOWHERE_URL, socket_connect_timeout=0.2)

    with pytest.raises(RedisConnectionError):
        relay(saga.db, down)
    assert all(row.published_at is None for row in outbox(saga.db))

    assert relay(saga.db, broker) == 2
    assert len(stream_events(broker, streams.user_stream(user_id))) == 2


def test_on_sqlite_the_relay_publishes_without_holding_the_write_lock(
        saga: Saga, bought: Callable[..., str], broker: Redis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout's writes must not queue behind the broker's round trips."""
    bought()
    path = saga.db.engine.url.database
    assert saga.db.dialect == "sqlite" and path
    writes_during_publish: list[bool] = []
    real_publish = streams.publish

    def publish_while_writing(*args: object, **kwargs: object) -> bool:
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # what a checkout's write begins with
            other.execute("ROLLBACK")
            writes_during_publish.append(True)
        except sqlite3.OperationalError:
            writes_during_publish.append(False)
        finally:
            other.close()
        return real_publish(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(streams, "publish", publish_while_writing)
    assert relay(saga.db, broker) == 2
    assert writes_during_publish == [True, True]
    assert all(row.published_at is not None for row in outbox(saga.db))
