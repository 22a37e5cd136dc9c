"""Errors the HTTP servers answer themselves, before any app runs, as problem+json.

gunicorn and uvicorn refuse a request they cannot parse (a broken request line
or header, an oversize head, bad chunked framing) with their own HTML or
plain-text page. These helpers make that answer the contract's: a problem with
a fresh ``X-Request-ID`` and the deployable's ``X-Served-By``, closing the
connection as the servers do.

- gunicorn: :func:`answer_gunicorn_errors_as_problems`, called from a
  ``gunicorn.conf.py``; gunicorn has no setting for its error page, so its one
  writer of them, ``gunicorn.util.write_error``, is replaced.
- uvicorn: :func:`chassis.uvicorn_worker.problem_worker`, a worker class whose
  HTTP protocol answers its 400 this way (uvicorn takes a protocol class).
"""

from __future__ import annotations

import json
import socket
from http import HTTPStatus

from chassis.problems import PROBLEM_CONTENT_TYPE, BadRequest, status_problem
from chassis.request_context import accept_request_id


def problem_response_bytes(status: int, served_by: str, detail: str | None = None, *,
                           reason: str | None = None) -> bytes:
    """A whole HTTP/1.1 response carrying the problem for ``status``."""
    # A server's 400 is about the request as HTTP, not about a JSON body.
    problem = BadRequest() if status == 400 else status_problem(status)
    body = problem.body()
    if detail:
        body["detail"] = detail
    content = json.dumps(body).encode()
    reason = reason or HTTPStatus(status).phrase
    head = (f"HTTP/1.1 {status} {reason}\r\n"
            f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(content)}\r\n"
            f"X-Request-ID: {accept_request_id(None)}\r\n"
            f"X-Served-By: {served_by}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode("latin-1") + content


def answer_gunicorn_errors_as_problems(served_by: str) -> None:
    """Make gunicorn's own error answers (400, 414, 431, ...) problem+json."""
    from gunicorn import util

    def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
        detail = f"{reason}: {mesg}" if mesg else reason
        util.write_nonblock(sock, problem_response_bytes(status_int, served_by, detail,
                                                          reason=reason))

    util.write_error = write_error
