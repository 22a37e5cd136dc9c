"""Trust between the parts, with both shops running side by side as `make run` runs them.

- Tokens: each shop has its own issuer, audience and signing key, so a token one shop
  signed is 401 on the other, in both directions, at the edge and behind it.
- Internal calls: a token per caller and callee, made afresh for the run; the
  repository's old shared token and a caller's token on another edge are refused.
- Proxies: nothing is trusted to name the client in `make run`, so forged
  X-Forwarded-For values from loopback all count as one client and the logs show
  the real peer.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest

OLD_SHARED_TOKEN = "internal-dev-token"  # the default the source used to carry


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def login(http: httpx.Client, base_url: str, email: str, password: str) -> str:
    response = http.post(f"{base_url}/api/auth/login",
                         json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def admin_tokens(shops: Any, http: httpx.Client) -> dict[str, str]:
    email, password = shops.settings.admin_email, shops.settings.admin_password
    return {"monolith": login(http, shops.monolith, email, password),
            "gateway": login(http, shops.gateway, email, password)}


@pytest.fixture(scope="module")
def products(shops: Any, http: httpx.Client) -> dict[str, str]:
    """A product id of each shop's seeded catalog."""
    found = {}
    for name, base_url in (("monolith", shops.monolith), ("gateway", shops.gateway)):
        response = http.get(f"{base_url}/api/products", params={"page_size": 1})
        assert response.status_code == 200, response.text
        found[name] = response.json()["items"][0]["id"]
    return found


# ---- item 11: one shop's token is nothing to the other --------------------------------


def test_each_shop_signs_with_its_own_key_issuer_and_audience(
        shops: Any, http: httpx.Client, admin_tokens: dict[str, str]) -> None:
    monolith, gateway = (claims_of(admin_tokens[name]) for name in ("monolith", "gateway"))
    assert monolith["iss"] != gateway["iss"] and monolith["aud"] != gateway["aud"]
    monolith_kid = json.loads(base64.urlsafe_b64decode(
        admin_tokens["monolith"].split(".")[0] + "=="))["kid"]
    gateway_jwks = http.get(f"{shops.service('users')}/.well-known/jwks.json").json()
    assert monolith_kid not in {key["kid"] for key in gateway_jwks["keys"]}
    keys = sorted(path.name for path in (shops.settings.data_dir / "keys").iterdir())
    assert keys == ["monolith-jwt-ed25519-dev.pem", "users-jwt-ed25519-dev.pem"]


def test_a_monolith_token_is_refused_by_the_gateway_and_the_services_behind_it(
        shops: Any, http: httpx.Client, admin_tokens: dict[str, str],
        products: dict[str, str]) -> None:
    foreign = bearer(admin_tokens["monolith"])
    patch = {"name": "Renamed by the other shop's admin"}
    for base_url in (shops.gateway, shops.service("catalog")):
        response = http.patch(f"{base_url}/api/products/{products['gateway']}", json=patch,
                              headers=foreign)
        assert response.status_code == 401, (base_url, response.text)
    for path in ("/api/users/me", "/api/cart", "/api/orders"):
        assert http.get(f"{shops.gateway}{path}", headers=foreign).status_code == 401, path
    product = http.get(f"{shops.gateway}/api/products/{products['gateway']}").json()
    assert product["name"] != patch["name"]
    own = http.patch(f"{shops.gateway}/api/products/{products['gateway']}",
                     json={"name": product["name"]}, headers=bearer(admin_tokens["gateway"]))
    assert own.status_code == 200, own.text


def test_a_gateway_token_is_refused_by_the_monolith(
        shops: Any, http: httpx.Client, admin_tokens: dict[str, str],
        products: dict[str, str]) -> None:
    foreign = bearer(admin_tokens["gateway"])
    response = http.patch(f"{shops.monolith}/api/products/{products['monolith']}",
                          json={"name": "Renamed by the other shop's admin"}, headers=foreign)
    assert response.status_code == 401, response.text
    for path in ("/api/users/me", "/api/cart", "/api/orders"):
        assert http.get(f"{shops.monolith}{path}", headers=foreign).status_code == 401, path
    me = http.get(f"{shops.monolith}/api/users/me", headers=bearer(admin_tokens["monolith"]))
    assert me.status_code == 200 and me.json()["role"] == "admin"


def test_tokens_are_short_lived(http: httpx.Client, shops: Any) -> None:
    for base_url in (shops.monolith, shops.gateway):
        response = http.post(f"{base_url}/api/auth/login",
                             json={"email": shops.settings.admin_email,
                                   "password": shops.settings.admin_password})
        assert response.status_code == 200
        assert response.json()["expires_in"] <= 900, base_url


# ---- item 12: a token per internal edge, made for the run -------------------------------


def internal(token: str) -> dict[str, str]:
    return {"X-Internal-Token": token}


def test_the_repository_s_old_shared_token_opens_no_internal_route(
        shops: Any, http: httpx.Client) -> None:
    old = internal(OLD_SHARED_TOKEN)
    calls = [
        ("POST", shops.service("catalog"), "/internal/products/lookup", {"ids": []}),
        ("GET", shops.service("catalog"), "/internal/reservations/some-order", None),
        ("GET", shops.service("cart"), "/internal/carts/some-user", None),
        ("GET", shops.service("payments"), "/internal/charges/some-order", None),
    ]
    for method, base_url, path, body in calls:
        for headers in (old, {}):
            response = http.request(method, f"{base_url}{path}", json=body, headers=headers)
            assert response.status_code == 401, (path, headers, response.text)
    assert OLD_SHARED_TOKEN not in shops.settings.internal_tokens.values()


def test_each_caller_is_let_in_only_where_it_needs_to_go(
        shops: Any, http: httpx.Client) -> None:
    tokens = shops.settings.internal_tokens
    catalog, cart, payments = (shops.service(name) for name in ("catalog", "cart", "payments"))
    cart_to_catalog = internal(tokens[("cart", "catalog")])
    orders_to_catalog = internal(tokens[("orders", "catalog")])
    # The right callers get in.
    lookup = http.post(f"{catalog}/internal/products/lookup", json={"ids": []},
                       headers=cart_to_catalog)
    assert lookup.status_code == 200, lookup.text
    reservation = http.get(f"{catalog}/internal/reservations/no-such-order",
                           headers=orders_to_catalog)
    assert reservation.status_code == 404, reservation.text
    cart_read = http.get(f"{cart}/internal/carts/{uuid.uuid4()}",
                         headers=internal(tokens[("orders", "cart")]))
    assert cart_read.status_code == 200, cart_read.text
    charge = http.get(f"{payments}/internal/charges/no-such-order",
                      headers=internal(tokens[("orders", "payments")]))
    assert charge.status_code == 404, charge.text
    # The cart may look products up, nothing more; a token of one edge opens no other.
    wrong = [
        (catalog, "/internal/reservations/no-such-order", cart_to_catalog),
        (cart, f"/internal/carts/{uuid.uuid4()}", cart_to_catalog),
        (cart, f"/internal/carts/{uuid.uuid4()}", orders_to_catalog),
        (payments, "/internal/charges/no-such-order", orders_to_catalog),
        (payments, "/internal/charges/no-such-order", internal(tokens[("orders", "cart")])),
    ]
    for base_url, path, headers in wrong:
        assert http.get(f"{base_url}{path}", headers=headers).status_code == 401, path
    refused = http.post(f"{catalog}/internal/products/lookup", json={"ids": []},
                        headers=orders_to_catalog)  # orders takes the cart's priced lines
    assert refused.status_code == 401, refused.text


def test_a_checkout_through_the_gateway_uses_every_edge(
        shops: Any, http: httpx.Client, products: dict[str, str]) -> None:
    email, password = f"trust-{uuid.uuid4().hex[:12]}@example.com", uuid.uuid4().hex
    registered = http.post(f"{shops.gateway}/api/auth/register",
                           json={"email": email, "password": password, "name": "Trust"})
    assert registered.status_code == 201, registered.text
    customer = bearer(login(http, shops.gateway, email, password))
    put = http.put(f"{shops.gateway}/api/cart/items/{products['gateway']}",
                   json={"quantity": 1}, headers=customer)  # cart -> catalog
    assert put.status_code == 200, put.text
    body = {"payment": {"card_number": "4242424242424242", "exp_month": 12,
                        "exp_year": time.gmtime().tm_year + 1, "cvc": "123"},
            "shipping_address": {"name": "Ada", "line1": "1 Loop Road", "city": "Localhost",
                                 "postal_code": "12345", "country": "GB"}}
    order = http.post(f"{shops.gateway}/api/orders", json=body,
                      headers={**customer, "Idempotency-Key": uuid.uuid4().hex})
    assert order.status_code == 201, order.text  # orders -> cart, catalog, payments
    assert order.json()["status"] == "confirmed"


def test_every_run_makes_new_internal_tokens(shops: Any) -> None:
    from devstack.stacks import StackSettings

    another_run = StackSettings(data_dir=shops.settings.data_dir)
    assert set(another_run.internal_tokens.values()).isdisjoint(
        shops.settings.internal_tokens.values())
    assert len(set(another_run.internal_tokens.values())) == len(another_run.internal_tokens)


# ---- item 13: no proxy is trusted in `make run` (keep last: it uses up the rate limit) --


def gateway_access_lines(shops: Any, request_ids: set[str]) -> list[dict[str, Any]]:
    found = []
    for line in shops.log_file.read_text().splitlines():
        name, _, text = line.partition(" | ")
        if name.strip() == "gateway" and text.startswith("{"):
            record = json.loads(text)
            if record.get("logger") == "access" and record.get("request_id") in request_ids:
                found.append(record)
    return found


def test_forged_forwarded_for_headers_count_as_one_client_and_never_reach_the_logs(
        shops: Any, http: httpx.Client) -> None:
    request_ids, forged, statuses = set(), set(), []
    # Enough for the limit to be reached even if a new window starts part way.
    for number in range(2 * shops.rate_limit_per_minute + 2):
        address = f"203.0.113.{number % 250 + 1}"
        request_id = f"trust-xff-{number}-{uuid.uuid4().hex[:8]}"
        response = http.get(f"{shops.gateway}/api/categories",
                            headers={"X-Forwarded-For": address, "X-Real-IP": address,
                                     "X-Request-ID": request_id})
        statuses.append(response.status_code)
        request_ids.add(request_id)
        forged.add(address)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429, "each forged address was counted as a client of its own"
    deadline = time.monotonic() + 5
    while len(lines := gateway_access_lines(shops, request_ids)) < len(request_ids):
        assert time.monotonic() < deadline, "the gateway did not log every request"
        time.sleep(0.2)
    assert {line["client"] for line in lines} == {"127.0.0.1"}
    log_text = shops.log_file.read_text()
    assert not any(address in log_text for address in forged)
