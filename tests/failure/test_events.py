"""Order events on real processes: the broker (a Redis of the stack's own) stopped and
started again, and a client that drops its stream and resumes with Last-Event-ID."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from devstack.event_stream import open_stream

CHECKOUT_EVENTS = ["order.created", "order.confirmed"]


def _buy(api: httpx.Client, customer: Any, create_product: Callable[..., dict[str, Any]],
         fill_cart: Callable[..., None], checkout_body: Callable[..., dict[str, Any]]) -> str:
    product = create_product(stock=5)
    fill_cart(customer, {product["id"]: 1})
    response = api.post("/api/orders", json=checkout_body(), headers=customer.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_with_the_broker_down_checkouts_succeed_and_their_events_arrive_once_it_is_back(
    stack: Any, api: httpx.Client, new_customer: Callable[[], Any],
    create_product: Callable[..., dict[str, Any]], fill_cart: Callable[..., None],
    checkout_body: Callable[..., dict[str, Any]]
) -> None:
    customer = new_customer()
    with open_stream(stack.base_url, customer.headers) as stream:
        before = _buy(api, customer, create_product, fill_cart, checkout_body)
        seen = stream.take(2)
    stack.stop("broker")
    try:
        during = [_buy(api, customer, create_product, fill_cart, checkout_body)
                  for _ in range(2)]
        [(unpublished,)] = stack.query(
            "orders", "SELECT count(*) FROM outbox WHERE published_at IS NULL")
        assert unpublished == 4
    finally:
        stack.start("broker")

    # The broker came back empty (no persistence): the stream resumes from what it keeps.
    with open_stream(stack.base_url, customer.headers, last_event_id=seen[-1]["id"]) as resumed:
        arrived = resumed.take(4, within=30)
        assert resumed.quiet_for(2)

    assert [(e["type"], e["subject"]) for e in seen] == [(t, before) for t in CHECKOUT_EVENTS]
    assert [(e["type"], e["subject"]) for e in arrived] == [
        (t, order) for order in during for t in CHECKOUT_EVENTS]


def test_a_client_that_resumes_with_last_event_id_misses_nothing_and_gets_nothing_twice(
    stack: Any, api: httpx.Client, new_customer: Callable[[], Any],
    create_product: Callable[..., dict[str, Any]], fill_cart: Callable[..., None],
    checkout_body: Callable[..., dict[str, Any]]
) -> None:
    customer = new_customer()
    with open_stream(stack.base_url, customer.headers) as stream:
        orders = [_buy(api, customer, create_product, fill_cart, checkout_body)]
        first = stream.take(1)
    # Gone after its first event: two more checkouts happen while it is away.
    orders += [_buy(api, customer, create_product, fill_cart, checkout_body) for _ in range(2)]

    with open_stream(stack.base_url, customer.headers, last_event_id=first[0]["id"]) as resumed:
        rest = resumed.take(5)
        assert resumed.quiet_for(2)

    everything = first + rest
    assert len({event["id"] for event in everything}) == 6
    assert [(e["type"], e["subject"]) for e in everything] == [
        (t, order) for order in orders for t in CHECKOUT_EVENTS]
