"""What every view needs: the app's dependencies and the caller's verified claims.
(The request body and the response data: ``chassis.flask_support.body`` and ``dump``.)"""

from __future__ import annotations

from dataclasses import dataclass

from chassis.flask_support import authenticate, require_admin
from chassis.tokens import Claims, TokenIssuer, TokenVerifier
from flask import current_app

from shop.config import Settings
from shop.contract import ContractDocument
from shop.db import Database

EXTENSION = "shop"


@dataclass(frozen=True)
class Deps:
    """What the views need, built once by the app factory (shop.app.build_deps)."""

    settings: Settings
    db: Database
    issuer: TokenIssuer
    verifier: TokenVerifier
    contract: ContractDocument


def deps() -> Deps:
    found: Deps = current_app.extensions[EXTENSION]
    return found


def caller() -> Claims:
    """The verified claims of the bearer token, or 401."""
    return authenticate(deps().verifier)


def admin() -> Claims:
    """The claims of an administrator's token: 401 without one, 403 for a customer."""
    return require_admin(caller())

