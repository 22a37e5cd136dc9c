"""The shared settings: token lifetimes, trusted proxies, internal tokens per edge."""

from __future__ import annotations

from typing import ClassVar

import pytest
from chassis.settings import (
    ChassisSettings,
    InternalCallSettings,
    IssuerSettings,
)
from pydantic import SecretStr, ValidationError


class Callee(InternalCallSettings):
    internal_callers: ClassVar[tuple[str, ...]] = ("orders",)
    orders_caller_token: SecretStr | None = None


class Caller(InternalCallSettings):
    internal_callees: ClassVar[tuple[str, ...]] = ("catalog",)
    catalog_token: SecretStr | None = None


def test_token_lifetimes_are_short_by_default_and_bounded() -> None:
    assert IssuerSettings().jwt_ttl_seconds == 900
    for too_long_or_short in (3601, 86400, 0, 59):
        with pytest.raises(ValidationError, match="jwt_ttl_seconds"):
            IssuerSettings(jwt_ttl_seconds=too_long_or_short)


def test_no_proxy_is_trusted_unless_named_and_never_everyone() -> None:
    assert ChassisSettings().forwarded_allow_ips == ""
    assert ChassisSettings(forwarded_allow_ips="10.244.0.0/16, 192.0.2.7")
    for bad in ("*", "ingress-nginx", "10.0.0.0/33"):
        with pytest.raises(ValidationError, match="forwarded_allow_ips"):
            ChassisSettings(forwarded_allow_ips=bad)


def test_internal_tokens_have_no_default_and_production_wants_long_ones() -> None:
    assert Callee().caller_token("orders") is None and Caller().token_for("catalog") is None
    for settings_class, name, field in ((Callee, "ORDERS_CALLER_TOKEN", "orders_caller_token"),
                                        (Caller, "CATALOG_TOKEN", "catalog_token")):
        with pytest.raises(ValidationError, match=name):
            settings_class(environment="production")
        with pytest.raises(ValidationError, match=name):
            settings_class(environment="production", **{field: "orders-catalog-dev"})
        assert settings_class(environment="production", **{field: "x" * 32})


def test_the_server_settings_refuse_no_workers_and_a_port_out_of_range() -> None:
    for bad in ({"web_concurrency": 0}, {"port": 0}, {"port": 65536}):
        with pytest.raises(ValidationError):
            ChassisSettings(**bad)
