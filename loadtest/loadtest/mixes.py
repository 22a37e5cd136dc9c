"""The shopper mixes: which tasks a simulated shopper runs, and how often.

Weights are relative. The default mix is modelled on a shop's traffic: mostly
browsing and product pages, some searching, a cart that changes, and a
checkout for one visit in twenty. Pure data, so that the harness can read it
without importing locust (and gevent's monkey-patching).
"""

from __future__ import annotations

TASKS = ("browse", "product", "search", "categories", "cart_view", "cart_set", "checkout",
         "orders", "cancel")

MIXES: dict[str, dict[str, int]] = {
    "default": {"browse": 30, "product": 30, "search": 8, "categories": 7, "cart_view": 10,
                "cart_set": 10, "checkout": 5, "orders": 4, "cancel": 1},
    "browse": {"browse": 40, "product": 40, "search": 10, "categories": 10},
    # The two requests the tracing overhead is measured on (loadtest.tracing_overhead).
    "read_and_checkout": {"product": 1, "checkout": 1},
    "checkout": {"product": 15, "cart_set": 20, "cart_view": 10, "checkout": 40, "orders": 10,
                 "cancel": 5},
}

# The route (method and path template) each task's requests are counted under.
ROUTES = {
    "browse": "GET /api/products",
    "product": "GET /api/products/{id}",
    "search": "GET /api/products?q=",
    "categories": "GET /api/categories",
    "cart_view": "GET /api/cart",
    "cart_set": "PUT /api/cart/items/{id}",
    "checkout": "POST /api/orders",
    "orders": "GET /api/orders",
    "cancel": "POST /api/orders/{id}/cancel",
}

# Answers that are outcomes a shopper meets, not errors: a declined card, an
# out-of-stock line, an order that can no longer be cancelled.
EXPECTED_STATUSES = {
    "POST /api/orders": {201, 402, 409},
    "POST /api/orders/{id}/cancel": {200, 409},
}

# The test cards (payments approves the first, always declines the second) and the
# address a shopper's checkout sends.
APPROVED_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"
ADDRESS = {"name": "Load Shopper", "line1": "1 Load Street", "city": "Benchton",
           "postal_code": "12345", "country": "GB"}

# Share of checkouts paid with the test card that is always declined.
DECLINED_SHARE = 0.1


def mix(name: str) -> dict[str, int]:
    """The weights of mix ``name``; a clear error for an unknown one."""
    try:
        weights = MIXES[name]
    except KeyError:
        raise ValueError(f"unknown mix {name!r}; known: {', '.join(MIXES)}") from None
    unknown = set(weights) - set(TASKS)
    if unknown:
        raise ValueError(f"mix {name!r} names unknown tasks {sorted(unknown)}")
    return dict(weights)


def expected(route: str, status: int) -> bool:
    """True when ``status`` is a normal answer of ``route`` (2xx, or a shopper's outcome)."""
    return status in EXPECTED_STATUSES.get(route, set()) or 200 <= status < 300
