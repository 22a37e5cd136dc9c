"""Readiness: every dependency named by a check must answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from chassis.problems import Unavailable

log = logging.getLogger(__name__)

Check = Callable[[], None]
"""Raises when the dependency does not answer."""
AsyncCheck = Callable[[], Awaitable[None]]

LIVE_BODY = {"status": "ok"}


def _verdict(results: dict[str, str]) -> dict[str, Any]:
    if all(result == "ok" for result in results.values()):
        return {"status": "ok", "checks": results}
    failing = sorted(name for name, result in results.items() if result != "ok")
    raise Unavailable(f"Not ready: {', '.join(failing)}.", checks=results)


def _failure(name: str, exc: BaseException) -> str:
    log.warning("readiness check %s failed: %s", name, exc)
    return f"error: {type(exc).__name__}"


def run_checks(checks: Mapping[str, Check]) -> dict[str, Any]:
    """The readiness body, or :class:`Unavailable` naming the failing checks."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "not ready", never a 500
            results[name] = _failure(name, exc)
    return _verdict(results)


async def run_async_checks(checks: Mapping[str, AsyncCheck]) -> dict[str, Any]:
    """Like :func:`run_checks`, with the checks run concurrently: readiness costs the
    slowest dependency, not the sum of them all."""
    names = list(checks)
    outcomes = await asyncio.gather(*(checks[name]() for name in names), return_exceptions=True)
    results: dict[str, str] = {}
    for name, outcome in zip(names, outcomes, strict=True):
        # any failure means "not ready", never a 500
        results[name] = _failure(name, outcome) if isinstance(outcome, BaseException) else "ok"
    return _verdict(results)
