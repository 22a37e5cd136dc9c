"""The monolith's settings, read from the environment (see docs/microservices.md for names)."""

from __future__ import annotations

from pathlib import Path

from chassis.settings import MONOLITH_TOKEN_AUDIENCE, MONOLITH_TOKEN_ISSUER, IssuerSettings
from chassis.sql import sqlalchemy_url

# The repository root when the package runs from a checkout (editable install or image copy).
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(IssuerSettings):
    port: int = 8000
    web_concurrency: int = 2
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

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "monolith" / "shop.db")
