"""The check both outbound transports make of a request's headers before sending it.

httpx's own transport refuses a header that HTTP does not allow; the wires beneath ours
(aiohttp, urllib3's http.client) let some through (a NUL in a value, a name that is not a
token), so the transports check first, the same way.
"""

from __future__ import annotations

import re

import httpx

# RFC 9110 5.1 / 5.5: a token for names; no CR, LF or NUL anywhere in a value.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = re.compile(rb"[\r\n\x00]")


def checked_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The request's headers as text, or LocalProtocolError for one that HTTP does not
    allow (the text names the header, never its value: it may be a token)."""
    checked = []
    for name, value in raw:
        if not _TOKEN.fullmatch(name) or _FORBIDDEN_IN_VALUE.search(value):
            raise httpx.LocalProtocolError(f"Illegal header {name[:64]!r}")
        checked.append((name.decode("latin-1"), value.decode("latin-1")))
    return checked
