"""The app factory: settings in, a wired Flask app out; nothing happens at import time."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from chassis.flask_support import install
from chassis.jwks import JwksVerifier
from chassis.logs import configure_logging
from chassis.outbound import ServiceClient
from chassis.problems import (
    Conflict,
    EmptyCartProblem,
    ErrorTable,
    IdempotencyInProgress,
    IdempotencyKeyReuse,
    NotFound,
    OutOfStockProblem,
    PaymentDeclinedProblem,
    Unavailable,
)
from chassis.sql import schema_is_current
from chassis.tracing import install_flask
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from orders import domain
from orders.api import EXTENSION, Deps, Verifier, bp
from orders.clients import (
    CartClient,
    CartServiceClient,
    CatalogClient,
    NotRefundable,
    PaymentsClient,
)
from orders.config import Settings
from orders.db import Database
from orders.saga import Saga

log = logging.getLogger(__name__)


MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

def _out_of_stock(exc: domain.OutOfStock) -> OutOfStockProblem:
    return OutOfStockProblem([{"product_id": s.product_id, "requested": s.requested,
                               "available": s.available} for s in exc.shortages])


def _database_down(exc: OperationalError | InterfaceError) -> Unavailable:
    """Lost connections, a locked SQLite file, a deadlock victim: worth a retry."""
    log.warning("database unavailable: %s", type(exc.orig).__name__)
    return Unavailable("The database is not answering.")


ERRORS: ErrorTable = {
    domain.OutOfStock: _out_of_stock,
    domain.EmptyCart: lambda _: EmptyCartProblem("The cart is empty."),
    domain.PaymentDeclined: lambda exc: PaymentDeclinedProblem(exc.order_id),
    domain.OrderNotFound: lambda _: NotFound("No such order."),
    domain.OrderNotCancellable: lambda exc: Conflict(f"The order is {exc.status}."),
    domain.InvalidTransition: lambda exc: Conflict(f"The order is {exc.status}."),
    domain.IdempotencyKeyReused: lambda _: IdempotencyKeyReuse(
        "This Idempotency-Key was used with a different request body."),
    domain.IdempotencyInProgress: lambda _: IdempotencyInProgress(
        "The first request with this Idempotency-Key is still running."),
    NotRefundable: lambda _: Conflict("The payment cannot be refunded."),
    OperationalError: _database_down,
    InterfaceError: _database_down,
}


def make_saga(settings: Settings, db: Database,
              transport: httpx.BaseTransport | None = None) -> Saga:
    """The saga's downstream clients, one pooled client per service."""
    def client(name: str, url: str, kind: type[ServiceClient] = ServiceClient) -> ServiceClient:
        return kind(name, url, timeout=settings.upstream_timeout_seconds,
                    internal_token=settings.token_for(name), transport=transport)

    return Saga(db=db, cart=CartClient(client("cart", settings.cart_url, CartServiceClient)),
                catalog=CatalogClient(client("catalog", settings.catalog_url)),
                payments=PaymentsClient(client("payments", settings.payments_url)),
                idempotency_ttl_seconds=settings.idempotency_ttl_seconds)


def create_app(settings: Settings | None = None, *, transport: httpx.BaseTransport | None = None,
               verifier: Verifier | None = None) -> Flask:
    """``transport`` and ``verifier`` stand in for the network in tests."""
    settings = settings or Settings()
    configure_logging("orders", settings.log_level)
    db = Database.from_url(settings.sqlalchemy_url)
    verifier = verifier or JwksVerifier(settings.jwks_url, issuer=settings.jwt_issuer,
                                        audience=settings.jwt_audience,
                                        timeout_seconds=settings.upstream_timeout_seconds)
    app = Flask(__name__)
    app.extensions[EXTENSION] = Deps(settings=settings, db=db,
                                     saga=make_saga(settings, db, transport), verifier=verifier)
    install(app, served_by="orders", error_table=ERRORS,
            readiness={"database": db.ping, "schema": schema_is_current(db.engine, MIGRATIONS)},
            max_body_bytes=settings.max_body_bytes)
    install_flask(app, service="orders", settings=settings)
    app.register_blueprint(bp)
    return app
