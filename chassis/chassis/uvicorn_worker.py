"""The uvicorn worker for gunicorn, answering uvicorn's own 400 as problem+json.

    worker_class = problem_worker(served_by="gateway")   # in a gunicorn.conf.py

uvicorn refuses a request it cannot parse with a text/plain 400 written by its
HTTP protocol class; uvicorn lets the protocol class be chosen, so the worker
runs a subclass of the one uvicorn would pick (httptools where installed, else
h11) whose 400 is the contract's problem (see :mod:`chassis.server_errors`).

h11 bounds a request head by itself (16 KiB, then its 400); httptools does not
bound it at all, so the subclass of that one answers a head that grows past
``MAX_HEAD_BYTES`` with a 431 problem and closes the connection. Both sit above
the application's own bounds (:mod:`chassis.request_limits`), which answer first.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn_worker import UvicornWorker

from chassis.server_errors import problem_response_bytes

MAX_HEAD_BYTES = 64 * 1024


def _problem_protocol(base: type[asyncio.Protocol], served_by: str) -> type[asyncio.Protocol]:
    def send_400_response(self: Any, msg: str) -> None:
        self.transport.write(problem_response_bytes(400, served_by, msg))
        self.transport.close()

    return type(f"Problem{base.__name__}", (base,), {"send_400_response": send_400_response})


def _bounded_head_protocol(base: type[asyncio.Protocol], served_by: str
                           ) -> type[asyncio.Protocol]:
    """httptools' protocol, counting what arrives while a request's head is still open."""

    class BoundedHead(base):  # type: ignore[misc, valid-type]
        _head_open = False
        _head_bytes = 0

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_open, self._head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self._head_open = False
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if not self._head_open or self.transport.is_closing():
                return
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self.transport.write(problem_response_bytes(
                    431, served_by, f"The request head is over {MAX_HEAD_BYTES} bytes."))
                self.transport.close()

    return _problem_protocol(BoundedHead, served_by)


def problem_protocol(served_by: str) -> type[asyncio.Protocol]:
    """The protocol uvicorn's ``http="auto"`` picks, answering its own errors as problems."""
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return _bounded_head_protocol(HttpToolsProtocol, served_by)
    return _problem_protocol(H11Protocol, served_by)


def problem_worker(*, served_by: str) -> type[UvicornWorker]:
    protocol = problem_protocol(served_by)

    class ProblemUvicornWorker(UvicornWorker):
        CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "http": protocol}

    return ProblemUvicornWorker
