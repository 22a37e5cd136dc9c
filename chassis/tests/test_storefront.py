"""The storefront's files: what is served, with which type, and what never is."""

from __future__ import annotations

from pathlib import Path

import pytest
from chassis.gunicorn_settings import bind_address
from chassis.settings import ChassisSettings
from chassis.storefront import CONTENT_SECURITY_POLICY, Storefront


@pytest.fixture
def files(tmp_path: Path) -> Storefront:
    (tmp_path / "assets" / "views").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "views" / "cart.js").write_text("export {};")
    (tmp_path / "assets" / "style.css").write_text("body {}")
    (tmp_path / "assets" / "notes.txt").write_text("not served")
    (tmp_path / "secret.js").write_text("outside assets/")
    return Storefront(tmp_path)


def test_the_index_and_assets_are_served_with_their_types(files: Storefront) -> None:
    index, script, sheet = files.index(), files.asset("views/cart.js"), files.asset("style.css")

    assert index is not None and index.content_type.startswith("text/html")
    assert script is not None and script.body == b"export {};"
    assert script.content_type.startswith("text/javascript")
    assert sheet is not None and sheet.content_type.startswith("text/css")


@pytest.mark.parametrize("name", ["../secret.js", "/etc/passwd", "views/../../secret.js",
                                  "notes.txt", "missing.js", "", "views/.js", "a//b.js"])
def test_names_outside_assets_of_other_types_or_missing_are_not_served(
        files: Storefront, name: str) -> None:
    assert files.asset(name) is None


def test_a_missing_folder_serves_nothing(tmp_path: Path) -> None:
    assert Storefront(tmp_path / "nowhere").index() is None


def test_the_policy_allows_no_inline_script_or_style() -> None:
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY


def test_gunicorn_binds_a_unix_socket_when_one_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "PORT", "BIND_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    assert bind_address(ChassisSettings()) == "127.0.0.1:8000"
    monkeypatch.setenv("BIND_SOCKET", "/run/app/gunicorn.sock")
    assert bind_address(ChassisSettings()) == "unix:/run/app/gunicorn.sock"
