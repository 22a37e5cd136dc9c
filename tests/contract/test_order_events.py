"""GET /api/orders/events: the caller's own order events as Server-Sent Events.

Each stream is read by a thread of its own while the test checks out, so that
what the stream shows is what a browser's EventSource would see. The stacks
run with SSE_HEARTBEAT_SECONDS=1 (devstack.targets), so a comment is due at
least every second.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

PATH = "/api/orders/events"
CLOUD_EVENT_FIELDS = {"specversion", "id", "source", "type", "time", "subject", "data"}
DECLINED_CARD = "4000000000000002"


@dataclass
class EventStream:
    """Messages and comments of one open stream, as they arrive."""

    response: httpx.Response
    messages: queue.Queue[dict[str, str]] = field(default_factory=queue.Queue)
    comments: queue.Queue[str] = field(default_factory=queue.Queue)

    def read(self) -> None:
        message: dict[str, str] = {}
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.comments.put(line[1:].strip())
                elif not line:
                    if message:
                        self.messages.put(message)
                    message = {}
                else:
                    name, _, value = line.partition(":")
                    message[name] = value.removeprefix(" ")
        except (httpx.HTTPError, RuntimeError, ValueError):
            pass  # closed by the test

    def take(self, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        """The next ``count`` messages, each checked to be one event: id, type, CloudEvent."""
        deadline, taken = time.monotonic() + within, []
        while len(taken) < count:
            message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            event = json.loads(message["data"])
            assert set(event) >= CLOUD_EVENT_FIELDS, event
            assert (message["id"], message["event"]) == (event["id"], event["type"])
            taken.append(event)
        return taken

    def quiet_for(self, seconds: float) -> bool:
        try:
            self.messages.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@contextmanager
def open_stream(base_url: str, headers: dict[str, str],
                last_event_id: str | None = None) -> Iterator[EventStream]:
    """An open stream; a 503 (the monolith's cap, while a closed stream's worker has not
    yet noticed its client went) is waited out as Retry-After asks."""
    headers = {**headers, "Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    with httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0)) as client:
        for _ in range(20):
            with client.stream("GET", PATH, headers=headers) as response:
                if response.status_code == 503:
                    response.read()
                    time.sleep(0.5)
                    continue
                assert response.status_code == 200, response.read()
                assert response.headers["Content-Type"].startswith("text/event-stream")
                stream = EventStream(response)
                reader = threading.Thread(target=stream.read, daemon=True)
                reader.start()
                assert stream.comments.get(timeout=10) is not None  # the stream is open
                try:
                    yield stream
                finally:
                    response.close()
                    reader.join(5)
                return
        raise AssertionError("the stream stayed unavailable")


def _order_of(api: httpx.Client, account: Any, order_id: str) -> dict[str, Any]:
    response = api.get(f"/api/orders/{order_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _bought(customer: Any, create_product: Any, fill_cart: Any, checkout: Any,
            body: dict[str, Any] | None = None, status: int = 201) -> str:
    product = create_product(stock=5)
    fill_cart(customer, {product["id"]: 1})
    response = checkout(customer, body)
    assert response.status_code == status, response.text
    return str(response.json()["id"] if status == 201 else response.json()["order_id"])


def test_the_stream_needs_a_token(api: httpx.Client, expect_problem: Any) -> None:
    response = api.get(PATH, headers={"Accept": "text/event-stream"})

    expect_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_checkout_streams_created_then_confirmed_with_the_order_as_data(
    shop: Any, api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any
) -> None:
    with open_stream(shop.base_url, customer.headers) as stream:
        order_id = _bought(customer, create_product, fill_cart, checkout)
        created, confirmed = stream.take(2)

    assert [created["type"], confirmed["type"]] == ["order.created", "order.confirmed"]
    for event in (created, confirmed):
        assert (event["specversion"], event["subject"]) == ("1.0", order_id)
        assert event["source"] and event["time"].endswith("Z")
    assert created["id"] != confirmed["id"]
    assert (created["data"]["id"], created["data"]["status"]) == (order_id, "pending")
    assert confirmed["data"] == _order_of(api, customer, order_id)


def test_a_declined_checkout_streams_created_then_failed(
    shop: Any, api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any, checkout_body: Any
) -> None:
    with open_stream(shop.base_url, customer.headers) as stream:
        order_id = _bought(customer, create_product, fill_cart, checkout,
                           checkout_body(card_number=DECLINED_CARD), status=402)
        created, failed = stream.take(2)

    assert [created["type"], failed["type"]] == ["order.created", "order.failed"]
    assert failed["data"] == _order_of(api, customer, order_id)
    assert failed["data"]["payment"]["status"] == "declined"


def test_the_stream_carries_the_callers_own_events_only(
    shop: Any, new_customer: Any, create_product: Any, fill_cart: Any, checkout: Any
) -> None:
    mine, theirs = new_customer(), new_customer()

    with open_stream(shop.base_url, mine.headers) as stream:
        _bought(theirs, create_product, fill_cart, checkout)
        my_order = _bought(mine, create_product, fill_cart, checkout)
        events = stream.take(2)
        assert stream.quiet_for(1.5)

    assert {event["subject"] for event in events} == {my_order}


def test_last_event_id_resumes_after_that_event_missing_nothing_and_nothing_twice(
    shop: Any, api: httpx.Client, customer: Any, create_product: Any, fill_cart: Any,
    checkout: Any
) -> None:
    with open_stream(shop.base_url, customer.headers) as stream:
        first = _bought(customer, create_product, fill_cart, checkout)
        second = _bought(customer, create_product, fill_cart, checkout)
        seen = stream.take(4)
    cancelled = api.post(f"/api/orders/{first}/cancel", headers=customer.headers)
    assert cancelled.status_code == 200, cancelled.text

    with open_stream(shop.base_url, customer.headers, last_event_id=seen[1]["id"]) as resumed:
        replayed = resumed.take(3)
        assert resumed.quiet_for(1.5)

    assert [e["id"] for e in replayed[:2]] == [e["id"] for e in seen[2:]]
    assert [(e["type"], e["subject"]) for e in replayed] == [
        ("order.created", second), ("order.confirmed", second), ("order.cancelled", first)]
    assert replayed[2]["data"] == _order_of(api, customer, first)


def test_a_quiet_stream_gets_a_comment_at_least_every_heartbeat(
    shop: Any, customer: Any
) -> None:
    with open_stream(shop.base_url, customer.headers) as stream:
        started = time.monotonic()
        comments = [stream.comments.get(timeout=5) for _ in range(2)]
        elapsed = time.monotonic() - started

    assert all(isinstance(comment, str) for comment in comments)
    print(f"two heartbeats in {elapsed:.2f} s (SSE_HEARTBEAT_SECONDS=1)")
