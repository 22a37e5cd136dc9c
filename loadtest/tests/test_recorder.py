import math

from loadtest.recorder import Recorder

from loadtest import generator, mixes, timeline


def _recorder() -> Recorder:
    rec = Recorder(started=1000.0)
    rec.window_start, rec.window_end = 1001.0, 1003.0
    rec.record("GET /a", 5.0, 200, None, at=1000.5)  # before the window: timeline only
    rec.record("GET /a", 10.0, 200, None, at=1001.5)
    rec.record("GET /a", 30.0, 200, None, at=1002.0)
    rec.record("POST /b", 50.0, 503, "503 unavailable", at=1002.6)
    rec.record("GET /a", 7.0, 200, None, at=1003.5)  # after it
    return rec


def test_only_the_window_counts_but_the_timeline_has_everything() -> None:
    record = _recorder().as_json({"mix": "default"})
    assert record["routes"]["GET /a"]["ok"] == 2
    assert record["routes"]["GET /a"]["latencies_ms"] == [10.0, 30.0]
    assert record["routes"]["POST /b"] == {"latencies_ms": [], "ok": 0, "failed": 1,
                                           "statuses": {"503": 1}}
    assert sum(ok for ok, _ in record["timeline"]["routes"]["GET /a"]) == 4
    assert record["errors"] == ["POST /b: 503 unavailable"]


def test_summary_gives_throughput_percentiles_and_error_rate() -> None:
    summary = generator.summarise(_recorder().as_json({}))
    assert summary["window_s"] == 2.0
    assert summary["requests"] == 3 and summary["failed"] == 1
    assert summary["throughput_rps"] == 1.5
    assert summary["routes"]["GET /a"]["p50_ms"] == 20.0
    assert summary["routes"]["POST /b"]["error_rate"] == 1.0
    assert math.isnan(summary["routes"]["POST /b"]["p50_ms"])


def test_timeline_counts_and_recovery() -> None:
    record = _recorder().as_json({})
    counts = timeline.counts_between(record, 1002.0, 1003.0)
    assert counts["GET /a"] == {"ok": 1, "failed": 0}
    assert counts["POST /b"] == {"ok": 0, "failed": 1}
    assert timeline.success_share(counts["POST /b"]) == 0.0
    assert timeline.recovery_seconds(record, "GET /a", 1001.0) == 0.0
    # POST /b's last bucket is its only one, a failure: not recovered within the run.
    assert timeline.recovery_seconds(record, "POST /b", 1002.0) is None
    rec = _recorder()
    rec.record("POST /b", 5.0, 201, None, at=1003.4)
    assert timeline.recovery_seconds(rec.as_json({}), "POST /b", 1002.0) == 0.75
    series = timeline.series(rec.as_json({}), 1001.0)
    assert series["t_s"][0] == -1.0 and sum(series["failed"]) == 1


def test_declines_and_out_of_stock_are_outcomes_not_errors() -> None:
    assert mixes.expected("POST /api/orders", 402)
    assert mixes.expected("POST /api/orders", 409)
    assert not mixes.expected("POST /api/orders", 503)
    assert not mixes.expected("GET /api/products", 409)
    assert mixes.expected("GET /api/products", 200)


def test_every_mix_names_known_tasks_with_routes() -> None:
    for name in mixes.MIXES:
        weights = mixes.mix(name)
        assert weights and all(task in mixes.ROUTES for task in weights)
    assert generator.open_loop_users(1000.0, 64) == 64
    assert generator.open_loop_users(10.0, 64) == 16
