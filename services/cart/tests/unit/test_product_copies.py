from __future__ import annotations

from cart.domain import Product
from cart.product_copies import ProductCopies


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def product(product_id: str, price_cents: int = 100) -> Product:
    return Product(id=product_id, sku=f"SKU-{product_id}", name=product_id,
                   price_cents=price_cents)


def copies(clock: Clock, *, ttl_seconds: float = 60, max_entries: int = 10) -> ProductCopies:
    return ProductCopies(ttl_seconds=ttl_seconds, max_entries=max_entries, clock=clock)


def test_a_copy_is_current_while_the_version_stays_and_a_new_version_drops_them_all() -> None:
    kept = copies(Clock())
    assert kept.current("v1", ["p1"]) == {}
    kept.keep("v1", {"p1": product("p1"), "p2": product("p2")})
    assert kept.current("v1", ["p1", "p3"]) == {"p1": product("p1")}
    assert kept.current("v2", ["p1", "p2"]) == {}
    assert len(kept) == 0


def test_a_lookup_that_overlapped_a_change_keeps_nothing() -> None:
    kept = copies(Clock())
    kept.current("v1", ["p1"])  # this lookup read v1 ...
    kept.current("v2", ["p1"])  # ... another read the version a change left since
    kept.keep("v1", {"p1": product("p1", 100)})  # what the first fetched may be the old price
    assert kept.current("v2", ["p1"]) == {}


def test_an_unreadable_version_uses_and_keeps_nothing_and_drops_nothing() -> None:
    kept = copies(Clock())
    kept.current("v1", [])
    kept.keep("v1", {"p1": product("p1")})
    assert kept.current(None, ["p1"]) == {}
    kept.keep(None, {"p2": product("p2")})
    assert kept.current("v1", ["p1", "p2"]) == {"p1": product("p1")}


def test_a_copy_expires_after_its_time() -> None:
    clock = Clock()
    kept = copies(clock, ttl_seconds=60)
    kept.current("", [])  # a broker with no version yet is a version too
    kept.keep("", {"p1": product("p1")})
    clock.now += 59.9
    assert kept.current("", ["p1"]) == {"p1": product("p1")}
    clock.now += 0.1
    assert kept.current("", ["p1"]) == {}
    assert len(kept) == 0


def test_the_oldest_copy_goes_first_when_the_copies_are_full() -> None:
    kept = copies(Clock(), max_entries=2)
    kept.current("v1", [])
    kept.keep("v1", {"p1": product("p1")})
    kept.keep("v1", {"p2": product("p2")})
    kept.keep("v1", {"p3": product("p3")})
    assert set(kept.current("v1", ["p1", "p2", "p3"])) == {"p2", "p3"}
    assert len(kept) == 2
