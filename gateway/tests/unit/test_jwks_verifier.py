"""The async JWKS verifier: keys fetched once, again on rotation, never in a storm."""

from __future__ import annotations

from typing import Any

import pytest
from chassis.problems import Unauthorized, Unavailable
from chassis.settings import MICROSERVICES_TOKEN_AUDIENCE, MICROSERVICES_TOKEN_ISSUER
from chassis.tokens import TokenIssuer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.auth import AsyncJwksVerifier

pytestmark = pytest.mark.anyio


def _issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer=MICROSERVICES_TOKEN_ISSUER,
                       audience=MICROSERVICES_TOKEN_AUDIENCE, ttl_seconds=60)


class Jwks:
    """A fake issuer endpoint that counts its fetches."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer
        self.fetches = 0
        self.down = False

    async def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise Unavailable("down")
        return self.issuer.jwks()


def _verifier(jwks: Jwks, min_refresh_seconds: float = 30.0) -> AsyncJwksVerifier:
    return AsyncJwksVerifier(jwks, issuer=MICROSERVICES_TOKEN_ISSUER,
                             audience=MICROSERVICES_TOKEN_AUDIENCE,
                             min_refresh_seconds=min_refresh_seconds)


async def test_keys_are_fetched_on_first_use_and_then_kept() -> None:
    issuer = _issuer()
    jwks = Jwks(issuer)
    verifier = _verifier(jwks)

    for role in ("customer", "admin"):
        claims = await verifier.verify(issuer.issue(subject="u1", role=role))
        assert (claims.subject, claims.role) == ("u1", role)
    assert jwks.fetches == 1


async def test_a_rotated_key_is_fetched_when_a_token_names_it() -> None:
    old, new = _issuer(), _issuer()
    jwks = Jwks(old)
    verifier = _verifier(jwks, min_refresh_seconds=0.0)
    await verifier.verify(old.issue(subject="u1", role="customer"))

    jwks.issuer = new
    claims = await verifier.verify(new.issue(subject="u2", role="customer"))

    assert claims.subject == "u2" and jwks.fetches == 2


async def test_unknown_key_ids_do_not_refetch_more_than_once_per_interval() -> None:
    jwks = Jwks(_issuer())
    verifier = _verifier(jwks)
    await verifier.verify(jwks.issuer.issue(subject="u1", role="customer"))

    stranger = _issuer()
    for _ in range(3):
        with pytest.raises(Unauthorized):
            await verifier.verify(stranger.issue(subject="u1", role="admin"))
    assert jwks.fetches == 1


async def test_an_unreachable_issuer_keeps_the_keys_already_known() -> None:
    issuer = _issuer()
    jwks = Jwks(issuer)
    verifier = _verifier(jwks, min_refresh_seconds=0.0)
    await verifier.verify(issuer.issue(subject="u1", role="customer"))
    jwks.down = True

    with pytest.raises(Unauthorized):
        await verifier.verify(_issuer().issue(subject="u1", role="customer"))
    assert (await verifier.verify(issuer.issue(subject="u1", role="customer"))).subject == "u1"


async def test_no_keys_at_all_is_unavailable_not_unauthorized() -> None:
    jwks = Jwks(_issuer())
    jwks.down = True

    with pytest.raises(Unavailable):
        await _verifier(jwks).verify(jwks.issuer.issue(subject="u1", role="customer"))
