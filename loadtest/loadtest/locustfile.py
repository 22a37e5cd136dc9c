"""The shopper, as a locust ``FastHttpUser``: ``locust -f loadtest/locustfile.py -H URL``.

Configured by environment variables (``python -m loadtest run`` sets them):

    LOADTEST_MIX        default | browse | checkout (see loadtest.mixes)
    LOADTEST_MODE       closed: N users, each starts its next action when the last one
                        ended (no think time); open: actions arrive at LOADTEST_RATE per
                        second whatever the answers' speed
    LOADTEST_RATE       open mode: arrivals per second
    LOADTEST_USERS      how many users locust starts (-u); the window waits for all of them
    LOADTEST_DURATION   seconds measured, after every user is ready and LOADTEST_SETTLE more
    LOADTEST_DATA       a fixture file from loadtest.fixture; without it the run makes its
                        own data first (ADMIN_EMAIL and ADMIN_PASSWORD sign the admin in)
    LOADTEST_OUTPUT     where the recorder's JSON goes (loadtest.recorder)
    LOADTEST_READY_FILE touched when the measured window starts

Open mode, honestly: locust users are a closed loop by nature, and pacing them
(``constant_throughput``) slows the arrivals down whenever the shop does, which
hides exactly the queueing that matters. Here one dispatcher puts an arrival
ticket on a queue at fixed times; a pool of users takes tickets and runs one
action each. A request's latency is counted from its ticket's *scheduled*
time, so waiting for a free user counts against the shop too, and arrivals
still unserved when the window closes are reported.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

import gevent
from gevent.queue import Empty, Queue
from locust import FastHttpUser, constant, events, task

from loadtest import fixture, mixes
from loadtest.recorder import Recorder

MIX = mixes.mix(os.environ.get("LOADTEST_MIX", "default"))
MODE = os.environ.get("LOADTEST_MODE", "closed")
RATE = float(os.environ.get("LOADTEST_RATE", "0"))
USERS = int(os.environ.get("LOADTEST_USERS", "1"))
DURATION = float(os.environ.get("LOADTEST_DURATION", "30"))
SETTLE = float(os.environ.get("LOADTEST_SETTLE", "1"))
OUTPUT = Path(os.environ.get("LOADTEST_OUTPUT", "loadtest-result.json"))
READY_FILE = os.environ.get("LOADTEST_READY_FILE")
if MODE not in ("closed", "open") or (MODE == "open" and RATE <= 0):
    raise SystemExit("LOADTEST_MODE is closed or open; open needs LOADTEST_RATE > 0")

APPROVED_CARD, DECLINED_CARD, ADDRESS = mixes.APPROVED_CARD, mixes.DECLINED_CARD, mixes.ADDRESS

recorder = Recorder()
tickets: Queue[float] = Queue()
state: dict[str, Any] = {"data": None, "ready": 0, "next_shopper": 0}


def _settings() -> dict[str, Any]:
    return {"mix": os.environ.get("LOADTEST_MIX", "default"), "mode": MODE, "rate": RATE,
            "users": USERS, "duration_s": DURATION, "settle_s": SETTLE}


@events.request.add_listener
def _on_request(name: str, response_time: float, response: Any, exception: Any,
                context: dict[str, Any], **_: Any) -> None:
    status = int(getattr(response, "status_code", 0) or 0)
    failure = None if exception is None else f"{status} {exception!r}"
    recorder.record(name, response_time + float(context.get("lag_ms", 0.0)), status, failure)


@events.test_start.add_listener
def _on_test_start(environment: Any, **_: Any) -> None:
    data_file = os.environ.get("LOADTEST_DATA")
    if data_file:
        state["data"] = fixture.read(Path(data_file))
    else:
        state["data"] = fixture.prepare(
            environment.host, os.environ.get("ADMIN_EMAIL", "admin@example.com"),
            os.environ.get("ADMIN_PASSWORD", "admin-dev-password"), shoppers=USERS)
    gevent.spawn(_control, environment)


def _control(environment: Any) -> None:
    """Wait for every user, settle, measure for DURATION (dispatching arrivals in open
    mode), write the record, stop locust."""
    deadline = time.time() + 120
    while state["ready"] < USERS and time.time() < deadline:
        gevent.sleep(0.05)
    gevent.sleep(SETTLE)
    recorder.window_start = time.time()
    if READY_FILE:
        Path(READY_FILE).write_text(str(recorder.window_start))
    end = recorder.window_start + DURATION
    if MODE == "open":
        interval = 1.0 / RATE
        while True:
            due = recorder.window_start + recorder.scheduled * interval
            if due >= end:
                break
            if due > time.time():
                gevent.sleep(due - time.time())
            tickets.put(due)
            recorder.scheduled += 1
    else:
        gevent.sleep(max(0.0, end - time.time()))
    recorder.window_end = end
    _write()
    environment.runner.quit()


@events.quitting.add_listener
def _on_quitting(**_: Any) -> None:
    if recorder.window_end is None:  # stopped before the window closed: say so
        _write()


def _write() -> None:
    recorder.write(OUTPUT, _settings())


class Shopper(FastHttpUser):
    """One signed-in shopper running the mix's actions, one at a time."""

    wait_time = constant(0)
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        while state["data"] is None:
            gevent.sleep(0.05)
        data = state["data"]
        shopper = data["shoppers"][state["next_shopper"] % len(data["shoppers"])]
        state["next_shopper"] += 1
        self.auth = {"Authorization": f"Bearer {shopper['token']}"}
        self.data = data
        self.confirmed: list[str] = []
        self.lag_ms = 0.0
        self.actions = list(MIX)
        self.weights = [MIX[name] for name in self.actions]
        state["ready"] += 1

    def context(self) -> dict[str, Any]:
        """The ticket's lag goes on the first request of an action only."""
        lag, self.lag_ms = self.lag_ms, 0.0
        return {"lag_ms": lag}

    @task
    def act(self) -> None:
        if MODE == "open":
            try:
                due = tickets.get(timeout=1.0)
            except Empty:
                return
            self.lag_ms = max(0.0, (time.time() - due) * 1000.0)
            recorder.arrival_served(self.lag_ms)
        action = random.choices(self.actions, self.weights)[0]
        getattr(self, action)()

    # The actions: each counts its requests under the route in mixes.ROUTES.

    def _call(self, method: str, action: str, path: str, **kwargs: Any) -> Any:
        route = mixes.ROUTES[action]
        with self.client.request(method, path, name=route, catch_response=True,
                                 **kwargs) as response:
            if mixes.expected(route, response.status_code):
                response.success()
            else:
                response.failure(f"{response.status_code} {(response.text or '')[:200]}")
            return response

    def browse(self) -> None:
        params: dict[str, Any] = {"page": random.randint(1, 3), "page_size": 20}
        if self.data["categories"] and random.random() < 0.5:
            params = {"category": random.choice(self.data["categories"]), "page_size": 20}
        self._call("GET", "browse", "/api/products", params=params)

    def product(self) -> None:
        self._call("GET", "product", f"/api/products/{random.choice(self.data['product_ids'])}")

    def search(self) -> None:
        self._call("GET", "search", "/api/products",
                   params={"q": random.choice(self.data["search_words"]), "page_size": 20})

    def categories(self) -> None:
        self._call("GET", "categories", "/api/categories")

    def cart_view(self) -> None:
        self._call("GET", "cart_view", "/api/cart", headers=self.auth)

    def cart_set(self) -> None:
        product = random.choice(self.data["checkout_products"])
        self._call("PUT", "cart_set", f"/api/cart/items/{product}", headers=self.auth,
                   json={"quantity": random.randint(1, 3)})

    def checkout(self) -> None:
        product = random.choice(self.data["checkout_products"])
        self._call("PUT", "cart_set", f"/api/cart/items/{product}", headers=self.auth,
                   json={"quantity": 1})
        card = DECLINED_CARD if random.random() < mixes.DECLINED_SHARE else APPROVED_CARD
        body = {"payment": {"card_number": card, "exp_month": 12,
                            "exp_year": time.gmtime().tm_year + 2, "cvc": "123"},
                "shipping_address": ADDRESS}
        response = self._call("POST", "checkout", "/api/orders", json=body,
                              headers={**self.auth, "Idempotency-Key": uuid.uuid4().hex})
        if response.status_code == 201:
            self.confirmed.append(response.json()["id"])

    def orders(self) -> None:
        self._call("GET", "orders", "/api/orders", headers=self.auth, params={"page_size": 10})

    def cancel(self) -> None:
        if not self.confirmed:
            return self.orders()
        self._call("POST", "cancel", f"/api/orders/{self.confirmed.pop()}/cancel",
                   headers=self.auth)
