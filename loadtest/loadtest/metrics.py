"""The shops' own count of what they answered, from their Prometheus ``/metrics``: a
check from the other side of the wire that works against remote shops too."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families


def requests_by_status(base_url: str) -> dict[str, float] | None:
    """``http_requests_total`` summed by status class (``2xx``...), None if unreadable."""
    try:
        text = httpx.get(f"{base_url}/metrics", timeout=5.0).text
        counts: Counter[str] = Counter()
        for family in text_string_to_metric_families(text):
            if family.name != "http_requests":
                continue
            for sample in family.samples:
                if sample.name == "http_requests_total":
                    counts[f"{str(sample.labels.get('status', '0'))[0]}xx"] += sample.value
        return dict(counts)
    except (httpx.HTTPError, ValueError):
        return None


def difference(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, Any]:
    if before is None or after is None:
        return {"status": "unavailable"}
    by_class = {key: after.get(key, 0.0) - before.get(key, 0.0) for key in sorted(after)}
    return {"status": "ok", "by_status_class": by_class, "total": sum(by_class.values())}
