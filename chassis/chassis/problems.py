"""RFC 9457 problem details: the one error vocabulary of the public contract.

    Problem                      any error answered as application/problem+json
     ├── BadRequest              400 not valid HTTP, or a header the shop cannot take
     ├── Malformed               400 body is not JSON, or not an object
     ├── ValidationFailed        422 fields missing, mistyped or out of range
     ├── Unauthorized            401 no, expired, tampered or wrongly signed token
     ├── Forbidden               403 signed in, not allowed
     ├── NotFound                404
     ├── MethodNotAllowed        405
     ├── Conflict                409
     ├── OutOfStockProblem       409 with "items"
     ├── PaymentDeclinedProblem  402 with "order_id"
     ├── EmptyCartProblem        422
     ├── IdempotencyKeyReuse     422
     ├── IdempotencyInProgress   409
     ├── ContentTooLarge         413 the body is over the limit
     ├── UriTooLong              414 the request target is over the limit
     ├── HeaderFieldsTooLarge    431 too many header fields, or too large
     ├── RateLimited             429 (with Retry-After)
     ├── Unavailable             503 (with Retry-After)
     └── Internal                500 (the detail names only the request id)

Domain errors stay framework-free in each deployable's ``domain.py``; each app
maps them to a :class:`Problem` with an :data:`ErrorTable`, given once to the
Flask or FastAPI installer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    status: int = 500
    slug: str = "internal"
    title: str = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        slug: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status = status or self.status
        self.slug = slug or self.slug
        self.title = title or self.title
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        return {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }


class BadRequest(Problem):
    status, slug, title = 400, "bad-request", "Bad request"


class Malformed(Problem):
    status, slug, title = 400, "malformed", "Malformed request body"


class ValidationFailed(Problem):
    status, slug, title = 422, "validation", "Validation failed"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        super().__init__(detail or "One or more fields are invalid.", errors=errors)


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Unauthorized"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(Problem):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class OutOfStockProblem(Problem):
    status, slug, title = 409, "out-of-stock", "Out of stock"

    def __init__(self, items: list[dict[str, object]]) -> None:
        super().__init__("Some items are not available in the quantity asked for.", items=items)


class PaymentDeclinedProblem(Problem):
    status, slug, title = 402, "payment-declined", "Payment declined"

    def __init__(self, order_id: str) -> None:
        super().__init__("The card was declined.", order_id=order_id)


class EmptyCartProblem(Problem):
    status, slug, title = 422, "empty-cart", "Empty cart"


class IdempotencyKeyReuse(Problem):
    status, slug, title = 422, "idempotency-key-reuse", "Idempotency key reused"


class IdempotencyInProgress(Problem):
    status, slug, title = 409, "idempotency-in-progress", "Request in progress"


class ContentTooLarge(Problem):
    status, slug, title = 413, "content-too-large", "Content too large"


class UriTooLong(Problem):
    status, slug, title = 414, "uri-too-long", "URI too long"


class HeaderFieldsTooLarge(Problem):
    status, slug, title = 431, "header-fields-too-large", "Request header fields too large"


class RateLimited(Problem):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Unavailable(Problem):
    status, slug, title = 503, "unavailable", "Service unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 1, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, **extra)


class Internal(Problem):
    status, slug, title = 500, "internal", "Internal error"

    def __init__(self, request_id: str | None) -> None:
        super().__init__(f"Internal error; request id {request_id}.")


ErrorTable = Mapping[type[Exception], Callable[[Any], Problem]]
"""Maps a domain exception type to a function that turns an instance into a Problem."""


def problem_for(exc: Exception, table: ErrorTable) -> Problem | None:
    """The Problem for ``exc``: itself if it is one, else the most specific table entry."""
    if isinstance(exc, Problem):
        return exc
    for klass in type(exc).__mro__:
        if klass in table:
            return table[klass](exc)
    return None


def status_problem(status: int) -> Problem:
    """The Problem for a bare HTTP status raised by the framework (404 route, 405 method)."""
    known: dict[int, type[Problem]] = {
        400: Malformed,
        404: NotFound,
        405: MethodNotAllowed,
        409: Conflict,
        413: ContentTooLarge,
        414: UriTooLong,
        431: HeaderFieldsTooLarge,
    }
    klass = known.get(status)
    if klass is not None:
        return klass()
    return Problem(status=status, slug="internal" if status >= 500 else "malformed",
                   title=HTTPStatus(status).phrase)
