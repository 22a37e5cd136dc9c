"""The public routes through the Flask test client, as the gateway proxies them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
from chassis.settings import MICROSERVICES_TOKEN_AUDIENCE, MICROSERVICES_TOKEN_ISSUER
from chassis.tokens import TokenVerifier
from flask.testing import FlaskClient
from users.app import create_app
from users.config import Settings

User = Callable[..., dict[str, Any]]


def test_registering_answers_201_with_the_user_and_no_secrets(client: FlaskClient) -> None:
    response = client.post("/api/auth/register",
                           json={"email": " Ada@Example.com", "password": "password1",
                                 "name": "Ada"})
    assert response.status_code == 201
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"id", "email", "name", "role", "created_at"}
    assert body["email"] == "ada@example.com" and body["role"] == "customer"
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 20
    assert response.headers["X-Served-By"] == "users"
    assert response.headers["X-Request-ID"]


def test_a_duplicate_email_in_another_case_is_a_409_conflict(client: FlaskClient,
                                                             create_user: User) -> None:
    user = create_user()
    response = client.post("/api/auth/register", json={
        "email": user["email"].upper(), "password": "password1", "name": "Twin"})
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["type"] == "/problems/conflict"


def test_a_short_password_is_a_422_naming_the_field(client: FlaskClient) -> None:
    response = client.post("/api/auth/register",
                           json={"email": "x@example.com", "password": "short", "name": "X"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/problems/validation"
    assert [error["field"] for error in body["errors"]] == ["password"]


def test_a_body_that_is_not_a_json_object_is_400_malformed(client: FlaskClient) -> None:
    for raw in (b"not json", b"[1, 2]", b""):
        response = client.post("/api/auth/register", data=raw,
                               content_type="application/json")
        assert response.status_code == 400
        assert response.get_json()["type"] == "/problems/malformed"


def test_login_gives_a_bearer_token_carrying_the_role(client: FlaskClient,
                                                      create_user: User) -> None:
    user = create_user()
    response = client.post("/api/auth/login",
                           json={"email": user["email"].upper(), "password": user["password"]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    jwks = client.get("/.well-known/jwks.json").get_json()
    claims = TokenVerifier.from_jwks(jwks, issuer=MICROSERVICES_TOKEN_ISSUER,
                                     audience=MICROSERVICES_TOKEN_AUDIENCE)
    assert claims.verify(body["access_token"]).subject == user["id"]


def test_a_wrong_password_and_an_unknown_email_give_the_same_401(client: FlaskClient,
                                                                create_user: User) -> None:
    user = create_user()
    wrong = client.post("/api/auth/login", json={"email": user["email"], "password": "nope-nope"})
    unknown = client.post("/api/auth/login",
                          json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_me_answers_the_signed_in_user(client: FlaskClient, auth: dict[str, str]) -> None:
    response = client.get("/api/users/me", headers=auth)
    assert response.status_code == 200
    assert response.get_json()["role"] == "customer"


def test_me_without_or_with_a_forged_token_is_401(client: FlaskClient,
                                                  auth: dict[str, str]) -> None:
    token = auth["Authorization"].split()[1]
    header, payload, _signature = token.split(".")
    forged_hs256 = jwt.encode({"sub": "x", "role": "admin"}, "s" * 32, algorithm="HS256")
    for headers in ({}, {"Authorization": f"Bearer {header}.{payload}.AAAA"},
                    {"Authorization": f"Bearer {forged_hs256}"}, {"Authorization": "Basic x"}):
        response = client.get("/api/users/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.get_json()["type"] == "/problems/unauthorized"


def test_the_admin_created_by_init_can_sign_in_as_admin(client: FlaskClient, settings) -> None:
    from users import service

    db = client.application.extensions["users"].db
    service.ensure_admin(db=db, email=settings.admin_email, password="admin-pass-1")
    response = client.post("/api/auth/login",
                           json={"email": settings.admin_email, "password": "admin-pass-1"})
    token = response.get_json()["access_token"]
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["role"] == "admin"


def test_the_jwks_publishes_one_ed25519_key_without_private_parts(client: FlaskClient) -> None:
    keys = client.get("/.well-known/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519" and keys[0]["alg"] == "EdDSA"
    assert "d" not in keys[0]


def test_me_with_a_valid_token_for_a_vanished_account_is_401(client: FlaskClient) -> None:
    issuer = client.application.extensions["users"].issuer
    token = issuer.issue(subject="no-such-user", role="customer")
    response = client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.get_json()["type"] == "/problems/unauthorized"


def test_a_database_that_does_not_answer_is_a_503(settings: Settings) -> None:
    app = create_app(settings.model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:1/users"}))
    token = app.extensions["users"].issuer.issue(subject="someone", role="customer")
    response = app.test_client().get("/api/users/me",
                                     headers={"Authorization": f"Bearer {token}"})
    app.extensions["users"].db.dispose()
    assert response.status_code == 503
    assert response.get_json()["type"] == "/problems/unavailable"
