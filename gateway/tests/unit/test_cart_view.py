"""The cart view composed from raw lines and catalog products (a pure function)."""

from __future__ import annotations

from gateway.aggregation import cart_view


def _product(product_id: str, sku: str, price_cents: int) -> dict[str, object]:
    return {"id": product_id, "sku": sku, "name": sku.lower(), "price_cents": price_cents}


def test_lines_are_priced_and_sorted_by_sku_by_code_point() -> None:
    products = {"1": _product("1", "b-2", 100), "2": _product("2", "B-1", 5),
                "3": _product("3", "a", 7)}

    view = cart_view([{"product_id": "1", "quantity": 2}, {"product_id": "2", "quantity": 1},
                      {"product_id": "3", "quantity": 3}], products)

    assert [item["sku"] for item in view["items"]] == ["B-1", "a", "b-2"]
    assert view["items"][2] == {"product_id": "1", "sku": "b-2", "name": "b-2",
                                "unit_price_cents": 100, "quantity": 2, "line_total_cents": 200}


def test_counts_and_totals_leave_deleted_products_out() -> None:
    view = cart_view([{"product_id": "1", "quantity": 2}, {"product_id": "gone", "quantity": 9}],
                     {"1": _product("1", "x", 250)})

    assert view["item_count"] == 2
    assert view["total_cents"] == 500
    assert len(view["items"]) == 1


def test_an_empty_cart_is_zero_everywhere() -> None:
    assert cart_view([], {}) == {"items": [], "item_count": 0, "total_cents": 0}
