import math

import pytest

from loadtest import stats


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert stats.percentile(values, 0.0) == 10.0
    assert stats.percentile(values, 1.0) == 40.0
    assert stats.percentile(values, 0.5) == pytest.approx(25.0)
    assert stats.percentile(values, 0.99) == pytest.approx(39.7)
    assert stats.percentile([3.0, 1.0, 2.0], 0.5) == 2.0  # unsorted input


def test_percentile_of_nothing_is_nan_and_fraction_is_checked() -> None:
    assert math.isnan(stats.percentile([], 0.5))
    with pytest.raises(ValueError):
        stats.percentile([1.0], 1.5)


def test_latency_summary_of_a_hundred_values() -> None:
    summary = stats.latency_summary([float(v) for v in range(1, 101)])
    assert summary["p50_ms"] == pytest.approx(50.5)
    assert summary["p95_ms"] == pytest.approx(95.05)
    assert summary["p99_ms"] == pytest.approx(99.01)
    assert summary["max_ms"] == 100.0


def test_spread_is_median_min_max_without_nans() -> None:
    assert stats.spread([3.0, 1.0, math.nan, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0,
                                                       "n": 3}
    empty = stats.spread([math.nan])
    assert empty["n"] == 0 and math.isnan(empty["median"])


def test_ratio_and_cost_per_thousand() -> None:
    assert stats.ratio(150.0, 600.0) == 0.25
    assert math.isnan(stats.ratio(1.0, 0.0))
    assert math.isnan(stats.ratio(math.nan, 2.0))
    assert stats.per_thousand(3.0, 1500) == pytest.approx(2.0)
    assert math.isnan(stats.per_thousand(3.0, 0))
    assert stats.finite(math.nan) is None and stats.finite(2.5) == 2.5
