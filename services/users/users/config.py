"""The users service's settings, read from the environment (see docs/microservices.md)."""

from __future__ import annotations

from chassis.settings import IssuerSettings


class Settings(IssuerSettings):
    port: int = 8101
    web_concurrency: int = 2
    # Empty means the embedded default: a SQLite file under DATA_DIR/users/.
    database_url: str | None = None

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the psycopg 3 driver named explicitly."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'users' / 'users.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if self.database_url.startswith(prefix):
                return "postgresql+psycopg://" + self.database_url[len(prefix):]
        return self.database_url
