"""The users service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import IssuerSettings, sqlalchemy_url
from pydantic import Field


class Settings(IssuerSettings):
    port: int = 8101
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=1, ge=1)
    # Empty means the embedded default: a SQLite file under DATA_DIR/users/.
    database_url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "users" / "users.db")
