"""The three downstreams of a checkout, spoken to in domain words.

Each wraps one pooled :class:`chassis.outbound.ServiceClient`, which already turns
"refused, timed out, 502/503/504 after retries, breaker open" into
:class:`Unavailable`; any other answer this module does not expect (a 500, a
stray 4xx) becomes :class:`Unavailable` here, logged, and never an exception
that would bubble up as a 500 of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import quote

import httpx
from chassis.cards import Card
from chassis.outbound import OwnProblemsFinal, ServiceClient
from chassis.problems import Unavailable

from orders.domain import Charge, OrderLine, OutOfStock, Shortage

log = logging.getLogger(__name__)


class ReservationRefused(Exception):
    """The catalog refused a reservation for an order id it has released already."""


class NotRefundable(Exception):
    """Payments refuses the refund: the charge was never captured."""


def _segment(value: str) -> str:
    return quote(value, safe="")


def _expect(client: ServiceClient, response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code in statuses:
        return response
    log.warning("unexpected answer from %s", client.name,
                extra={"status": response.status_code, "downstream": client.name})
    raise Unavailable(f"The {client.name} service gave an unexpected answer.")


def _problem_type(response: httpx.Response) -> str:
    try:
        return str(response.json().get("type", ""))
    except ValueError:
        return ""


class CartServiceClient(OwnProblemsFinal, ServiceClient):
    """The cart answers a 503 problem of its own when the catalog cannot price the cart:
    final (:class:`chassis.outbound.OwnProblemsFinal`), so a checkout asks the struggling
    catalog once, not three times, and the cart's breaker stays closed."""


class CartClient:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    def priced_lines(self, user_id: str) -> list[OrderLine]:
        """The user's cart as the cart service prices it: today's catalog prices, the
        products deleted since they were put in left out."""
        response = self.http.request("GET", f"/internal/carts/{_segment(user_id)}")
        if response.status_code == 503:
            raise Unavailable("The cart could not be priced now.")
        items = _expect(self.http, response, 200).json()["items"]
        return [OrderLine(product_id=item["product_id"], sku=item["sku"], name=item["name"],
                          unit_price_cents=item["unit_price_cents"], quantity=item["quantity"])
                for item in items]

    def clear(self, user_id: str) -> None:
        response = self.http.request("DELETE", f"/internal/carts/{_segment(user_id)}")
        _expect(self.http, response, 204, 200, 404)

    def take_out(self, user_id: str, lines: Iterable[OrderLine]) -> None:
        """Lower the cart's lines by what an order bought; what was added since stays."""
        items = [{"product_id": line.product_id, "quantity": line.quantity} for line in lines]
        if not items:
            return
        response = self.http.request("POST", f"/internal/carts/{_segment(user_id)}/take-out",
                                     json={"items": items})
        _expect(self.http, response, 200)


class CatalogClient:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    def reserve(self, order_id: str, lines: Iterable[OrderLine]) -> None:
        """All lines or none; :class:`OutOfStock` listing every short line."""
        body = {"lines": [{"product_id": line.product_id, "quantity": line.quantity}
                          for line in lines]}
        response = self.http.request("PUT", f"/internal/reservations/{_segment(order_id)}",
                                     json=body)
        if response.status_code == 409 and _problem_type(response).endswith("/out-of-stock"):
            raise OutOfStock(tuple(Shortage(product_id=item["product_id"],
                                            requested=item["requested"],
                                            available=item["available"])
                                   for item in response.json()["items"]))
        if response.status_code == 409:
            raise ReservationRefused(order_id)
        _expect(self.http, response, 200)

    def release(self, order_id: str) -> None:
        self._post(f"/internal/reservations/{_segment(order_id)}/release")

    def commit(self, order_id: str) -> None:
        self._post(f"/internal/reservations/{_segment(order_id)}/commit")

    def _post(self, path: str) -> None:
        _expect(self.http, self.http.request("POST", path), 200)


class PaymentsClient:
    def __init__(self, http: ServiceClient) -> None:
        self.http = http

    def authorise(self, *, order_id: str, card: Card, amount_cents: int) -> Charge:
        """Charge once per order id (a repeat answers the first result)."""
        response = self.http.request("POST", "/internal/charges", json={
            "order_id": order_id, "amount_cents": amount_cents, "card_number": card.number,
            "exp_month": card.exp_month, "exp_year": card.exp_year, "cvc": card.cvc})
        return Charge(order_id=order_id,
                      status=_expect(self.http, response, 201, 200).json()["status"])

    def get(self, order_id: str) -> Charge | None:
        response = self.http.request("GET", f"/internal/charges/{_segment(order_id)}")
        if response.status_code == 404:
            return None
        return Charge(order_id=order_id,
                      status=_expect(self.http, response, 200).json()["status"])

    def refund(self, order_id: str) -> None:
        response = self.http.request("POST", f"/internal/charges/{_segment(order_id)}/refund")
        if response.status_code == 409:
            raise NotRefundable(order_id)
        _expect(self.http, response, 200)
