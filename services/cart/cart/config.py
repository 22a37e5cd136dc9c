"""The cart's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import InternalCallSettings
from pydantic import Field, SecretStr

from cart.domain import DEFAULT_TTL_SECONDS


class Settings(InternalCallSettings):
    port: int = 8103
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=1, ge=1)
    internal_callers = ("orders",)
    internal_callees = ("catalog",)
    # What orders presents on /internal routes (it reads and clears carts).
    orders_caller_token: SecretStr | None = None
    # What the cart presents to the catalog's lookup (its CART_CALLER_TOKEN).
    catalog_token: SecretStr | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    # How long a request waits for Redis before the answer is a 503.
    redis_timeout_seconds: float = 2.0
    cart_ttl_seconds: int = Field(default=DEFAULT_TTL_SECONDS, ge=1)
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    # Prices every cart it answers, and refuses a product it does not have.
    catalog_url: str = "http://127.0.0.1:8102"
    upstream_timeout_seconds: float = 2.0
    # How long the cart keeps a product it looked up while the catalog's products version
    # (in the event broker, below) stays the same; 0: every request asks the catalog.
    catalog_copy_seconds: float = Field(default=60.0, ge=0)
    catalog_copy_entries: int = Field(default=10_000, ge=1)
    # The event broker whose catalog.events the workers consume (deleted products leave
    # carts) and whose products version says which copies are current; empty: neither.
    events_redis_url: str | None = "redis://127.0.0.1:6379/0"

    @property
    def catalog_timeout_seconds(self) -> float:
        """The lookup's bound: half of UPSTREAM_TIMEOUT_SECONDS, which the cart's callers
        (the gateway, orders) also wait for the cart. A catalog that hangs then costs the
        cart a 503 answer its callers take as final, before their own timeout would make
        them retry (each retry a lookup more at the struggling catalog)."""
        return self.upstream_timeout_seconds / 2

    @property
    def version_timeout_seconds(self) -> float:
        """How long a lookup waits for the products version: a slow broker costs a copy,
        not a cart answer (a quarter of the lookup's own bound)."""
        return self.catalog_timeout_seconds / 4
