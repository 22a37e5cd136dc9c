"""Tokens are checked at the edge, before any service is called."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import jwt
import pytest
from chassis.settings import MICROSERVICES_TOKEN_AUDIENCE, MICROSERVICES_TOKEN_ISSUER
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

pytestmark = pytest.mark.anyio


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"sub": "user-1", "role": "customer", "iss": MICROSERVICES_TOKEN_ISSUER,
            "aud": MICROSERVICES_TOKEN_AUDIENCE,
            "iat": now, "exp": now + 600, **overrides}


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_a_protected_route_without_a_token_is_401_and_no_service_is_called(
        client: httpx.AsyncClient, shop) -> None:
    _refused(await client.get("/api/orders"))
    _refused(await client.get("/api/cart"))

    assert shop.calls == []


async def test_a_tampered_token_is_refused(client: httpx.AsyncClient, shop,
                                           auth: Callable[..., dict[str, str]]) -> None:
    token = auth()["Authorization"].removeprefix("Bearer ")
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"customer", b"admin\x20\x20\x20")).decode()

    _refused(await client.get("/api/users/me",
                              headers={"Authorization": f"Bearer {header}.{forged}.{signature}"}))
    assert shop.calls_to("users") == []


async def test_an_unsigned_alg_none_token_is_refused(client: httpx.AsyncClient, shop) -> None:
    token = jwt.encode(_claims(), key=None, algorithm="none")

    _refused(await client.get("/api/orders", headers={"Authorization": f"Bearer {token}"}))
    assert shop.calls_to("orders") == []


async def test_a_token_from_another_key_or_expired_is_refused(
        client: httpx.AsyncClient, issuer: TokenIssuer) -> None:
    stranger = TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                           audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=600)
    expired = jwt.encode(_claims(exp=int(time.time()) - 5), issuer._key, algorithm="EdDSA",
                         headers={"kid": issuer.kid})

    for token in (stranger.issue(subject="user-1", role="admin"), expired):
        _refused(await client.get("/api/orders", headers={"Authorization": f"Bearer {token}"}))


async def test_a_good_token_is_passed_on_to_the_service(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    headers = auth()
    response = await client.get("/api/users/me", headers=headers)

    assert response.status_code == 200
    assert response.json()["headers"]["authorization"] == headers["Authorization"]


async def test_a_customer_on_an_admin_route_is_403_at_the_edge(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    response = await client.post("/api/products", json={}, headers=auth(role="customer"))

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert shop.calls_to("catalog") == []


async def test_an_admin_reaches_the_admin_routes(
        client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    response = await client.patch("/api/products/p1", json={"stock": 3},
                                  headers=auth(role="admin"))

    assert response.status_code == 200
    assert response.json()["method"] == "PATCH"


async def test_the_issuer_keys_are_fetched_once_and_reused(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    for _ in range(3):
        assert (await client.get("/api/orders", headers=auth())).status_code == 200

    assert len(shop.calls_to("jwks")) == 1


async def test_a_public_route_ignores_a_bad_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/products", headers={"Authorization": "Bearer nonsense"})

    assert response.status_code == 200


async def test_keys_that_cannot_be_fetched_are_a_503_not_a_401(
        client: httpx.AsyncClient, shop, auth: Callable[..., dict[str, str]]) -> None:
    shop.down.add("jwks")

    response = await client.get("/api/orders", headers=auth())

    assert response.status_code == 503
    assert response.json()["type"] == "/problems/unavailable"
