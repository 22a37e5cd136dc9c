"""A token verifier fed by the issuer's JWKS endpoint, for every deployable but the issuer.

The keys are fetched on first use and again when a token names a key id that
is not known yet (a key rotation), at most once per ``min_refresh_seconds``.
"""

from __future__ import annotations

import threading
import time

import httpx

from chassis.problems import Unavailable
from chassis.tokens import Claims, TokenVerifier


class JwksVerifier:
    def __init__(self, jwks_url: str, *, issuer: str, audience: str,
                 timeout_seconds: float = 2.0, min_refresh_seconds: float = 30.0) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.timeout_seconds = timeout_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._verifier: TokenVerifier | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def verify(self, token: str) -> Claims:
        verifier = self._verifier
        if verifier is None or not verifier.knows(token):
            verifier = self._refresh(force=verifier is None)
        return verifier.verify(token)

    def _refresh(self, *, force: bool) -> TokenVerifier:
        with self._lock:
            recent = time.monotonic() - self._fetched_at < self.min_refresh_seconds
            if self._verifier is not None and (recent and not force):
                return self._verifier
            try:
                response = httpx.get(self.jwks_url, timeout=self.timeout_seconds)
                response.raise_for_status()
            except httpx.HTTPError as exc:
                if self._verifier is not None:
                    return self._verifier
                raise Unavailable("The token issuer's keys cannot be fetched.") from exc
            self._verifier = TokenVerifier.from_jwks(
                response.json(), issuer=self.issuer, audience=self.audience)
            self._fetched_at = time.monotonic()
            return self._verifier
