from __future__ import annotations

from collections.abc import Callable

import pytest

from shop.catalog import service
from shop.catalog.domain import (
    DuplicateSku,
    NewProduct,
    OutOfStock,
    Product,
    ProductNotFound,
    Shortage,
    StockLine,
)
from shop.db import Database


def test_a_duplicate_sku_is_refused(db: Database, create_product: Callable[..., Product]) -> None:
    create_product(sku="DUP-1")
    with pytest.raises(DuplicateSku):
        service.create(db=db, new=NewProduct(sku="DUP-1", name="Other", category="X",
                                             price_cents=1))


def test_an_update_changes_only_the_given_fields_and_the_update_time(
        db: Database, create_product: Callable[..., Product]) -> None:
    product = create_product(name="Old", price_cents=100)
    updated = service.update(db=db, product_id=product.id, changes={"price_cents": 250})
    assert (updated.name, updated.price_cents, updated.sku) == ("Old", 250, product.sku)
    assert updated.updated_at >= product.updated_at
    assert service.get(db=db, product_id=product.id) == updated


def test_updating_or_deleting_an_unknown_product_is_not_found(db: Database) -> None:
    with pytest.raises(ProductNotFound):
        service.update(db=db, product_id="nope", changes={"name": "X"})
    with pytest.raises(ProductNotFound):
        service.delete(db=db, product_id="nope")


def test_a_deleted_product_is_gone(db: Database, create_product: Callable[..., Product]) -> None:
    product = create_product()
    service.delete(db=db, product_id=product.id)
    with pytest.raises(ProductNotFound):
        service.get(db=db, product_id=product.id)


def test_the_seed_is_loaded_only_into_an_empty_catalog(db: Database) -> None:
    seed = [NewProduct(sku=f"S-{n}", name="Seeded", category="Seed", price_cents=100)
            for n in range(3)]
    assert service.load_seed(db=db, products=seed) == 3
    assert service.load_seed(db=db, products=seed) == 0
    assert [c.product_count for c in service.list_categories(db=db)] == [3]


def test_reserving_names_every_short_line_and_the_caller_rolls_back(
        db: Database, create_product: Callable[..., Product]) -> None:
    plenty, few, none = create_product(stock=10), create_product(stock=1), create_product(stock=0)
    lines = [StockLine(plenty.id, 2), StockLine(few.id, 3), StockLine(none.id, 1)]
    with db.uow(write=True) as uow, pytest.raises(OutOfStock) as caught:
        service.reserve_stock(session=uow.session, lines=lines)
    assert sorted(caught.value.shortages, key=lambda s: s.requested) == [
        Shortage(none.id, 1, 0), Shortage(few.id, 3, 1)]
    assert service.get(db=db, product_id=plenty.id).stock == 10


def test_released_stock_comes_back(db: Database, create_product: Callable[..., Product]) -> None:
    product = create_product(stock=5)
    with db.uow(write=True) as uow:
        service.reserve_stock(session=uow.session, lines=[StockLine(product.id, 5)])
        service.release_stock(session=uow.session, lines=[StockLine(product.id, 2)])
        uow.commit()
    assert service.get(db=db, product_id=product.id).stock == 2
