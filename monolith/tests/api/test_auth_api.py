# werkzeug types a test response's .json as Optional; these tests index it directly.
# mypy: disable-error-code="index"
from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from shop.config import Settings

PASSWORD = "correct horse battery"


def _register(client: FlaskClient, email: str = "ann@example.com",
              **overrides: object) -> TestResponse:
    return client.post("/api/auth/register",
                       json={"email": email, "password": PASSWORD, "name": "Ann", **overrides})


def _problem(response: TestResponse, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.json or {}
    assert (body["type"], body["status"]) == (f"/problems/{slug}", status)
    return body


def test_registering_answers_201_with_the_user(client: FlaskClient) -> None:
    response = _register(client, email="  Ann@Example.com")
    assert response.status_code == 201
    body: dict[str, Any] = response.json or {}
    assert set(body) == {"id", "email", "name", "role", "created_at"}
    assert (body["email"], body["role"]) == ("ann@example.com", "customer")
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == 20


def test_a_duplicate_email_is_a_conflict(client: FlaskClient) -> None:
    _register(client)
    _problem(_register(client, email="ANN@example.com"), 409, "conflict")


def test_a_short_password_is_a_validation_error_naming_the_field(client: FlaskClient) -> None:
    body = _problem(_register(client, password="short"), 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["password"]


def test_a_body_that_is_not_json_is_malformed(client: FlaskClient) -> None:
    _problem(client.post("/api/auth/register", data="{nope"), 400, "malformed")
    _problem(client.post("/api/auth/register", data="[]"), 400, "malformed")


def test_login_answers_a_bearer_token(client: FlaskClient, settings: Settings) -> None:
    _register(client)
    response = client.post("/api/auth/login", json={"email": "ann@example.com",
                                                    "password": PASSWORD})
    assert response.status_code == 200
    assert response.json["token_type"] == "bearer"
    assert response.json["expires_in"] == settings.jwt_ttl_seconds
    assert jwt.get_unverified_header(response.json["access_token"])["alg"] == "EdDSA"


def test_a_wrong_password_and_an_unknown_email_answer_the_same_401(client: FlaskClient) -> None:
    _register(client)
    wrong = client.post("/api/auth/login", json={"email": "ann@example.com", "password": "x" * 9})
    unknown = client.post("/api/auth/login", json={"email": "bob@example.com",
                                                   "password": PASSWORD})
    assert _problem(wrong, 401, "unauthorized") == _problem(unknown, 401, "unauthorized")


def test_me_answers_the_signed_in_user(client: FlaskClient, auth: Any) -> None:
    headers = auth.customer("me@example.com")
    response = client.get("/api/users/me", headers=headers)
    assert response.status_code == 200
    assert response.json["email"] == "me@example.com"


def test_me_without_a_token_is_401_with_a_bearer_challenge(client: FlaskClient) -> None:
    response = client.get("/api/users/me")
    _problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_tampered_foreign_and_unsigned_tokens_are_refused(client: FlaskClient, auth: Any) -> None:
    token = auth.customer()["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{forged_payload}.{signature}"
    now = int(time.time())
    kid = jwt.get_unverified_header(token)["kid"]
    foreign = jwt.encode({**claims, "iat": now, "exp": now + 60}, Ed25519PrivateKey.generate(),
                         algorithm="EdDSA", headers={"kid": kid})
    unsigned = jwt.encode(claims, key="", algorithm="none")
    for bad in (tampered, foreign, unsigned, "not-a-token"):
        response = client.get("/api/users/me", headers={"Authorization": f"Bearer {bad}"})
        _problem(response, 401, "unauthorized")


def test_the_jwks_publishes_the_ed25519_public_key(client: FlaskClient) -> None:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [key] = response.json["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("OKP", "Ed25519", "EdDSA")
    assert "d" not in key


def test_text_with_nul_characters_is_a_validation_error(client: FlaskClient) -> None:
    body = _problem(_register(client, name="An\u0000n"), 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["name"]
