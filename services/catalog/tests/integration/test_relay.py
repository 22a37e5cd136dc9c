"""Product events: written with the change, relayed to a real Redis (a private
``redis-server``), also by the ``python -m catalog.relay`` process itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from catalog import reservations as steps
from catalog import service
from catalog.config import Settings
from catalog.db import Database
from catalog.domain import NewProduct, Product, StockLine
from catalog.events import cloud_events
from catalog.relay import relay_once
from chassis.product_version import PRODUCTS_VERSION_KEY
from redis import Redis, RedisError

from chassis import streams

ProductFactory = Callable[..., Product]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server of this test's own, which it can stop and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = _free_port(), workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                with Redis.from_url(self.url, socket_timeout=0.5) as client:
                    client.ping()
                return
            except RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def broker_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(broker_server: RedisServer) -> Iterator[Redis]:
    with Redis.from_url(broker_server.url, socket_timeout=2) as client:
        yield client


def stream_events(broker: Redis) -> list[dict[str, Any]]:
    return [streams.decode(fields) for _, fields in broker.xrange(streams.CATALOG_STREAM)]


def relay(database: Database, broker: Redis) -> int:
    return relay_once(db=database, broker=broker, batch_size=100, retention_seconds=3600)


def test_every_write_of_a_product_is_relayed_as_a_cloud_event_in_order(
        database: Database, broker: Redis) -> None:
    product = service.create(db=database, new=NewProduct(
        sku="EV-1", name="Mug", category="Kitchen", price_cents=900, stock=5))
    service.update(db=database, product_id=product.id, changes={"price_cents": 950})
    steps.reserve_stock(db=database, order_id="order-1", lines=[StockLine(product.id, 2)])
    steps.release_stock(db=database, order_id="order-1")
    service.update(db=database, product_id=product.id, changes={"stock": 7})
    assert relay(database, broker) == 6
    events = stream_events(broker)
    assert [event["type"] for event in events] == [
        "product.changed", "product.changed", "stock.changed", "stock.changed",
        "product.changed", "stock.changed"]
    first = events[0]
    assert set(first) == {"specversion", "id", "source", "type", "time", "subject",
                          "datacontenttype", "data"}
    assert (first["specversion"], first["source"], first["subject"]) == (
        "1.0", "/catalog", product.id)
    assert first["time"].endswith("Z")
    assert first["data"]["id"] == product.id and first["data"]["sku"] == "EV-1"
    assert events[-1]["data"] == {"id": product.id, "stock": 7}
    assert len({event["id"] for event in events}) == 6
    assert relay(database, broker) == 0, "published events leave the product"
    assert database["products"].count_documents({"pending": {"$gt": 0}}) == 0


def test_relaying_a_product_change_replaces_the_products_version_and_stock_alone_does_not(
        database: Database, broker: Redis, create_product: ProductFactory) -> None:
    product = create_product(stock=5)
    relay(database, broker)
    broker.delete(PRODUCTS_VERSION_KEY)  # as if the write's own replacement had failed
    service.update(db=database, product_id=product.id, changes={"price_cents": 1})
    relay(database, broker)
    after_change = broker.get(PRODUCTS_VERSION_KEY)
    assert after_change is not None
    steps.reserve_stock(db=database, order_id="order-v", lines=[StockLine(product.id, 1)])
    relay(database, broker)
    assert broker.get(PRODUCTS_VERSION_KEY) == after_change


def test_a_deleted_product_is_relayed_as_deleted_and_its_tombstone_goes(
        database: Database, broker: Redis, create_product: ProductFactory) -> None:
    product = create_product(sku="GONE-1")
    relay(database, broker)
    service.delete(db=database, product_id=product.id)
    assert service.lookup(db=database, product_ids=[product.id]) == []
    again = service.create(db=database, new=NewProduct(
        sku="GONE-1", name="Mug", category="Kitchen", price_cents=900))  # the sku is free
    assert relay(database, broker) == 2
    deleted = [event for event in stream_events(broker) if event["subject"] == product.id][-1]
    assert (deleted["type"], deleted["data"]) == (
        "product.changed", {"id": product.id, "deleted": True})
    assert database["products"].count_documents({}) == 1
    assert service.get(db=database, product_id=again.id).sku == "GONE-1"


def test_with_the_broker_down_writes_succeed_and_the_events_go_out_once_it_is_back(
        database: Database, broker_server: RedisServer, create_product: ProductFactory) -> None:
    product = create_product(stock=3)
    broker_server.stop()
    with Redis.from_url(broker_server.url, socket_timeout=0.5,
                        socket_connect_timeout=0.5) as down:
        service.update(db=database, product_id=product.id, changes={"name": "Cup"})
        with pytest.raises(RedisError):
            relay(database, down)
    broker_server.start()
    with Redis.from_url(broker_server.url, socket_timeout=2) as back:
        assert relay(database, back) == 2
        assert relay(database, back) == 0
        events = stream_events(back)
    assert [(event["type"], event["data"]["name"]) for event in events] == [
        ("product.changed", "Cup"), ("product.changed", "Cup")]


def test_an_event_published_before_a_crash_is_not_published_twice(
        database: Database, broker: Redis, create_product: ProductFactory) -> None:
    product = create_product()
    doc = database["products"].find_one({"pending": {"$gt": 0}})
    assert doc is not None
    [(_, event)] = cloud_events(doc)
    streams.publish(broker, event, stream=streams.CATALOG_STREAM, owner_stream=None)
    assert relay(database, broker) == 1  # the relay died before dropping it: again
    assert [e["id"] for e in stream_events(broker)] == [event["id"]]
    assert event["subject"] == product.id


def _wait_for(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_relay_process_publishes_and_catches_up_after_the_broker_returns(
        settings: Settings, database: Database, broker_server: RedisServer,
        broker: Redis) -> None:
    port = _free_port()
    env = {**os.environ, "MONGODB_URL": settings.mongodb_url,
           "MONGODB_DATABASE": settings.mongodb_database, "EVENTS_REDIS_URL": broker_server.url,
           "PORT": str(port), "RELAY_INTERVAL_SECONDS": "0.1", "ENVIRONMENT": "test"}
    process = subprocess.Popen([sys.executable, "-m", "catalog.relay"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"))
        first = service.create(db=database, new=NewProduct(
            sku="P-1", name="Mug", category="Kitchen", price_cents=900))
        _wait_for(lambda: [e["subject"] for e in stream_events(broker)] == [first.id])
        broker_server.stop()
        second = service.create(db=database, new=NewProduct(
            sku="P-2", name="Bowl", category="Kitchen", price_cents=900))
        service.delete(db=database, product_id=first.id)
        broker_server.start()  # empty: the stream starts again
        with Redis.from_url(broker_server.url, socket_timeout=2) as back:
            # In order for each product; two products' events may interleave.
            _wait_for(lambda: sorted((e["subject"], e["data"].get("deleted", False))
                                     for e in stream_events(back)) == sorted(
                                         [(second.id, False), (first.id, True)]))
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False
