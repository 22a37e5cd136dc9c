"""The report's sections, in order. Each reads its part of results.json only."""

from __future__ import annotations

import html
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from loadtest.report.writer import Section  # noqa: E402

SIDES = ("monolith", "microservices")
COLOURS = {"monolith": "#1f77b4", "microservices": "#d62728"}
MIB = 1024 * 1024


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return html.escape(str(value))


def _spread(value: dict[str, Any] | None, digits: int = 1) -> str:
    """A median with its spread over rounds: ``12.3 (11.9–12.8)``."""
    if not value or value.get("median") is None:
        return "–"
    if value.get("n", 1) <= 1 or value["min"] == value["max"]:
        return _num(value["median"], digits)
    return f"{_num(value['median'], digits)} ({_num(value['min'], digits)}–" \
           f"{_num(value['max'], digits)})"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _ok(results: dict[str, Any], key: str) -> dict[str, Any] | None:
    section = results.get(key)
    return section if isinstance(section, dict) and section.get("status") == "ok" else None


def _skipped(results: dict[str, Any], key: str) -> list[str]:
    section = results.get(key) or {}
    if section.get("status") == "ok":
        return []
    return [f"- {key}: {section.get('status', 'missing')} ({section.get('reason', '')})"]


# -- the run ------------------------------------------------------------------------

def _run_body(r: dict[str, Any]) -> str:
    machine, settings = r.get("machine", {}), r.get("settings", {})
    rows = [["CPU", _num(machine.get("cpu_model"))], ["cores", _num(machine.get("cores"))],
            ["memory", f"{_num(machine.get('memory_gib'))} GiB"],
            ["kernel", _num(machine.get("kernel"))], ["commit", _num(r.get("commit"))],
            ["started (UTC)", _num(r.get("started"))],
            ["duration", f"{_num(r.get('duration_s'), 0)} s"],
            ["mode", _num(settings.get("target"))],
            ["store class", _num(settings.get("stores"))],
            ["gunicorn workers per app", _workers(settings)],
            ["shops' cores", _num(settings.get("cpu", {}).get("shops"))],
            ["load generator's core", _num(settings.get("cpu", {}).get("generator"))]]
    detail = "".join(f"<li><code>{html.escape(k)}</code>: {html.escape(str(v))}</li>"
                     for k, v in settings.items() if k not in ("cpu",))
    return _table(["what", "value"], rows) + f"<details><summary>every setting</summary><ul>" \
        f"{detail}</ul></details>"


def _workers(settings: dict[str, Any]) -> str:
    """The workers each app ran (counted at start), else the count the run asked for."""
    counted = settings.get("workers_per_app")
    if counted:
        return ", ".join(f"{name} {count}" for name, count in counted.items())
    asked = settings.get("workers")
    return "each app's default" if asked is None else str(asked)


def _run_summary(r: dict[str, Any]) -> list[str]:
    m, s = r.get("machine", {}), r.get("settings", {})
    cpu = s.get("cpu", {})
    return [f"Machine: {m.get('cores')} cores, {m.get('cpu_model')}; commit {r.get('commit')}; "
            f"stores {s.get('stores')}; gunicorn workers: {_workers(s)}; shops on CPU "
            f"{cpu.get('shops')}, generator on CPU {cpu.get('generator')}; "
            f"run took {_num(r.get('duration_s'), 0)} s.", ""]


# -- capacity -----------------------------------------------------------------------

def _capacity_body(r: dict[str, Any]) -> str:
    c = _ok(r, "capacity")
    if not c:
        return ""
    rows = []
    for side in SIDES:
        for step in c["sides"][side]["steps"]:
            rows.append([side, str(step["users"]), _spread(step["throughput_rps"]),
                         _spread(step["p50_ms"]), _spread(step["p95_ms"]),
                         _spread(step["p99_ms"]), _spread(step["error_rate"], 4),
                         _num(step["requests"]), _spread(step["generator_cpu_share"], 2)])
    text = (f"<p>Closed loop, no think time, mix <code>{html.escape(c['mix'])}</code>, "
            f"{c['step_seconds']:.0f} s per step, {c['rounds']} alternating round(s). "
            "Medians over rounds, (min–max) beside them.</p>")
    routes = []
    for side in SIDES:
        peak = c["sides"][side]["peak_users"]
        step = next(s for s in c["sides"][side]["steps"] if s["users"] == peak)
        for route, figures in step["routes"].items():
            routes.append([side, html.escape(route), _spread(figures["throughput_rps"]),
                           _spread(figures["p50_ms"]), _spread(figures["p95_ms"]),
                           _spread(figures["p99_ms"]), _spread(figures["error_rate"], 4)])
    return text + _table(["shop", "users", "throughput (req/s)", "p50 (ms)", "p95 (ms)",
                          "p99 (ms)", "error rate", "requests (all rounds)",
                          "generator's core busy (share)"], rows) + \
        "<p>Per route, at each shop's peak step:</p>" + _table(
            ["shop", "route", "throughput (req/s)", "p50 (ms)", "p95 (ms)", "p99 (ms)",
             "error rate"], routes)


def _users_axis(ax: Any, users: list[int]) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xticks(users, [str(u) for u in users])
    ax.minorticks_off()


def _capacity_figures(r: dict[str, Any]) -> list[Any]:
    c = _ok(r, "capacity")
    if not c:
        return []
    throughput, ax = plt.subplots(figsize=(7, 4))
    for side in SIDES:
        steps = c["sides"][side]["steps"]
        users = [s["users"] for s in steps]
        ax.errorbar(users, [s["throughput_rps"]["median"] for s in steps],
                    yerr=[[s["throughput_rps"]["median"] - s["throughput_rps"]["min"]
                           for s in steps],
                          [s["throughput_rps"]["max"] - s["throughput_rps"]["median"]
                           for s in steps]],
                    marker="o", capsize=3, label=side, color=COLOURS[side])
    _users_axis(ax, c["users"])
    ax.set(title="Throughput against users (closed loop)", xlabel="users",
           ylabel="throughput (requests/s)")
    ax.legend()
    latency, ax = plt.subplots(figsize=(7, 4))
    for side in SIDES:
        steps = c["sides"][side]["steps"]
        users = [s["users"] for s in steps]
        for key, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
            ax.plot(users, [s[key]["median"] for s in steps], style, marker="o",
                    color=COLOURS[side], label=f"{side} {key[:3]}")
    _users_axis(ax, c["users"])
    ax.set_yscale("log")
    ax.set(title="Latency percentiles against users", xlabel="users", ylabel="latency (ms)")
    ax.legend(fontsize="small")
    return [throughput, latency]


def _capacity_summary(r: dict[str, Any]) -> list[str]:
    c = _ok(r, "capacity")
    if not c:
        return _skipped(r, "capacity")
    lines = ["## Capacity (closed loop)", "",
             "| shop | peak req/s | at users | highest error rate (at users) | failures |",
             "|---|---|---|---|---|"]
    for side in SIDES:
        steps = c["sides"][side]["steps"]
        worst = max(steps, key=lambda step: step["error_rate"]["median"] or 0.0)
        failures = {}
        for step in steps:
            for status, n in step.get("failed_statuses", {}).items():
                failures[status] = failures.get(status, 0) + n
        shown = ", ".join(f"{n} × {status}" for status, n in sorted(failures.items())) or "none"
        lines.append(f"| {side} | {_spread(c['sides'][side]['peak_rps'])} | "
                     f"{c['sides'][side]['peak_users']} | "
                     f"{_spread(worst['error_rate'], 4)} ({worst['users']}) | {shown} |")
    return [*lines, ""]


# -- equal load ---------------------------------------------------------------------

def _equal_body(r: dict[str, Any]) -> str:
    e = _ok(r, "equal_load")
    if not e:
        return ""
    text = (f"<p>Fixed arrival rate: {e['arrivals_per_s']:.1f} shopper actions/s "
            f"(about {e['target_rps']:.0f} requests/s, {e['share_of_smaller_peak']:.0%} of the "
            f"smaller peak), {e['seconds']:.0f} s per round, {e['rounds']} round(s), a pool of "
            f"{e['user_pool']} users. Latency counts from each arrival's scheduled time.</p>")
    rows = [[side, _spread(e["sides"][side]["throughput_rps"]),
             _spread(e["sides"][side]["p50_ms"]), _spread(e["sides"][side]["p95_ms"]),
             _spread(e["sides"][side]["p99_ms"]), _spread(e["sides"][side]["error_rate"], 4),
             _num(e["sides"][side]["arrivals"]["late_over_10ms"])] for side in SIDES]
    route_rows = [[side, html.escape(route), _spread(f["p50_ms"]), _spread(f["p95_ms"]),
                   _spread(f["p99_ms"])]
                  for side in SIDES for route, f in e["sides"][side]["routes"].items()]
    return text + _table(["shop", "throughput (req/s)", "p50 (ms)", "p95 (ms)", "p99 (ms)",
                          "error rate", "arrivals served >10 ms late"], rows) + _table(
        ["shop", "route", "p50 (ms)", "p95 (ms)", "p99 (ms)"], route_rows)


def _equal_figures(r: dict[str, Any]) -> list[Any]:
    e = _ok(r, "equal_load")
    if not e:
        return []
    routes = sorted({route for side in SIDES for route in e["sides"][side]["routes"]})
    figure, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.4
    for offset, side in ((-width / 2, "monolith"), (width / 2, "microservices")):
        values = [e["sides"][side]["routes"].get(route, {}).get("p50_ms", {}).get("median")
                  or 0 for route in routes]
        ax.bar([i + offset for i in range(len(routes))], values, width, label=side,
               color=COLOURS[side])
    ax.set_xticks(range(len(routes)), routes, rotation=30, ha="right", fontsize="small")
    ax.set(title="Median latency per route at equal load", ylabel="p50 latency (ms)")
    ax.legend()
    return [figure]


def _equal_summary(r: dict[str, Any]) -> list[str]:
    e = _ok(r, "equal_load")
    if not e:
        return _skipped(r, "equal_load")
    lines = [f"## Latency at equal load ({e['target_rps']:.0f} req/s, open loop)", "",
             "| shop | p50 ms | p95 ms | p99 ms | error rate |", "|---|---|---|---|---|"]
    for side in SIDES:
        f = e["sides"][side]
        lines.append(f"| {side} | {_spread(f['p50_ms'])} | {_spread(f['p95_ms'])} | "
                     f"{_spread(f['p99_ms'])} | {_spread(f['error_rate'], 4)} |")
    return [*lines, ""]


# -- cost ---------------------------------------------------------------------------

def _cost_body(r: dict[str, Any]) -> str:
    c = _ok(r, "cost")
    if not c:
        return ""
    rows = []
    for side in SIDES:
        s = c["sides"][side]
        for name, value in s["cpu_s_per_1000"]["components"].items():
            idle, load = s["memory"]["idle"][name], s["memory"]["load"][name]
            rows.append([side, html.escape(name), s["components"][name]["tier"],
                         _spread(value, 3), _num(idle["rss_bytes"] / MIB),
                         _num(idle["pss_bytes"] / MIB), _num(load["rss_bytes"] / MIB),
                         _num(load["pss_bytes"] / MIB)])
        total = s["memory"]
        rows.append([f"<b>{side}</b>", "<b>total</b>", "", _spread(s["cpu_s_per_1000"]["total"], 3),
                     _num(total["idle_total"]["rss_bytes"] / MIB),
                     _num(total["idle_total"]["pss_bytes"] / MIB),
                     _num(total["load_total"]["rss_bytes"] / MIB),
                     _num(total["load_total"]["pss_bytes"] / MIB)])
    notes = "".join(f"<li>{html.escape(n)}: {html.escape(v['note'])}</li>" for side in SIDES
                    for n, v in c["sides"][side]["components"].items() if v["note"])
    return ("<p>From the equal-load runs (the same request rate on both sides). CPU is user "
            "plus system time from /proc of every process of a component (an app: its "
            "gunicorn master and workers). PSS shares each shared page among its sharers and "
            "adds up; RSS counts shared pages in every process and over-counts in sums.</p>"
            + _table(["shop", "process", "tier", "CPU s per 1,000 requests", "idle RSS (MiB)",
                      "idle PSS (MiB)", "load RSS (MiB)", "load PSS (MiB)"], rows)
            + (f"<ul class=note>{notes}</ul>" if notes else ""))


def _cost_figures(r: dict[str, Any]) -> list[Any]:
    c = _ok(r, "cost")
    if not c:
        return []
    cpu, ax = plt.subplots(figsize=(6, 4))
    bottom = [0.0, 0.0]
    for tier, colour in (("edge", "#ff7f0e"), ("services", "#2ca02c"), ("stores", "#9467bd")):
        values = [c["sides"][side]["cpu_s_per_1000"]["tiers"][tier]["median"] or 0.0
                  for side in SIDES]
        ax.bar(SIDES, values, bottom=bottom, label=tier, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set(title="CPU per 1,000 requests, by tier", ylabel="CPU seconds per 1,000 requests")
    ax.legend()
    memory, ax = plt.subplots(figsize=(6, 4))
    width = 0.2
    for i, (phase, kind) in enumerate((("idle", "rss"), ("idle", "pss"), ("load", "rss"),
                                       ("load", "pss"))):
        values = [c["sides"][side]["memory"][f"{phase}_total"][f"{kind}_bytes"] / MIB
                  for side in SIDES]
        ax.bar([x + (i - 1.5) * width for x in range(2)], values, width,
               label=f"{kind.upper()} {phase}")
    ax.set_xticks(range(2), SIDES)
    ax.set(title="Memory per side", ylabel="memory (MiB)")
    ax.legend(fontsize="small")
    return [cpu, memory]


def _cost_summary(r: dict[str, Any]) -> list[str]:
    c = _ok(r, "cost")
    if not c:
        return _skipped(r, "cost")
    lines = ["## Cost", "", "| shop | CPU s / 1,000 req | edge | services | stores | "
             "PSS idle MiB | PSS load MiB |", "|---|---|---|---|---|---|---|"]
    for side in SIDES:
        s = c["sides"][side]
        t = s["cpu_s_per_1000"]["tiers"]
        lines.append(f"| {side} | {_spread(s['cpu_s_per_1000']['total'], 3)} | "
                     f"{_spread(t['edge'], 3)} | {_spread(t['services'], 3)} | "
                     f"{_spread(t['stores'], 3)} | "
                     f"{_num(s['memory']['idle_total']['pss_bytes'] / MIB)} | "
                     f"{_num(s['memory']['load_total']['pss_bytes'] / MIB)} |")
    return [*lines, ""]


# -- restart, isolation, redeploy ---------------------------------------------------

def _timeline_figure(title: str, lines: list[tuple[str, dict[str, Any]]], mark: str) -> Any:
    figure, ax = plt.subplots(figsize=(8, 3.6))
    for label, series in lines:
        size = series["bucket_s"]
        ax.plot(series["t_s"], [v / size for v in series["ok"]], label=f"{label} ok")
        ax.plot(series["t_s"], [v / size for v in series["failed"]], "--",
                label=f"{label} failed")
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(title=title, xlabel=f"seconds since {mark}", ylabel="requests/s")
    ax.legend(fontsize="x-small", ncol=2)
    return figure


def _restart_body(r: dict[str, Any]) -> str:
    s = r.get("restart") or {}
    rows = [[x["side"], x["process"], _num(x["stop_s"], 2), _num(x["ready_s"], 2),
             _num(x["first_success_s"], 2), _num(x["unavailable_s"], 2),
             _num(x["failed_requests"]), _num(x["requests"])] for x in s.get("restarts", [])]
    if not rows:
        return ""
    return (f"<p>Under {s['light_users']} closed-loop users: stop the process (SIGTERM, "
            "graceful), start it again; seconds from the start command.</p>"
            + _table(["shop", "process", "stop took (s)", "to /readyz (s)",
                      "to first success through the shop (s)", "unavailable in all (s)",
                      "failed requests", "requests meanwhile"], rows))


def _restart_figures(r: dict[str, Any]) -> list[Any]:
    s = r.get("restart") or {}
    if not s.get("restarts"):
        return []
    return [_timeline_figure("Restart timelines", [(f"{x['process']}", x["timeline"])
                                                   for x in s["restarts"]], "the stop")]


def _restart_summary(r: dict[str, Any]) -> list[str]:
    s = r.get("restart") or {}
    if not s.get("restarts"):
        return _skipped(r, "restart")
    lines = ["## Restart to ready", "", "| shop | process | to /readyz s | to first success s "
             "| failed requests |", "|---|---|---|---|---|"]
    lines += [f"| {x['side']} | {x['process']} | {_num(x['ready_s'], 2)} | "
              f"{_num(x['first_success_s'], 2)} | {x['failed_requests']} |"
              for x in s["restarts"]]
    return [*lines, ""]


def _isolation_rows(s: dict[str, Any]) -> list[list[str]]:
    rows = []
    for scenario in s.get("scenarios", []):
        for side in SIDES:
            entry = scenario["sides"][side]
            if not entry["applicable"]:
                rows.append([html.escape(scenario["name"]), side, "–",
                             f"not applicable: {html.escape(entry['reason'])}", "", ""])
                continue
            for route, figures in entry["routes"].items():
                share = figures["success_share"]
                rows.append([html.escape(scenario["name"]), side,
                             html.escape(entry["stopped"]), html.escape(route),
                             "–" if share is None else f"{share:.0%}",
                             "not within the run" if figures["recovery_s"] is None
                             else _num(figures["recovery_s"], 2)])
    return rows


def _isolation_body(r: dict[str, Any]) -> str:
    s = r.get("isolation") or {}
    if not s.get("scenarios"):
        return ""
    return (f"<p>Under {s['light_users']} closed-loop users, one dependency is taken away "
            "for a while. Per route: the share of requests that still succeeded while it was "
            "away, and the seconds from its return until the route stopped failing.</p>"
            + _table(["scenario", "shop", "taken away", "route", "succeeded while away",
                      "recovered after (s)"], _isolation_rows(s)))


def _isolation_figures(r: dict[str, Any]) -> list[Any]:
    s = r.get("isolation") or {}
    figures = []
    for scenario in s.get("scenarios", []):
        entries = [(side, scenario["sides"][side]) for side in SIDES
                   if scenario["sides"][side]["applicable"]]
        if not entries:
            continue
        routes = sorted({route for _side, e in entries for route in e["routes"]})
        figure, ax = plt.subplots(figsize=(9, 4))
        width = 0.4
        for offset, (side, entry) in zip((-width / 2, width / 2), entries, strict=False):
            values = [(entry["routes"].get(route, {}).get("success_share") or 0) * 100
                      for route in routes]
            ax.bar([i + offset for i in range(len(routes))], values, width,
                   label=f"{side}: {entry['stopped']}", color=COLOURS[side])
        ax.set_xticks(range(len(routes)), routes, rotation=30, ha="right", fontsize="small")
        ax.set(title=f"Requests that succeed while {scenario['name']} is down",
               ylabel="succeeded (% of requests)", ylim=(0, 105))
        ax.legend(fontsize="small")
        figures.append(figure)
    return figures


def _isolation_summary(r: dict[str, Any]) -> list[str]:
    s = r.get("isolation") or {}
    if not s.get("scenarios"):
        return _skipped(r, "isolation")
    lines = ["## Failure isolation (share of all requests that succeeded while it was down)",
             "", "| scenario | monolith | microservices |", "|---|---|---|"]
    for scenario in s["scenarios"]:
        cells = []
        for side in SIDES:
            entry = scenario["sides"][side]
            if not entry["applicable"]:
                cells.append("n/a")
                continue
            ok = sum(f["ok"] for f in entry["routes"].values())
            total = ok + sum(f["failed"] for f in entry["routes"].values())
            cells.append(f"{ok / total:.0%}" if total else "–")
        lines.append(f"| {scenario['name']} | {cells[0]} | {cells[1]} |")
    return [*lines, ""]


def _redeploy_body(r: dict[str, Any]) -> str:
    s = r.get("redeploy") or {}
    if not s.get("sides"):
        return ""
    rows = [[side, html.escape(", ".join(x["reloaded"])), _num(x["requests"]),
             _num(x["failed"]), _num(x["error_rate"], 4)] for side, x in s["sides"].items()]
    return (f"<p>{s['signal']} to each gunicorn master in turn, under {s['light_users']} "
            "closed-loop users.</p>" + _table(["shop", "reloaded", "requests", "failed",
                                               "error rate"], rows))


def _redeploy_figures(r: dict[str, Any]) -> list[Any]:
    s = r.get("redeploy") or {}
    if not s.get("sides"):
        return []
    return [_timeline_figure("Graceful redeploy", [(side, x["timeline"]) for side, x in
                                                   s["sides"].items()], "the first reload")]


def _redeploy_summary(r: dict[str, Any]) -> list[str]:
    s = r.get("redeploy") or {}
    if not s.get("sides"):
        return _skipped(r, "redeploy")
    return ["## Graceful redeploy", ""] + [
        f"- {side}: {x['failed']} failed of {x['requests']} requests while "
        f"{', '.join(x['reloaded'])} reloaded" for side, x in s["sides"].items()] + [""]


# -- CPU sharing, the shops' own counts ---------------------------------------------

def _cpu_body(r: dict[str, Any]) -> str:
    cpu = r.get("settings", {}).get("cpu", {})
    rows = [["the shops (both, one under load at a time)", _num(cpu.get("shops") or "unpinned")],
            ["the load generator (locust)", _num(cpu.get("generator") or "unpinned")],
            ["allowed to this run", _num(", ".join(map(str, cpu.get("allowed", []))))]]
    busy = []
    for key in ("capacity", "equal_load"):
        section = _ok(r, key)
        if not section:
            continue
        for side in SIDES:
            figures = section["sides"][side]
            for step in figures.get("steps", [figures]):
                share = (step.get("generator_cpu_share") or {}).get("max")
                if share is not None:
                    busy.append((share, key, side, step.get("users")))
    text = ""
    if busy:
        share, key, side, users = max(busy, key=lambda b: b[0])
        where = f"{key}, {side}" + (f", {users} users" if users else "")
        text = (f"<p>The generator's core was at most {share:.0%} busy ({html.escape(where)})"
                + ("; near 100 % the generator, not the shop, limited the throughput."
                   if share > 0.9 else ".") + "</p>")
    return _table(["who", "CPUs"], rows) + text


def _metrics_body(r: dict[str, Any]) -> str:
    m = r.get("metrics") or {}
    if not m.get("sides"):
        return ""
    rows = [[side, _num(x.get("total"), 0)] + [_num(x.get("by_status_class", {}).get(k), 0)
                                              for k in ("2xx", "4xx", "5xx")]
            for side, x in m["sides"].items()]
    return f"<p>{html.escape(m['what'])}.</p>" + _table(
        ["shop", "requests", "2xx", "4xx", "5xx"], rows)


# -- ratios -------------------------------------------------------------------------

RATIO_TEXT = {
    "throughput": "peak throughput, microservices / monolith",
    "p50_equal_load": "p50 latency at equal load, microservices / monolith",
    "p99_equal_load": "p99 latency at equal load, microservices / monolith",
    "cpu_per_request": "CPU per request, microservices / monolith",
    "pss_under_load": "PSS under load, microservices / monolith",
}


def _ratios_body(r: dict[str, Any]) -> str:
    ratios = r.get("ratios") or {}
    return _table(["ratio", "value"], [[html.escape(RATIO_TEXT.get(k, k)), _num(v, 2)]
                                       for k, v in ratios.items() if k != "status"])


def _ratios_summary(r: dict[str, Any]) -> list[str]:
    ratios = r.get("ratios") or {}
    lines = ["## Ratios (microservices / monolith)", ""]
    lines += [f"- {RATIO_TEXT.get(k, k)}: {_num(v, 2)}" for k, v in ratios.items()
              if k != "status"]
    skipped = r.get("skipped") or []
    if skipped:
        lines += ["", "Skipped: " + "; ".join(f"{s['stage']} ({s['reason']})" for s in skipped)]
    return [*lines, ""]

# -- where the time goes, what the events cost ---------------------------------------

KIND_TEXT = {"checkout": "a checkout (POST /api/orders)",
             "product": "a product read (GET /api/products/{id})"}
PART_TEXT = {"hop": "hop (own work)", "store": "store call", "http": "HTTP call"}
PLOT_SHARE = 0.03  # parts under this share of a bar are drawn together as "other"


def _where(r: dict[str, Any]) -> dict[str, Any] | None:
    return _ok(r, "where_time_goes")


def _where_body(r: dict[str, Any]) -> str:
    w = _where(r)
    if not w:
        return ""
    if w.get("source") == "metrics":
        rows = [[side, html.escape(f["route"]), _num(f["edge_mean_ms"], 2), _num(f["requests"])]
                for side in SIDES for f in (w["sides"].get(side) or {}).values()]
        return (f"<p>{html.escape(w.get('reason', ''))}.</p>"
                + _table(["shop", "route", "edge mean (ms)", "requests"], rows))
    parts = [f"<p>From the traces of {w['samples']} requests of each kind per shop, sent "
             f"{html.escape(w['load'])}, with both shops restarted with spans exported (only "
             "for this stage). Each part is the time spent in it and not in its children: a "
             "hop is an app's own work (its server span), a store call a SQL, MongoDB or Redis "
             "client span, an HTTP call the caller's client span less the callee's server span "
             "(network and queueing). Medians over the sampled requests; medians of parts need "
             "not add up to the median total.</p>"]
    for kind, text in KIND_TEXT.items():
        rows = []
        for side in SIDES:
            f = w["sides"][side][kind]
            rows.append([f"<b>{side}</b>", "<b>total (edge server span)</b>", "",
                         f"<b>{_num(f['total_ms'], 2)}</b>",
                         f"client: {_num(f['client_median_ms'], 2)}"])
            for part in f["parts"]:
                rows.append([side, html.escape(part["name"]), PART_TEXT[part["kind"]],
                             _num(part["median_ms"], 2), _num(part["mean_ms"], 2)])
        parts.append(f"<h3>{html.escape(text)}</h3>" + _table(
            ["shop", "part", "kind", "median ms", "mean ms"], rows))
    for side in SIDES:
        tree = w["sides"][side]["checkout"].get("example_tree")
        if tree:
            parts.append(f"<details><summary>One {side} checkout's trace</summary><pre>"
                         f"{html.escape(tree)}</pre></details>")
    return "".join(parts)


def _where_figures(r: dict[str, Any]) -> list[Any]:
    w = _where(r)
    if not w or w.get("source") != "traces":
        return []
    figures = []
    for kind, text in KIND_TEXT.items():
        figure, ax = plt.subplots(figsize=(8, 4.5))
        palette = plt.get_cmap("tab20")
        drawn: dict[str, Any] = {}
        shown_other = False
        for x, side in enumerate(SIDES):
            f = w["sides"][side][kind]
            total = sum(p["median_ms"] for p in f["parts"]) or 1.0
            bottom, other = 0.0, 0.0
            for part in f["parts"]:
                if part["median_ms"] < PLOT_SHARE * total:
                    other += part["median_ms"]
                    continue
                name = part["name"]
                if name not in drawn:
                    drawn[name] = palette(len(drawn) % palette.N)
                    label = name
                else:
                    label = None
                ax.bar(x, part["median_ms"], bottom=bottom, width=0.5, color=drawn[name],
                       edgecolor="white", label=label)
                bottom += part["median_ms"]
            if other:
                ax.bar(x, other, bottom=bottom, width=0.5, color="#cccccc", edgecolor="white",
                       label=f"other (each under {PLOT_SHARE:.0%})" if not shown_other else None)
                shown_other = True
        ax.set_xticks(range(len(SIDES)), SIDES)
        ax.set(title=f"Where the time goes: {text}", ylabel="median self time (ms)")
        ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.0, 0.5))
        figures.append(figure)
    return figures


def _where_summary(r: dict[str, Any]) -> list[str]:
    w = _where(r)
    if not w:
        return _skipped(r, "where_time_goes")
    lines = ["## Where the time goes", ""]
    if w.get("source") == "metrics":
        lines.append(f"{w.get('reason', '')}.")
        for side in SIDES:
            for f in (w["sides"].get(side) or {}).values():
                lines.append(f"- {side} {f['route']}: {_num(f['edge_mean_ms'], 2)} ms mean")
        return [*lines, ""]
    lines.append(f"Medians over {w['samples']} traced requests per kind and shop, one at a "
                 "time; self time per hop and per store/HTTP call (ms).")
    for kind, text in KIND_TEXT.items():
        lines += ["", f"### {text}", "", "| shop | part | kind | median ms |", "|---|---|---|---|"]
        for side in SIDES:
            f = w["sides"][side][kind]
            lines.append(f"| {side} | **total** (edge server span) | | "
                         f"**{_num(f['total_ms'], 2)}** |")
            for part in f["parts"]:
                lines.append(f"| {side} | {part['name']} | {PART_TEXT[part['kind']]} | "
                             f"{_num(part['median_ms'], 2)} |")
    return [*lines, ""]


def _events_figures_of(r: dict[str, Any]) -> dict[str, Any]:
    cost = (_ok(r, "cost") or {}).get("events") or {}
    where = _where(r) or {}
    outbox = {side: (where.get("sides", {}).get(side, {}).get("checkout") or {})
              for side in SIDES} if where.get("source") == "traces" else {}
    return {"cost": cost, "outbox": outbox}


def _events_body(r: dict[str, Any]) -> str:
    e = _events_figures_of(r)
    cost, outbox = e["cost"], e["outbox"]
    if not cost and not outbox:
        return "<p>Needs the cost and the traced stages (local shops).</p>"
    rows = []
    if cost.get("status") == "ok":
        rows.append(["microservices", "CPU: the orders relay, s per 1,000 checkouts",
                     _spread(cost["relay_cpu_s_per_1000_checkouts"], 3)])
        if cost.get("relay_core_share"):
            rows.append(["microservices", "CPU: the orders relay, % of a core over the runs",
                         _num(100 * (cost["relay_core_share"].get("median") or 0.0), 2)])
    rows.append(["monolith", "CPU: a relay", "none (the stream reads the outbox table)"])
    for side in SIDES:
        f = outbox.get(side) or {}
        if f.get("outbox_ms") is not None:
            share = f["outbox_ms"] / f["total_ms"] if f.get("total_ms") else None
            rows.append([side, "latency: the outbox write in a checkout, median ms "
                         f"({_num(f['outbox_writes_per_request'], 1)} writes)",
                         f"{_num(f['outbox_ms'], 2)} ({_num(100 * share if share else None)} % "
                         "of the checkout)"])
    return ("<p>The order events are written to an outbox in the checkout's own transaction "
            "(its latency cost: the INSERT's time, from the traces); on the microservices a "
            "relay process publishes them to Redis Streams (its CPU cost, from the cost stage, "
            "idle polling included).</p>" + _table(["shop", "what", "figure"], rows))


def _events_summary(r: dict[str, Any]) -> list[str]:
    e = _events_figures_of(r)
    cost, outbox = e["cost"], e["outbox"]
    lines = ["## What the events cost per checkout", ""]
    if cost.get("status") == "ok":
        share = (cost.get("relay_core_share") or {}).get("median")
        lines.append("- microservices: the orders relay, "
                     f"{_spread(cost['relay_cpu_s_per_1000_checkouts'], 3)} CPU s per 1,000 "
                     f"checkouts ({cost['checkouts']} checkouts"
                     + (f"; {100 * share:.1f} % of a core, idle polling included)"
                        if share is not None else ")"))
    for side in SIDES:
        f = outbox.get(side) or {}
        if f.get("outbox_ms") is not None:
            lines.append(f"- {side}: the outbox write, {_num(f['outbox_ms'], 2)} ms of a "
                         f"{_num(f['total_ms'], 2)} ms checkout (median)")
    if len(lines) == 2:
        lines.append("- needs the cost and the traced stages (local shops)")
    return [*lines, ""]



SECTIONS: list[Section] = [
    Section("settings", "The run: machine, commit, settings", _run_body, summary=_run_summary),
    Section("ratios", "Ratios", _ratios_body, summary=_ratios_summary),
    Section("cpu_sharing", "CPU sharing", _cpu_body),
    Section("capacity", "Capacity sweep", _capacity_body, _capacity_figures, _capacity_summary),
    Section("equal_load", "Latency at equal load", _equal_body, _equal_figures, _equal_summary),
    Section("cost", "Cost per request: CPU and memory", _cost_body, _cost_figures,
            _cost_summary),
    Section("restart", "Restart to ready", _restart_body, _restart_figures, _restart_summary),
    Section("isolation", "Failure isolation", _isolation_body, _isolation_figures,
            _isolation_summary),
    Section("redeploy", "Graceful redeploy", _redeploy_body, _redeploy_figures,
            _redeploy_summary),
    Section("where_time_goes", "Where the time goes (traces)", _where_body, _where_figures,
            _where_summary),
    Section("events_cost", "What the events cost per checkout", _events_body,
            summary=_events_summary),
    Section("metrics", "What the shops counted themselves (/metrics)", _metrics_body),
]
