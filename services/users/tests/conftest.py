"""Fixtures shared by the users service's tests: settings, app, client, auth, databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.orm import Session
from users.app import create_app
from users.config import Settings
from users.db import Database
from users.manage import migrate
from users.models import UserRow

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
POSTGRES_TEST_DATABASE = "test_users_svc"


def fresh_postgres_database(name: str) -> str:
    """Create the test database afresh (no schema left by another checkout's migrations);
    its URL."""
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_SERVER}/{name}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, database_url=None,
                    admin_email="admin@example.com", jwt_ttl_seconds=900)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    migrate(settings.sqlalchemy_url)
    app = create_app(settings)
    yield app
    app.extensions["users"].db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def random_email() -> Callable[[], str]:
    return lambda: f"user-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture
def create_user(client: FlaskClient, random_email: Callable[[], str]
                ) -> Callable[..., dict[str, Any]]:
    """Registers an account through the API; its body plus the password used."""
    def create(**overrides: Any) -> dict[str, Any]:
        body = {"email": random_email(), "password": "correct horse", "name": "Ada"}
        body.update(overrides)
        response = client.post("/api/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        return {**response.get_json(), "password": body["password"]}
    return create


@pytest.fixture
def auth(client: FlaskClient, create_user: Callable[..., dict[str, Any]]) -> dict[str, str]:
    """Authorization headers of a freshly registered customer."""
    user = create_user()
    response = client.post("/api/auth/login",
                           json={"email": user["email"], "password": user["password"]})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = fresh_postgres_database(POSTGRES_TEST_DATABASE)
    migrate(Settings(database_url=url).sqlalchemy_url)
    return Settings(database_url=url).sqlalchemy_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of each kind, emptied after the test."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'users.db'}"
        migrate(url)
    db = Database.from_url(url)
    yield db
    with db.uow(write=True) as uow:
        uow.session.execute(delete(UserRow))
        uow.commit()
    db.dispose()


@pytest.fixture
def db_session(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        yield session
        session.close()
        transaction.rollback()
