"""The id of the request being served, visible to logs and outbound calls."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def accept_request_id(offered: str | None) -> str:
    """Keep the caller's id when it is sane (1-128 of ``[A-Za-z0-9._-]``), else mint one."""
    if offered is not None and _SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()
