"""Check out the cart, list and read one's orders, cancel one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from chassis.flask_support import authenticate, json_response
from chassis.pagination import PageParams, page_body
from chassis.problems import PROBLEM_CONTENT_TYPE, ValidationFailed
from chassis.tokens import Claims
from chassis.validation import validate_body, validate_query
from flask import Blueprint, Response, current_app, json, request

from orders import idempotency, service
from orders.config import Settings
from orders.db import Database
from orders.domain import Order, PaymentDeclined
from orders.idempotency import Keyed, StoredResponse
from orders.saga import Saga
from orders.schemas import CheckoutRequest, OrderOut

bp = Blueprint("orders", __name__)

EXTENSION = "orders"
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255


class Verifier(Protocol):
    def verify(self, token: str) -> Claims: ...


@dataclass(frozen=True)
class Deps:
    """What the handlers need, built once by the app factory."""

    settings: Settings
    db: Database
    saga: Saga
    verifier: Verifier


def deps() -> Deps:
    found: Deps = current_app.extensions[EXTENSION]
    return found


def caller() -> Claims:
    return authenticate(deps().verifier)


def dump(order: Order) -> dict[str, Any]:
    return OrderOut.from_domain(order).model_dump(mode="json")


@bp.post("/api/orders")
def place_order() -> Response:
    user_id = caller().subject
    checkout = validate_body(CheckoutRequest, request.get_data())
    key = _idempotency_key()
    settings = deps().settings
    keyed = None if key is None else Keyed(
        db=deps().db, user_id=user_id, key=key, fingerprint=checkout.fingerprint(),
        ttl_seconds=settings.idempotency_ttl_seconds,
        lease_seconds=settings.idempotency_lease_seconds)
    return _respond(*idempotency.run_once(keyed, partial(_checkout, user_id, checkout)))


@bp.get("/api/orders")
def list_orders() -> Response:
    user_id = caller().subject
    params = validate_query(PageParams, request.args.to_dict())
    orders, total = service.list_page(db=deps().db, user_id=user_id, offset=params.offset,
                                      limit=params.page_size)
    return json_response(page_body([dump(order) for order in orders], total, params))


@bp.get("/api/orders/<order_id>")
def get_order(order_id: str) -> Response:
    order = service.get(db=deps().db, user_id=caller().subject, order_id=order_id)
    return json_response(dump(order))


@bp.post("/api/orders/<order_id>/cancel")
def cancel_order(order_id: str) -> Response:
    order = service.cancel(saga=deps().saga, user_id=caller().subject, order_id=order_id)
    return json_response(dump(order))


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed([{"field": IDEMPOTENCY_HEADER,
                                 "message": "must be 1 to 255 characters long"}])
    return key


def _checkout(user_id: str, checkout: CheckoutRequest, keyed: Keyed | None) -> StoredResponse:
    """The answers worth keeping for a replay (201 with the order, 402 with the problem);
    the saga stores it with the order it settles."""
    try:
        order = service.checkout(saga=deps().saga, user_id=user_id,
                                 request=checkout.to_domain(), keyed=keyed)
    except PaymentDeclined as declined:
        order = declined.order
    return StoredResponse.of(order)


def _respond(stored: StoredResponse, replayed: bool) -> Response:
    content_type = PROBLEM_CONTENT_TYPE if stored.status_code >= 400 else "application/json"
    response = Response(json.dumps(stored.body), status=stored.status_code,
                        content_type=content_type)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
