"""The bounds every request must keep, checked the same way by the Flask and the ASGI apps.

The request head (target, header count and sizes) is bounded below the HTTP
server's own limits (see :mod:`chassis.gunicorn_settings`), so that the
application, not the server, answers an oversize head: with problem+json,
``X-Request-ID`` and ``X-Served-By``, identically on both shops. The body is
bounded by ``MAX_BODY_BYTES`` (each deployable's setting): a declared length
over it is refused before a byte is read, a streamed one is cut off as soon as
it passes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chassis.problems import BadRequest, ContentTooLarge, HeaderFieldsTooLarge, Problem, UriTooLong

MAX_BODY_BYTES = 1024 * 1024
# Path and query string as sent; gunicorn's request line limit is set above it.
MAX_TARGET_BYTES = 4096
MAX_HEADER_FIELDS = 60
# One field's name and value, and all fields together.
MAX_HEADER_FIELD_BYTES = 4096
MAX_HEADER_BYTES = 16 * 1024

# Bytes a field value may hold besides visible ASCII and obs-text (RFC 9110 5.5): SP and HTAB.
_CONTROL = frozenset(range(0x20)) - {0x09} | {0x7F}


@dataclass(frozen=True)
class RequestLimits:
    max_body_bytes: int = MAX_BODY_BYTES
    max_target_bytes: int = MAX_TARGET_BYTES
    max_header_fields: int = MAX_HEADER_FIELDS
    max_header_field_bytes: int = MAX_HEADER_FIELD_BYTES
    max_header_bytes: int = MAX_HEADER_BYTES

    def head_problem(self, target_bytes: int,
                     headers: Iterable[tuple[bytes, bytes]]) -> Problem | None:
        """The problem with a request's target and header fields, or None when they are fine."""
        if target_bytes > self.max_target_bytes:
            return UriTooLong(f"The request target is over {self.max_target_bytes} bytes.")
        count = total = 0
        for name, value in headers:
            count += 1
            size = len(name) + len(value)
            total += size
            if (count > self.max_header_fields or size > self.max_header_field_bytes
                    or total > self.max_header_bytes):
                return HeaderFieldsTooLarge(
                    f"At most {self.max_header_fields} header fields of at most "
                    f"{self.max_header_field_bytes} bytes each, "
                    f"{self.max_header_bytes} bytes in all.")
            if _CONTROL.intersection(value):
                return BadRequest("A header value holds a control character.")
        return None

    def declared_length_problem(self, content_length: bytes | str | None) -> Problem | None:
        """A 413 when the declared ``Content-Length`` is over the limit (400 when it is
        not a number at all: servers normally refuse that before the app sees it)."""
        if content_length is None:
            return None
        text = content_length.decode("latin-1") if isinstance(content_length, bytes) \
            else content_length
        if not text.strip().isdigit():
            return BadRequest("The Content-Length header is not a number.")
        if int(text) > self.max_body_bytes:
            return self.too_large()
        return None

    def too_large(self) -> ContentTooLarge:
        return ContentTooLarge(f"The request body is over {self.max_body_bytes} bytes.")
