"""Crashes in the middle of checkouts. Several customers check out at once (threads);
payments, or the orders service itself, is SIGKILLed while they do and then started
again. Once the reconciler has settled everything:

- no order is pending, and the order of every 201 or 402 answer is listed with that status;
- each product's stock is its initial stock less the quantities of the confirmed orders;
- payments holds at most one charge per order: a captured one, of the order's total, for
  every confirmed order, none for an order that does not exist, and no captured charge
  for an order that is not confirmed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

CUSTOMERS = 6
ROUNDS = 4
PRODUCTS = 3
INITIAL_STOCK = 1000
# The crash comes once this many checkouts have answered (one of them a 201) and an
# order is pending in the orders database: in the thick of it.
CRASH_AFTER_ANSWERS = 4
SETTLE_BOUND_SECONDS = 60.0

Answer = tuple[int, str | None]
ANSWERED_STATUS = {201: "confirmed", 402: "failed"}


@dataclass(frozen=True)
class Storm:
    """What the concurrent checkouts were and what each answered, by customer."""

    customers: list[Any]
    products: list[str]
    answers: list[list[Answer]]

    @property
    def statuses(self) -> Counter[int]:
        return Counter(status for answers in self.answers for status, _ in answers)


def _order_id(response: httpx.Response) -> str | None:
    if response.status_code == 201:
        return str(response.json()["id"])
    if response.status_code == 402:
        return str(response.json()["order_id"])
    return None


@pytest.fixture
def storm(stack: Any, new_customer: Callable[[], Any], create_product: Callable[..., Any],
          fill_cart: Callable[..., None], checkout_body: Callable[..., dict[str, Any]],
          eventually: Callable[..., Any]) -> Callable[[Callable[[], None]], Storm]:
    """``storm(crash)``: ROUNDS checkouts per customer, all customers at once, with
    ``crash()`` called in the middle; the last customer's card is declined."""

    def shop(customer: Any, quantities: dict[str, int], body: dict[str, Any],
             answers: list[Answer]) -> None:
        with httpx.Client(base_url=stack.base_url, timeout=15.0) as client:
            for _ in range(ROUNDS):
                fill_cart(customer, quantities, client)
                response = client.post("/api/orders", json=body, headers=customer.headers)
                answers.append((response.status_code, _order_id(response)))

    def in_the_thick_of_it(answers: list[list[Answer]]) -> bool | None:
        so_far = [status for per_customer in answers for status, _ in per_customer]
        if len(so_far) >= CRASH_AFTER_ANSWERS and 201 in so_far and stack.pending_orders():
            return True
        return None

    def run(crash: Callable[[], None]) -> Storm:
        customers = [new_customer() for _ in range(CUSTOMERS)]
        products = [create_product(stock=INITIAL_STOCK)["id"] for _ in range(PRODUCTS)]
        answers: list[list[Answer]] = [[] for _ in customers]
        with ThreadPoolExecutor(CUSTOMERS) as pool:
            running = [pool.submit(shop, customer,
                                   {product: 1 + (index + slot) % 3
                                    for slot, product in enumerate(products)},
                                   checkout_body(declined=index == CUSTOMERS - 1),
                                   answers[index])
                       for index, customer in enumerate(customers)]
            eventually(lambda: in_the_thick_of_it(answers), within=30, every=0.01,
                       what="checkouts under way")
            crash()
            for future in running:
                future.result(timeout=120)
        return Storm(customers, products, answers)

    return run


@pytest.fixture
def settled_orders(orders_of: Callable[[Any], list[dict[str, Any]]],
                   eventually: Callable[..., Any]) -> Callable[[Storm], list[list[dict[str, Any]]]]:
    """Every customer's orders, once none of them is pending (polled, bounded)."""

    def settled(storm: Storm) -> list[list[dict[str, Any]]]:
        def none_pending() -> list[list[dict[str, Any]]] | None:
            orders = [orders_of(customer) for customer in storm.customers]
            pending = [o for per_customer in orders for o in per_customer
                       if o["status"] == "pending"]
            return None if pending else orders

        found: list[list[dict[str, Any]]] = eventually(
            none_pending, within=SETTLE_BOUND_SECONDS, what="no order pending")
        return found

    return settled


@pytest.fixture
def checkouts_work_again(stack: Any, api: httpx.Client, new_customer: Callable[[], Any],
                         create_product: Callable[..., Any], fill_cart: Callable[..., None],
                         checkout_body: Callable[..., dict[str, Any]],
                         eventually: Callable[..., Any]) -> Callable[[], None]:
    """Polls a fresh customer's checkout until it is a 201 (the breakers in front of the
    restarted service half-open), then until the attempts it cost meanwhile are settled."""

    def check() -> None:
        customer, product_id = new_customer(), create_product(stock=INITIAL_STOCK)["id"]

        def placed() -> bool | None:
            fill_cart(customer, {product_id: 1})
            response = api.post("/api/orders", json=checkout_body(), headers=customer.headers)
            return True if response.status_code == 201 else None

        eventually(placed, within=stack.breaker_reset_seconds + 20, every=1.0,
                   what="a checkout succeeds again")
        eventually(lambda: stack.pending_orders() == 0 or None, within=SETTLE_BOUND_SECONDS,
                   what="no order left pending")

    return check


def assert_nothing_lost(storm: Storm, orders: list[list[dict[str, Any]]]) -> None:
    for answers, listed in zip(storm.answers, orders, strict=True):
        by_id = {order["id"]: order for order in listed}
        assert {order["status"] for order in listed} <= {"confirmed", "failed"}
        assert len(by_id) <= len(answers), "an order no checkout asked for"
        for status, order_id in answers:
            if status in ANSWERED_STATUS:
                assert by_id[order_id]["status"] == ANSWERED_STATUS[status], order_id
        for order in listed:
            assert (order["payment"]["status"] == "captured") == (
                order["status"] == "confirmed"), order


def assert_no_stock_leaked(storm: Storm, orders: list[list[dict[str, Any]]],
                           stock_of: Callable[[str], int]) -> None:
    sold: Counter[str] = Counter()
    for order in (o for listed in orders for o in listed if o["status"] == "confirmed"):
        for line in order["items"]:
            sold[line["product_id"]] += line["quantity"]
    for product_id in storm.products:
        assert stock_of(product_id) == INITIAL_STOCK - sold[product_id], product_id


def assert_charged_once(stack: Any, orders: list[list[dict[str, Any]]]) -> None:
    """Payments against the orders database as a whole, and this storm's orders."""
    charges = stack.query("payments", "SELECT order_id, status, amount_cents FROM charges")
    statuses = dict(stack.query("orders", "SELECT id, status FROM orders"))
    per_order = Counter(order_id for order_id, _, _ in charges)
    assert [order_id for order_id, count in per_order.items() if count > 1] == []
    assert set(per_order) <= set(statuses), "a charge without an order"
    captured = {order_id: amount for order_id, status, amount in charges if status == "captured"}
    assert set(captured) == {order_id for order_id, status in statuses.items()
                             if status == "confirmed"}
    refunded = [order_id for order_id, status, _ in charges if status == "refunded"]
    assert all(statuses[order_id] in ("failed", "cancelled") for order_id in refunded)
    for order in (o for listed in orders for o in listed if o["status"] == "confirmed"):
        assert captured[order["id"]] == order["total_cents"], order["id"]


def test_a_payments_crash_mid_checkout_loses_no_order_leaks_no_stock_and_charges_once(
        stack: Any, storm: Callable[..., Storm], settled_orders: Callable[[Storm], Any],
        stock_of: Callable[[str], int], checkouts_work_again: Callable[[], None]) -> None:
    happened = storm(lambda: stack.kill("payments"))
    assert happened.statuses[503] >= 1, happened.statuses
    assert set(happened.statuses) <= {201, 402, 503}, happened.statuses
    assert stack.pending_orders() >= 1  # the checkouts the crash left in doubt

    stack.start("payments")
    orders = settled_orders(happened)

    assert_nothing_lost(happened, orders)
    assert_no_stock_leaked(happened, orders, stock_of)
    assert_charged_once(stack, orders)
    checkouts_work_again()


def test_an_orders_crash_mid_checkout_is_settled_by_its_start_up_reconcile(
        stack: Any, storm: Callable[..., Storm], settled_orders: Callable[[Storm], Any],
        stock_of: Callable[[str], int], checkouts_work_again: Callable[[], None],
        eventually: Callable[..., Any]) -> None:
    crashed_at: list[float] = []

    def crash() -> None:
        # Payments frozen first, so that the crash lands on checkouts waiting for their
        # charge (pending, stock held, the charge in doubt), not in a gap between two:
        # a checkout seen pending a moment before could be settled when the kill lands.
        with stack.hanging("payments"):
            time.sleep(0.2)  # what was past its charge settles; what was not waits
            eventually(lambda: stack.pending_orders() or None, within=10, every=0.01,
                       what="a checkout waiting for its charge")
            # The master and its workers, and the reconciler (a process of its own) with
            # them, so that only the start-up reconcile can settle what the crash left.
            stack.kill("orders")
            stack.kill("orders-reconciler")
            crashed_at.append(time.monotonic())

    happened = storm(crash)
    assert happened.statuses[503] >= 1, happened.statuses
    assert set(happened.statuses) <= {201, 402, 503}, happened.statuses
    assert stack.pending_orders() >= 1  # the checkouts in flight when it died

    # Past the grace, so that the one-shot start-up reconcile takes every one of them.
    time.sleep(max(0.0, crashed_at[0] + stack.reconcile_grace_seconds + 1 - time.monotonic()))
    stack.init("orders")
    assert stack.pending_orders() == 0
    stack.start("orders")
    stack.start("orders-reconciler")
    orders = settled_orders(happened)

    assert_nothing_lost(happened, orders)
    assert_no_stock_leaked(happened, orders, stock_of)
    assert_charged_once(stack, orders)
    checkouts_work_again()
