"""Bearer tokens: what is refused (401) and what a customer may not do (403).

The expired-token case needs the issuer's private key, the one thing a black
box cannot have: the target names it (``jwt_private_key_file``), or its data
folder holds the development key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

# The development key of the shop's issuer: the monolith's own, or the users service's.
DEV_KEYS = {False: Path("keys") / "monolith-jwt-ed25519-dev.pem",
            True: Path("keys") / "users-jwt-ed25519-dev.pem"}
PROTECTED = [("GET", "/api/users/me"), ("GET", "/api/cart"), ("GET", "/api/orders")]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: dict[str, Any]) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def header_of(token: str) -> dict[str, Any]:
    return dict(jwt.get_unverified_header(token))


def _key_file(shop: Any) -> Path | None:
    named = getattr(shop, "jwt_private_key_file", None)
    if named:
        return Path(named)
    data_dir = getattr(shop, "data_dir", None)
    return Path(data_dir) / DEV_KEYS[bool(shop.gateway)] if data_dir else None


@pytest.fixture(scope="session")
def issuer_key(shop: Any) -> Ed25519PrivateKey:
    path = _key_file(shop)
    assert path is not None and path.exists(), (
        "the target must name its JWT private key (jwt_private_key_file, or "
        "SHOP_JWT_PRIVATE_KEY_FILE with SHOP_BASE_URL) to test expired tokens")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def assert_refused(api: httpx.Client, token: str, expect_problem: Any) -> None:
    for method, path in PROTECTED:
        response = api.request(method, path, headers={"Authorization": f"Bearer {token}"})
        expect_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_no_token_is_unauthorized(api: httpx.Client, expect_problem: Any) -> None:
    for method, path in PROTECTED + [("POST", "/api/orders"), ("DELETE", "/api/cart")]:
        response = api.request(method, path)

        expect_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_header_that_is_not_a_bearer_token_is_unauthorized(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    for value in (f"Basic {customer.token}", "Bearer", "Token abc", customer.token):
        response = api.get("/api/users/me", headers={"Authorization": value})

        expect_problem(response, 401, "unauthorized")


def test_garbage_is_unauthorized(api: httpx.Client, expect_problem: Any) -> None:
    assert_refused(api, "not.a.token", expect_problem)
    assert_refused(api, "x" * 40, expect_problem)


def test_a_tampered_token_is_unauthorized(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    header, _payload, signature = customer.token.split(".")
    promoted = {**claims_of(customer.token), "role": "admin"}

    assert_refused(api, f"{header}.{segment(promoted)}.{signature}", expect_problem)


def test_a_token_signed_by_another_key_is_unauthorized(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    forger = Ed25519PrivateKey.generate()
    claims = claims_of(customer.token)
    kid = header_of(customer.token).get("kid")

    same_kid = jwt.encode(claims, forger, algorithm="EdDSA", headers={"kid": kid})
    other_kid = jwt.encode(claims, forger, algorithm="EdDSA", headers={"kid": "forged"})

    assert_refused(api, same_kid, expect_problem)
    assert_refused(api, other_kid, expect_problem)


def test_an_unsigned_alg_none_token_is_unauthorized(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    header = {**header_of(customer.token), "alg": "none"}
    claims = {**claims_of(customer.token), "role": "admin"}

    for signature in ("", customer.token.split(".")[2]):
        assert_refused(api, f"{segment(header)}.{segment(claims)}.{signature}", expect_problem)


def test_an_hs256_token_keyed_with_the_public_key_is_unauthorized(
    api: httpx.Client, customer: Any, expect_problem: Any
) -> None:
    jwk = api.get("/.well-known/jwks.json").json()["keys"][0]
    public = OKPAlgorithm.from_jwk(json.dumps(jwk))
    assert isinstance(public, Ed25519PublicKey)
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    raw_x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    claims = {**claims_of(customer.token), "role": "admin"}
    header = {"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}
    signing_input = f"{segment(header)}.{segment(claims)}"

    for secret in (pem, raw_x, jwk["x"].encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_refused(api, f"{signing_input}.{b64(mac)}", expect_problem)


def test_an_expired_token_is_unauthorized(
    api: httpx.Client, customer: Any, issuer_key: Ed25519PrivateKey, expect_problem: Any
) -> None:
    claims = claims_of(customer.token)
    kid = header_of(customer.token).get("kid")
    fresh = jwt.encode(claims, issuer_key, algorithm="EdDSA", headers={"kid": kid})
    assert api.get("/api/users/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200

    now = int(time.time())
    expired = {**claims, "iat": now - 7200, "exp": now - 3600}
    token = jwt.encode(expired, issuer_key, algorithm="EdDSA", headers={"kid": kid})

    assert_refused(api, token, expect_problem)


def test_a_customer_on_an_admin_route_is_forbidden(
    api: httpx.Client, customer: Any, create_product: Any, expect_problem: Any
) -> None:
    product = create_product()
    attempts = [
        api.post("/api/products", headers=customer.headers,
                 json={"sku": "NOPE-1", "name": "n", "category": "c", "price_cents": 1}),
        api.patch(f"/api/products/{product['id']}", headers=customer.headers,
                  json={"price_cents": 1}),
        api.delete(f"/api/products/{product['id']}", headers=customer.headers),
    ]

    for response in attempts:
        expect_problem(response, 403, "forbidden")
    assert api.get(f"/api/products/{product['id']}").json() == product


def test_admin_routes_without_a_token_are_unauthorized(
    api: httpx.Client, create_product: Any, expect_problem: Any
) -> None:
    product = create_product()
    attempts = [
        api.post("/api/products", json={"sku": "NOPE-2", "name": "n", "category": "c",
                                        "price_cents": 1}),
        api.patch(f"/api/products/{product['id']}", json={"price_cents": 1}),
        api.delete(f"/api/products/{product['id']}"),
    ]

    for response in attempts:
        expect_problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
