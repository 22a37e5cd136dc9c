"""Stock never goes below zero, however many checkouts race for the last units."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from chassis.clock import utcnow

from shop.auth.domain import User
from shop.auth.repository import UserRepository
from shop.cart import service as cart
from shop.catalog import service as catalog
from shop.catalog.domain import NewProduct, OutOfStock, Product
from shop.config import Settings
from shop.db import Database
from shop.orders import service as orders
from shop.orders.domain import Checkout, ShippingAddress
from shop.payments.domain import Card

BUYERS = 16
CHECKOUT = Checkout(card=Card(number="4242424242424242", exp_month=12, exp_year=2099, cvc="123"),
                    shipping_address=ShippingAddress(name="A", line1="1 St", city="C",
                                                     postal_code="1", country="NL"))


def _buyers(db: Database, products: list[Product]) -> list[str]:
    """Accounts (inserted directly: no need to pay for hashing) each with the products in cart."""
    users = [User.new(email=f"buyer-{n}-{utcnow().timestamp()}@shop.test", name="B",
                      role="customer", now=utcnow()) for n in range(BUYERS)]
    with db.uow(write=True) as uow:
        for user in users:
            UserRepository(uow.session).add(user, "not-a-hash")
        uow.commit()
    for user in users:
        for product in products:
            cart.set_quantity(db=db, user_id=user.id, product_id=product.id, quantity=1)
    return [user.id for user in users]


def _race(url: str, user_ids: list[str]) -> Counter[str]:
    """Every buyer checks out at once, each on its own engine as a gunicorn worker would."""
    barrier = threading.Barrier(len(user_ids))

    def buy(user_id: str) -> str:
        db = Database.from_url(url)
        try:
            barrier.wait()
            orders.checkout(db=db, user_id=user_id, request=CHECKOUT)
            return "confirmed"
        except OutOfStock:
            return "out-of-stock"
        finally:
            db.dispose()

    with ThreadPoolExecutor(max_workers=len(user_ids)) as pool:
        return Counter(pool.map(buy, user_ids))


def _assert_exactly_the_stock_was_sold(db: Database, url: str, units: int,
                                       extra: list[Product]) -> None:
    scarce = catalog.create(db=db, new=NewProduct(sku=f"LAST-{utcnow().timestamp()}",
                                                  name="Last units", category="Race",
                                                  price_cents=100, stock=units))
    user_ids = _buyers(db, [scarce, *extra])
    outcome = _race(url, user_ids)
    assert outcome == Counter({"confirmed": units, "out-of-stock": BUYERS - units})
    assert catalog.get(db=db, product_id=scarce.id).stock == 0
    for product in extra:
        assert catalog.get(db=db, product_id=product.id).stock == product.stock - units
    confirmed = sum(orders.list_page(db=db, user_id=user_id, offset=0, limit=5)[1]
                    for user_id in user_ids)
    assert confirmed == units


def test_concurrent_checkouts_on_sqlite_sell_exactly_the_units_in_stock(
        settings: Settings, db: Database) -> None:
    _assert_exactly_the_stock_was_sold(db, settings.sqlalchemy_url, units=5, extra=[])


def test_concurrent_checkouts_on_postgresql_sell_exactly_the_units_in_stock(
        postgres_settings: Settings) -> None:
    db = Database.from_url(postgres_settings.sqlalchemy_url)
    try:
        plentiful = catalog.create(db=db, new=NewProduct(sku=f"MANY-{utcnow().timestamp()}",
                                                         name="Plenty", category="Race",
                                                         price_cents=50, stock=100))
        _assert_exactly_the_stock_was_sold(db, postgres_settings.sqlalchemy_url, units=5,
                                           extra=[plentiful])
    finally:
        db.dispose()
