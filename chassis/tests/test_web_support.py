"""The Flask and FastAPI installers answer errors, ids and health the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from chassis.pagination import PageParams
from chassis.problems import NotFound
from chassis.request_limits import MAX_BODY_BYTES
from chassis.validation import validate_body, validate_query
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from flask import Flask
from pydantic import BaseModel, ConfigDict

from chassis import fastapi_support, flask_support


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: int


class Gone(Exception):
    pass


TABLE = {Gone: lambda exc: NotFound("gone")}


def _failing_check() -> None:
    raise ConnectionError("down")


async def _async_ok() -> None:
    return None


def flask_client(ready: bool) -> Callable:
    app = Flask("t")
    flask_support.install(app, served_by="monolith", error_table=TABLE,
                          readiness={"db": (lambda: None) if ready else _failing_check})

    @app.post("/items")
    def create():  # type: ignore[no-untyped-def]
        from flask import request
        item = validate_body(Item, request.get_data())
        return flask_support.json_response({"quantity": item.quantity}, 201)

    @app.get("/gone")
    def gone():  # type: ignore[no-untyped-def]
        raise Gone()

    @app.get("/page")
    def page():  # type: ignore[no-untyped-def]
        from flask import request
        params = validate_query(PageParams, request.args.to_dict())
        return flask_support.json_response({"page": params.page})

    @app.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail")

    return app.test_client()


def fastapi_client(ready: bool) -> TestClient:
    app = FastAPI()

    async def failing() -> None:
        raise ConnectionError("down")

    fastapi_support.install(app, served_by="catalog", error_table=TABLE,
                            readiness={"db": _async_ok if ready else failing})

    @app.post("/items", status_code=201)
    async def create(item: Annotated[Item, Depends(fastapi_support.json_body(Item))]) -> dict:
        return {"quantity": item.quantity}

    @app.get("/gone")
    async def gone() -> None:
        raise Gone()

    @app.get("/page")
    async def page(
            params: Annotated[PageParams, Depends(fastapi_support.query(PageParams))]) -> dict:
        return {"page": params.page}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret detail")

    return TestClient(app, raise_server_exceptions=False)


class Answer:
    """A framework-neutral view of a test response."""

    def __init__(self, status_code: int, headers, text: str) -> None:  # type: ignore[no-untyped-def]
        self.status_code, self.headers, self.text = status_code, headers, text

    def json(self):  # type: ignore[no-untyped-def]
        import json
        return json.loads(self.text)


def _get(client, method: str, path: str, data: bytes | None = None,  # type: ignore[no-untyped-def]
         headers: dict | None = None) -> Answer:
    if isinstance(client, TestClient):
        r = client.request(method, path, content=data, headers=headers)
        return Answer(r.status_code, r.headers, r.text)
    r = client.open(path, method=method, data=data, headers=headers)
    return Answer(r.status_code, r.headers, r.get_data(as_text=True))


FRAMEWORKS = [pytest.param(flask_client, id="flask"), pytest.param(fastapi_client, id="fastapi")]


@pytest.mark.parametrize("make", FRAMEWORKS)
@pytest.mark.parametrize(("method", "path", "body", "status", "slug"), [
    ("POST", "/items", b"nope", 400, "malformed"),
    ("POST", "/items", b'{"quantity": "2"}', 422, "validation"),
    ("GET", "/nowhere", None, 404, "not-found"),
    ("DELETE", "/items", None, 405, "method-not-allowed"),
    ("GET", "/gone", None, 404, "not-found"),
    ("GET", "/boom", None, 500, "internal"),
])
def test_every_error_is_a_problem_document(make, method, path, body, status, slug) -> None:
    response = _get(make(True), method, path, data=body)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == f"/problems/{slug}"
    assert "secret detail" not in response.text


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_the_request_id_is_echoed_and_served_by_is_set(make) -> None:
    response = _get(make(True), "POST", "/items", data=b'{"quantity": 2}',
                    headers={"X-Request-ID": "abc.123"})
    assert response.status_code == 201
    assert response.headers["X-Request-ID"] == "abc.123"
    assert response.headers["X-Served-By"] in ("monolith", "catalog")


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_readiness_names_the_failing_check(make) -> None:
    assert _get(make(True), "GET", "/readyz").status_code == 200
    response = _get(make(False), "GET", "/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["db"].startswith("error")
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_metrics_count_requests_by_route_template(make) -> None:
    client = make(True)
    _get(client, "GET", "/healthz")
    assert 'route="/healthz"' in _get(client, "GET", "/metrics").text


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_a_repeated_query_parameter_counts_by_its_first_value(make) -> None:
    assert _get(make(True), "GET", "/page?page=2&page=3").json() == {"page": 2}


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_a_wrong_method_names_the_allowed_ones(make) -> None:
    response = _get(make(True), "DELETE", "/items")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("make", FRAMEWORKS)
def test_a_body_over_the_limit_is_refused_unread(make) -> None:
    response = _get(make(True), "POST", "/items",
                    data=b"{" + b" " * MAX_BODY_BYTES + b"}")
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/content-too-large"
    assert response.json()["title"] == "Content too large"
