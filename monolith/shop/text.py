"""Text the database can hold: PostgreSQL refuses NUL characters in strings.

Bodies with NUL in a string are a 422 like any other invalid field; path ids
with NUL never match a route (a 404), as no stored id can contain one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from werkzeug.routing import BaseConverter

NUL = "\x00"


def reject_nul(value: str) -> str:
    if NUL in value:
        raise ValueError("must not contain NUL characters")
    return value


PlainText = Annotated[str, AfterValidator(reject_nul)]
"""A string field of a request; constraints such as ``Field(max_length=...)`` add to it."""


class IdConverter(BaseConverter):
    """The default path converter: one path segment, without NUL characters."""

    regex = "[^/\x00]+"
