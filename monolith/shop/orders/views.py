"""Check out the cart, list and read one's orders, cancel one."""

from __future__ import annotations

from functools import partial

from chassis.flask_support import body, dump, json_response
from chassis.pagination import PageParams, page_body
from chassis.problems import PROBLEM_CONTENT_TYPE, ValidationFailed
from chassis.validation import validate_query
from flask import Blueprint, Response, json, request

from shop.orders import idempotency, service
from shop.orders.domain import PaymentDeclined
from shop.orders.idempotency import Keyed, StoredResponse
from shop.orders.schemas import CheckoutRequest, OrderOut
from shop.web import caller, deps

bp = Blueprint("orders", __name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255


@bp.post("/api/orders")
def place_order() -> Response:
    user_id = caller().subject
    checkout = body(CheckoutRequest)
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
    return json_response(page_body([dump(OrderOut.from_domain(o)) for o in orders], total, params))


@bp.get("/api/orders/<order_id>")
def get_order(order_id: str) -> Response:
    order = service.get(db=deps().db, user_id=caller().subject, order_id=order_id)
    return json_response(dump(OrderOut.from_domain(order)))


@bp.post("/api/orders/<order_id>/cancel")
def cancel_order(order_id: str) -> Response:
    order = service.cancel(db=deps().db, user_id=caller().subject, order_id=order_id)
    return json_response(dump(OrderOut.from_domain(order)))


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationFailed([{"field": IDEMPOTENCY_HEADER,
                                 "message": "must be 1 to 255 characters long"}])
    return key


def _checkout(user_id: str, checkout: CheckoutRequest, keyed: Keyed | None) -> StoredResponse:
    """The answers worth keeping for a replay (201 with the order, 402 with the problem);
    the checkout stores it in the transaction that records the order."""
    try:
        order = service.checkout(db=deps().db, user_id=user_id, request=checkout.to_domain(),
                                 keyed=keyed)
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
