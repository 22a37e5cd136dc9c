"""``python -m gateway.manage init``: settings and the contract document, checked once."""

from __future__ import annotations

from pathlib import Path

import pytest
from chassis.problems import Unavailable
from gateway.config import Settings
from gateway.manage import init


def test_init_passes_when_the_contract_document_parses(tmp_path: Path) -> None:
    contract = tmp_path / "openapi.yaml"
    contract.write_text("openapi: 3.1.0\npaths: {/api/products: {get: {}}}\n")

    init(Settings(environment="test", openapi_path=contract))


def test_init_fails_without_the_contract_document(tmp_path: Path) -> None:
    with pytest.raises(Unavailable):
        init(Settings(environment="test", openapi_path=tmp_path / "missing.yaml"))


def test_the_gateway_holds_no_internal_token() -> None:
    """It calls public routes only (the cart prices itself), so no edge token is its."""
    assert not hasattr(Settings(environment="production"), "internal_token_variables")


@pytest.mark.parametrize("variable", ["redis_url", "events_redis_url"])
def test_production_refuses_the_development_redis_password(variable: str) -> None:
    with pytest.raises(ValueError, match=variable.upper()):
        Settings(environment="production",
                 **{variable: "redis://:redis-dev-password@redis:6379/1"})
    Settings(environment="production", **{variable: "redis://:a-real-one@redis:6379/1"})
