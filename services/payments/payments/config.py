"""The payments service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import InternalCallSettings
from chassis.sql import sqlalchemy_url
from pydantic import Field, SecretStr


class Settings(InternalCallSettings):
    port: int = 8105
    # Worker processes on a 2-core machine, measured (docs/performance.md, "Workers per
    # app"); WEB_CONCURRENCY sets another count.
    web_concurrency: int = Field(default=1, ge=1)
    internal_callers = ("orders",)
    # What orders presents on /internal routes (charges and refunds).
    orders_caller_token: SecretStr | None = None
    # Without one, a SQLite file under DATA_DIR/payments/ (development only).
    database_url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "payments" / "payments.db")

