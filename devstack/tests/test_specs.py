"""What the launcher starts for the microservices, without starting it."""

from __future__ import annotations

from pathlib import Path

import pytest
from devstack.microservices import service_specs
from devstack.process import ProcessSpec
from devstack.stacks import StackSettings


def specs_by_name(tmp_path: Path, **extra_env: str) -> dict[str, ProcessSpec]:
    settings = StackSettings(data_dir=tmp_path, extra_env=extra_env)
    return {spec.name: spec for spec in service_specs(settings)}


def test_the_reconciler_runs_beside_the_orders_service_on_a_probe_port_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECONCILE_INTERVAL_SECONDS", raising=False)
    specs = specs_by_name(tmp_path)
    reconciler, orders = specs["orders-reconciler"], specs["orders"]
    assert list(reconciler.argv)[-2:] == ["-m", "orders.reconciler"]
    assert reconciler.port == 8124 and reconciler.env["PORT"] == "8124"
    shared = {"CATALOG_URL", "CART_URL", "PAYMENTS_URL", "DATA_DIR", "ORDERS_CALLER_TOKEN"}
    for name in shared & set(orders.env):
        assert reconciler.env[name] == orders.env[name], name
    assert {"CATALOG_TOKEN", "CART_TOKEN", "PAYMENTS_TOKEN"} <= set(reconciler.env)


def test_no_reconciler_is_started_when_the_interval_is_zero(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "orders-reconciler" not in specs_by_name(tmp_path, RECONCILE_INTERVAL_SECONDS="0")
    monkeypatch.setenv("RECONCILE_INTERVAL_SECONDS", "0")
    assert "orders-reconciler" not in specs_by_name(tmp_path)


def test_each_app_runs_its_own_default_worker_count_unless_one_is_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No blanket count: an app left alone forks what its Settings default says."""
    from devstack.__main__ import settings_from_environment
    from devstack.microservices import gateway_spec
    from devstack.stacks import monolith_specs

    def every_spec(settings: StackSettings) -> list[ProcessSpec]:
        return [*service_specs(settings), gateway_spec(settings), *monolith_specs(settings)]

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    defaults = settings_from_environment()
    assert defaults.web_concurrency is None
    assert all("WEB_CONCURRENCY" not in spec.env
               for spec in every_spec(StackSettings(data_dir=tmp_path)))

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert settings_from_environment().web_concurrency == 3
    given = every_spec(StackSettings(data_dir=tmp_path, web_concurrency=3))
    assert {spec.env["WEB_CONCURRENCY"] for spec in given} == {"3"}
