"""GET /api/orders/events: the caller's own order events as Server-Sent Events.

Each stream is read by a thread of its own (devstack.event_stream) while the test
checks out, as a browser's EventSource would read it. The suite's own stacks
run with SSE_HEARTBEAT_SECONDS=1 (devstack.targets), so the heartbeat test is
quick there, and holds any shop to the contract's 15 s.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from devstack.event_stream import PATH, open_stream

DECLINED_CARD = "4000000000000002"
# The contract's bound, plus a second for a busy machine; the suite's stacks send one a second.
HEARTBEAT_BOUND_SECONDS = 16.0


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


def test_a_quiet_stream_gets_a_comment_at_least_every_15_seconds(
    shop: Any, customer: Any
) -> None:
    with open_stream(shop.base_url, customer.headers) as stream:
        started = time.monotonic()
        comments = [stream.comments.get(timeout=HEARTBEAT_BOUND_SECONDS) for _ in range(2)]
        elapsed = time.monotonic() - started

    assert all(isinstance(comment, str) for comment in comments)
    print(f"two comments in {elapsed:.2f} s")
