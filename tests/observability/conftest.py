"""Fixtures of the observability tests: both shops started exactly as ``make run`` starts
them (devstack's ``build_stack("all", ...)``: embedded stores, the same specs), on
ports of their own, with the processes' output kept in a file the tests read.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from devstack.__main__ import build_stack
from devstack.stacks import Stack, StackSettings

APPROVED_CARD = "4242424242424242"


@dataclass(frozen=True)
class Ports:
    monolith: int
    gateway: int
    services: Mapping[str, int]
    mongodb: int
    redis: int


@dataclass(frozen=True)
class RunningStack:
    stack: Stack
    settings: StackSettings
    log_file: Path

    def url(self, name: str) -> str:
        if name == "monolith":
            return self.settings.url(self.settings.monolith_port)
        if name == "gateway":
            return self.settings.url(self.settings.gateway_port)
        return self.settings.url(self.settings.service_ports[name])

    def log_lines(self) -> list[tuple[str, dict[str, Any]]]:
        """Every JSON line the processes wrote, with the process's name."""
        lines = []
        for raw in self.log_file.read_text().splitlines():
            name, _, text = raw.partition(" | ")
            if text.startswith("{"):
                with contextlib.suppress(ValueError):
                    lines.append((name.strip(), json.loads(text)))
        return lines

    def lines_of(self, request_id: str, processes: set[str], timeout: float = 10.0
                 ) -> list[tuple[str, dict[str, Any]]]:
        """The lines logged for ``request_id``, once each of ``processes`` has written one
        (the processes' output reaches the file a moment after they answer)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [(name, line) for name, line in self.log_lines()
                     if line.get("request_id") == request_id]
            if processes <= {name for name, _ in lines} or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)


@contextlib.contextmanager
def running_stack(ports: Ports, extra_env: Mapping[str, str] | None = None
                  ) -> Iterator[RunningStack]:
    with tempfile.TemporaryDirectory(prefix="shop-observability-") as tmp:
        settings = StackSettings(
            data_dir=Path(tmp), monolith_port=ports.monolith, gateway_port=ports.gateway,
            service_ports=dict(ports.services), mongodb_port=ports.mongodb,
            redis_port=ports.redis, extra_env=dict(extra_env or {}))
        log_file = Path(tmp) / "processes.log"
        with open(log_file, "a", buffering=1) as sink, \
                build_stack("all", settings, sink) as stack:
            yield RunningStack(stack, settings, log_file)


class Shopper:
    """One customer of one shop, over its public API."""

    def __init__(self, base_url: str, headers: Callable[[], dict[str, str]] = dict) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        self.extra_headers = headers
        email = f"obs-{uuid.uuid4().hex[:12]}@example.com"
        self.call("POST", "/api/auth/register", 201,
                  json={"email": email, "password": "correct horse", "name": "Obs"})
        token = self.call("POST", "/api/auth/login", 200,
                          json={"email": email, "password": "correct horse"}
                          ).json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> httpx.Response:
        headers = {**self.extra_headers(), **kwargs.pop("headers", {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code == status, (method, path, response.text)
        return response

    def __enter__(self) -> Shopper:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    @staticmethod
    def call_once(base_url: str, path: str, headers: dict[str, str]) -> httpx.Response:
        """One anonymous GET that must answer 200."""
        response = httpx.get(f"{base_url}{path}", headers=headers, timeout=30)
        assert response.status_code == 200, (path, response.text)
        return response

    def first_product(self) -> str:
        return str(self.call("GET", "/api/products", 200, params={"page_size": 1}
                             ).json()["items"][0]["id"])

    def fill_cart(self, product_id: str) -> None:
        self.call("PUT", f"/api/cart/items/{product_id}", 200, json={"quantity": 1})

    def checkout(self, status: int = 201, **kwargs: Any) -> httpx.Response:
        return self.call("POST", "/api/orders", status, headers={
            "Idempotency-Key": uuid.uuid4().hex, **kwargs.pop("headers", {})}, json={
            "payment": {"card_number": APPROVED_CARD, "exp_month": 12, "exp_year": 2030,
                        "cvc": "123"},
            "shipping_address": {"name": "Obs", "line1": "1 Loop Road", "city": "Localhost",
                                 "postal_code": "12345", "country": "GB"}}, **kwargs)
