from __future__ import annotations

import asyncio

import httpx
import pytest
from chassis.breaker import CircuitBreaker, CircuitOpen
from chassis.outbound import AsyncServiceClient, ServiceClient, UnsendableRequest
from chassis.problems import Unavailable
from chassis.request_context import request_id_var


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_repeated_failures_then_lets_one_probe_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=2, reset_seconds=5, clock=clock)
    breaker.record_failure()
    breaker.before_call()
    breaker.record_failure()
    with pytest.raises(CircuitOpen):
        breaker.before_call()
    clock.now = 5
    breaker.before_call()  # the probe
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one probe at a time
    breaker.record_success()
    assert breaker.state == "closed"


def test_a_failed_probe_opens_the_breaker_again() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("x", failure_threshold=1, reset_seconds=5, clock=clock)
    breaker.record_failure()
    clock.now = 6
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state == "open"


def test_idempotent_calls_are_retried_and_posts_are_not() -> None:
    attempts: dict[str, int] = {"GET": 0, "POST": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts[request.method] += 1
        return httpx.Response(503)

    client = ServiceClient("flaky", "http://svc", transport=httpx.MockTransport(flaky),
                           retries=2, breaker_failures=100)
    for method in ("GET", "POST"):
        with pytest.raises(Unavailable):
            client.request(method, "/x")
    assert attempts == {"GET": 3, "POST": 1}


def test_a_client_error_is_returned_not_retried_and_does_not_trip_the_breaker() -> None:
    client = ServiceClient("svc", "http://svc", breaker_failures=1,
                           transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    assert client.request("GET", "/x").status_code == 404
    assert client.request("GET", "/x").status_code == 404
    assert client.breaker.state == "closed"


def test_the_request_id_and_internal_token_travel_with_each_call() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = ServiceClient("svc", "http://svc", internal_token="secret",
                           transport=httpx.MockTransport(record))
    token = request_id_var.set("req-42")
    try:
        client.request("GET", "/x")
    finally:
        request_id_var.reset(token)
    assert seen[0].headers["X-Request-ID"] == "req-42"
    assert seen[0].headers["X-Internal-Token"] == "secret"


def test_the_async_client_answers_unavailable_fast_once_the_breaker_is_open() -> None:
    calls = 0

    def down(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("refused", request=request)

    async def scenario() -> None:
        client = AsyncServiceClient("down", "http://svc", transport=httpx.MockTransport(down),
                                    retries=0, breaker_failures=2)
        for _ in range(5):
            with pytest.raises(Unavailable):
                await client.request("GET", "/x")
        await client.aclose()

    asyncio.run(scenario())
    assert calls == 2


def test_a_cancelled_probe_does_not_leave_the_breaker_open_for_ever() -> None:
    clock = FakeClock()

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)

    async def scenario() -> None:
        client = AsyncServiceClient("slow", "http://svc", transport=httpx.MockTransport(hang),
                                    retries=0, breaker_failures=1, breaker_reset_seconds=5)
        client.breaker._clock = clock
        client.breaker.record_failure()
        clock.now = 5
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.request("GET", "/x"), 0.05)
        client.breaker.before_call()  # a new probe is let through
        await client.aclose()

    asyncio.run(scenario())


def test_a_failing_kind_of_call_trips_its_own_breaker_and_not_its_neighbours() -> None:
    def slow_checkout(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200)

    client = ServiceClient("orders", "http://svc", transport=httpx.MockTransport(slow_checkout),
                           retries=0, breaker_failures=2)
    for _ in range(3):
        with pytest.raises(Unavailable):
            client.request("POST", "/api/orders", breaker_key="POST /api/orders")
    assert client.breaker_for("POST /api/orders").state == "open"
    assert client.request("GET", "/api/orders", breaker_key="GET /api/orders").status_code == 200


def _refusing_to_send(calls: list[httpx.Request]) -> httpx.MockTransport:
    """A transport that fails the way h11 does on a header value HTTP does not allow."""
    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.LocalProtocolError("Illegal header value b'Bearer x '")
    return httpx.MockTransport(handle)


def test_a_request_that_cannot_be_sent_is_not_retried_and_does_not_trip_the_breaker(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[httpx.Request] = []
    client = ServiceClient("users", "http://svc", transport=_refusing_to_send(calls),
                           retries=2, breaker_failures=2)

    for _ in range(5):
        with pytest.raises(UnsendableRequest):
            client.request("GET", "/x")

    assert len(calls) == 5  # once each, no retries
    assert client.breaker.state == "closed"
    assert "request to users not sent: LocalProtocolError" in caplog.text
    assert "Bearer" not in caplog.text  # the refused value may be a token


def test_the_async_client_does_not_count_an_unsendable_request_against_the_service() -> None:
    calls: list[httpx.Request] = []

    async def scenario() -> None:
        client = AsyncServiceClient("catalog", "http://svc", transport=_refusing_to_send(calls),
                                    retries=2, breaker_failures=1)
        for _ in range(3):
            with pytest.raises(UnsendableRequest):
                await client.request("GET", "/x", breaker_key="GET /api/products")
        assert client.breaker_for("GET /api/products").state == "closed"
        await client.aclose()

    asyncio.run(scenario())
    assert len(calls) == 3


def test_a_non_ascii_header_given_as_str_is_unsendable_not_a_crash() -> None:
    client = ServiceClient("users", "http://svc",
                           transport=httpx.MockTransport(lambda r: httpx.Response(200)))

    with pytest.raises(UnsendableRequest):
        client.request("GET", "/x", headers={"authorization": "Bearer \xe9"})
    assert client.breaker.state == "closed"


def test_calls_go_under_the_base_url_with_their_timeout_and_carry_no_cookies() -> None:
    """A cookie one answer sets never travels on a later call (the clients keep no jar:
    a gateway's client serves every user), and each call names its target and
    its per-phase timeouts as httpx's own transports read them."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"set-cookie": "session=someone-else"},
                              json={"n": len(seen)})

    sync_client = ServiceClient("svc", "http://svc/base/", timeout=1.5,
                                transport=httpx.MockTransport(record))
    assert sync_client.request("GET", "/x?a=%2F").json() == {"n": 1}
    sync_client.request("GET", "y", params={"b": "1"})

    async def scenario() -> None:
        client = AsyncServiceClient("svc", "http://svc", timeout=2.0,
                                    transport=httpx.MockTransport(record))
        first = await client.request("POST", "/z", content=b"{}")
        assert first.json() == {"n": 3} and first.request is seen[2]
        await client.request("GET", "/z", timeout=0.25)
        await client.aclose()

    asyncio.run(scenario())
    assert [str(request.url) for request in seen] == [
        "http://svc/base/x?a=%2F", "http://svc/base/y?b=1", "http://svc/z", "http://svc/z"]
    assert all("cookie" not in request.headers for request in seen)
    assert [request.extensions["timeout"]["read"] for request in seen] == [1.5, 1.5, 2.0, 0.25]
    assert seen[2].content == b"{}"
