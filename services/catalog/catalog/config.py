"""The catalog's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from pathlib import Path

from chassis.settings import InternalCallSettings
from pydantic import Field, SecretStr, field_validator

# The repository root when the package runs from a checkout (editable install or image copy).
REPO_ROOT = Path(__file__).resolve().parents[3]


class Settings(InternalCallSettings):
    port: int = 8102
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=2, ge=1)
    internal_callers = ("cart", "orders")
    # What the cart (its prices) and orders (the saga's stock) present on /internal routes.
    cart_caller_token: SecretStr | None = None
    orders_caller_token: SecretStr | None = None
    mongodb_url: str = "mongodb://127.0.0.1:27017"
    mongodb_database: str = "catalog"
    # How long a request waits for MongoDB before the answer is a 503.
    mongodb_timeout_ms: int = 2000
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    # Loaded by `python -m catalog.manage init` into an empty catalog; empty: no seeding.
    seed_file: Path | None = REPO_ROOT / "data" / "seed" / "catalog.json"
    # The event broker the relay publishes product events to (python -m catalog.relay).
    events_redis_url: str = "redis://127.0.0.1:6379/0"
    relay_interval_seconds: float = 0.2
    relay_batch_size: int = 100
    # Published events stay in the stream at least this long.
    event_retention_seconds: int = 25 * 3600

    @field_validator("seed_file", mode="before")
    @classmethod
    def empty_means_none(cls, value: object) -> object:
        return None if value == "" else value


class RelaySettings(Settings):
    """The relay's: the catalog's settings, its probes on HOST:PORT, a port of its own."""

    port: int = 8112
