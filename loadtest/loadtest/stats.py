"""Percentiles, medians with their spread, and ratios: the arithmetic of the report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) percentile, linearly interpolated between closest ranks
    (numpy's default). NaN for no values."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be within 0..1")
    if not values:
        return math.nan
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max in milliseconds (NaN when there were no requests)."""
    return {"p50_ms": percentile(latencies_ms, 0.50), "p95_ms": percentile(latencies_ms, 0.95),
            "p99_ms": percentile(latencies_ms, 0.99),
            "max_ms": max(latencies_ms) if latencies_ms else math.nan}


def spread(values: Iterable[float]) -> dict[str, float]:
    """The median of repeated measurements, with their minimum, maximum and count; NaN
    measurements (a round with no requests) are left out."""
    kept = [v for v in values if v is not None and not math.isnan(v)]
    if not kept:
        return {"median": math.nan, "min": math.nan, "max": math.nan, "n": 0}
    return {"median": statistics.median(kept), "min": min(kept), "max": max(kept),
            "n": len(kept)}


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; NaN when either is missing or the denominator is 0."""
    if denominator is None or numerator is None:
        return math.nan
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return math.nan
    return numerator / denominator


def per_thousand(cpu_seconds: float, requests: int) -> float:
    """CPU seconds per 1,000 requests; NaN when no request was answered."""
    return math.nan if requests <= 0 else cpu_seconds * 1000.0 / requests


def finite(value: float | None) -> float | None:
    """``value`` for JSON: None instead of NaN or infinity."""
    if value is None or isinstance(value, float) and not math.isfinite(value):
        return None
    return value
