"""The monolith's settings, read from the environment (see docs/microservices.md for names)."""

from __future__ import annotations

from pathlib import Path

from chassis.settings import (
    MONOLITH_TOKEN_AUDIENCE,
    MONOLITH_TOKEN_ISSUER,
    IssuerSettings,
    sqlalchemy_url,
)
from pydantic import Field

# The repository root when the package runs from a checkout (editable install or image copy).
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(IssuerSettings):
    port: int = 8000
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=2, ge=1)
    # Not the microservices' issuer and audience: neither shop accepts the other's tokens.
    jwt_issuer: str = MONOLITH_TOKEN_ISSUER
    jwt_audience: str = MONOLITH_TOKEN_AUDIENCE
    # Empty means the embedded default: a SQLite file under DATA_DIR/monolith/.
    database_url: str | None = None
    seed_file: Path = REPO_ROOT / "data" / "seed" / "catalog.json"
    openapi_file: Path = REPO_ROOT / "contract" / "openapi.yaml"
    # The storefront's static files, served at / (the images copy them to /app/storefront).
    storefront_dir: Path = REPO_ROOT / "storefront"
    # How long a checkout's Idempotency-Key is kept (and answers with its first response).
    idempotency_ttl_seconds: int = 24 * 3600
    # GET /api/orders/events (see shop/orders/events.py for why these bounds exist).
    event_retention_seconds: int = 25 * 3600
    sse_heartbeat_seconds: float = 15.0
    sse_poll_seconds: float = 0.5
    sse_max_stream_seconds: float = 25.0
    sse_max_streams: int = 100
    # How long a claimed key waits for its checkout before another request may take it
    # over: a checkout that crashed leaves no order behind (its transaction rolled back).
    # Longer than any checkout can run: gunicorn's worker timeout is 30 s.
    idempotency_lease_seconds: int = 60

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "monolith" / "shop.db")
