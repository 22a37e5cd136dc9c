"""Settings every deployable shares; each deployable subclasses :class:`ChassisSettings`.

Values come from the environment only. Development defaults exist so that a
fresh clone runs with no configuration, and :meth:`refuse_development_secrets`
stops a production process that still carries one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_ADMIN_PASSWORD = "admin-dev-password"
DEVELOPMENT_INTERNAL_TOKEN = "internal-dev-token"
INTERNAL_TOKEN_HEADER = "X-Internal-Token"

Environment = Literal["development", "test", "production"]


class ChassisSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Environment = "development"
    log_level: str = "INFO"
    # Where development state lives when no server or key is configured.
    data_dir: Path = Path("var")

    jwt_issuer: str = "shopstack"
    jwt_audience: str = "shopstack"

    # OTLP/HTTP base URL of a collector (e.g. http://127.0.0.1:4318); empty: no export.
    otel_exporter_otlp_endpoint: str | None = None
    # How often finished spans are sent, in ms (the SDK's OTEL_BSP_SCHEDULE_DELAY).
    otel_bsp_schedule_delay: int = 5000

    def development_secrets_in_use(self) -> list[str]:
        """Names of settings that still hold a development default (subclasses extend)."""
        return []

    @model_validator(mode="after")
    def refuse_development_secrets(self) -> ChassisSettings:
        if self.environment == "production":
            offenders = self.development_secrets_in_use()
            if offenders:
                raise ValueError(
                    "development secrets are not allowed in production: " + ", ".join(offenders)
                )
        return self


class InternalCallSettings(ChassisSettings):
    """Settings of a deployable that makes or takes service-to-service calls, which
    carry the shared ``INTERNAL_TOKEN`` (as ``X-Internal-Token``)."""

    internal_token: SecretStr = SecretStr(DEVELOPMENT_INTERNAL_TOKEN)

    def development_secrets_in_use(self) -> list[str]:
        offenders = super().development_secrets_in_use()
        if self.internal_token.get_secret_value() == DEVELOPMENT_INTERNAL_TOKEN:
            offenders.append("INTERNAL_TOKEN")
        return offenders


class IssuerSettings(ChassisSettings):
    """Settings of a deployable that issues tokens and seeds the admin account."""

    admin_email: str = "admin@example.com"
    admin_password: SecretStr = SecretStr(DEVELOPMENT_ADMIN_PASSWORD)
    # PEM of an Ed25519 private key; without it a development key is kept under data_dir.
    jwt_private_key: SecretStr | None = None
    jwt_ttl_seconds: int = 3600

    def development_secrets_in_use(self) -> list[str]:
        offenders = []
        if self.admin_password.get_secret_value() == DEVELOPMENT_ADMIN_PASSWORD:
            offenders.append("ADMIN_PASSWORD")
        if self.jwt_private_key is None:
            offenders.append("JWT_PRIVATE_KEY")
        return offenders
