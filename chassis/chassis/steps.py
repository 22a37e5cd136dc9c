"""Checkout steps, timed and traced under the same names in both shops.

    with checkout_step("charge") as step:
        charge = payments.charge(...)
        if not charge.captured:
            step.outcome = "declined"

Each step is a span ``checkout <step>`` (under the request's server span, over
the store and HTTP calls it makes) and a sample of
``checkout_step_duration_seconds{step, outcome}``. The outcome is ``ok``, what
the code sets, or the name of the exception that ended the step, in snake case
(``OutOfStock`` -> ``out_of_stock``). :func:`checkout_finished` counts whole
checkouts in ``checkouts_total{outcome}`` the same way.

Steps of the saga (orders) and of the monolith's transaction that do the same
work carry the same name: price_cart, reserve_stock, record_order, charge,
confirm, clear_cart; the saga's compensations are release_stock and mark_failed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from opentelemetry import trace

from chassis.metrics import CHECKOUT_STEP_SECONDS, CHECKOUTS

_tracer = trace.get_tracer("chassis.steps")
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def outcome_of(exc: BaseException) -> str:
    return _CAMEL.sub("_", type(exc).__name__).lower()


@dataclass
class Step:
    name: str
    outcome: str = "ok"


@contextmanager
def checkout_step(name: str) -> Iterator[Step]:
    step = Step(name)
    started = time.perf_counter()
    with _tracer.start_as_current_span(f"checkout {name}") as span:
        try:
            yield step
        except BaseException as exc:
            step.outcome = outcome_of(exc)
            raise
        finally:
            span.set_attribute("checkout.outcome", step.outcome)
            CHECKOUT_STEP_SECONDS.labels(name, step.outcome).observe(
                time.perf_counter() - started)


def checkout_finished(outcome: str | BaseException) -> None:
    """Count one checkout: ``confirmed``, or the exception that ended it."""
    CHECKOUTS.labels(outcome if isinstance(outcome, str) else outcome_of(outcome)).inc()
