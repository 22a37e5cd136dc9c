from __future__ import annotations

import httpx
import pytest
from catalog.app import create_app
from catalog.config import Settings

pytestmark = pytest.mark.anyio


async def test_liveness_readiness_and_metrics_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.json() == {"status": "ok", "checks": {"mongodb": "ok"}}
    metrics = await client.get("/metrics")
    assert 'service="catalog"' in metrics.text


async def test_every_answer_carries_the_request_id_and_the_server(
        client: httpx.AsyncClient) -> None:
    response = await client.get("/api/categories", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    assert response.headers["x-served-by"] == "catalog"


async def test_unknown_routes_and_methods_are_problems(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/nothing")).json()["type"] == "/problems/not-found"
    wrong_method = await client.put("/api/categories")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["type"] == "/problems/method-not-allowed"


async def test_a_catalog_without_its_database_is_not_ready_and_answers_503(
        settings: Settings) -> None:
    down = settings.model_copy(update={"mongodb_url": "mongodb://127.0.0.1:9",
                                       "mongodb_timeout_ms": 200})
    app = create_app(down)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://catalog.test") as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["mongodb"].startswith("error")
        listing = await client.get("/api/products")
        assert listing.status_code == 503
        assert listing.headers["retry-after"] == "1"
