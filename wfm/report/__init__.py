"""The plan report: one self-contained HTML page and an Excel workbook with its tables.

:func:`build_tables` (pure) turns the plan's frames into the report's tables;
:func:`render_html` and :func:`write_workbook` write them; :func:`write_report` reads the
files of a plan directory (as ``wfm plan`` wrote them, or after a planner re-ran a step)
and writes ``report.html`` and ``report.xlsx`` beside them, each atomically.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from wfm.report import render
from wfm.report import tables as t

SIMULATION_FILE = "simulation.csv"  # wfm simulate -o PLAN/simulation.csv; wfm plan --simulate
SL_NOTE = ("Service level per interval from requirements.csv: the service reached with the "
           "required agents on duty (wfm staff), not with the scheduled agents; grey where "
           "there are no contacts or the queue has no service-level target (e.g. e-mail).")

SIM_NOTE = ("Service level per interval in the simulation of the scheduled agents "
            "(simulation.csv of wfm simulate: skill-based routing, breaks and shift ends as "
            "planned), over offered contacts; a red cross marks an interval whose 95 % interval "
            "lies wholly below the target. service_level_erlang_plan: Erlang at the agents "
            "the plan puts on each queue, for comparison.")


def build_tables(history: pd.DataFrame, forecast: pd.DataFrame, requirements: pd.DataFrame,
                 coverage: pd.DataFrame, shifts: pd.DataFrame, scenarios: pd.DataFrame | None,
                 tz, interval: float,
                 simulation: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the report by sheet name; ``interval`` in seconds; ``simulation``
    is ``wfm simulate``'s per-interval CSV when the plan was simulated."""
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
    if simulation is not None:
        sim = t.simulation_data(simulation, tz)
        out["simulation"] = t.simulation_summary(sim)
        out["simulation_data"] = sim
    if scenarios is not None:
        out["scenario_costs"] = t.scenario_costs(scenarios)
    return out


def render_html(tables: dict[str, pd.DataFrame], meta: list[str]) -> str:
    """The report page: charts as inline SVG plus the summary tables."""
    fc = tables["forecast_data"]
    sections = [
        {"id": "forecast", "title": "Forecast against history",
         "note": f"Last {t.HISTORY_DAYS} days of history and the forecast with its 80 % "
                 "prediction band, contacts per interval.",
         "charts": [render.forecast_chart(fc, q) for q in sorted(fc["queue"].unique())],
         "tables": [("forecast", tables["forecast"])]},
        {"id": "coverage", "title": "Required against scheduled agents",
         "note": "Scheduled minus required agents per interval and queue (coverage.csv); "
                 "red cells are short, clipped at ±5.",
         "charts": [render.coverage_chart(tables["coverage_data"])],
         "tables": [("coverage", tables["coverage"])]},
        {"id": "service-level", "title": "Service level per interval", "note": SL_NOTE,
         "charts": [render.service_chart(tables["service_level_data"])],
         "tables": [("service_level", tables["service_level"])]},
        {"id": "shifts", "title": "Shifts per day",
         "note": "Agents on shift per day and group (shifts.csv)."
                 + ("" if len(tables["shifts_per_day"]) else
                    " No shifts were planned: see the wfm plan summary (time limit?)."),
         "charts": [render.shifts_chart(tables["shifts_per_day"])],
         "tables": [("shifts_per_day", tables["shifts_per_day"])]},
    ]
    if "simulation" in tables:
        sections.append({
            "id": "simulation", "title": "Simulated service level",
            "note": SIM_NOTE,
            "charts": [render.simulation_chart(tables["simulation_data"])],
            "tables": [("simulation", tables["simulation"])]})
    if "scenario_costs" in tables:
        sections.append({
            "id": "scenarios", "title": "Cost per scenario",
            "note": "Run cost per year by provider (EUR; scenarios.csv: paid hours are "
                    "required hours from staffing, in-house hours scaled by the shift plan's "
                    "scheduled / required hours when it was given).",
            "charts": [render.scenario_chart(tables["scenario_costs"])],
            "tables": [("scenario_costs", tables["scenario_costs"])]})
    return render.page("wfm plan report", meta, sections)


def _write_binary(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_workbook(path: str | Path, tables: dict[str, pd.DataFrame]) -> None:
    """One sheet per table (times as local text), written atomically."""
    def write(tmp: str) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, frame in tables.items():
                t.for_excel(frame).to_excel(xl, sheet_name=name, index=False)

    _write_binary(Path(path), write)


def write_report(plan_dir: str | Path, history: str | Path, center) -> list[str]:
    """Read the plan's CSVs in ``plan_dir`` (``scenarios.csv`` and ``simulation.csv`` when
    present) and the history; write report.html/.xlsx."""
    from wfm.io.atomic import write_atomic
    from wfm.io.history import read_history

    d = Path(plan_dir)
    hist = read_history(history, center=center)
    scen = d / "scenarios.csv"
    sim = d / SIMULATION_FILE
    tables = build_tables(
        hist.frame,
        pd.read_csv(d / "forecast.csv"),
        pd.read_csv(d / "requirements.csv"),
        pd.read_csv(d / "coverage.csv"),
        pd.read_csv(d / "shifts.csv"),
        pd.read_csv(scen) if scen.exists() else None,
        center.tz,
        center.interval,
        pd.read_csv(sim) if sim.exists() else None,
    )
    meta = [f"history: {history}", f"plan directory: {d.name}/",
            f"timezone: {center.timezone}; interval {center.interval / 60:g} min"]
    text = render_html(tables, meta)
    write_atomic(d / "report.html", lambda h: h.write(text))
    write_workbook(d / "report.xlsx", tables)
    return ["report.html", "report.xlsx"]
