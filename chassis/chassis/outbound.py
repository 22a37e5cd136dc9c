"""Calls to another service: a timeout on every call, bounded jittered retries for
idempotent methods only, and a circuit breaker per downstream.

Whatever goes wrong on the way (refused, timed out, 5xx after the retries, the
breaker open) surfaces as :class:`chassis.problems.Unavailable`, so a caller
answers 503 for the routes that need that downstream and nothing else. The
request id of the request being served travels along as ``X-Request-ID``.

Only the downstream's own failures count against its breaker. A request that
cannot even be built or sent as given (a header value HTTP does not allow, a
URL that does not parse) says nothing about the downstream: it is neither
retried nor counted, it is logged, and it surfaces as :class:`UnsendableRequest`.

Requests and responses are httpx's, and so are the transports (``MockTransport`` in
tests), but a call goes straight to the transport, not through ``httpx.Client``:
a call between services needs none of what the client adds on the way (a cookie jar
filled from every answer, redirects, auth flows, proxies from the environment, a
base URL parsed again on every call), and that way cost about 0.1 ms of CPU a call,
a sixth of the gateway's work on a proxied read (docs/performance.md, "The outbound
call without httpx's client").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from chassis import trace_context
from chassis.breaker import CircuitBreaker, CircuitOpen
from chassis.outbound_metrics import AsyncMeteredTransport, MeteredTransport
from chassis.problems import PROBLEM_CONTENT_TYPE, Unavailable
from chassis.request_context import REQUEST_ID_HEADER, current_request_id
from chassis.settings import INTERNAL_TOKEN_HEADER

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
# Raised on our side of the connection, about the request itself, before the downstream
# could answer: the caller's input (or a bug), never the downstream's failure.
LOCAL_ERRORS = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL,
                UnicodeEncodeError)

log = logging.getLogger("outbound")


# Values as bytes pass a caller's header on as it came (str values must be ASCII).
Headers = Mapping[str, str | bytes]


class UnsendableRequest(Exception):
    """The request could not be built or sent as given; the downstream was not at fault."""


class _RetryableResponse(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"{response.status_code} from downstream")
        self.response = response


class _Base:
    def __init__(self, name: str, base_url: str, *, timeout: float, internal_token: str | None,
                 retries: int, breaker_failures: int, breaker_reset_seconds: float) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.internal_token = internal_token
        self.retries = retries
        self._breaker_settings = {"failure_threshold": breaker_failures,
                                  "reset_seconds": breaker_reset_seconds}
        self._breakers: dict[str | None, CircuitBreaker] = {}
        self._policies: dict[str, dict[str, Any]] = {}
        self._timeouts: dict[float, dict[str, float]] = {}
        self.breaker = self.breaker_for(None)

    def breaker_for(self, key: str | None) -> CircuitBreaker:
        """The breaker of one kind of call (``"POST /api/orders"``), or of the whole
        downstream (``None``): a slow route then trips its own breaker, not its neighbours'."""
        breaker = self._breakers.get(key)
        if breaker is None:
            label = self.name if key is None else f"{self.name} {key}"
            breaker = self._breakers.setdefault(
                key, CircuitBreaker(label, **self._breaker_settings))  # type: ignore[arg-type]
        return breaker

    def _headers(self, extra: Headers | None) -> dict[str, str | bytes]:
        headers: dict[str, str | bytes] = dict(extra or {})
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        if self.internal_token:
            headers[INTERNAL_TOKEN_HEADER] = self.internal_token
        trace_context.inject(headers)
        return headers

    def _request(self, method: str, path: str, *, headers: Headers | None,
                 timeout: float | None = None, **body_and_query: Any) -> httpx.Request:
        """One attempt's request: ``path`` (with its query, as sent) under the base URL,
        ``json``/``content`` and ``params`` as httpx takes them, and the per-phase
        timeouts httpx's transports read from the request (``timeout`` seconds, else
        the client's)."""
        seconds = self.timeout if timeout is None else timeout
        parts = self._timeouts.get(seconds)
        if parts is None:
            parts = self._timeouts.setdefault(seconds, httpx.Timeout(seconds).as_dict())
        return httpx.Request(method, f"{self.base_url}/{path.lstrip('/')}",
                             headers=self._headers(headers), extensions={"timeout": parts},
                             **body_and_query)

    def _retry_policy(self, method: str) -> dict[str, Any]:
        """Made once per method (tenacity's stop, wait and retry objects hold no state of a
        call), not on every call."""
        method = method.upper()
        policy = self._policies.get(method)
        if policy is None:
            attempts = self.retries + 1 if method in IDEMPOTENT_METHODS else 1
            policy = self._policies.setdefault(method, {
                "stop": stop_after_attempt(attempts),
                "wait": wait_random_exponential(multiplier=0.05, max=0.5),
                "retry": retry_if_exception_type((httpx.TransportError, _RetryableResponse)),
                "reraise": True,
            })
        return policy

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code in RETRYABLE_STATUSES:
            raise _RetryableResponse(response)
        return response

    def _unsendable(self, method: str, path: str, exc: Exception) -> UnsendableRequest:
        # The error's own text can quote a header value (a token): only its kind is logged.
        reason = type(exc).__name__
        log.warning("request to %s not sent: %s", self.name, reason,
                    extra={"upstream": self.name, "method": method, "path": path[:200]})
        return UnsendableRequest(f"The request to {self.name} cannot be sent ({reason}).")

    def _unavailable(self, exc: Exception) -> Unavailable:
        if isinstance(exc, CircuitOpen):
            return Unavailable(f"The {self.name} service is unavailable (circuit open).")
        if isinstance(exc, httpx.TimeoutException):
            return Unavailable(f"The {self.name} service did not answer in time.")
        return Unavailable(f"The {self.name} service is unavailable.")


class OwnProblemsFinal:
    """Mixed into a client (before it, ``class C(OwnProblemsFinal, ServiceClient)``) whose
    downstream answers a 503 problem of its own when something behind it is down. That
    service is up and its answer is final: relayed as it is, neither retried (each retry
    would ask the struggling dependency again) nor counted against its breaker (one
    route's missing dependency must not close the door on the service's other routes)."""

    def _check(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 503 and response.headers.get(
                "content-type", "").startswith(PROBLEM_CONTENT_TYPE):
            return response
        return super()._check(response)  # type: ignore[misc]


class ServiceClient(_Base):
    """A pooled, synchronous client for one downstream (for the Flask services)."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 2.0,
                 internal_token: str | None = None,
                 transport: httpx.BaseTransport | None = None, retries: int = 2,
                 breaker_failures: int = 5, breaker_reset_seconds: float = 10.0) -> None:
        super().__init__(name, base_url, timeout=timeout, internal_token=internal_token,
                         retries=retries, breaker_failures=breaker_failures,
                         breaker_reset_seconds=breaker_reset_seconds)
        self._transport = MeteredTransport(name, transport)

    def request(self, method: str, path: str, *, json: Any = None,
                headers: Headers | None = None,
                params: Mapping[str, Any] | None = None,
                breaker_key: str | None = None) -> httpx.Response:
        breaker = self.breaker_for(breaker_key)
        try:
            for attempt in Retrying(**self._retry_policy(method)):
                with attempt:
                    return self._once(breaker, method, path, json=json, headers=headers,
                                      params=params)
        except (httpx.TransportError, _RetryableResponse, CircuitOpen) as exc:
            raise self._unavailable(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, breaker: CircuitBreaker, method: str, path: str,
              **kwargs: Any) -> httpx.Response:
        breaker.before_call()
        try:
            response = self._check(self._send(self._request(method, path, **kwargs)))
        except LOCAL_ERRORS as exc:
            breaker.record_abandoned()
            raise self._unsendable(method, path, exc) from exc
        except (httpx.TransportError, _RetryableResponse):
            breaker.record_failure()
            raise
        except BaseException:
            breaker.record_abandoned()
            raise
        breaker.record_success()
        return response

    def _send(self, request: httpx.Request) -> httpx.Response:
        """The answer, read whole (the connection goes back to the pool)."""
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        except BaseException:
            response.close()
            raise
        return response

    def close(self) -> None:
        self._transport.close()


class AsyncServiceClient(_Base):
    """A pooled, asynchronous client for one downstream (for the gateway and FastAPI services)."""

    def __init__(self, name: str, base_url: str, *, timeout: float = 2.0,
                 internal_token: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, retries: int = 2,
                 breaker_failures: int = 5, breaker_reset_seconds: float = 10.0,
                 max_connections: int = 100) -> None:
        super().__init__(name, base_url, timeout=timeout, internal_token=internal_token,
                         retries=retries, breaker_failures=breaker_failures,
                         breaker_reset_seconds=breaker_reset_seconds)
        self._transport = AsyncMeteredTransport(name, transport, max_connections)

    async def request(self, method: str, path: str, *, json: Any = None,
                      content: bytes | None = None,
                      headers: Headers | None = None,
                      params: Any = None, breaker_key: str | None = None,
                      timeout: float | None = None) -> httpx.Response:
        """``timeout`` (seconds, per attempt) overrides the client's for this call."""
        breaker = self.breaker_for(breaker_key)
        try:
            async for attempt in AsyncRetrying(**self._retry_policy(method)):
                with attempt:
                    return await self._once(breaker, method, path, json=json, content=content,
                                            headers=headers, params=params, timeout=timeout)
        except (httpx.TransportError, _RetryableResponse, CircuitOpen) as exc:
            raise self._unavailable(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, breaker: CircuitBreaker, method: str, path: str,
                    **kwargs: Any) -> httpx.Response:
        breaker.before_call()
        try:
            response = self._check(await self._send(self._request(method, path, **kwargs)))
        except LOCAL_ERRORS as exc:
            breaker.record_abandoned()
            raise self._unsendable(method, path, exc) from exc
        except (httpx.TransportError, _RetryableResponse):
            breaker.record_failure()
            raise
        except BaseException:
            # Cancelled (a caller's deadline) or a bug: no verdict on the downstream,
            # but a half-open probe must not stay "in flight" for ever.
            breaker.record_abandoned()
            raise
        breaker.record_success()
        return response

    async def _send(self, request: httpx.Request) -> httpx.Response:
        """The answer, read whole (the connection goes back to the pool)."""
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()
