"""The gateway's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from chassis.settings import ChassisSettings
from pydantic import Field

# The repository root when the package runs from a checkout (editable install or image copy).
REPO_ROOT = Path(__file__).resolve().parents[2]
# The Redis password of the manifests and compose (k8s/stores/redis.yaml): public.
DEVELOPMENT_REDIS_PASSWORD = "redis-dev-password"


class Settings(ChassisSettings):
    port: int = 8080
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=2, ge=1)

    redis_url: str = "redis://127.0.0.1:6379/0"
    users_url: str = "http://127.0.0.1:8101"
    catalog_url: str = "http://127.0.0.1:8102"
    cart_url: str = "http://127.0.0.1:8103"
    orders_url: str = "http://127.0.0.1:8104"
    # Empty means the users service's own: USERS_URL + /.well-known/jwks.json.
    jwks_url: str | None = None

    rate_limit_per_minute: int = 600
    upstream_timeout_seconds: float = 2.0
    # A checkout is a saga of up to six calls inside the orders service, and a cancel
    # one of two (the refund, the stock given back) and a commit, each bounded by its
    # own UPSTREAM_TIMEOUT_SECONDS: the edge must outwait both, or it answers 503 for an
    # order that goes on to be confirmed and charged, or cancelled and refunded.
    checkout_timeout_seconds: float = 20.0
    upstream_retries: int = 2
    breaker_failures: int = 5
    breaker_reset_seconds: float = 10.0

    # GET /api/products/{id} answered from Redis for up to this long (0: no cache); every
    # write the gateway proxies and every catalog event drops the entry before that.
    product_cache_seconds: int = 30

    # The broker the order and catalog events come from (python -m orders.relay); empty: REDIS_URL.
    events_redis_url: str | None = None
    # GET /api/orders/events sends a comment at least this often; open streams per worker.
    sse_heartbeat_seconds: float = 15.0
    sse_max_streams_per_worker: int = 1000

    # Empty means contract/openapi.yaml found beside the gateway in the repository.
    openapi_path: Path | None = None
    # The storefront's static files, served at / (the images copy them to /app/storefront).
    storefront_dir: Path = REPO_ROOT / "storefront"

    def development_secrets_in_use(self) -> list[str]:
        """The gateway holds no internal token (it calls public routes only); what it
        holds is its Redis password."""
        offenders = super().development_secrets_in_use()
        for name, url in (("REDIS_URL", self.redis_url),
                          ("EVENTS_REDIS_URL", self.events_redis_url)):
            if url and urlsplit(url).password == DEVELOPMENT_REDIS_PASSWORD:
                offenders.append(name)
        return offenders

    @property
    def resolved_jwks_url(self) -> str:
        return self.jwks_url or f"{self.users_url.rstrip('/')}/.well-known/jwks.json"

