"""The report writer, fed the results of a real QUICK comparison (timelines thinned)."""

import copy
import html.parser
import json
from pathlib import Path

import pytest
from loadtest.compare import ratios
from loadtest.report import validate, write_report
from loadtest.report.sections import SECTIONS
from loadtest.report.writer import REQUIRED_KEYS

RESULTS = json.loads((Path(__file__).parent / "data" / "results-quick.json").read_text())


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        attributes = dict(attrs)
        if tag == "section":
            self.sections.append(attributes["id"])
        if tag == "img":
            self.images.append(attributes["src"])
        if tag not in ("img", "meta", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag):  # noqa: ANN001
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1:]}>"
        self.open.pop()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("report")
    write_report(copy.deepcopy(RESULTS), directory)
    return directory


def test_results_json_keeps_the_required_keys(written: Path) -> None:
    results = json.loads((written / "results.json").read_text())
    assert set(REQUIRED_KEYS) <= set(results)
    assert results["ratios"]["throughput"] == pytest.approx(
        results["capacity"]["sides"]["microservices"]["peak_rps"]["median"]
        / results["capacity"]["sides"]["monolith"]["peak_rps"]["median"])


def test_html_is_well_formed_with_every_section_and_embedded_plots(written: Path) -> None:
    page = (written / "report.html").read_text()
    collector = _Collector()
    collector.feed(page)
    assert collector.open == []
    assert collector.sections == [section.key for section in SECTIONS]
    assert len(collector.images) >= 9
    assert all(src.startswith("data:image/png;base64,") for src in collector.images)
    assert "http://" not in page.replace("http://127.0.0.1", "") and "<script" not in page


def test_summary_has_every_stage(written: Path) -> None:
    summary = (written / "summary.md").read_text()
    for heading in ("## Capacity", "## Latency at equal load", "## Cost", "## Restart",
                    "## Failure isolation", "## Graceful redeploy", "## Ratios"):
        assert heading in summary


def test_ratios_from_the_medians() -> None:
    computed = ratios(RESULTS)
    assert computed["throughput"] == pytest.approx(RESULTS["ratios"]["throughput"])
    assert computed["cpu_per_request"] > 0


def test_validate_passes_a_good_run_and_names_what_is_wrong() -> None:
    assert validate(RESULTS) == []
    broken = copy.deepcopy(RESULTS)
    broken["restart"] = {"status": "failed", "reason": "catalog never came back"}
    broken["capacity"]["sides"]["microservices"]["steps"][0]["requests"] = 0
    broken["equal_load"]["sides"]["monolith"]["failed"] = 3
    del broken["redeploy"]
    payments = broken["isolation"]["scenarios"][0]["sides"]["microservices"]
    payments["routes"] = {route: {**f, "ok": 0, "failed": 0}
                          for route, f in payments["routes"].items()}
    problems = validate(broken)
    assert "results.json lacks 'redeploy'" in problems
    assert any("restart failed" in p for p in problems)
    assert any("capacity microservices at 2 users: no requests" in p for p in problems)
    assert any("equal_load monolith: 3 unexpected errors" in p for p in problems)
    assert "isolation payments microservices: no requests meanwhile" in problems


def test_a_skipped_stage_is_said_so(tmp_path: Path) -> None:
    results = copy.deepcopy(RESULTS)
    for key in ("cost", "restart", "isolation", "redeploy"):
        results[key] = {"status": "skipped", "reason": "needs the shops' processes"}
    summary = write_report(results, tmp_path)
    assert "- cost: skipped (needs the shops' processes)" in summary
    assert 'class="status skipped"' in (tmp_path / "report.html").read_text()


def test_load_shedding_in_the_sweep_is_a_figure_but_a_fault_is_not(tmp_path: Path) -> None:
    shedding = copy.deepcopy(RESULTS)
    step = shedding["capacity"]["sides"]["microservices"]["steps"][-1]
    step.update(failed=40, failed_statuses={"503": 40})
    assert validate(shedding) == []
    step.update(failed=41, failed_statuses={"503": 40, "500": 1})
    assert validate(shedding) == [
        "capacity microservices at 8 users: 1 unexpected errors {'503': 40, '500': 1}"]
    assert "40 × 503" in write_report(shedding, tmp_path)


def test_the_run_names_the_workers_each_app_ran(tmp_path: Path) -> None:
    results = copy.deepcopy(RESULTS)
    results["settings"]["workers"] = None
    results["settings"]["workers_per_app"] = {"monolith": 2, "gateway": 2, "orders": 1}
    write_report(results, tmp_path)
    summary = (tmp_path / "summary.md").read_text()
    assert "gunicorn workers: monolith 2, gateway 2, orders 1;" in summary
    del results["settings"]["workers_per_app"]
    write_report(results, tmp_path / "asked")
    asked = (tmp_path / "asked" / "summary.md").read_text()
    assert "gunicorn workers: each app's default;" in asked
