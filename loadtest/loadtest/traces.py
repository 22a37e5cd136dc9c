"""Where a request's time goes, from its trace: one row per hop and per store or HTTP call.

Pure functions over :class:`devstack.otlp.Span` lists (no servers), used by the
traced stage (:mod:`loadtest.stages.traced`):

* :func:`traceparent` makes a sampled W3C ``traceparent`` for one request, so that
  its spans can be picked out of everything the shops send;
* :func:`breakdown` splits one request's trace into labelled parts, each the time
  spent in it and not in its children ("self time"): a hop (a server span: the app's
  own work), a store call (SQL, MongoDB, Redis), an HTTP call (the client span's
  self time: the network and the callee's queueing before its server span starts);
* :func:`aggregate` takes the median of each part over the sampled requests.

Only spans inside the edge's server span count: what the orders relay does later
with the checkout's events is not in the request's time.
"""

from __future__ import annotations

import re
import secrets
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from devstack.otlp import Span, children_of, covered_ns

SQL_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+\"?([A-Za-z_][A-Za-z0-9_]*)", re.I)
# Part kinds, in the order the report stacks them.
KINDS = ("hop", "store", "http")


def traceparent() -> tuple[str, str]:
    """A new trace id and a sampled ``traceparent`` header carrying it."""
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def _sql_label(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else "SQL"
    table = SQL_TABLE.search(statement)
    return f"{verb} {table.group(1)}" if table else verb


def label(span: Span, callee: str | None = None) -> tuple[str, str]:
    """The part ``span`` stands for: (kind, label)."""
    attributes = span.attributes
    system = attributes.get("db.system") or attributes.get("db.system.name")
    if span.kind == "server":
        return "hop", f"{span.service}"
    if system:
        statement = str(attributes.get("db.statement") or attributes.get("db.query.text")
                        or "")
        what = _sql_label(statement) if statement and system not in ("redis", "mongodb") \
            else span.name.split()[0]
        return "store", f"{span.service} → {system} {what}"
    if span.kind == "client":
        return "http", f"{span.service} → {callee or 'HTTP'} (network, queueing)"
    return "hop", f"{span.service}"  # internal spans: the app's own work


def root(spans: list[Span]) -> Span | None:
    """The edge's server span: the earliest server span whose parent is not in the trace."""
    ids = {s.span_id for s in spans}
    roots = [s for s in spans if s.kind == "server" and s.parent_id not in ids]
    return min(roots, key=lambda s: s.start_ns) if roots else None


def breakdown(spans: list[Span]) -> dict[str, Any] | None:
    """One request: its total (the edge's server span) and self time per part, in ms."""
    top = root(spans)
    if top is None:
        return None
    inside = [s for s in spans if s.start_ns >= top.start_ns and s.end_ns <= top.end_ns]
    children = children_of(inside)
    parts: dict[tuple[str, str], float] = defaultdict(float)
    outbox_ms, outbox_writes = 0.0, 0
    for span in inside:
        below = children.get(span.span_id, [])
        callee = next((c.service for c in below if c.kind == "server"), None)
        own = (span.end_ns - span.start_ns - covered_ns(span, below)) / 1e6
        parts[label(span, callee)] += own
        statement = str(span.attributes.get("db.statement") or "")
        if re.match(r"\s*INSERT\s+INTO\s+\"?\w*outbox", statement, re.I):
            outbox_ms += span.duration_ms
            outbox_writes += 1
    return {"total_ms": top.duration_ms, "spans": len(inside),
            "services": sorted({s.service for s in inside}),
            "parts": {f"{kind}|{name}": round(ms, 3) for (kind, name), ms in parts.items()},
            "outbox_ms": round(outbox_ms, 3), "outbox_writes": outbox_writes}


def aggregate(requests: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Medians over requests: of the total, and of each part (0 where a request had none).
    The parts' medians need not add up to the total's median."""
    samples = [r for r in requests if r]
    if not samples:
        return {"requests": 0, "parts": [], "total_ms": None}
    keys = sorted({key for r in samples for key in r["parts"]})
    parts = []
    for key in keys:
        kind, name = key.split("|", 1)
        values = [r["parts"].get(key, 0.0) for r in samples]
        parts.append({"kind": kind, "name": name, "median_ms": round(statistics.median(values), 3),
                      "mean_ms": round(statistics.fmean(values), 3)})
    parts.sort(key=lambda p: (KINDS.index(p["kind"]), -p["median_ms"]))
    writes = [r["outbox_ms"] for r in samples if r["outbox_writes"]]
    return {"requests": len(samples),
            "total_ms": round(statistics.median(r["total_ms"] for r in samples), 3),
            "spans": round(statistics.median(r["spans"] for r in samples), 1),
            "services": sorted({s for r in samples for s in r["services"]}),
            "parts": parts,
            "outbox_ms": round(statistics.median(writes), 3) if writes else None,
            "outbox_writes_per_request": round(statistics.fmean(
                r["outbox_writes"] for r in samples), 2)}


def group_by_trace(spans: Iterable[Span], trace_ids: Iterable[str]) -> dict[str, list[Span]]:
    wanted = set(trace_ids)
    found: dict[str, list[Span]] = {t: [] for t in wanted}
    for span in spans:
        if span.trace_id in wanted:
            found[span.trace_id].append(span)
    return found
