from __future__ import annotations

from collections.abc import Callable

import pytest

from shop.cart import service
from shop.catalog import service as catalog
from shop.catalog.domain import Product, ProductNotFound
from shop.db import Database


def test_setting_a_quantity_replaces_it_rather_than_adding(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product(price_cents=250)
    service.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=3)
    cart = service.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=2)
    assert [(line.product_id, line.quantity) for line in cart.lines] == [(product.id, 2)]
    assert (cart.item_count, cart.total_cents) == (2, 500)


def test_the_cart_is_priced_today_sorted_by_sku_and_skips_deleted_products(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id = create_user()
    later, sooner, gone = (create_product(sku="SKU-B"), create_product(sku="SKU-A"),
                           create_product(sku="SKU-0"))
    for product in (later, sooner, gone):
        service.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=1)
    catalog.update(db=db, product_id=later.id, changes={"price_cents": 999})
    catalog.delete(db=db, product_id=gone.id)
    cart = service.get(db=db, user_id=user_id)
    assert [(line.sku, line.unit_price_cents) for line in cart.lines] == [
        ("SKU-A", 1000), ("SKU-B", 999)]


def test_an_unknown_product_cannot_be_put_in_the_cart(
        db: Database, create_user: Callable[..., str]) -> None:
    with pytest.raises(ProductNotFound):
        service.set_quantity(db=db, user_id=create_user(), product_id="nope", quantity=1)


def test_removing_a_line_that_is_not_there_is_fine(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    user_id, product = create_user(), create_product()
    service.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=1)
    assert service.remove(db=db, user_id=user_id, product_id="nope").item_count == 1
    assert service.remove(db=db, user_id=user_id, product_id=product.id).is_empty


def test_clearing_empties_only_the_callers_cart(
        db: Database, create_user: Callable[..., str],
        create_product: Callable[..., Product]) -> None:
    ann, bob, product = create_user(), create_user(), create_product()
    for user_id in (ann, bob):
        service.set_quantity(db=db, user_id=user_id, product_id=product.id, quantity=1)
    service.clear(db=db, user_id=ann)
    assert service.get(db=db, user_id=ann).is_empty
    assert service.get(db=db, user_id=bob).item_count == 1
