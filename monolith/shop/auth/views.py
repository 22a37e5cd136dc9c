"""Register, log in, who am I, and the public keys that verify our tokens."""

from __future__ import annotations

from chassis.flask_support import body, dump, json_response
from flask import Blueprint, Response

from shop.auth import service
from shop.auth.schemas import LoginRequest, TokenOut, UserCreate, UserOut
from shop.web import caller, deps

bp = Blueprint("auth", __name__)


@bp.post("/api/auth/register")
def register() -> Response:
    new = body(UserCreate)
    user = service.register(db=deps().db, email=new.email, password=new.password, name=new.name)
    return json_response(dump(UserOut.from_domain(user)), 201)


@bp.post("/api/auth/login")
def login() -> Response:
    credentials = body(LoginRequest)
    token = service.login(db=deps().db, issuer=deps().issuer, email=credentials.email,
                          password=credentials.password)
    return json_response(dump(TokenOut.from_domain(token)))


@bp.get("/api/users/me")
def me() -> Response:
    user = service.get(db=deps().db, user_id=caller().subject)
    return json_response(dump(UserOut.from_domain(user)))


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    return json_response(deps().issuer.jwks())
