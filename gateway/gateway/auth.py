"""Bearer tokens verified at the edge, before any service is called.

The issuer's public keys come from its JWKS over the async client (through the
breaker, so a down issuer costs milliseconds and never blocks the event loop).
They are fetched on first use and again when a token names an unknown key id,
at most once per ``min_refresh_seconds``. The verdict is kept in the ASGI scope
so that the rate limiter and the route guard verify a token once per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from chassis.fastapi_support import require_admin
from chassis.problems import Problem, Unavailable
from chassis.tokens import Claims, TokenVerifier, bearer_token
from starlette.types import Scope

Guard = Literal["public", "token", "admin"]
FetchJwks = Callable[[], Awaitable[dict[str, Any]]]
_VERDICT_KEY = "gateway.claims"


class AsyncJwksVerifier:
    def __init__(self, fetch: FetchJwks, *, issuer: str, audience: str,
                 min_refresh_seconds: float = 30.0) -> None:
        self._fetch = fetch
        self.issuer = issuer
        self.audience = audience
        self.min_refresh_seconds = min_refresh_seconds
        self._verifier: TokenVerifier | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Claims:
        verifier = self._verifier
        if verifier is None or not verifier.knows(token):
            verifier = await self._refresh(seen=verifier)
        return verifier.verify(token)

    async def _refresh(self, *, seen: TokenVerifier | None) -> TokenVerifier:
        async with self._lock:
            current = self._verifier
            recent = time.monotonic() - self._fetched_at < self.min_refresh_seconds
            if current is not None and (current is not seen or recent):
                return current  # refreshed meanwhile, or too recently to try again
            try:
                jwks = await self._fetch()
            except Unavailable:
                if current is not None:
                    return current
                raise
            self._verifier = TokenVerifier.from_jwks(jwks, issuer=self.issuer,
                                                     audience=self.audience)
            self._fetched_at = time.monotonic()
            return self._verifier


def authorization_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


class EdgeAuth:
    def __init__(self, verifier: AsyncJwksVerifier) -> None:
        self.verifier = verifier

    async def claims(self, scope: Scope) -> Claims:
        """The request's verified claims, or the :class:`Problem` that refused them."""
        verdict = scope.get(_VERDICT_KEY)
        if verdict is None:
            try:
                verdict = await self.verifier.verify(bearer_token(authorization_of(scope)))
            except Problem as exc:
                verdict = exc
            scope[_VERDICT_KEY] = verdict
        if isinstance(verdict, Problem):
            raise verdict
        return verdict

    async def subject(self, scope: Scope) -> str | None:
        """The verified subject when the request carries a good token, else None."""
        if authorization_of(scope) is None:
            return None
        try:
            return (await self.claims(scope)).subject
        except Problem:
            return None

    async def guard(self, scope: Scope, guard: Guard) -> None:
        """Refuse at the edge what the route's guard does not let through (401, 403)."""
        if guard == "public":
            return
        claims = await self.claims(scope)
        if guard == "admin":
            require_admin(claims)
