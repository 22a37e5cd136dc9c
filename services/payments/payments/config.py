"""The payments service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import ChassisSettings
from pydantic import SecretStr

DEVELOPMENT_INTERNAL_TOKEN = "internal-dev-token"
_DRIVERS = {"postgresql://": "postgresql+psycopg://", "postgres://": "postgresql+psycopg://"}


class Settings(ChassisSettings):
    # Without one, a SQLite file under DATA_DIR/payments/ (development only).
    database_url: str | None = None
    internal_token: SecretStr = SecretStr(DEVELOPMENT_INTERNAL_TOKEN)

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL: plain ``postgresql://`` URLs are given the psycopg 3 driver."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'payments' / 'payments.db'}"
        for prefix, replacement in _DRIVERS.items():
            if self.database_url.startswith(prefix):
                return replacement + self.database_url.removeprefix(prefix)
        return self.database_url

    def development_secrets_in_use(self) -> list[str]:
        if self.internal_token.get_secret_value() == DEVELOPMENT_INTERNAL_TOKEN:
            return ["INTERNAL_TOKEN"]
        return []
