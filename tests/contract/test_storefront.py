"""The storefront at ``/``: the same page from both shops, with a strict policy."""

from __future__ import annotations

import re
from typing import Any

import httpx


def _policy(response: httpx.Response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().partition(" ")[::2] for part in header.split(";") if part.strip())


def test_the_storefront_is_an_html_page_served_with_a_strict_policy(api: httpx.Client) -> None:
    response = api.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_the_page_has_no_inline_script_or_style(api: httpx.Client) -> None:
    page = api.get("/").text

    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "<style" not in page
    assert re.search(r"\sstyle=", page) is None
    assert re.search(r"\son[a-z]+=", page) is None


def test_the_page_s_scripts_and_styles_are_served_with_their_types(api: httpx.Client) -> None:
    page = api.get("/").text
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page)

    assert {"/assets/app.js", "/assets/style.css"} <= set(assets)
    for path in assets:
        response = api.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Security-Policy"], path
    assert api.get("/assets/app.js").headers["Content-Type"].startswith("text/javascript")
    assert api.get("/assets/style.css").headers["Content-Type"].startswith("text/css")


def test_an_unknown_or_escaping_asset_is_a_not_found_problem(
    api: httpx.Client, expect_problem: Any
) -> None:
    for path in ("/assets/nothing-here.js", "/assets/../pyproject.toml",
                 "/assets/%2e%2e/%2e%2e/pyproject.toml", "/assets/index.html"):
        expect_problem(api.get(path), 404, "not-found")
