# mypy: disable-error-code="index"
"""Fixtures every level of the monolith's tests shares.

Each test gets its own SQLite file, copied from one migrated once per session,
and an app built from :class:`Settings` pointing at it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from shop.app import create_app
from shop.auth import service as auth_service
from shop.catalog import service as catalog_service
from shop.catalog.domain import NewProduct, Product
from shop.config import Settings
from shop.db import Database
from shop.manage import alembic_config

TESTS_DIR = Path(__file__).resolve().parent
ADMIN_EMAIL = "admin@shop.test"
ADMIN_PASSWORD = "admin-test-password"
PASSWORD = "correct horse battery"
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test", "data_dir": data_dir, "database_url": None,
        "admin_email": ADMIN_EMAIL, "admin_password": ADMIN_PASSWORD,
        "seed_file": TESTS_DIR / "seed_catalog.json",
        "openapi_file": data_dir / "openapi.yaml",
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the latest revision, migrated once and copied by each test."""
    data_dir = tmp_path_factory.mktemp("template")
    settings = make_settings(data_dir)
    command.upgrade(alembic_config(settings), "head")
    return data_dir / "monolith" / "shop.db"


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path) -> Settings:
    (tmp_path / "monolith").mkdir()
    shutil.copy(migrated_template, tmp_path / "monolith" / "shop.db")
    return make_settings(tmp_path)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_url(settings.sqlalchemy_url)
    yield database
    database.dispose()


@pytest.fixture
def db_session(db: Database) -> Iterator[Session]:
    """A session whose work is rolled back when the test ends."""
    with db.uow(write=True) as uow:
        yield uow.session


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    application.extensions["shop"].db.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def random_sku() -> str:
    return f"SKU-{uuid.uuid4().hex[:10].upper()}"


def random_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@shop.test"


@pytest.fixture
def create_product(db: Database) -> Callable[..., Product]:
    def create(**overrides: Any) -> Product:
        values: dict[str, Any] = {"sku": random_sku(), "name": "Widget", "category": "Tools",
                                  "price_cents": 1000, "stock": 10, **overrides}
        return catalog_service.create(db=db, new=NewProduct(**values))
    return create


@pytest.fixture
def create_user(db: Database) -> Callable[..., str]:
    """A customer account; returns its id."""
    def create(email: str | None = None) -> str:
        return auth_service.register(db=db, email=email or random_email(), password=PASSWORD,
                                     name="Test User").id
    return create


class Auth:
    """Signs customers and the administrator in through the API; returns request headers."""

    def __init__(self, client: FlaskClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def headers_for(self, email: str, password: str) -> dict[str, str]:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    def customer(self, email: str | None = None) -> dict[str, str]:
        email = email or random_email()
        response = self.client.post("/api/auth/register",
                                    json={"email": email, "password": PASSWORD, "name": "Ann"})
        assert response.status_code == 201, response.json
        return self.headers_for(email, PASSWORD)

    def admin(self) -> dict[str, str]:
        db = self.client.application.extensions["shop"].db
        auth_service.ensure_admin(db=db, email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
        return self.headers_for(ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def auth(client: FlaskClient, settings: Settings) -> Auth:
    return Auth(client, settings)


def make_checkout_body(card_number: str = GOOD_CARD, **payment: Any) -> dict[str, Any]:
    return {
        "payment": {"card_number": card_number, "exp_month": 12, "exp_year": 2099,
                    "cvc": "123", **payment},
        "shipping_address": {"name": "Ann Smith", "line1": "1 Main Street", "city": "Utrecht",
                             "postal_code": "3511 AA", "country": "NL"},
    }


@pytest.fixture(name="checkout_body")
def checkout_body_fixture() -> Callable[..., dict[str, Any]]:
    """``checkout_body(card_number=..., **payment_overrides)``: a valid checkout request body."""
    return make_checkout_body


@pytest.fixture(name="random_sku")
def random_sku_fixture() -> Callable[[], str]:
    return random_sku


@pytest.fixture(name="random_email")
def random_email_fixture() -> Callable[[], str]:
    return random_email
