"""The app factory: settings in, a wired Flask app out; nothing happens at import time."""

from __future__ import annotations

import logging
from pathlib import Path

from chassis.flask_support import install
from chassis.logs import configure_logging
from chassis.problems import Conflict, ErrorTable, Unauthorized, Unavailable
from chassis.sql import schema_is_current
from chassis.tokens import TokenIssuer, load_or_create_dev_key, load_private_key
from chassis.tracing import install_flask
from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError

from users.api import bp
from users.config import Settings
from users.db import Database
from users.domain import EmailTaken, InvalidCredentials, UnknownUser
from users.web import EXTENSION, Deps

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def _database_down(exc: OperationalError | InterfaceError) -> Unavailable:
    """Lost connections, a locked SQLite file: worth a retry, not a 500."""
    log.warning("database unavailable: %s", type(exc.orig).__name__)
    return Unavailable("The database is not answering.")


ERRORS: ErrorTable = {
    EmailTaken: lambda _exc: Conflict("An account with this email exists already."),
    InvalidCredentials: lambda _exc: Unauthorized("The email or the password is wrong."),
    UnknownUser: lambda _exc: Unauthorized("The token names no account."),
    OperationalError: _database_down,
    InterfaceError: _database_down,
}


def make_issuer(settings: Settings) -> TokenIssuer:
    """The token issuer: JWT_PRIVATE_KEY, else a development key kept under DATA_DIR."""
    if settings.jwt_private_key is not None:
        key = load_private_key(settings.jwt_private_key.get_secret_value())
    else:
        key = load_or_create_dev_key(settings.data_dir / "keys", "users")
    return TokenIssuer(key, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                       ttl_seconds=settings.jwt_ttl_seconds)


def build_deps(settings: Settings) -> Deps:
    issuer = make_issuer(settings)
    return Deps(settings=settings, db=Database.from_url(settings.sqlalchemy_url), issuer=issuer,
                verifier=issuer.verifier())


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    configure_logging("users", settings.log_level)
    app = Flask(__name__)
    app.extensions[EXTENSION] = deps = build_deps(settings)
    install(app, served_by="users", error_table=ERRORS,
            readiness={"database": deps.db.ping,
                       "schema": schema_is_current(deps.db.engine, MIGRATIONS)},
            max_body_bytes=settings.max_body_bytes)
    install_flask(app, service="users", settings=settings)
    app.register_blueprint(bp)
    return app
