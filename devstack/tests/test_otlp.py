"""The OTLP receiver answers as a collector does, over a kept-alive connection."""

from __future__ import annotations

import http.client

from devstack.otlp import OtlpReceiver
from devstack.process import port_is_free
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

PORT = 25918  # devstack's own tests keep to 25xxx


def _export(span_name: str) -> bytes:
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    attribute = resource_spans.resource.attributes.add()
    attribute.key, attribute.value.string_value = "service.name", "catalog"
    span = resource_spans.scope_spans.add().spans.add()
    span.trace_id, span.span_id, span.name = b"\x01" * 16, b"\x02" * 8, span_name
    span.start_time_unix_nano, span.end_time_unix_nano = 1_000_000, 3_000_000
    return request.SerializeToString()


def test_exports_share_one_connection_and_every_span_is_kept() -> None:
    """An exporter sends a batch every few seconds from each process: a receiver that
    closed each connection would add a connect to every batch, which no collector does."""
    assert port_is_free(PORT)
    with OtlpReceiver(port=PORT) as receiver:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=5)
        sockets = []
        for name in ("first", "second"):
            connection.request("POST", "/v1/traces", body=_export(name),
                               headers={"Content-Type": "application/x-protobuf"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200 and not response.will_close
            sockets.append(connection.sock)
        connection.request("POST", "/v1/metrics", body=b"",
                           headers={"Content-Type": "application/x-protobuf"})
        missing = connection.getresponse()
        missing.read()
        connection.close()
    assert sockets[0] is not None and sockets[0] is sockets[1]
    assert missing.status == 404
    spans = receiver.spans()
    assert [(s.name, s.service, s.duration_ms) for s in spans] == [
        ("first", "catalog", 2.0), ("second", "catalog", 2.0)]
