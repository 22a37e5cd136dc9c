"""The request bounds (:mod:`chassis.request_limits`) for a Flask app.

Installed after the request context, so the answers carry the request id and
are logged and counted like any other. The body is read before the view runs: a
declared length over the limit is refused unread, a body of undeclared length
(chunked; the server marks it ``wsgi.input_terminated``) is read here and cut
off once it passes the limit (werkzeug's own limited stream would silently
truncate it), and a route that never reads its body still refuses an oversize
one, as the ASGI apps do.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Flask, request

from chassis.problems import BadRequest
from chassis.request_limits import RequestLimits


def _head_fields(environ: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    fields = [(key[5:].encode("latin-1"), str(value).encode("latin-1"))
              for key, value in environ.items() if key.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        value = environ.get(key)
        if value:
            fields.append((key.encode(), str(value).encode("latin-1")))
    return fields


def _target_bytes(environ: dict[str, Any]) -> int:
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if isinstance(raw, str):
        return len(raw.encode("latin-1"))
    query = str(environ.get("QUERY_STRING") or "")
    path = str(environ.get("PATH_INFO") or "")
    return len(path.encode("latin-1")) + (len(query) + 1 if query else 0)


def install_request_limits(app: Flask, limits: RequestLimits) -> None:
    app.config["MAX_CONTENT_LENGTH"] = limits.max_body_bytes

    @app.before_request
    def bound_request() -> None:
        environ = request.environ
        problem = (limits.head_problem(_target_bytes(environ), _head_fields(environ))
                   or limits.declared_length_problem(environ.get("CONTENT_LENGTH") or None))
        if problem is not None:
            raise problem
        _read_undeclared_body(environ, limits)
        request.get_data(cache=True)


def _read_undeclared_body(environ: dict[str, Any], limits: RequestLimits) -> None:
    """Read a body of undeclared length now, at most one byte past the limit, and hand it
    on as one of declared length; past the limit it is a 413."""
    if environ.get("CONTENT_LENGTH") or not environ.get("wsgi.input_terminated"):
        return
    stream, data = environ["wsgi.input"], bytearray()
    while len(data) <= limits.max_body_bytes:
        try:
            chunk = stream.read(min(64 * 1024, limits.max_body_bytes + 1 - len(data)))
        except Exception as exc:  # the server's framing errors share no base class
            # Reading the client's own bytes failed (a bad chunk size, a cut connection):
            # the client's doing, not a bug of ours.
            raise BadRequest("The request body is not validly framed.") from exc
        if not chunk:
            break
        data += chunk
    if len(data) > limits.max_body_bytes:
        raise limits.too_large()
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    del environ["wsgi.input_terminated"]
    environ.pop("HTTP_TRANSFER_ENCODING", None)  # else werkzeug ignores the length
