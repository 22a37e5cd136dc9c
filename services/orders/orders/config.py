"""The orders service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import InternalCallSettings, sqlalchemy_url
from pydantic import Field, SecretStr


class Settings(InternalCallSettings):
    port: int = 8104
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=1, ge=1)
    # Empty means the embedded default: a SQLite file under DATA_DIR/orders/.
    database_url: str | None = None
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    catalog_url: str = "http://127.0.0.1:8102"
    cart_url: str = "http://127.0.0.1:8103"
    payments_url: str = "http://127.0.0.1:8105"
    internal_callees = ("catalog", "cart", "payments")
    # What orders presents to each service it calls (their ORDERS_CALLER_TOKEN).
    catalog_token: SecretStr | None = None
    cart_token: SecretStr | None = None
    payments_token: SecretStr | None = None
    upstream_timeout_seconds: float = 2.0
    # How often the reconciler (python -m orders.reconciler, a process of its own) looks
    # for pending orders; 0: the launcher (devstack) starts none, e.g. in tests.
    reconcile_interval_seconds: float = Field(default=30.0, ge=0)
    # A pending order younger than this may still be in its checkout; the reconciler waits.
    reconcile_grace_seconds: float = Field(default=60.0, ge=0)
    # How long a finished checkout's Idempotency-Key answers with its first response.
    idempotency_ttl_seconds: int = 24 * 3600
    # A claim still in progress after this long, with no order yet, belongs to a crashed request.
    idempotency_lease_seconds: int = 60
    # The event broker the relay publishes the outbox to (python -m orders.relay).
    events_redis_url: str = "redis://127.0.0.1:6379/0"
    relay_interval_seconds: float = 0.2
    relay_batch_size: int = 100
    # Published events stay in the outbox and in the streams at least this long.
    event_retention_seconds: int = 25 * 3600

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "orders" / "orders.db")


class RelaySettings(Settings):
    """The relay's: the service's settings, its probes on HOST:PORT, a port of its own."""

    port: int = 8114


class ReconcilerSettings(Settings):
    """The reconciler's: the service's settings, its probes on HOST:PORT, a port of its own."""

    port: int = 8124
