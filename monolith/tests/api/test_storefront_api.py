"""The monolith serves the storefront's folder (STOREFRONT_DIR) at / and /assets/."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from shop.app import create_app
from shop.config import Settings


def test_the_repository_s_storefront_is_served_by_default(client: FlaskClient) -> None:
    page = client.get("/")
    script = client.get("/assets/app.js")

    assert page.status_code == 200
    assert b'<script type="module" src="/assets/app.js">' in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert script.content_type.startswith("text/javascript")


def test_the_folder_is_a_setting(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>elsewhere</title>")
    app = create_app(settings.model_copy(update={"storefront_dir": folder}))

    try:
        client = app.test_client()
        assert b"elsewhere" in client.get("/").data
        missing = client.get("/assets/app.js")
        assert missing.status_code == 404
        assert missing.content_type.startswith("application/problem+json")
    finally:
        app.extensions["shop"].db.dispose()
