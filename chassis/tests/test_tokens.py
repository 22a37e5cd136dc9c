from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from chassis.problems import Unauthorized
from chassis.tokens import TokenIssuer, TokenVerifier, bearer_token, load_or_create_dev_key
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(Ed25519PrivateKey.generate(), issuer="shop", audience="shop",
                       ttl_seconds=60)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_issued_verifies_with_the_published_jwks(issuer: TokenIssuer) -> None:
    token = issuer.issue(subject="user-1", role="customer")
    verifier = TokenVerifier.from_jwks(issuer.jwks(), issuer="shop", audience="shop")
    claims = verifier.verify(token)
    assert (claims.subject, claims.role) == ("user-1", "customer")


def test_an_alg_none_token_is_refused(issuer: TokenIssuer) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": issuer.kid}
    now = int(time.time())
    payload = {"sub": "x", "role": "admin", "iss": "shop", "aud": "shop", "iat": now,
               "exp": now + 60}
    with pytest.raises(Unauthorized):
        issuer.verifier().verify(f"{_b64(header)}.{_b64(payload)}.")


def test_an_hmac_token_signed_with_the_public_key_is_refused(issuer: TokenIssuer) -> None:
    public_pem = issuer._key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    payload = {"sub": "x", "role": "admin", "iss": "shop", "aud": "shop", "iat": now,
               "exp": now + 60}
    forged = jwt.api_jws.PyJWS().encode(json.dumps(payload).encode(), public_pem[:32],
                                        algorithm="HS256", headers={"kid": issuer.kid})
    with pytest.raises(Unauthorized):
        issuer.verifier().verify(forged)


def test_a_token_signed_by_another_key_is_refused(issuer: TokenIssuer) -> None:
    other = TokenIssuer(Ed25519PrivateKey.generate(), issuer="shop", audience="shop",
                        ttl_seconds=60)
    with pytest.raises(Unauthorized):
        issuer.verifier().verify(other.issue(subject="x", role="admin"))


def test_an_expired_token_is_refused() -> None:
    expired = TokenIssuer(Ed25519PrivateKey.generate(), issuer="shop", audience="shop",
                          ttl_seconds=-120)
    with pytest.raises(Unauthorized, match="expired"):
        expired.verifier().verify(expired.issue(subject="x", role="customer"))


def test_a_token_for_another_audience_is_refused(issuer: TokenIssuer) -> None:
    verifier = TokenVerifier.from_jwks(issuer.jwks(), issuer="shop", audience="elsewhere")
    with pytest.raises(Unauthorized):
        verifier.verify(issuer.issue(subject="x", role="customer"))


def test_a_tampered_payload_is_refused(issuer: TokenIssuer) -> None:
    header, _payload, signature = issuer.issue(subject="x", role="customer").split(".")
    now = int(time.time())
    forged = _b64({"sub": "x", "role": "admin", "iss": "shop", "aud": "shop", "iat": now,
                   "exp": now + 60})
    with pytest.raises(Unauthorized):
        issuer.verifier().verify(f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_a_missing_or_foreign_authorization_header_is_unauthorized(header: str | None) -> None:
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_the_development_key_is_made_once_and_then_reused(tmp_path) -> None:
    first = load_or_create_dev_key(tmp_path, "users")
    second = load_or_create_dev_key(tmp_path, "users")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert first.public_key().public_bytes(*raw) == second.public_key().public_bytes(*raw)
    assert (tmp_path / "users-jwt-ed25519-dev.pem").stat().st_mode & 0o077 == 0


def test_two_issuers_sharing_a_data_dir_get_keys_of_their_own(tmp_path) -> None:
    monolith = load_or_create_dev_key(tmp_path, "monolith")
    users = load_or_create_dev_key(tmp_path, "users")
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert monolith.public_key().public_bytes(*raw) != users.public_key().public_bytes(*raw)


def test_the_jwks_verifier_fetches_once_and_not_again_for_every_unknown_key(
        issuer: TokenIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from chassis.jwks import JwksVerifier

    fetches: list[str] = []

    def fake_get(url: str, timeout: float) -> httpx.Response:
        fetches.append(url)
        return httpx.Response(200, json=issuer.jwks(), request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", fake_get)
    verifier = JwksVerifier("http://issuer/jwks", issuer="shop", audience="shop")
    assert verifier.verify(issuer.issue(subject="u", role="customer")).subject == "u"
    stranger = TokenIssuer(Ed25519PrivateKey.generate(), issuer="shop", audience="shop",
                           ttl_seconds=60)
    for _ in range(3):
        with pytest.raises(Unauthorized):
            verifier.verify(stranger.issue(subject="x", role="admin"))
    assert len(fetches) == 1


def test_the_jwks_verifier_answers_unavailable_while_the_issuer_is_down(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from chassis.jwks import JwksVerifier
    from chassis.problems import Unavailable

    def refused(url: str, timeout: float) -> httpx.Response:
        raise httpx.ConnectError("refused")

    monkeypatch.setattr(httpx, "get", refused)
    with pytest.raises(Unavailable):
        JwksVerifier("http://issuer/jwks", issuer="shop", audience="shop").verify("a.b.c")


def test_a_token_that_verified_is_not_checked_again_until_it_expires(
        issuer: TokenIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    checks = []
    decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: checks.append(1) or decode(*a, **k))
    verifier = issuer.verifier()
    token = issuer.issue(subject="user-1", role="customer")
    assert verifier.verify(token) == verifier.verify(token) == verifier.verify(token)
    assert len(checks) == 1
    # A token that differs in any character is checked, and refused.
    header, payload, signature = token.split(".")
    other_end = "BB" if signature.endswith("AA") else "AA"
    with pytest.raises(Unauthorized):
        verifier.verify(f"{header}.{payload}.{signature[:-2]}{other_end}")
    assert len(checks) == 2


def test_a_kept_token_is_refused_once_it_expires() -> None:
    short = TokenIssuer(Ed25519PrivateKey.generate(), issuer="shop", audience="shop",
                        ttl_seconds=1)
    verifier = short.verifier()
    token = short.issue(subject="x", role="customer")
    assert verifier.verify(token).subject == "x"
    time.sleep(max(0.0, jwt.decode(token, options={"verify_signature": False})["exp"]
                   - time.time()) + 0.05)
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_only_tokens_that_verified_are_kept_and_at_most_the_limit(issuer: TokenIssuer) -> None:
    verifier = TokenVerifier.from_jwks(issuer.jwks(), issuer="shop", audience="shop")
    verifier.verified.limit = 2
    for _ in range(5):
        with pytest.raises(Unauthorized):
            verifier.verify("not.a.token")
    assert len(verifier.verified) == 0
    tokens = [issuer.issue(subject=f"user-{n}", role="customer") for n in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier.verified) == 2
    assert verifier.verified.get(tokens[0], time.time()) is None  # the oldest went first
    assert verifier.verified.get(tokens[2], time.time()).subject == "user-2"


def test_new_keys_start_with_no_verified_tokens(issuer: TokenIssuer) -> None:
    verifier = TokenVerifier.from_jwks(issuer.jwks(), issuer="shop", audience="shop")
    verifier.verify(issuer.issue(subject="user-1", role="customer"))
    rotated = TokenVerifier.from_jwks({"keys": []}, issuer="shop", audience="shop")
    assert len(rotated.verified) == 0
    with pytest.raises(Unauthorized):
        rotated.verify(issuer.issue(subject="user-1", role="customer"))
