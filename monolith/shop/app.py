"""The app factory: settings in, a wired Flask app out; nothing happens at import time."""

from __future__ import annotations

from pathlib import Path

from chassis import flask_support, tracing
from chassis.logs import configure_logging
from chassis.sql import schema_is_current
from chassis.tokens import TokenIssuer, load_or_create_dev_key, load_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from shop import openapi
from shop.auth import views as auth
from shop.cart import views as cart
from shop.catalog import views as catalog
from shop.config import Settings
from shop.contract import ContractDocument
from shop.db import Database
from shop.errors import ERROR_TABLE
from shop.orders import events as order_events
from shop.orders import views as orders
from shop.storefront import bp as storefront
from shop.web import EXTENSION, Deps

SERVED_BY = "monolith"

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """JWT_PRIVATE_KEY when set, else the development key kept under DATA_DIR/keys."""
    if settings.jwt_private_key is not None:
        return load_private_key(settings.jwt_private_key.get_secret_value())
    return load_or_create_dev_key(settings.data_dir / "keys", SERVED_BY)


def build_deps(settings: Settings) -> Deps:
    issuer = TokenIssuer(signing_key(settings), issuer=settings.jwt_issuer,
                         audience=settings.jwt_audience, ttl_seconds=settings.jwt_ttl_seconds)
    return Deps(settings=settings, db=Database.from_url(settings.sqlalchemy_url), issuer=issuer,
                verifier=issuer.verifier(), contract=ContractDocument(settings.openapi_file))


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    configure_logging(SERVED_BY, settings.log_level)
    app = Flask(__name__)
    app.extensions[EXTENSION] = deps = build_deps(settings)
    flask_support.install(app, served_by=SERVED_BY, error_table=ERROR_TABLE,
                          readiness={"database": deps.db.ping,
                                     "schema": schema_is_current(deps.db.engine, MIGRATIONS)},
                          max_body_bytes=settings.max_body_bytes)
    tracing.install_flask(app, service=SERVED_BY, settings=settings)
    for blueprint in (auth.bp, catalog.bp, cart.bp, order_events.bp, orders.bp, openapi.bp,
                      storefront):
        app.register_blueprint(blueprint)
    return app
