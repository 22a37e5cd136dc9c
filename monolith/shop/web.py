"""What every view needs: the app's dependencies and the caller's verified claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chassis.flask_support import authenticate, require_admin
from chassis.tokens import Claims, TokenIssuer, TokenVerifier
from chassis.validation import ModelT, validate_body
from flask import current_app, request
from pydantic import BaseModel

from shop.config import Settings
from shop.db import Database

if TYPE_CHECKING:
    from shop.openapi import OpenApiDocument

EXTENSION = "shop"


@dataclass(frozen=True)
class Shop:
    settings: Settings
    db: Database
    issuer: TokenIssuer
    verifier: TokenVerifier
    openapi: OpenApiDocument


def shop() -> Shop:
    return current_app.extensions[EXTENSION]


def caller() -> Claims:
    """The verified claims of the bearer token, or 401."""
    return authenticate(shop().verifier)


def admin() -> Claims:
    """The claims of an administrator's token: 401 without one, 403 for a customer."""
    return require_admin(caller())


def body(model: type[ModelT]) -> ModelT:
    """The request body validated strictly against ``model``."""
    return validate_body(model, request.get_data())


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
