"""W3C trace context without spans: what the apps do when no traces are exported.

With no collector to send spans to, the instrumentations' per-request work
(attributes, span objects, timers) buys nothing, yet the trace id must still be
honoured, carried on and logged. So then each request only takes the caller's
``traceparent`` (or starts a trace of its own) as its current context, with the
official W3C propagator, and every outbound call carries it on (chassis.outbound).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags


def enter(headers: Mapping[str, str]) -> object:
    """Make the caller's trace (or a new one) current; returns the token for :func:`leave`."""
    parent = trace.get_current_span(propagate.extract(headers)).get_span_context()
    trace_id = parent.trace_id if parent.is_valid else random.getrandbits(128) or 1
    flags = parent.trace_flags if parent.is_valid else TraceFlags(TraceFlags.DEFAULT)
    here = SpanContext(trace_id, random.getrandbits(64) or 1, is_remote=False,
                       trace_flags=flags)
    return context.attach(trace.set_span_in_context(NonRecordingSpan(here)))


def leave(token: object) -> None:
    context.detach(token)  # type: ignore[arg-type]


def inject(headers: dict[str, str]) -> None:
    """Add the current trace's ``traceparent`` to an outbound call's headers (a no-op
    where the httpx instrumentation adds it itself: it sets the header again)."""
    propagate.inject(headers)
