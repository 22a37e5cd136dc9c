"""The catalog's products version: a token in the event broker that says whether a copy
of the catalog's products (ids, skus, names, prices) is still current.

The catalog replaces the token with a fresh one whenever an administrator changes or
deletes a product: synchronously, before it answers the write; and again from its relay
whenever it publishes a ``product.changed`` event (a product created, changed or
deleted), which covers a write whose own replacement failed. Stock moves leave it alone.

A reader, the cart, keeps the products it looked up under the token it read before
asking, and uses them for as long as the token it reads on each request is the same. So
a client never sees a price older than a write that was answered before its request
began, and the catalog is asked only for products the reader has not seen since the last
change.

A random token, not a counter: a broker that lost its data (a restart without
persistence) cannot come back to a value a reader already holds.
"""

from __future__ import annotations

import uuid

PRODUCTS_VERSION_KEY = "catalog:products-version"


def new_version() -> str:
    return uuid.uuid4().hex
