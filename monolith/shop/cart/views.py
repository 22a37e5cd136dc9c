"""The signed-in caller's cart."""

from __future__ import annotations

from chassis.flask_support import body, dump, json_response
from flask import Blueprint, Response

from shop.cart import service
from shop.cart.domain import Cart
from shop.cart.schemas import CartItemUpdate, CartOut
from shop.web import caller, deps

bp = Blueprint("cart", __name__)


def _cart_response(cart: Cart) -> Response:
    return json_response(dump(CartOut.from_domain(cart)))


@bp.get("/api/cart")
def get_cart() -> Response:
    return _cart_response(service.get(db=deps().db, user_id=caller().subject))


@bp.put("/api/cart/items/<product_id>")
def set_item(product_id: str) -> Response:
    user_id = caller().subject
    quantity = body(CartItemUpdate).quantity
    cart = service.set_quantity(db=deps().db, user_id=user_id, product_id=product_id,
                                quantity=quantity)
    return _cart_response(cart)


# ``string``, not the default id converter: removing what could never be in a cart (an
# id holding NUL) is the contract's 200 with the cart as it is, not a 404.
@bp.delete("/api/cart/items/<string:product_id>")
def remove_item(product_id: str) -> Response:
    return _cart_response(service.remove(db=deps().db, user_id=caller().subject,
                                         product_id=product_id))


@bp.delete("/api/cart")
def clear_cart() -> Response:
    service.clear(db=deps().db, user_id=caller().subject)
    return Response(status=204)
