"""A small OTLP/HTTP trace receiver, and what a trace says about where the time goes.

    with OtlpReceiver(port=14318) as receiver:      # OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url
        ...
        spans = receiver.wait_for_trace(trace_id, services={"gateway", "catalog"})
    print(render_tree(spans))
    for row in time_by_hop(spans): ...

It accepts what the apps' OTLP exporters send (protobuf, optionally gzipped,
to ``/v1/traces``) and keeps every span in memory. The tests use it to follow
one request across processes; a comparison can use :func:`time_by_hop` to
split a request's time into hops (server spans) and store/HTTP calls (client
spans), each with the time spent in it but not in its children.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass(frozen=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    kind: str
    service: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind in {"string_value", "bool_value", "int_value",
                                            "double_value"} else str(value)


def decode(body: bytes) -> list[Span]:
    """The spans of one OTLP ExportTraceServiceRequest."""
    request = ExportTraceServiceRequest.FromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(Span(
                    trace_id=span.trace_id.hex(), span_id=span.span_id.hex(),
                    parent_id=span.parent_span_id.hex() or None, name=span.name,
                    kind=KINDS.get(span.kind, str(span.kind)),
                    service=str(resource.get("service.name", "?")),
                    start_ns=span.start_time_unix_nano, end_ns=span.end_time_unix_nano,
                    attributes={a.key: _value(a.value) for a in span.attributes}))
    return spans


class OtlpReceiver:
    def __init__(self, port: int, host: str = "127.0.0.1", keep: bool = True) -> None:
        """``keep=False``: spans are counted (``received``), not decoded nor kept, for a
        measurement that only needs the apps to export somewhere."""
        self.url = f"http://{host}:{port}"
        self.received_bytes = 0
        self._spans: list[Span] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as a collector answers: an exporter reuses its connection.
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                receiver.received_bytes += len(body)
                if keep:
                    receiver._add(decode(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _add(self, spans: list[Span]) -> None:
        with self._lock:
            self._spans.extend(spans)

    def spans(self, trace_id: str | None = None) -> list[Span]:
        with self._lock:
            return [s for s in self._spans if trace_id is None or s.trace_id == trace_id]

    def wait_for_trace(self, trace_id: str, *, services: Iterable[str], timeout: float = 15.0,
                       settle: float = 1.0) -> list[Span]:
        """The trace's spans once every one of ``services`` has sent some, and nothing new
        came for ``settle`` seconds (or what there is after ``timeout``)."""
        wanted = set(services)
        deadline = time.monotonic() + timeout
        seen, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            spans = self.spans(trace_id)
            if len(spans) != seen:
                seen, quiet_since = len(spans), time.monotonic()
            elif wanted <= {s.service for s in spans} and time.monotonic() - quiet_since > settle:
                return spans
            time.sleep(0.1)
        return self.spans(trace_id)

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def children_of(spans: list[Span]) -> dict[str | None, list[Span]]:
    """Each span id's children (by start), and under None the spans with no parent here."""
    ids = {s.span_id for s in spans}
    children: dict[str | None, list[Span]] = defaultdict(list)
    for span in sorted(spans, key=lambda s: s.start_ns):
        children[span.parent_id if span.parent_id in ids else None].append(span)
    return children


def render_tree(spans: list[Span]) -> str:
    """The trace as an indented tree: offset from the start, duration, service, kind, name."""
    if not spans:
        return "(no spans)"
    children = children_of(spans)
    origin = min(s.start_ns for s in spans)
    lines: list[str] = []

    def walk(span: Span, depth: int) -> None:
        lines.append(f"{(span.start_ns - origin) / 1e6:8.1f} ms {span.duration_ms:8.1f} ms  "
                     f"{'  ' * depth}{span.service} {span.kind} {span.name}")
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for root in children[None]:
        walk(root, 0)
    return "\n".join(lines)


@dataclass(frozen=True)
class HopTime:
    service: str
    kind: str
    name: str
    count: int
    total_ms: float
    self_ms: float


def covered_ns(span: Span, children: list[Span]) -> int:
    """How much of ``span`` its children cover (overlaps counted once)."""
    covered, cursor = 0, span.start_ns
    for child in sorted(children, key=lambda c: c.start_ns):
        start, end = max(child.start_ns, cursor), min(child.end_ns, span.end_ns)
        if end > start:
            covered += end - start
            cursor = end
    return covered


def time_by_hop(spans: list[Span]) -> list[HopTime]:
    """Time per (service, kind, span name), largest self time first: ``total_ms`` is the
    spans' own durations, ``self_ms`` the part no child span covers (for a client span
    of an HTTP call: the network and the other side's queueing; for a server span: the
    app's own work)."""
    children = children_of(spans)
    rows: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for span in spans:
        row = rows[(span.service, span.kind, span.name)]
        row[0] += 1
        row[1] += span.duration_ms
        row[2] += (span.end_ns - span.start_ns
                   - covered_ns(span, children.get(span.span_id, []))) / 1e6
    table = [HopTime(s, k, n, int(c), round(t, 3), round(own, 3))
             for (s, k, n), (c, t, own) in rows.items()]
    return sorted(table, key=lambda h: h.self_ms, reverse=True)
