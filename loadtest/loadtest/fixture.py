"""The data a load run needs, made through the public API only, so that a run works
against any shop (local, compose, a cluster) and never depends on the seed stock.

* checkout products: created by the admin, in a category of their own, with
  enough stock for every checkout a run can make;
* shoppers: accounts signed up and signed in once, before any measurement (so
  that argon2id's deliberate cost is not in the figures); the load uses their tokens;
* what there is to browse: product ids, categories and search words, read from
  the catalogue as it is.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

CHECKOUT_PRODUCTS = 8
# The contract's maximum stock per product.
CHECKOUT_STOCK = 1_000_000
CHECKOUT_CATEGORY = "Load test"


def _request(client: httpx.Client, method: str, url: str, expect: int, **kwargs: Any) -> Any:
    """One call, waiting out a 429 (a gateway's rate limit) a few times."""
    for _ in range(10):
        response = client.request(method, url, **kwargs)
        if response.status_code == 429:
            time.sleep(min(5.0, float(response.headers.get("Retry-After", "1"))))
            continue
        if response.status_code != expect:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None
    raise RuntimeError(f"{method} {url}: still rate-limited")


def _sign_in(client: httpx.Client, email: str, password: str) -> dict[str, Any]:
    body = _request(client, "POST", "/api/auth/login", 200,
                    json={"email": email, "password": password})
    return {"token": str(body["access_token"]),
            "expires_at": time.time() + float(body.get("expires_in", 900))}


def _login(client: httpx.Client, email: str, password: str) -> str:
    return str(_sign_in(client, email, password)["token"])


def _shopper(base_url: str, tag: str, index: int) -> dict[str, Any]:
    email, password = f"shopper-{tag}-{index}@example.com", secrets.token_urlsafe(18)
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        _request(client, "POST", "/api/auth/register", 201,
                 json={"email": email, "password": password, "name": f"Shopper {index}"})
        return {"email": email, "password": password, **_sign_in(client, email, password)}


def refresh(data: dict[str, Any], lasting: float) -> bool:
    """Sign every shopper in again when a token would expire within ``lasting`` seconds
    (tokens are short-lived); True when it did. Call it between runs, never inside one."""
    if min(s["expires_at"] for s in data["shoppers"]) > time.time() + lasting:
        return False

    def again(shopper: dict[str, Any]) -> dict[str, Any]:
        with httpx.Client(base_url=data["base_url"], timeout=30.0) as client:
            return {**shopper, **_sign_in(client, shopper["email"], shopper["password"])}

    with ThreadPoolExecutor(max_workers=4) as pool:
        data["shoppers"] = list(pool.map(again, data["shoppers"]))
    return True


def _search_words(names: list[str], limit: int = 20) -> list[str]:
    words: list[str] = []
    for name in names:
        for word in re.findall(r"[A-Za-z]{4,}", name):
            if word.lower() not in words:
                words.append(word.lower())
    return words[:limit] or ["book"]


def prepare(base_url: str, admin_email: str, admin_password: str, shoppers: int,
            checkout_products: int = CHECKOUT_PRODUCTS) -> dict[str, Any]:
    """Make the data of a run against ``base_url``; returns it as JSON-ready data."""
    tag = uuid.uuid4().hex[:10]
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        admin = {"Authorization": f"Bearer {_login(client, admin_email, admin_password)}"}
        products = [
            _request(client, "POST", "/api/products", 201, headers=admin, json={
                "sku": f"LOAD-{tag}-{i}".upper(), "name": f"Load test item {i}",
                "description": "Made by the load generator for its checkouts.",
                "category": CHECKOUT_CATEGORY, "price_cents": 1999 + i,
                "stock": CHECKOUT_STOCK})["id"]
            for i in range(checkout_products)]
        listed = [_request(client, "GET", "/api/products", 200,
                           params={"page": page, "page_size": 100}) for page in (1, 2, 3)]
        categories = _request(client, "GET", "/api/categories", 200)["items"]
    browse_ids = [item["id"] for page in listed for item in page["items"]]
    names = [item["name"] for page in listed for item in page["items"]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        accounts = list(pool.map(lambda i: _shopper(base_url, tag, i), range(shoppers)))
    return {"base_url": base_url, "tag": tag, "checkout_products": products,
            "product_ids": browse_ids or products, "product_total": listed[0]["total"],
            "categories": [c["name"] for c in categories if c["name"] != CHECKOUT_CATEGORY],
            "search_words": _search_words(names), "shoppers": accounts}


def write(data: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(data))
    return path


def read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))
