"""A circuit breaker per downstream, shared by the sync and the async client.

    closed ──(failure_threshold consecutive failures)──▶ open
    open ──(reset_seconds pass)──▶ half-open: one probe call is let through
    half-open ──probe succeeds──▶ closed;  probe fails ──▶ open again

Written here rather than taken from pybreaker, whose ``call`` holds its lock
for the whole downstream call (serialising every thread of a Flask worker),
while purgatory is built around a message bus far larger than this state machine.
The lock below guards only the state, never a call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from chassis.metrics import BREAKER_OPEN, BREAKER_TRANSITIONS


class CircuitOpen(Exception):
    """The breaker is open: the call was not made."""


class CircuitBreaker:
    def __init__(self, name: str, *, failure_threshold: int = 5, reset_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False
        _exported(name)

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._probe_due() else "open"

    def before_call(self) -> None:
        """Raise :class:`CircuitOpen` unless a call may go through now."""
        with self._lock:
            if self._opened_at is None:
                return
            if self._probe_due() and not self._probe_in_flight:
                self._probe_in_flight = True
                _entered(self.name, "half-open")
                return
            raise CircuitOpen(self.name)

    def record_success(self) -> None:
        with self._lock:
            if self._opened_at is not None:
                _entered(self.name, "closed")
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probe_in_flight or self._failures >= self.failure_threshold:
                if self._opened_at is None or self._probe_in_flight:
                    _entered(self.name, "open")
                self._opened_at = self._clock()
            self._probe_in_flight = False

    def record_abandoned(self) -> None:
        """A call ended without a verdict (cancelled): let the next call probe instead."""
        with self._lock:
            self._probe_in_flight = False

    def _probe_due(self) -> bool:
        assert self._opened_at is not None
        return self._clock() - self._opened_at >= self.reset_seconds


STATES = ("closed", "open", "half-open")


def _exported(breaker: str) -> None:
    """The breaker's series, at zero, from its first moment: a dashboard sees it closed."""
    for state in STATES:
        BREAKER_TRANSITIONS.labels(breaker, state)
    BREAKER_OPEN.labels(breaker).set(0)


def _entered(breaker: str, state: str) -> None:
    """Count a state change (chassis.metrics); ``circuit_breaker_open`` follows it."""
    BREAKER_TRANSITIONS.labels(breaker, state).inc()
    BREAKER_OPEN.labels(breaker).set(0 if state == "closed" else 1)
