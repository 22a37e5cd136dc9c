"""The payments service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import InternalCallSettings
from chassis.sql import sqlalchemy_url
from pydantic import SecretStr


class Settings(InternalCallSettings):
    port: int = 8105
    internal_callers = ("orders",)
    # What orders presents on /internal routes (charges and refunds).
    orders_caller_token: SecretStr | None = None
    # Without one, a SQLite file under DATA_DIR/payments/ (development only).
    database_url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "payments" / "payments.db")

