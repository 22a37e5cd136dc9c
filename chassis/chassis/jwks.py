"""A token verifier fed by the issuer's JWKS endpoint, for every deployable but the issuer.

The keys are fetched on first use and again when a token names a key id that
is not known yet (a key rotation), at most once per ``min_refresh_seconds``.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx

from chassis.problems import Unavailable
from chassis.tokens import Claims, TokenVerifier

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE_SECONDS = 1.0


class JwksVerifier:
    def __init__(self, jwks_url: str, *, issuer: str, audience: str,
                 timeout_seconds: float = 2.0, min_refresh_seconds: float = 30.0) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.timeout_seconds = timeout_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self._verifier: TokenVerifier | None = None
        self._next_fetch_at = 0.0  # the first use fetches at once
        self._lock = threading.Lock()

    def verify(self, token: str) -> Claims:
        verifier = self._verifier
        if verifier is None or not verifier.knows(token):
            verifier = self._refresh()
        return verifier.verify(token)

    def _refresh(self) -> TokenVerifier:
        """Fetch the keys, at most once per ``min_refresh_seconds`` after a success and once
        a second after a failure: a token naming an unknown key (the caller chooses it) or
        an issuer that is down must not make every request wait on a fetch."""
        with self._lock:
            if time.monotonic() >= self._next_fetch_at:
                fetched = self._fetch()
                pause = self.min_refresh_seconds if fetched else RETRY_AFTER_FAILURE_SECONDS
                self._next_fetch_at = time.monotonic() + pause
            if self._verifier is None:
                raise Unavailable("The token issuer's keys cannot be fetched.")
            return self._verifier

    def _fetch(self) -> bool:
        try:
            response = httpx.get(self.jwks_url, timeout=self.timeout_seconds)
            response.raise_for_status()
            self._verifier = TokenVerifier.from_jwks(
                response.json(), issuer=self.issuer, audience=self.audience)
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            log.warning("JWKS fetch from %s failed: %s", self.jwks_url, exc)
            return False
        return True
