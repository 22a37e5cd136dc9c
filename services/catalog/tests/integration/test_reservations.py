from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

import pytest
from catalog import reservations as steps
from catalog.db import Database, now
from catalog.domain import (
    OutOfStock,
    Product,
    ReservationConflict,
    ReservationNotFound,
    ReservationStatus,
    ReservedLine,
    Shortage,
    StockLine,
)
from catalog.repository import ProductRepository, ReservationRepository

ProductFactory = Callable[..., Product]
MISSING_ID = "0123456789abcdef01234567"


@pytest.fixture
def reserve(database: Database) -> Callable[..., object]:
    def call(order_id: str, *lines: tuple[str, int]) -> object:
        return steps.reserve_stock(
            db=database, order_id=order_id,
            lines=[StockLine(product_id, quantity) for product_id, quantity in lines])
    return call


@pytest.fixture
def release(database: Database) -> Callable[[str], object]:
    return lambda order_id: steps.release_stock(db=database, order_id=order_id)


def test_a_reservation_takes_every_line_and_records_catalog_prices(
        reserve: Callable[..., object], products: ProductRepository,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=5, price_cents=1200, name="Mug")
    plate = create_product(stock=2, price_cents=800, name="Plate")
    reservation = reserve("order-1", (mug.id, 3), (plate.id, 2))
    assert reservation.status is ReservationStatus.RESERVED
    assert [(line.sku, line.name, line.unit_price_cents, line.quantity)
            for line in reservation.lines] == [(mug.sku, "Mug", 1200, 3),
                                               (plate.sku, "Plate", 800, 2)]
    assert (products.stock_of(mug.id), products.stock_of(plate.id)) == (2, 0)


def test_a_short_line_reserves_nothing_and_every_short_line_is_listed(
        reserve: Callable[..., object], products: ProductRepository,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    plate = create_product(stock=1)
    bowl = create_product(stock=0)
    with pytest.raises(OutOfStock) as raised:
        reserve("order-1", (mug.id, 2), (plate.id, 3), (bowl.id, 1), (MISSING_ID, 1), ("bad", 1))
    assert raised.value.shortages == [
        Shortage(plate.id, 3, 1), Shortage(bowl.id, 1, 0), Shortage(MISSING_ID, 1, 0),
        Shortage("bad", 1, 0)]
    assert [products.stock_of(p.id) for p in (mug, plate, bowl)] == [5, 1, 0]


def test_a_repeat_returns_the_same_reservation_and_moves_no_stock(
        reserve: Callable[..., object], products: ProductRepository,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    first = reserve("order-1", (mug.id, 2))
    assert reserve("order-1", (mug.id, 2)) == first
    assert products.stock_of(mug.id) == 3


def test_a_repeat_of_a_rejected_reservation_is_out_of_stock_again(
        reserve: Callable[..., object], products: ProductRepository,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=1)
    with pytest.raises(OutOfStock):
        reserve("order-1", (mug.id, 2))
    products.give_back_stock(mug.id, 5)
    with pytest.raises(OutOfStock) as raised:
        reserve("order-1", (mug.id, 2))
    assert raised.value.shortages == [Shortage(mug.id, 2, 1)]
    assert products.stock_of(mug.id) == 6


def test_a_release_gives_the_stock_back_exactly_once(
        reserve: Callable[..., object], release: Callable[[str], object],
        products: ProductRepository, create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    reserve("order-1", (mug.id, 4))
    assert release("order-1").status is ReservationStatus.RELEASED
    assert release("order-1").status is ReservationStatus.RELEASED
    assert products.stock_of(mug.id) == 5


def test_a_committed_reservation_can_still_be_released_by_a_cancel(
        reserve: Callable[..., object], release: Callable[[str], object],
        products: ProductRepository, database: Database,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    reserve("order-1", (mug.id, 2))
    steps.commit_stock(db=database, order_id="order-1")
    assert steps.commit_stock(db=database, order_id="order-1").status \
        is ReservationStatus.COMMITTED
    assert products.stock_of(mug.id) == 3
    release("order-1")
    assert products.stock_of(mug.id) == 5


def test_a_release_of_an_unknown_order_refuses_a_late_reserve(
        reserve: Callable[..., object], release: Callable[[str], object],
        products: ProductRepository, create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    assert release("order-9").status is ReservationStatus.RELEASED
    with pytest.raises(ReservationConflict):
        reserve("order-9", (mug.id, 1))
    assert products.stock_of(mug.id) == 5


def test_only_a_live_reservation_can_be_committed(
        reserve: Callable[..., object], release: Callable[[str], object],
        database: Database, create_product: ProductFactory) -> None:
    with pytest.raises(ReservationNotFound):
        steps.commit_stock(db=database, order_id="nobody")
    reserve("order-1", (create_product(stock=1).id, 1))
    release("order-1")
    with pytest.raises(ReservationConflict):
        steps.commit_stock(db=database, order_id="order-1")


def test_a_release_settles_a_reservation_left_pending_by_a_crash(
        release: Callable[[str], object], products: ProductRepository,
        reservations: ReservationRepository, create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    reservations.add("order-1", ReservationStatus.PENDING, now=now())
    taken = products.take_stock(mug.id, 2)
    assert taken is not None and reservations.record_lines("order-1", [taken])
    release("order-1")
    assert products.stock_of(mug.id) == 5
    assert reservations.record_lines("order-1", [taken]) is False


def test_a_release_just_before_the_move_to_reserved_gets_every_line_back(
        reserve: Callable[..., object], release: Callable[[str], object],
        products: ProductRepository, create_product: ProductFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The last line taken is recorded only by the move to ``reserved``: a cancel that
    lands before that move gets the lines recorded by then, the reservation the last."""
    mug, plate = create_product(stock=5), create_product(stock=3)
    transition = ReservationRepository.transition

    def release_first(self: ReservationRepository, order_id: str,
                      from_statuses: Iterable[ReservationStatus], to_status: ReservationStatus,
                      *args: object, **changes: object) -> object:
        if to_status is ReservationStatus.RESERVED:
            release(order_id)
        return transition(self, order_id, from_statuses, to_status, *args, **changes)
    monkeypatch.setattr(ReservationRepository, "transition", release_first)
    with pytest.raises(ReservationConflict):
        reserve("order-1", (mug.id, 2), (plate.id, 3))
    assert (products.stock_of(mug.id), products.stock_of(plate.id)) == (5, 3)
    monkeypatch.undo()
    assert release("order-1").status is ReservationStatus.RELEASED
    assert (products.stock_of(mug.id), products.stock_of(plate.id)) == (5, 3)


def test_a_reservation_writes_each_line_once_and_records_the_last_with_its_move(
        reserve: Callable[..., object], reservations: ReservationRepository,
        create_product: ProductFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two lines: the insert, two takes, one record and the move (not a record each)."""
    recorded: list[int] = []
    record_lines = ReservationRepository.record_lines

    def counted(self: ReservationRepository, order_id: str,
                lines: list[ReservedLine]) -> bool:
        recorded.append(len(lines))
        return record_lines(self, order_id, lines)
    monkeypatch.setattr(ReservationRepository, "record_lines", counted)
    mug, plate = create_product(stock=5), create_product(stock=3)
    reserve("order-1", (mug.id, 2), (plate.id, 1))
    assert recorded == [1]
    stored = reservations.get("order-1")
    assert stored is not None and stored.status is ReservationStatus.RESERVED
    assert [(line.product_id, line.quantity) for line in stored.lines] == [(mug.id, 2),
                                                                          (plate.id, 1)]


def test_sixteen_concurrent_reservations_of_five_units_reserve_exactly_five(
        reserve: Callable[..., object], products: ProductRepository,
        create_product: ProductFactory) -> None:
    mug = create_product(stock=5)

    def attempt(number: int) -> bool:
        try:
            reserve(f"order-{number}", (mug.id, 1))
        except OutOfStock:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(16)))
    assert outcomes.count(True) == 5
    assert products.stock_of(mug.id) == 0


def test_concurrent_releases_of_one_reservation_give_the_stock_back_once(
        reserve: Callable[..., object], release: Callable[[str], object],
        products: ProductRepository, create_product: ProductFactory) -> None:
    mug = create_product(stock=5)
    reserve("order-1", (mug.id, 5))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: release("order-1"), range(8)))
    assert products.stock_of(mug.id) == 5
