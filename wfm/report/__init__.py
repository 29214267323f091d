"""The plan report: one self-contained HTML page and an Excel workbook with its tables.

:func:`build_tables` (pure) turns the plan's frames into the report's tables and
:func:`build_summary` (pure) into the first screen's facts (:mod:`wfm.report.summary`);
:func:`render_html` (:mod:`wfm.report.render`, charts from :mod:`wfm.report.charts`) and
:func:`write_workbook` write them; :func:`write_report` reads the
files of a plan directory (as ``wfm plan`` wrote them, or after a planner re-ran a step)
and writes ``report.html`` and ``report.xlsx`` beside them, each atomically.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from wfm.report import charts, render
from wfm.report import checks as ck
from wfm.report import extras as ex
from wfm.report import flows as fl
from wfm.report import labels as lb
from wfm.report import summary as sm
from wfm.report import tables as t

SIMULATION_FILE = "simulation.csv"  # wfm simulate -o PLAN/simulation.csv; wfm plan --simulate
SL_NOTE = ("Service level per interval from requirements.csv: the service reached with the "
           "required agents on duty (wfm staff), not with the scheduled agents; grey where "
           "there are no contacts or the queue has no service-level target (e.g. e-mail).")

SIM_NOTE = ("Service level per interval in the simulation of the scheduled agents "
            "(simulation.csv of wfm simulate: skill-based routing, breaks and shift ends as "
            "planned), over offered contacts; a red cross marks an interval whose 95 % interval "
            "lies wholly below the target. SL Erlang at scheduled agents: Erlang at the "
            "agents the plan puts on each queue, for comparison.")


def build_tables(history: pd.DataFrame, forecast: pd.DataFrame, requirements: pd.DataFrame,
                 coverage: pd.DataFrame, shifts: pd.DataFrame, scenarios: pd.DataFrame | None,
                 tz, interval: float,
                 simulation: pd.DataFrame | None = None,
                 extras: dict[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report by sheet name; ``interval`` in seconds; ``simulation``
    is ``wfm simulate``'s per-interval CSV when the plan was simulated; ``extras`` the
    optional inputs by the keys of :data:`wfm.report.extras.EXTRA_FILES` (capacity,
    scorecard, pilot) and ``flow_config`` (:func:`wfm.report.flows.flow_config`: the
    contact-flow section of a tiered center)."""
    fc = t.forecast_data(history, forecast, tz)
    cov = t.coverage_data(coverage, tz)
    sl = t.service_data(requirements, tz)
    out = {
        "forecast": t.forecast_summary(fc),
        "forecast_data": fc,
        "coverage": t.coverage_summary(cov, interval),
        "coverage_data": cov,
        "service_level": t.service_summary(sl),
        "service_level_data": sl,
        "shifts_per_day": t.shifts_per_day(shifts),
    }
    if "site" in shifts.columns:  # a plan with [[site]] tables
        out["shifts_per_site"] = t.shifts_per_site(shifts)
        out["site_costs"] = t.site_costs(shifts)
    if simulation is not None:
        sim = t.simulation_data(simulation, tz)
        out["simulation"] = t.simulation_summary(sim)
        out["simulation_data"] = sim
    if scenarios is not None:
        out["scenario_costs"] = t.scenario_costs(scenarios)
    out.update(fl.flow_tables(requirements, (extras or {}).get("flow_config")))
    out.update(_extra_tables(requirements, extras or {}, tz, interval))
    return out


def _extra_tables(requirements: pd.DataFrame, extras: dict[str, pd.DataFrame], tz,
                  interval: float) -> dict[str, pd.DataFrame]:
    """Tables of the optional sections (capacity, scorecard, pilot, callbacks)."""
    out = {}
    cap = extras.get("capacity")
    if cap is not None:
        out["capacity"] = ex.capacity_summary(cap)
        out["hiring_classes"] = ex.hiring_classes(cap)
        out["capacity_data"] = cap
    if extras.get("scorecard") is not None and extras.get("scorecard_flips") is not None:
        out["scorecard"] = extras["scorecard"].sort_values("rank").reset_index(drop=True)
        out["scorecard_flips"] = extras["scorecard_flips"]
    if extras.get("pilot") is not None:
        out["pilot"] = extras["pilot"]
        out["pilot_criteria"] = extras.get("pilot_criteria", pd.DataFrame(
            columns=["pilot", "weeks", "criterion", "bound", "target", "expected", "meets"]))
    cb = ex.callback_data(requirements)
    if cb is not None and len(cb):
        out["callbacks"] = ex.callback_summary(cb, interval)
        out["callbacks_data"] = cb.assign(interval_start=t._local(cb["interval_start"], tz))
    return out


def extra_answers(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str, str]]:
    """The optional sections' answers for the summary: (section id, label, sentence)."""
    found = [
        ("capacity-plan", "Capacity", "capacity" in tables
         and ex.capacity_answer(tables["capacity_data"])),
        ("vendor-scorecard", "Scorecard", "scorecard" in tables
         and ex.scorecard_answer(tables["scorecard"], tables["scorecard_flips"])),
        ("pilot-plan", "Pilot", "pilot" in tables
         and ex.pilot_answer(tables["pilot"], tables["pilot_criteria"])),
        ("callback-peak", "Callbacks", "callbacks" in tables
         and ex.callback_answer(tables["callbacks"])),
        ("contact-flows", "Contact flows", fl.FLOW_TABLE in tables
         and fl.flow_answer(tables[fl.FLOW_TABLE])),
    ]
    return [(anchor, label, str(text)) for anchor, label, text in found if text]


def build_summary(tables: dict[str, pd.DataFrame], shifts: pd.DataFrame,
                  coverage: pd.DataFrame, interval: float, fte_hours: float,
                  schedule: dict | None = None, uncovered: pd.DataFrame | None = None,
                  scenarios: pd.DataFrame | None = None,
                  scenario_queues: pd.DataFrame | None = None,
                  requested_gap: float | None = None) -> dict:
    """The first screen's facts: ``head`` (:class:`~wfm.report.summary.Headline`),
    ``status`` (per queue), ``alerts``, ``answer`` (scenarios or None)."""
    head = sm.headline(shifts, coverage, interval, fte_hours, schedule)
    simulated = "simulation" in tables
    status = sm.queue_status(tables["service_level"], tables["coverage"],
                             tables.get("simulation"), tables.get("simulation_data"),
                             tables["coverage_data"], uncovered)
    return {"head": head, "status": status, "simulated": simulated,
            "alerts": sm.alerts(head, status, requested_gap, simulated)
            + ck.verify_alerts(schedule),
            "checks": ck.check_answers(schedule, tables.get("service_level_saving")),
            "answer": sm.scenario_answer(scenarios, scenario_queues)
            if scenarios is not None else None,
            "answers": extra_answers(tables)}


STATUS_COLUMNS = ["queue", "sl_required", "service_level_erlang_plan", "service_level_sim",
                  "target_sl", "intervals_missed", "shortfall_agent_h", "why"]


def summary_html(facts: dict) -> str:
    """The summary screen: verdict, key figures, alerts, service per queue, scenarios."""
    status = facts["status"]
    cols = [c for c in STATUS_COLUMNS
            if facts["simulated"] or c not in ("service_level_erlang_plan",
                                               "service_level_sim", "target_sl",
                                               "intervals_missed")]
    return "".join([
        "<h2>Summary</h2>", render.verdict(status, facts["head"], facts["simulated"]),
        render.cards(facts["head"]), _checks_html(facts.get("checks", [])),
        "<div class='two'><div id='alerts'><h3>Alerts</h3>", render.alert_list(facts["alerts"]),
        "</div><div id='scenario-answer'>", render.scenario_box(facts["answer"]), "</div></div>",
        _answers_html(facts.get("answers", [])),
        "<h3>Service level per queue</h3>",
        render.table(status[cols], "summary_queues", highlight=~status["meets_target"]),
    ])


def _checks_html(checks: list[tuple[str, str, str]]) -> str:
    """The plan checks (week's service level, --verify) under the key figures."""
    if not checks:
        return ""
    return ("<div id='plan-checks'><ul>" + "".join(
        f"<li><b>{render.e(label)}:</b> {render.e(text)} <a href='#{render.e(anchor)}'>"
        "details</a></li>" for anchor, label, text in checks) + "</ul></div>")


def _answers_html(answers: list[tuple[str, str, str]]) -> str:
    if not answers:
        return ""
    return ("<div id='plan-ahead'><h3>Plan ahead</h3><ul>" + "".join(
        f"<li>{render.e(text)} <a href='#{render.e(anchor)}'>details</a></li>"
        for anchor, _, text in answers)
        + "</ul></div>")


def _extra_sections(tables: dict[str, pd.DataFrame],
                    figures: dict[str, dict]) -> list[dict]:
    """The optional sections and their charts (added to ``figures``)."""
    out = []
    if "capacity" in tables:
        figures["chart-capacity"] = ex.capacity_chart(tables["capacity_data"], charts._layout)
        out.append({"id": "capacity-plan", "title": "Capacity plan (monthly)",
                    "note": "Monthly FTE per queue from capacity.csv (wfm capacity): in-house "
                            "productive and vendor FTE stacked, the required FTE as a line, "
                            "hiring classes as triangles (persons, at the month's headcount); "
                            "pick the queue in the menu.",
                    "charts": ["chart-capacity"],
                    "tables": [("capacity", tables["capacity"]),
                               ("hiring_classes", tables["hiring_classes"])]})
    if "scorecard" in tables:
        parts = ex.scorecard_contributions(tables["scorecard"], tables["scorecard_flips"])
        figures["chart-scorecard"] = ex.scorecard_chart(parts, charts._layout)
        out.append({"id": "vendor-scorecard", "title": "Vendor scorecard",
                    "note": "Ranking of scorecard.csv (wfm scenario compare --scorecard, costs "
                            "from the scenarios); scorecard.flips.csv: the single-weight "
                            "changes that make a challenger tie the winner, smallest first.",
                    "charts": ["chart-scorecard"],
                    "tables": [("scorecard", tables["scorecard"]),
                               ("scorecard_flips", tables["scorecard_flips"])]})
    if "pilot" in tables:
        figures["chart-pilot"] = ex.pilot_chart(ex.pilot_costs(tables["pilot"]),
                                                charts._layout)
        out.append({"id": "pilot-plan", "title": "Pilot",
                    "note": "pilot.csv (wfm scenario pilot): both sides over the pilot's "
                            "weeks, EUR; pilot.criteria.csv: the model's expected values "
                            "against the success criteria.",
                    "charts": ["chart-pilot"],
                    "tables": [("pilot", tables["pilot"]),
                               ("pilot_criteria", tables["pilot_criteria"])]})
    if "callbacks" in tables:
        figures["chart-callbacks"] = ex.callback_chart(tables["callbacks_data"],
                                                       charts._times, charts._layout)
        out.append({"id": "callback-peak", "title": "Callbacks: peak shaving",
                    "note": "Required agents per interval with and without callbacks "
                            "(requirements.csv: agents_required, "
                            "agents_required_no_callback).",
                    "charts": ["chart-callbacks"],
                    "tables": [("callbacks", tables["callbacks"])]})
    return out


def render_html(tables: dict[str, pd.DataFrame], meta: list[str], facts: dict,
                title: str = "wfm plan report") -> str:
    """The report page: the summary screen, then interactive charts and tables."""
    figures = {"chart-forecast": charts.forecast_chart(tables["forecast_data"]),
               "chart-coverage": charts.coverage_chart(tables["coverage_data"]),
               "chart-service-level": charts.service_chart(tables["service_level_data"]),
               "chart-shifts": charts.shifts_chart(tables["shifts_per_day"])}
    sections = [
        {"id": "forecast", "title": "Forecast against history",
         "note": f"Last {t.HISTORY_DAYS} days of history and the forecast with its 80 % "
                 "prediction band, contacts per interval; pick the queue in the menu.",
         "charts": ["chart-forecast"], "tables": [("forecast", tables["forecast"])]},
        {"id": "coverage", "title": "Required against scheduled agents",
         "note": "Scheduled minus required agents per interval and queue (coverage.csv); "
                 "red cells are short, clipped at ±5.",
         "charts": ["chart-coverage"], "tables": [("coverage", tables["coverage"])]},
        {"id": "service-level", "title": "Service level per interval", "note": SL_NOTE,
         "charts": ["chart-service-level"],
         "tables": [("service_level", tables["service_level"])]},
        {"id": "shifts", "title": "Shifts per day",
         "note": "Agents on shift per day and group (shifts.csv)."
                 + ("" if len(tables["shifts_per_day"]) else
                    " No shifts were planned: see the wfm plan summary (time limit?)."),
         "charts": ["chart-shifts"], "tables": [("shifts_per_day", tables["shifts_per_day"])]},
    ]
    if "shifts_per_site" in tables:
        figures["chart-sites"] = charts.shifts_chart(tables["shifts_per_site"], by="site")
        sections.append({"id": "sites", "title": "Shifts and cost per site",
                         "note": "Agents on shift per day (center date) and site, and the "
                                 "week's cost per site with its night, Sunday and holiday "
                                 "premiums judged on the site's clock (shifts.csv).",
                         "charts": ["chart-sites"],
                         "tables": [("site_costs", tables["site_costs"]),
                                    ("shifts_per_site", tables["shifts_per_site"])]})
    if "simulation" in tables:
        figures["chart-simulation"] = charts.simulation_chart(tables["simulation_data"])
        sections.append({"id": "simulation", "title": "Simulated service level",
                         "note": SIM_NOTE, "charts": ["chart-simulation"],
                         "tables": [("simulation", tables["simulation"])]})
    if "scenario_costs" in tables:
        figures["chart-scenarios"] = charts.scenario_chart(tables["scenario_costs"])
        sections.append({
            "id": "scenarios", "title": "Cost per scenario",
            "note": "Run cost per year by provider (EUR; scenarios.csv: paid hours are "
                    "required hours from staffing, in-house hours scaled by the shift plan's "
                    "scheduled / required hours when it was given).",
            "charts": ["chart-scenarios"],
            "tables": [("scenario_costs", tables["scenario_costs"])]})
    sections += fl.flow_sections(tables, figures, charts._layout)
    sections += _extra_sections(tables, figures)
    sections += ck.check_sections(tables)
    return render.page(title, meta, summary_html(facts), sections, figures)


def summary_sheet(facts: dict) -> pd.DataFrame:
    """The Summary sheet: the first screen's facts as label / value / unit rows, then
    the per-queue status and the alerts."""
    h = facts["head"]
    rows = [("Paid hours this week", h.paid_h, "h"), ("FTE", h.fte,
             f"at {h.fte_hours:g} paid h/week"), ("Shift cost this week", h.cost, "EUR"),
            ("Shifts", h.shifts, "agents"), ("Required agent-hours", h.required_h, "h"),
            ("Required agent-hours not covered", h.short_h, "h")]
    if h.gap is not None:
        rows.append(("Solver gap", h.gap, "relative"))
    ans = facts["answer"] or {}
    for key, label in (("cheapest_run", "Cheapest scenario to run"),
                       ("cheapest_tco", "Lowest total cost of ownership"),
                       ("best_service", "Best service")):
        if ans.get(key):
            rows.append((label, ans[key], ""))
    if ans.get("efficient"):
        rows.append(("Efficient scenarios", ", ".join(ans["efficient"]), ""))
    rows += [(label, text, "") for _, label, text in facts.get("answers", [])]
    rows += [(label, text, "") for _, label, text in facts.get("checks", [])]
    rows += [("Alert" if a.level == "miss" else "Note", a.text, "") for a in facts["alerts"]]
    return pd.DataFrame(rows, columns=["Item", "Value", "Unit"])


def write_workbook(path: str | Path, tables: dict[str, pd.DataFrame],
                   facts: dict | None = None) -> None:
    """A Summary sheet first (when ``facts`` is given), then one sheet per table: frozen
    header, autofilter, number formats by column, times as local text; written
    atomically. Text cells from user files never start a formula."""
    from wfm.io.atomic import write_atomic_path

    def write(tmp: str) -> None:
        import xlsxwriter

        # strings are never formulas, links or numbers, whatever their text
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_urls": False,
                                       "strings_to_numbers": False})
        formats = {k: wb.add_format({"num_format": f}) for k, f in lb.EXCEL_FORMATS.items()}
        header = wb.add_format({"bold": True, "bg_color": "#F3F3F3", "text_wrap": True,
                                "valign": "top", "bottom": 1})
        if facts is not None:
            _write_summary(wb.add_worksheet("Summary"), summary_sheet(facts), formats, header)
            _write_sheet(wb.add_worksheet("Service per queue"),
                         facts["status"][STATUS_COLUMNS], formats, header, human=True)
        for name, frame in tables.items():
            _write_sheet(wb.add_worksheet(name), frame, formats, header)
        wb.close()

    write_atomic_path(Path(path), write, suffix=".tmp.xlsx")


_UNIT_FORMAT = {"h": "h", "EUR": "eur", "relative": "pct", "agents": "int"}


def _write_summary(ws, frame: pd.DataFrame, formats: dict, header) -> None:
    """The Summary sheet: item, value (formatted by its unit), unit."""
    out = t.for_excel(frame)
    ws.write_row(0, 0, list(out.columns), header)
    for i, (item, value, unit) in enumerate(out.itertuples(index=False), start=1):
        ws.write_string(i, 0, item)
        if isinstance(value, str):
            ws.write_string(i, 1, value)
        elif not math.isfinite(value):  # unknown (no bound, no simulation): not a number
            ws.write_string(i, 1, "n/a")
        else:
            ws.write_number(i, 1, value, formats[_UNIT_FORMAT.get(unit, "num")])
        ws.write_string(i, 2, unit)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 22)
    ws.freeze_panes(1, 0)


def _write_sheet(ws, frame: pd.DataFrame, formats: dict, header, human: bool = False) -> None:
    """One sheet: bold frozen header with autofilter (``human``: the columns' labels), a
    number format per column kind (:data:`wfm.report.labels.EXCEL_FORMATS`), widths from
    the header and the values."""
    out = t.for_excel(frame)
    heads = [lb.safe_cell(lb.label(str(c))) for c in frame.columns] if human else out.columns
    ws.write_row(0, 0, list(heads), header)
    for j, col in enumerate(frame.columns):
        kind = lb.kind(str(col), frame[col])
        values = [None if isinstance(v, float) and not math.isfinite(v) else v
                  for v in out.iloc[:, j].tolist()]
        ws.write_column(1, j, values, formats[kind])
        longest = max((len(str(v)) for v in values[:200]), default=0)
        ws.set_column(j, j, min(60, max(9, len(str(col)) * 0.9, longest + 2)))
    ws.freeze_panes(1, 0)
    if len(out.columns):
        ws.autofilter(0, 0, max(len(out), 1), len(out.columns) - 1)


def write_report(plan_dir: str | Path, history: str | Path, center, *,
                 name: str | None = None, schedule: dict | None = None,
                 fte_hours: float = 40.0, requested_gap: float | None = None,
                 out_dir: str | Path | None = None) -> list[str]:
    """Read the plan's CSVs in ``plan_dir`` (``scenarios.csv``, ``simulation.csv`` and
    ``uncovered.csv`` when present) and the history; write report.html/.xlsx into
    ``out_dir`` (default ``plan_dir``).

    ``name``: the plan directory as the report names it (``wfm plan`` writes into a
    staging directory and passes the final name); ``schedule``: the ``wfm schedule``
    summary when known (the solver gap); ``fte_hours``: paid hours of one FTE per week.
    """
    from wfm.io.atomic import write_atomic
    from wfm.io.history import read_recent_history

    d = Path(plan_dir)

    def optional(file: str) -> pd.DataFrame | None:
        return pd.read_csv(d / file) if (d / file).exists() else None

    forecast = pd.read_csv(d / "forecast.csv")
    since = pd.to_datetime(forecast["interval_start"], utc=True).min()
    hist = read_recent_history(history, center, since - pd.Timedelta(days=t.HISTORY_DAYS))
    shifts, coverage = pd.read_csv(d / "shifts.csv"), pd.read_csv(d / "coverage.csv")
    scen = optional("scenarios.csv")
    extras = {key: optional(file) for key, file in ex.EXTRA_FILES.items()}
    extras["flow_config"] = fl.flow_config(center)  # escalations and FCR, for the flows
    tables = build_tables(hist.frame, forecast, pd.read_csv(d / "requirements.csv"),
                          coverage, shifts, scen, center.tz, center.interval,
                          optional(SIMULATION_FILE),
                          {k: v for k, v in extras.items() if v is not None})
    tables.update(ck.check_tables(schedule, optional(ck.SAVING_FILE)))
    facts = build_summary(tables, shifts, coverage, center.interval, fte_hours, schedule,
                          optional("uncovered.csv"), scen, optional("scenarios.queues.csv"),
                          requested_gap)
    meta = [f"center: {center.name}", f"plan directory: {name or d.resolve().name}/",
            f"history: {Path(history).name}",
            f"timezone: {center.timezone}; interval {center.interval / 60:g} min"]
    text = render_html(tables, meta, facts)
    out = Path(out_dir) if out_dir is not None else d
    write_atomic(out / "report.html", lambda h: h.write(text))
    write_workbook(out / "report.xlsx", tables, facts)
    return ["report.html", "report.xlsx"]
