"""The payments service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import ChassisSettings
from chassis.sql import sqlalchemy_url
from pydantic import SecretStr

DEVELOPMENT_INTERNAL_TOKEN = "internal-dev-token"


class Settings(ChassisSettings):
    # Without one, a SQLite file under DATA_DIR/payments/ (development only).
    database_url: str | None = None
    internal_token: SecretStr = SecretStr(DEVELOPMENT_INTERNAL_TOKEN)

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url, self.data_dir / "payments" / "payments.db")

    def development_secrets_in_use(self) -> list[str]:
        if self.internal_token.get_secret_value() == DEVELOPMENT_INTERNAL_TOKEN:
            return ["INTERNAL_TOKEN"]
        return []
