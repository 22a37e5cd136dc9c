"""The routes that read or change products, with the edge's caches of products
(:mod:`gateway.catalog_cache`) and listings (:mod:`gateway.listing_cache`): a read
is answered from them when it can be, and a write is answered only after what it
changed is dropped from them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from gateway.catalog_cache import Miss
from gateway.deps import Deps
from gateway.listing_cache import ListingMiss, cacheable, products_listed
from gateway.proxy import call_through, forward, relay
from gateway.upstreams import Target

JSON = "application/json"


async def read_product(deps: Deps, target: Target, request: Request) -> Response:
    """``GET /api/products/{id}``: the cached answer, else the catalog's (kept when 200)."""
    cache, product_id = deps.products, request.path_params["product_id"]
    if (cache is None or request.method != "GET" or request.scope.get("query_string")
            or not cache.cacheable(product_id)):
        return await forward(deps, target, request)
    found = await cache.get(product_id)
    if isinstance(found, bytes):
        return Response(found, media_type=JSON)
    answer = await call_through(deps, target, request)
    if (isinstance(found, Miss) and answer.status_code == 200
            and answer.headers.get("content-type") == JSON):
        await cache.store(product_id, found, answer.content)
    return relay(answer)


async def read_listing(deps: Deps, target: Target, request: Request) -> Response:
    """``GET /api/products`` and ``GET /api/categories``: the cached answer while still
    true, else the catalog's (kept when 200)."""
    cache, query = deps.listings, request.scope.get("query_string", b"")
    if cache is None or request.method != "GET" or not cacheable(query):
        return await forward(deps, target, request)
    key = cache.key(request.url.path, query)
    found = await cache.get(key)
    if isinstance(found, bytes):
        return Response(found, media_type=JSON)
    answer = await call_through(deps, target, request)
    if (isinstance(found, ListingMiss) and answer.status_code == 200
            and answer.headers.get("content-type") == JSON):
        shown = [] if target.route == "GET /api/categories" else products_listed(answer.content)
        if shown is not None:
            await cache.store(key, found, answer.content, shown)
    return relay(answer)


async def create_product(deps: Deps, target: Target, request: Request) -> Response:
    """An admin's POST: every listing is stale before the answer goes back."""
    try:
        return await forward(deps, target, request)
    finally:
        if deps.products is not None:
            await deps.products.invalidate([], listings=True)


async def change_product(deps: Deps, target: Target, request: Request) -> Response:
    """An admin's PATCH or DELETE: the product, and every listing, leave the caches
    before the answer goes back, whatever the answer (a write that timed out may still
    have happened)."""
    try:
        return await forward(deps, target, request)
    finally:
        if deps.products is not None:
            await deps.products.invalidate([request.path_params["product_id"]], listings=True)


async def change_stock(deps: Deps, target: Target, request: Request) -> Response:
    """A checkout or a cancel: the products in the order's lines leave the cache before
    the answer goes back, so that the client reads their new stock."""
    answer = await call_through(deps, target, request)
    if deps.products is not None:
        await deps.products.invalidate(ordered_products(answer))
    return relay(answer)


def ordered_products(answer: httpx.Response) -> Iterator[str]:
    """The product ids of the order in ``answer`` (none when it is not an order)."""
    if not answer.headers.get("content-type", "").startswith(JSON):
        return
    try:
        body: Any = json.loads(answer.content)
    except ValueError:
        return
    items = body.get("items") if isinstance(body, dict) else None
    for item in items if isinstance(items, list) else ():
        product_id = item.get("product_id") if isinstance(item, dict) else None
        if isinstance(product_id, str):
            yield product_id
