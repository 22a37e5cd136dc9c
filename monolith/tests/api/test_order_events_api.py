# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
"""GET /api/orders/events through the test client: the outbox as SSE, and the cap on
open streams that keeps their polling from crowding out the rest of the shop."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shop.catalog.domain import Product
from shop.config import Settings

PATH = "/api/orders/events"


def events_in(response: TestResponse, count: int) -> list[dict[str, Any]]:
    """The next ``count`` events of an open stream (comments are skipped)."""
    found: list[dict[str, Any]] = []
    chunks: Iterator[bytes] = iter(response.response)
    while len(found) < count:
        chunk = next(chunks).decode()
        if chunk.startswith("id: "):
            lines = dict(line.split(": ", 1) for line in chunk.strip().split("\n"))
            event = json.loads(lines["data"])
            assert (lines["id"], lines["event"]) == (event["id"], event["type"])
            found.append(event)
    return found


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A cap of one open stream, so that a second one reaches it."""
    return settings.model_copy(update={"sse_max_streams": 1})


@pytest.fixture
def headers(auth: Any) -> dict[str, str]:
    return dict(auth.customer())


@pytest.fixture
def buyer(client: FlaskClient, headers: dict[str, str], create_product: Callable[..., Product],
          checkout_body: Callable[..., dict[str, Any]]) -> Callable[..., str]:
    def buy() -> str:
        product = create_product(stock=10)
        client.put(f"/api/cart/items/{product.id}", json={"quantity": 1}, headers=headers)
        response = client.post("/api/orders", json=checkout_body(), headers=headers)
        assert response.status_code == 201, response.json
        return str(response.json["id"])

    return buy


def test_a_stream_shows_the_checkouts_after_it_opened(
        client: FlaskClient, headers: dict[str, str], buyer: Callable[..., str]) -> None:
    buyer()
    stream = client.get(PATH, headers=headers, buffered=False)
    order_id = buyer()

    events = events_in(stream, 2)
    stream.close()

    assert stream.mimetype == "text/event-stream"
    assert [(e["type"], e["subject"]) for e in events] == [
        ("order.created", order_id), ("order.confirmed", order_id)]


def test_last_event_id_resumes_after_that_event_and_an_unknown_one_replays_all(
        client: FlaskClient, headers: dict[str, str], buyer: Callable[..., str]) -> None:
    first, second = buyer(), buyer()
    everything = client.get(PATH, buffered=False, headers={**headers,
                                                           "Last-Event-ID": "not-kept"})
    kept = events_in(everything, 4)
    everything.close()

    resumed = client.get(PATH, buffered=False, headers={**headers,
                                                        "Last-Event-ID": kept[1]["id"]})
    after = events_in(resumed, 2)
    resumed.close()

    assert [e["subject"] for e in kept] == [first, first, second, second]
    assert [e["id"] for e in after] == [e["id"] for e in kept[2:]]


def test_past_the_cap_of_open_streams_it_is_a_503_problem_until_one_closes(
        client: FlaskClient, headers: dict[str, str]) -> None:
    held = client.get(PATH, headers=headers, buffered=False)

    refused = client.get(PATH, headers=headers)
    held.close()
    again = client.get(PATH, headers=headers, buffered=False)
    again.close()

    assert held.status_code == 200 and again.status_code == 200
    assert refused.status_code == 503
    assert refused.json["type"] == "/problems/unavailable"
    assert refused.headers["Retry-After"] == "5"


def test_the_stream_needs_a_token(client: FlaskClient) -> None:
    response = client.get(PATH)

    assert response.status_code == 401
    assert response.content_type.startswith("application/problem+json")
