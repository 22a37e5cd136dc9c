"""Settings every deployable shares; each deployable subclasses :class:`ChassisSettings`.

Values come from the environment only. Development defaults exist so that a
fresh clone runs with no configuration, and :meth:`refuse_development_secrets`
stops a production process that still carries one.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_ADMIN_PASSWORD = "admin-dev-password"
INTERNAL_TOKEN_HEADER = "X-Internal-Token"
# Random tokens are longer (make_secrets, devstack); the manifests' development values
# are shorter on purpose, so that production refuses them.
MIN_INTERNAL_TOKEN_LENGTH = 32

Environment = Literal["development", "test", "production"]

# Each shop is a token domain of its own, so that a token one shop signed is refused
# by the other: the microservices' tokens are issued by the users service for every
# service behind the gateway; the monolith overrides both with its own.
MICROSERVICES_TOKEN_ISSUER = "shopstack-users"
MICROSERVICES_TOKEN_AUDIENCE = "shopstack-microservices"
MONOLITH_TOKEN_ISSUER = "shopstack-monolith"
MONOLITH_TOKEN_AUDIENCE = "shopstack-monolith"
# A token stays good until it expires, whatever happens to its account meanwhile
# (docs/microservices.md, "Tokens"): the lifetime is kept short, and bounded.
DEFAULT_TOKEN_TTL_SECONDS = 900
MAX_TOKEN_TTL_SECONDS = 3600


class ChassisSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    environment: Environment = "development"
    log_level: str = "INFO"
    # Where development state lives when no server or key is configured.
    data_dir: Path = Path("var")

    # Where the server listens (chassis.gunicorn_settings; a relay or reconciler its probes):
    # BIND_SOCKET, a Unix socket path, when set (a proxy beside the app in the same Pod);
    # otherwise HOST (loopback; the images set 0.0.0.0) and PORT, which each deployable's
    # Settings gives its own default.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    bind_socket: str | None = None
    # gunicorn's worker processes (WEB_CONCURRENCY, the name the Python world uses).
    web_concurrency: int = Field(default=2, ge=1)

    # Every route refuses a larger request body with a 413 (MAX_BODY_BYTES).
    max_body_bytes: int = 1024 * 1024

    # The proxies trusted to say who the client is (X-Forwarded-For, -Proto): handed to
    # gunicorn (chassis.gunicorn_settings), checked here so that a bad value stops
    # `manage init`. None by default, not gunicorn's and uvicorn's loopback: on a developer
    # machine (`make run`) every client is on loopback, and any of them could then name
    # itself any address to the rate limit and the logs. A deployment with a proxy in
    # front names it (docs/deploy.md, "Trusted proxies").
    forwarded_allow_ips: str = ""

    jwt_issuer: str = MICROSERVICES_TOKEN_ISSUER
    jwt_audience: str = MICROSERVICES_TOKEN_AUDIENCE

    @field_validator("forwarded_allow_ips")
    @classmethod
    def proxy_networks(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            if entry == "*":
                raise ValueError("name the proxies' addresses or networks, not '*'")
            ipaddress.ip_network(entry, strict=False)  # a ValueError names the bad entry
        return value

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


def sqlalchemy_url(database_url: str | None, default_sqlite_file: Path) -> str:
    """The URL to give SQLAlchemy: the embedded SQLite file when none is configured,
    and ``postgresql://`` (as people write it) with the psycopg 3 driver named.

    Here rather than in :mod:`chassis.sql` (which re-exports it) so that a Settings class
    loads without SQLAlchemy: a gunicorn master reads its Settings before it forks, and
    the monolith's gevent workers patch the standard library only after the fork."""
    if not database_url:
        return f"sqlite:///{default_sqlite_file}"
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix):]
    return database_url


class InternalCallSettings(ChassisSettings):
    """Settings of a deployable that makes or takes service-to-service calls.

    Every edge (caller -> callee) has a token of its own, sent as ``X-Internal-Token``:
    the caller holds it as ``<CALLEE>_TOKEN`` and the callee as ``<CALLER>_CALLER_TOKEN``.
    A callee accepts only the callers it names, and each route only the callers that
    need it, so a leaked token opens one edge, not every internal route. There is no
    default: without its tokens a caller sends none and a callee refuses every caller,
    and production refuses to start (a missing token, or one shorter than
    :data:`MIN_INTERNAL_TOKEN_LENGTH`, as the development values in the manifests are).
    """

    # The services this deployable calls, and those allowed to call it (subclasses name
    # them and declare a ``<callee>_token`` or ``<caller>_caller_token`` field for each).
    internal_callees: ClassVar[tuple[str, ...]] = ()
    internal_callers: ClassVar[tuple[str, ...]] = ()

    def token_for(self, callee: str) -> str | None:
        """The token this deployable presents to ``callee`` (None: it has none)."""
        return _secret(getattr(self, f"{callee}_token"))

    def caller_token(self, caller: str) -> str | None:
        """The token ``caller`` must present here (None: that caller is refused)."""
        return _secret(getattr(self, f"{caller}_caller_token"))

    def internal_token_variables(self) -> dict[str, str | None]:
        """Every internal-call token by its variable name."""
        tokens = {f"{callee.upper()}_TOKEN": self.token_for(callee)
                  for callee in self.internal_callees}
        tokens.update({f"{caller.upper()}_CALLER_TOKEN": self.caller_token(caller)
                       for caller in self.internal_callers})
        return tokens

    def development_secrets_in_use(self) -> list[str]:
        offenders = super().development_secrets_in_use()
        offenders += [name for name, token in self.internal_token_variables().items()
                      if token is None or len(token) < MIN_INTERNAL_TOKEN_LENGTH]
        return offenders


def _secret(value: SecretStr | None) -> str | None:
    """The token's text; None when unset or empty (an empty token is no token)."""
    if value is None:
        return None
    return value.get_secret_value() or None


class IssuerSettings(ChassisSettings):
    """Settings of a deployable that issues tokens and seeds the admin account."""

    admin_email: str = "admin@example.com"
    admin_password: SecretStr = SecretStr(DEVELOPMENT_ADMIN_PASSWORD)
    # PEM of an Ed25519 private key; without it a development key is kept under data_dir.
    jwt_private_key: SecretStr | None = None
    jwt_ttl_seconds: int = Field(default=DEFAULT_TOKEN_TTL_SECONDS, ge=60,
                                 le=MAX_TOKEN_TTL_SECONDS)

    def development_secrets_in_use(self) -> list[str]:
        offenders = []
        if self.admin_password.get_secret_value() == DEVELOPMENT_ADMIN_PASSWORD:
            offenders.append("ADMIN_PASSWORD")
        if self.jwt_private_key is None:
            offenders.append("JWT_PRIVATE_KEY")
        return offenders
