"""The uvicorn worker for gunicorn, answering uvicorn's own 400 as problem+json.

    worker_class = problem_worker(served_by="gateway")   # in a gunicorn.conf.py

uvicorn refuses a request it cannot parse with a text/plain 400 written by its
HTTP protocol class; uvicorn lets the protocol class be chosen, so the worker
runs a subclass of the one uvicorn would pick (httptools where installed, else
h11) whose 400 is the contract's problem (see :mod:`chassis.server_errors`).
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn_worker import UvicornWorker

from chassis.server_errors import problem_response_bytes


def _problem_protocol(base: type[asyncio.Protocol], served_by: str) -> type[asyncio.Protocol]:
    def send_400_response(self: Any, msg: str) -> None:
        self.transport.write(problem_response_bytes(400, served_by, msg))
        self.transport.close()

    return type(f"Problem{base.__name__}", (base,), {"send_400_response": send_400_response})


def _uvicorn_default_protocol() -> type[asyncio.Protocol]:
    """The protocol uvicorn's ``http="auto"`` picks."""
    if importlib.util.find_spec("httptools") is not None:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    return H11Protocol


def problem_worker(*, served_by: str) -> type[UvicornWorker]:
    protocol = _problem_protocol(_uvicorn_default_protocol(), served_by)

    class ProblemUvicornWorker(UvicornWorker):
        CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "http": protocol}

    return ProblemUvicornWorker
