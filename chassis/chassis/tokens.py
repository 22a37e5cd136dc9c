"""Asymmetric JWTs: Ed25519 (``EdDSA``) signatures, JWKS publication, strict checks.

Only the issuer holds the private key. Everyone else verifies with the public
key from the issuer's ``/.well-known/jwks.json``. The algorithm is pinned, so
``none`` and HMAC tokens (including one "signed" with the public key) are refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from chassis.problems import Unauthorized

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
DEV_KEY_SUFFIX = "-jwt-ed25519-dev.pem"
# Tokens that verified, kept by each verifier: plenty for the sessions one process serves.
VERIFIED_TOKENS_KEPT = 4096


def dev_key_path(directory: Path, issuer_name: str) -> Path:
    """Where ``issuer_name``'s development key lives: one file per issuer, so that two
    issuers sharing a DATA_DIR (``make run``) still sign with keys of their own."""
    return directory / f"{issuer_name}{DEV_KEY_SUFFIX}"


@dataclass(frozen=True)
class Claims:
    subject: str
    role: str


def load_private_key(pem: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("JWT_PRIVATE_KEY must be an Ed25519 private key in PEM")
    return key


def load_or_create_dev_key(directory: Path, issuer_name: str) -> Ed25519PrivateKey:
    """``issuer_name``'s development key under ``directory``, made on first use (safe
    across workers)."""
    path = dev_key_path(directory, issuer_name)
    directory.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        try:
            os.link(temporary, path)  # fails if another worker won the race
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return load_private_key(path.read_text())


def key_id(public_key: Ed25519PublicKey) -> str:
    """A stable id for the key: RFC 7638 thumbprint of its JWK."""
    jwk = json.loads(OKPAlgorithm.to_jwk(public_key))
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = jwt.utils.base64url_encode(
        hashlib.sha256(canonical.encode()).digest()
    )
    return digest.decode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, Any]:
    jwk = json.loads(OKPAlgorithm.to_jwk(public_key))
    return {**jwk, "kid": key_id(public_key), "alg": ALGORITHM, "use": "sig"}


class TokenIssuer:
    """Signs access tokens; the only holder of the private key."""

    def __init__(self, private_key: Ed25519PrivateKey, *, issuer: str, audience: str,
                 ttl_seconds: int) -> None:
        self._key = private_key
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.kid = key_id(private_key.public_key())

    def issue(self, *, subject: str, role: str) -> str:
        now = int(time.time())
        claims = {"sub": subject, "role": role, "iss": self.issuer, "aud": self.audience,
                  "iat": now, "exp": now + self.ttl_seconds}
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self._key.public_key())]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier({self.kid: self._key.public_key()},
                             issuer=self.issuer, audience=self.audience)


class VerifiedTokens:
    """Tokens that verified, each with its claims until it expires.

    A client sends its token with every request of a session, and checking it again
    costs more than most requests' own work (docs/performance.md, "Verified tokens").
    A token is the exact text that verified: the same text under the same keys verifies
    the same way until its ``exp``, the only check whose verdict turns with time. Only tokens
    that verified are kept, so no client input grows this; at most ``limit``, the
    oldest dropped first. Each verifier has its own, so new keys start empty.
    """

    def __init__(self, limit: int = VERIFIED_TOKENS_KEPT) -> None:
        self.limit = limit
        self._kept: dict[str, tuple[Claims, float]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, token: str, now: float) -> Claims | None:
        kept = self._kept.get(token)
        if kept is None or now >= kept[1]:
            return None  # an expired one is verified again, which says why it is refused
        return kept[0]

    def keep(self, token: str, claims: Claims, expires_at: float) -> None:
        if self.limit <= 0:
            return
        with self._lock:
            if token not in self._kept and len(self._kept) >= self.limit:
                del self._kept[next(iter(self._kept))]
            self._kept[token] = (claims, expires_at)


class TokenVerifier:
    """Checks signature, algorithm and every required claim of a bearer token."""

    def __init__(self, public_keys: dict[str, Ed25519PublicKey], *, issuer: str,
                 audience: str, verified: VerifiedTokens | None = None) -> None:
        self._keys = public_keys
        self.issuer = issuer
        self.audience = audience
        self.verified = verified if verified is not None else VerifiedTokens()

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any], *, issuer: str, audience: str) -> TokenVerifier:
        keys = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                public = OKPAlgorithm.from_jwk(json.dumps(jwk))
                if isinstance(public, Ed25519PublicKey):
                    keys[jwk.get("kid") or key_id(public)] = public
        return cls(keys, issuer=issuer, audience=audience)

    def knows(self, token: str) -> bool:
        """Whether the token names a key this verifier holds (else: refresh the JWKS)."""
        if self.verified.get(token, time.time()) is not None:
            return True
        try:
            return jwt.get_unverified_header(token).get("kid") in self._keys
        except jwt.PyJWTError:
            return True  # malformed: refreshing keys will not help

    def verify(self, token: str) -> Claims:
        kept = self.verified.get(token, time.time())
        if kept is not None:
            return kept
        claims, expires_at = self._check(token)
        self.verified.keep(token, claims, expires_at)
        return claims

    def _check(self, token: str) -> tuple[Claims, float]:
        """The token's claims and when it expires, from every check of it."""
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid", ""))
            if key is None or header.get("alg") != ALGORITHM:
                raise Unauthorized("The token is not signed by a known key.")
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self.audience,
                                issuer=self.issuer, options={"require": REQUIRED_CLAIMS})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("The token is invalid.") from exc
        role = claims.get("role")
        if role not in ("customer", "admin") or not isinstance(claims["sub"], str):
            raise Unauthorized("The token is invalid.")
        return Claims(subject=claims["sub"], role=role), float(claims["exp"])


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or :class:`Unauthorized`."""
    if not authorization:
        raise Unauthorized("A bearer token is required.")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("A bearer token is required.")
    return token.strip()
