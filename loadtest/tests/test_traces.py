"""Where the time goes: a trace split into hops and store/HTTP calls, medians over
requests, the remote fallback from /metrics, and the report's section."""

import copy
import json
from pathlib import Path

import pytest
from devstack.otlp import Span
from loadtest.report import write_report
from loadtest.report.sections import SECTIONS
from loadtest.stages.traced import edge_means

from loadtest import traces

MS = 1_000_000
# Only the sections under test: the others' plots take seconds to draw.
OURS = [s for s in SECTIONS if s.key in ("where_time_goes", "events_cost")]
RESULTS = json.loads((Path(__file__).parent / "data" / "results-quick.json").read_text())


def _span(span_id: str, parent: str | None, service: str, kind: str, name: str, start: float,
          end: float, trace: str = "t1", **attributes: object) -> Span:
    return Span(trace, span_id, parent, name, kind, service, int(start * MS), int(end * MS),
                dict(attributes))


def checkout_trace(trace: str = "t1", orders_work: float = 6.0) -> list[Span]:
    """gateway 0-20 ms → orders 2-18 ms (two SQL statements, one outbox INSERT) →
    payments over HTTP 10-17 ms; the relay publishes the event after the response."""
    return [
        _span("g", "client", "gateway", "server", "POST /api/orders", 0, 20, trace),
        _span("gc", "g", "gateway", "client", "POST", 1, 19, trace),
        _span("o", "gc", "orders", "server", "POST /orders", 2, 18, trace),
        _span("q1", "o", "orders", "client", "SELECT compare_orders", 3, 4, trace,
              **{"db.system": "postgresql", "db.statement": "SELECT id FROM orders WHERE x"}),
        _span("q2", "o", "orders", "client", "INSERT compare_orders", 4, 6.5, trace,
              **{"db.system": "postgresql",
                 "db.statement": "INSERT INTO outbox (id, event) VALUES (%s, %s)"}),
        _span("pc", "o", "orders", "client", "POST", 10, 17, trace),
        _span("p", "pc", "payments", "server", "POST /payments", 11, 11 + orders_work, trace),
        _span("r", "q2", "orders-relay", "producer", "XADD", 30, 31, trace,
              **{"db.system": "redis"}),
    ]


def test_a_trace_splits_into_self_times_per_hop_and_call() -> None:
    found = traces.breakdown(checkout_trace())
    assert found is not None
    assert found["total_ms"] == pytest.approx(20.0)
    parts = found["parts"]
    assert parts["hop|gateway"] == pytest.approx(2.0)  # 20 ms less the 18 ms client call
    assert parts["http|gateway → orders (network, queueing)"] == pytest.approx(2.0)
    assert parts["store|orders → postgresql SELECT orders"] == pytest.approx(1.0)
    assert parts["store|orders → postgresql INSERT outbox"] == pytest.approx(2.5)
    assert parts["http|orders → payments (network, queueing)"] == pytest.approx(1.0)
    assert parts["hop|payments"] == pytest.approx(6.0)
    assert parts["hop|orders"] == pytest.approx(16 - 1 - 2.5 - 7)
    assert found["outbox_ms"] == pytest.approx(2.5) and found["outbox_writes"] == 1
    # The relay's publishing happens after the response: not in the request's time.
    assert "orders-relay" not in found["services"]
    assert sum(parts.values()) == pytest.approx(found["total_ms"])


def test_medians_over_requests_count_a_missing_part_as_zero() -> None:
    requests = [traces.breakdown(checkout_trace(f"t{i}", orders_work=w))
                for i, w in enumerate((2.0, 4.0, 6.0))]
    requests.append({"total_ms": 3.0, "spans": 1, "services": ["gateway"],
                     "parts": {"hop|gateway": 3.0}, "outbox_ms": 0.0, "outbox_writes": 0})
    figures = traces.aggregate(requests)
    assert figures["requests"] == 4
    payments = next(p for p in figures["parts"] if p["name"] == "payments")
    assert payments["median_ms"] == pytest.approx(3.0)  # median of 0, 2, 4, 6
    assert figures["outbox_ms"] == pytest.approx(2.5)
    assert [p["kind"] for p in figures["parts"]] == sorted(
        (p["kind"] for p in figures["parts"]), key=traces.KINDS.index)
    assert traces.aggregate([None]) == {"requests": 0, "parts": [], "total_ms": None}


def test_a_traceparent_is_sampled_and_carries_its_trace_id() -> None:
    trace_id, header = traces.traceparent()
    version, carried, parent, flags = header.split("-")
    assert (version, carried, flags) == ("00", trace_id, "01")
    assert len(trace_id) == 32 and len(parent) == 16
    assert traces.traceparent()[0] != trace_id


def test_remote_shops_get_the_edges_mean_time_from_metrics() -> None:
    text = "\n".join([
        "# TYPE http_request_duration_seconds histogram",
        'http_request_duration_seconds_sum{method="GET",route="/api/products/<product_id>",'
        'service="monolith",status="200"} 0.5',
        'http_request_duration_seconds_count{method="GET",route="/api/products/<product_id>",'
        'service="monolith",status="200"} 100',
        'http_request_duration_seconds_sum{method="POST",route="/api/orders",service="m",'
        'status="201"} 3.0',
        'http_request_duration_seconds_count{method="POST",route="/api/orders",service="m",'
        'status="201"} 40',
        'http_request_duration_seconds_sum{method="POST",route="/api/orders",service="m",'
        'status="402"} 1.0',
        'http_request_duration_seconds_count{method="POST",route="/api/orders",service="m",'
        'status="402"} 10', ""])
    means = edge_means(text)
    assert means["product"]["edge_mean_ms"] == pytest.approx(5.0)
    assert means["checkout"] == {"route": "POST /api/orders", "edge_mean_ms": 80.0,
                                 "requests": 50}


def test_the_report_shows_where_the_time_goes_and_what_events_cost(tmp_path: Path) -> None:
    results = copy.deepcopy(RESULTS)
    section = results["where_time_goes"]
    assert section["source"] == "traces"
    summary = write_report(results, tmp_path, OURS)
    page = (tmp_path / "report.html").read_text()
    assert "## Where the time goes" in summary and "### a checkout" in summary
    assert "## What the events cost per checkout" in summary
    assert "CPU s per 1,000" in summary and "the outbox write" in summary
    assert page.count('alt="Where the time goes: ') == 2
    for side in ("monolith", "microservices"):
        checkout = section["sides"][side]["checkout"]
        assert checkout["traced"] > 0 and checkout["parts"]
        assert any(p["kind"] == "store" for p in checkout["parts"])
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["where_time_goes"]["sides"]["microservices"]["product"]["parts"]


def test_remote_mode_says_there_is_no_collector(tmp_path: Path) -> None:
    results = copy.deepcopy(RESULTS)
    results["where_time_goes"] = {
        "status": "ok", "source": "metrics", "reason": "no trace collector runs beside "
        "remote shops", "sides": {"monolith": {"product": {
            "route": "GET /api/products/{id}", "edge_mean_ms": 4.0, "requests": 9}},
            "microservices": {}}}
    del results["cost"]["events"]
    summary = write_report(results, tmp_path, OURS)
    assert "no trace collector runs beside remote shops." in summary
    assert "- monolith GET /api/products/{id}: 4.00 ms mean" in summary
    assert 'alt="Where the time goes' not in (tmp_path / "report.html").read_text()
