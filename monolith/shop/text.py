"""Path ids the database can hold: PostgreSQL refuses NUL characters in strings.

Bodies with NUL in a string are a 422 (``chassis.validation.PlainText``); path
ids with NUL never match a route (a 404), as no stored id can contain one.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class IdConverter(BaseConverter):
    """The default path converter: one path segment, without NUL characters."""

    regex = "[^/\x00]+"
