"""What every view needs: the app's dependencies and the caller's verified claims.
(The request body and the response data: ``chassis.flask_support.body`` and ``dump``.)"""

from __future__ import annotations

from dataclasses import dataclass

from chassis.flask_support import authenticate
from chassis.tokens import Claims, TokenIssuer, TokenVerifier
from flask import current_app

from users.config import Settings
from users.db import Database

EXTENSION = "users"


@dataclass(frozen=True)
class Deps:
    """What the views need, built once by the app factory (users.app.build_deps)."""

    settings: Settings
    db: Database
    issuer: TokenIssuer
    verifier: TokenVerifier


def deps() -> Deps:
    found: Deps = current_app.extensions[EXTENSION]
    return found


def caller() -> Claims:
    """The verified claims of the bearer token, or 401."""
    return authenticate(deps().verifier)

