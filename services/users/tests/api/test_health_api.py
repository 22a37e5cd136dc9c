"""Liveness, readiness, metrics and the problem answers for unknown routes and methods."""

from __future__ import annotations

from flask.testing import FlaskClient
from users.app import create_app
from users.config import Settings


def test_healthz_and_readyz_answer_ok_with_the_database_check(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {
        "status": "ok", "checks": {"database": "ok", "schema": "ok"}}


def test_readyz_is_503_when_the_database_is_gone(settings: Settings) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql://postgres@127.0.0.1:1/users"})
    app = create_app(unreachable)
    response = app.test_client().get("/readyz")
    app.extensions["users"].db.dispose()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")
    assert response.headers["Retry-After"]


def test_metrics_count_requests_by_route_template(client: FlaskClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'service="users"' in text and 'route="/healthz"' in text


def test_an_unknown_route_is_a_404_problem_and_a_wrong_method_a_405(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
    wrong = client.delete("/api/auth/login")
    assert wrong.status_code == 405
    assert wrong.get_json()["type"] == "/problems/method-not-allowed"
