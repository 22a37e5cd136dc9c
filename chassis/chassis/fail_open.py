"""Failing open on a store that only speeds things up (a cache, a version to check copies
against): a failure is logged, and the store is then left alone for a second, so that one
that is down or slow costs a slow call a second, not one per request. Meanwhile the
caller goes to the source it stands in front of."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)
BACKOFF_SECONDS = 1.0


class FailOpen:
    """Mixed into such a store's client: ``_resting()`` says to go around it, and
    ``_failed(action, exc)`` after a failure logs it and starts the rest."""

    what = "cache"  # named in the log line
    instead = "reads go to its source"

    def __init__(self) -> None:
        self._quiet_until = 0.0

    def _resting(self) -> bool:
        return time.monotonic() < self._quiet_until

    def _failed(self, action: str, exc: BaseException) -> None:
        self._quiet_until = time.monotonic() + BACKOFF_SECONDS
        log.warning("%s %s failed, %s for %.0f s: %r", self.what, action, self.instead,
                    BACKOFF_SECONDS, exc)
