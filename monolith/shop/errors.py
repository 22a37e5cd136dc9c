"""Every domain error of the shop mapped once to the contract's problem details."""

from __future__ import annotations

import logging

from chassis.problems import (
    Conflict,
    EmptyCartProblem,
    ErrorTable,
    IdempotencyInProgress,
    IdempotencyKeyReuse,
    NotFound,
    OutOfStockProblem,
    PaymentDeclinedProblem,
    Unauthorized,
    Unavailable,
)
from sqlalchemy.exc import InterfaceError, OperationalError

from shop.auth.domain import EmailTaken, InvalidCredentials, UnknownUser
from shop.catalog.domain import DuplicateSku, OutOfStock, ProductNotFound
from shop.orders import domain as orders
from shop.payments.domain import NotRefundable

log = logging.getLogger(__name__)


def _out_of_stock(exc: OutOfStock) -> OutOfStockProblem:
    return OutOfStockProblem([{"product_id": s.product_id, "requested": s.requested,
                               "available": s.available} for s in exc.shortages])


def _database_down(exc: OperationalError | InterfaceError) -> Unavailable:
    """Lost connections, a locked SQLite file, a deadlock victim: worth a retry."""
    log.warning("database unavailable: %s", type(exc.orig).__name__)
    return Unavailable("The database is not answering.")


ERROR_TABLE: ErrorTable = {
    EmailTaken: lambda _: Conflict("An account with this email exists already."),
    InvalidCredentials: lambda _: Unauthorized("The email or the password is wrong."),
    UnknownUser: lambda _: Unauthorized("The token names no account."),
    ProductNotFound: lambda _: NotFound("No such product."),
    DuplicateSku: lambda _: Conflict("A product with this sku exists already."),
    OutOfStock: _out_of_stock,
    orders.EmptyCart: lambda _: EmptyCartProblem("The cart is empty."),
    orders.PaymentDeclined: lambda exc: PaymentDeclinedProblem(exc.order_id),
    orders.OrderNotFound: lambda _: NotFound("No such order."),
    orders.OrderNotCancellable: lambda exc: Conflict(f"The order is {exc.status}."),
    orders.IdempotencyKeyReused: lambda _: IdempotencyKeyReuse(
        "This Idempotency-Key was used with a different request body."),
    orders.IdempotencyInProgress: lambda _: IdempotencyInProgress(
        "The first request with this Idempotency-Key is still running."),
    NotRefundable: lambda _: Conflict("The payment cannot be refunded."),
    OperationalError: _database_down,
    InterfaceError: _database_down,
}
