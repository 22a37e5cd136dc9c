from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from chassis.passwords import verify_password
from pydantic import SecretStr

from shop.auth.repository import UserRepository
from shop.catalog import service as catalog
from shop.catalog.domain import ProductSearch
from shop.catalog.models import POSTGRESQL_SEARCH_INDEXES
from shop.config import Settings
from shop.db import Database
from shop.manage import init, read_seed
from shop.models import metadata

EVERYTHING = ProductSearch(limit=100)


def _declared(obj: object, name: str | None, type_: str, reflected: bool,
              compare_to: object) -> bool:
    """Everything but the PostgreSQL-only search indexes, which the model cannot declare."""
    return not (type_ == "index" and reflected and name in POSTGRESQL_SEARCH_INDEXES)


def _schema_drift(url: str) -> list[object]:
    database = Database.from_url(url)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection,
                                                 opts={"include_object": _declared})
            return list(compare_metadata(context, metadata))
    finally:
        database.dispose()


def test_the_migrations_build_exactly_the_models_schema_on_sqlite(settings: Settings) -> None:
    assert _schema_drift(settings.sqlalchemy_url) == []


def test_the_migrations_build_exactly_the_models_schema_on_postgresql(
        postgres_settings: Settings) -> None:
    assert _schema_drift(postgres_settings.sqlalchemy_url) == []


@pytest.fixture
def fresh_settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, database_url=None,
                    admin_email="Root@Shop.test", admin_password=SecretStr("first-password"),
                    seed_file=Path(__file__).resolve().parents[1] / "seed_catalog.json")


def _admin_hash(db: Database) -> str:
    with db.uow() as uow:
        found = UserRepository(uow.session).get_with_hash("root@shop.test")
    assert found is not None and found[0].role == "admin"
    return found[1]


def test_init_migrates_creates_the_admin_and_seeds_an_empty_catalog(
        fresh_settings: Settings) -> None:
    init(fresh_settings)
    db = Database.from_url(fresh_settings.sqlalchemy_url)
    try:
        assert verify_password(_admin_hash(db), "first-password")
        skus = {p.sku for p in catalog.list_page(db=db, search=EVERYTHING)[0]}
        assert skus == {"SEED-0001", "SEED-0002", "SEED-0003"}
    finally:
        db.dispose()


def test_init_can_run_again_and_follows_a_changed_admin_password(
        fresh_settings: Settings) -> None:
    init(fresh_settings)
    init(fresh_settings.model_copy(update={"admin_password": SecretStr("second-password")}))
    db = Database.from_url(fresh_settings.sqlalchemy_url)
    try:
        assert verify_password(_admin_hash(db), "second-password")
        assert catalog.list_page(db=db, search=EVERYTHING)[1] == 3
    finally:
        db.dispose()


def test_the_seed_file_is_read_like_product_posts(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"products": [{"sku": "A", "name": "B", "category": "C",
                                              "price_cents": 1}]}))
    [product] = read_seed(seed)
    assert (product.sku, product.stock, product.description) == ("A", 0, "")
