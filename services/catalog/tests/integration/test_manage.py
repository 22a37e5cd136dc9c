from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from catalog.config import Settings
from catalog.manage import init, read_seed
from chassis.problems import ValidationFailed
from pymongo import MongoClient

SEED = {"products": [
    {"sku": "MUG-1", "name": "Mug", "description": "A mug", "category": "Kitchen",
     "price_cents": 1200, "stock": 5, "attributes": {"color": "blue"}},
    {"sku": "PLT-1", "name": "Plate", "description": "", "category": "Kitchen",
     "price_cents": 800, "stock": 0, "attributes": {}},
]}


@pytest.fixture
def seed_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(SEED), encoding="utf-8")
    return path


def test_init_creates_the_indexes_and_seeds_an_empty_catalog_once(
        settings: Settings, seed_file: Path, mongo_client: MongoClient[dict[str, Any]]) -> None:
    seeded = settings.model_copy(update={"seed_file": seed_file})
    try:
        init(seeded)
        init(seeded)
        products = mongo_client[settings.mongodb_database]["products"]
        assert sorted(doc["sku"] for doc in products.find()) == ["MUG-1", "PLT-1"]
        unique = [index for index in products.list_indexes() if index.get("unique")]
        assert [list(index["key"]) for index in unique] == [["sku"]]
    finally:
        mongo_client.drop_database(settings.mongodb_database)


def test_a_seed_product_is_validated_like_a_new_product(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"products": [{"sku": "A", "name": "Mug", "category": "K",
                                              "price_cents": 0}]}), encoding="utf-8")
    with pytest.raises(ValidationFailed):
        read_seed(path)


def test_init_without_a_seed_file_still_creates_the_indexes(
        settings: Settings, tmp_path: Path, mongo_client: MongoClient[dict[str, Any]]) -> None:
    try:
        init(settings.model_copy(update={"seed_file": tmp_path / "missing.json"}))
        database = mongo_client[settings.mongodb_database]
        assert database["products"].count_documents({}) == 0
        keys = [list(index["key"]) for index in database["products"].list_indexes()]
        assert ["sku"] in keys
    finally:
        mongo_client.drop_database(settings.mongodb_database)
