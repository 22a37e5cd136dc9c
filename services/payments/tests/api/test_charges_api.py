from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from payments.app import create_app
from payments.config import Settings

pytestmark = pytest.mark.anyio
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000000000000002"}


def charge_body(order_id: str = "o-1", card: dict[str, Any] = CARD) -> dict[str, Any]:
    return {"order_id": order_id, "amount_cents": 2500, **card}


async def test_a_charge_is_captured_once_and_a_repeat_answers_200_with_it(
        client: httpx.AsyncClient, internal: dict[str, str]) -> None:
    first = await client.post("/internal/charges", json=charge_body(), headers=internal)
    assert first.status_code == 201
    assert first.json() == {"order_id": "o-1", "status": "captured", "card_last4": "4242",
                            "amount_cents": 2500}
    repeat = await client.post("/internal/charges", json=charge_body(), headers=internal)
    assert (repeat.status_code, repeat.json()) == (200, first.json())
    read = await client.get("/internal/charges/o-1", headers=internal)
    assert read.json() == first.json()


async def test_the_test_card_is_declined(client: httpx.AsyncClient,
                                         internal: dict[str, str]) -> None:
    response = await client.post("/internal/charges", json=charge_body(card=DECLINED),
                                 headers=internal)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["card_last4"]) == ("declined", "0002")


@pytest.mark.parametrize(("card", "field"), [
    ({**CARD, "card_number": "4242424242424241"}, "card_number"),
    ({**CARD, "exp_month": 1, "exp_year": 2020}, "exp_year"),
    ({**CARD, "cvc": "12"}, "cvc"),
    ({**CARD, "exp_month": "12"}, "exp_month")])
async def test_a_bad_card_is_a_validation_problem_on_its_field(
        client: httpx.AsyncClient, internal: dict[str, str], card: dict[str, Any],
        field: str) -> None:
    response = await client.post("/internal/charges", json=charge_body(card=card),
                                 headers=internal)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await client.get("/internal/charges/o-1", headers=internal)).status_code == 404


async def test_a_refund_is_idempotent_and_needs_a_captured_charge(
        client: httpx.AsyncClient, internal: dict[str, str]) -> None:
    await client.post("/internal/charges", json=charge_body("paid"), headers=internal)
    await client.post("/internal/charges", json=charge_body("declined", DECLINED),
                      headers=internal)
    for _ in range(2):
        refunded = await client.post("/internal/charges/paid/refund", headers=internal)
        assert refunded.status_code == 200
        assert refunded.json() == {"order_id": "paid", "status": "refunded",
                                   "card_last4": "4242", "amount_cents": 2500}
    refused = await client.post("/internal/charges/declined/refund", headers=internal)
    assert (refused.status_code, refused.json()["type"]) == (409, "/problems/conflict")
    unknown = await client.post("/internal/charges/nobody/refund", headers=internal)
    assert unknown.status_code == 404


async def test_every_route_needs_the_internal_token(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"X-Internal-Token": "wrong"},
                    {"X-Internal-Token": "internal-dev-token"}):  # the old shared default
        response = await client.post("/internal/charges", json=charge_body(), headers=headers)
        assert response.status_code == 401
        assert (await client.get("/internal/charges/o-1", headers=headers)).status_code == 401


async def test_the_card_number_and_cvc_are_neither_stored_nor_logged(
        client: httpx.AsyncClient, internal: dict[str, str], settings: Settings,
        caplog: pytest.LogCaptureFixture) -> None:
    secret_card = {**CARD, "card_number": "5555555555554444", "cvc": "9731"}
    with caplog.at_level(logging.DEBUG):
        await client.post("/internal/charges", json=charge_body(card=secret_card),
                          headers=internal)
        await client.post("/internal/charges", json=charge_body("o-2", {**secret_card,
                          "exp_year": 2001}), headers=internal)
    assert "5555555555554444" not in caplog.text and "9731" not in caplog.text
    stored = b"".join(path.read_bytes() for path in (settings.data_dir / "payments").iterdir())
    assert b"5555555555554444" not in stored and b"9731" not in stored
    assert b"4444" in stored


async def test_health_names_the_database(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "schema": "ok"}}
    assert ready.headers["x-served-by"] == "payments"


async def test_payments_without_a_database_is_not_ready_and_answers_503(
        internal: dict[str, str]) -> None:
    down = Settings(environment="test", orders_caller_token=internal["X-Internal-Token"],
                    database_url="postgresql://postgres@127.0.0.1:9/nothing?connect_timeout=1")
    app = create_app(down)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://payments.test") as client:
        assert (await client.get("/readyz")).status_code == 503
        response = await client.get("/internal/charges/o-1", headers=internal)
        assert response.status_code == 503
        assert response.json()["type"] == "/problems/unavailable"
