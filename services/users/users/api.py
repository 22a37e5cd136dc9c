"""The users service's routes: register, login, me and the public keys."""

from __future__ import annotations

from dataclasses import dataclass

from chassis.flask_support import authenticate, json_response
from chassis.tokens import TokenIssuer, TokenVerifier
from chassis.validation import validate_body
from flask import Blueprint, Response, current_app, request

from users import service
from users.db import Database
from users.schemas import LoginRequest, TokenOut, UserCreate, UserOut

bp = Blueprint("users", __name__)


@dataclass(frozen=True)
class Deps:
    """What the handlers need, built once by the app factory."""

    db: Database
    issuer: TokenIssuer
    verifier: TokenVerifier


def deps() -> Deps:
    found: Deps = current_app.extensions["users"]
    return found


@bp.post("/api/auth/register")
def register() -> Response:
    body = validate_body(UserCreate, request.get_data())
    user = service.register(db=deps().db, email=body.email, password=body.password,
                            name=body.name)
    return json_response(UserOut.from_domain(user).model_dump(), status=201)


@bp.post("/api/auth/login")
def login() -> Response:
    body = validate_body(LoginRequest, request.get_data())
    token = service.login(db=deps().db, issuer=deps().issuer, email=body.email,
                          password=body.password)
    return json_response(TokenOut.from_domain(token).model_dump())


@bp.get("/api/users/me")
def me() -> Response:
    claims = authenticate(deps().verifier)
    user = service.get(db=deps().db, user_id=claims.subject)
    return json_response(UserOut.from_domain(user).model_dump())


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    return json_response(deps().issuer.jwks(), headers={"Cache-Control": "public, max-age=300"})
