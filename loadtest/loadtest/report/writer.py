"""Writes a run's directory: results.json, report.html, summary.md."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED_KEYS = ("machine", "commit", "settings", "capacity", "equal_load", "cost", "restart",
                 "isolation", "redeploy", "where_time_goes", "ratios")


@dataclass(frozen=True)
class Section:
    """One part of the report. ``key`` is its entry in results.json; ``body`` returns its
    HTML (tables, text), ``figures`` its matplotlib figures (each titled, axes with
    units), ``summary`` its lines of the markdown summary."""

    key: str
    title: str
    body: Callable[[dict[str, Any]], str]
    figures: Callable[[dict[str, Any]], list[Any]] = field(default=lambda _r: [])
    summary: Callable[[dict[str, Any]], list[str]] = field(default=lambda _r: [])


def _clean(value: Any) -> Any:
    """JSON-ready: NaN and infinity become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _png(figure: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _status(section: dict[str, Any] | None) -> str:
    if not isinstance(section, dict) or not section.get("status"):
        return ""
    status = section["status"]
    reason = section.get("reason", "")
    return f'<p class="status {html.escape(status)}">status: {html.escape(status)}' + (
        f" ({html.escape(reason)})" if reason else "") + "</p>"


STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;
padding:.25em .6em;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{
text-align:left}img{max-width:100%}.status.failed{color:#b00}.status.skipped{color:#886}
.note{color:#555;font-size:.9em}"""


def render_html(results: dict[str, Any], sections: list[Section]) -> str:
    parts = ["<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<title>shopstack: monolith vs microservices</title>",
             f"<style>{STYLE}</style></head><body>",
             "<h1>shopstack: the monolith and the microservices, side by side</h1>"]
    for section in sections:
        parts.append(f'<section id="{html.escape(section.key)}"><h2>'
                     f"{html.escape(section.title)}</h2>")
        parts.append(_status(results.get(section.key)))
        parts.append(section.body(results))
        for figure in section.figures(results):
            title = figure.axes[0].get_title() if figure.axes else section.title
            parts.append(f'<p><img alt="{html.escape(title)}" '
                         f'src="data:image/png;base64,{_png(figure)}"></p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_summary(results: dict[str, Any], sections: list[Section]) -> str:
    lines = ["# shopstack comparison summary", ""]
    for section in sections:
        lines.extend(section.summary(results))
    return "\n".join(lines).rstrip() + "\n"


def write_report(results: dict[str, Any], directory: Path,
                 sections: list[Section] | None = None) -> str:
    """Write results.json, report.html and summary.md into ``directory``; the summary."""
    if sections is None:
        from loadtest.report.sections import SECTIONS as sections  # noqa: N811
    directory.mkdir(parents=True, exist_ok=True)
    cleaned = _clean(results)
    (directory / "results.json").write_text(json.dumps(cleaned, indent=1, sort_keys=False))
    (directory / "report.html").write_text(render_html(cleaned, sections))
    summary = render_summary(cleaned, sections)
    (directory / "summary.md").write_text(summary)
    return summary


def validate(results: dict[str, Any]) -> list[str]:
    """What makes a run a failure: a missing key, a failed stage, a shop with no
    requests, or unexpected errors under plain load: any failure at equal load (which
    stays below both capacities), and in the capacity sweep any failure but a 503
    (a shop shedding load past its capacity is a figure of the sweep, reported as its
    error rate; a 500, a stray 4xx or a lost connection is a fault)."""
    problems = [f"results.json lacks {key!r}" for key in REQUIRED_KEYS if key not in results]
    for key in REQUIRED_KEYS:
        section = results.get(key)
        if isinstance(section, dict) and section.get("status") == "failed":
            problems.append(f"stage {key} failed: {section.get('reason', '')}")
    for key in ("capacity", "equal_load"):
        section = results.get(key) or {}
        if section.get("status") != "ok":
            continue
        for side, figures in section["sides"].items():
            steps = figures.get("steps", [figures])
            for step in steps:
                where = f"{key} {side}" + (f" at {step['users']} users" if "users" in step else "")
                if not step["requests"]:
                    problems.append(f"{where}: no requests answered")
                unexpected = step["failed"]
                if key == "capacity":
                    unexpected -= step.get("failed_statuses", {}).get("503", 0)
                if unexpected:
                    problems.append(f"{where}: {unexpected} unexpected errors "
                                    f"{step.get('failed_statuses', {})}")
    for restarted in (results.get("restart") or {}).get("restarts", []):
        if not restarted["requests"]:
            problems.append(f"restart {restarted['process']}: no requests meanwhile")
    for side, figures in ((results.get("redeploy") or {}).get("sides") or {}).items():
        if not figures["requests"]:
            problems.append(f"redeploy {side}: no requests answered")
    for scenario in (results.get("isolation") or {}).get("scenarios", []):
        for side, entry in scenario["sides"].items():
            if entry.get("applicable") and not sum(r["ok"] + r["failed"]
                                                   for r in entry["routes"].values()):
                problems.append(f"isolation {scenario['name']} {side}: no requests meanwhile")
    return problems
