"""``wfm plan`` end to end on six weeks of the bundled example: files, report, workbook,
all-or-nothing on failure, and that each file re-runs with its own command."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.errors import WfmInputError
from wfm.pipeline import plan as wfm_plan

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"
runner = CliRunner()
QUEUES = 10  # in examples/center.toml
FILES = {"forecast.csv", "requirements.csv", "shifts.csv", "coverage.csv", "uncovered.csv",
         "schedule_summary.json", "scenarios.csv", "scenarios.queues.csv", "report.html",
         "report.xlsx"}
EXTRA_FILES = {"capacity.csv", "scorecard.csv", "scorecard.flips.csv", "pilot.csv",
               "pilot.criteria.csv"}  # --capacity, --scorecard, --pilot
PLAN_SHEETS = ["forecast", "forecast_data", "coverage", "coverage_data", "service_level",
               "service_level_data", "shifts_per_day"]
SHEETS = [*PLAN_SHEETS, "simulation", "simulation_data", "scenario_costs", "capacity",
          "hiring_classes", "capacity_data", "scorecard", "scorecard_flips", "pilot",
          "pilot_criteria"]
SIMULATED_QUEUES = QUEUES  # phone, chat and e-mail


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """The last six weeks of the example history (a faster backtest)."""
    h = pd.read_csv(EX / "history.csv")
    t = pd.to_datetime(h["interval_start"], utc=True)
    path = tmp_path_factory.mktemp("hist") / "history.csv"
    h[t >= t.max() - pd.Timedelta(days=42)].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def planned(history, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("run") / "plan"
    res = runner.invoke(app, ["plan", str(history), "--config", str(EX / "center.toml"),
                              "--events", str(EX / "events.csv"),
                              "--scenarios", str(EX / "scenarios.toml"),
                              "-o", str(out), "--time-limit", "20s", "--gap", "5%",
                              "--simulate", "3", "--capacity", str(EX / "capacity.toml"),
                              "--scorecard", str(EX / "scorecard.toml"),
                              "--pilot", str(EX / "pilot.toml")])
    assert res.exit_code == 0, res.output
    return out, res


def test_every_file_written_and_nothing_staged(planned):
    out, res = planned
    assert {p.name for p in out.iterdir()} == FILES | EXTRA_FILES | {"simulation.csv"}
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
    assert ".partial" not in res.output + res.stderr  # messages name plan/, not staging
    assert "plan →" in res.stdout and "report.html" in res.stdout


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.section: str | None = None
        self.charts: dict[str, int] = {}
        self.tables: dict[str, str | None] = {}
        self.refs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.section = a["id"]
            self.charts[self.section] = 0
        elif tag == "div" and a.get("class") == "chart" and self.section:
            self.charts[self.section] += 1
        elif tag == "table":
            self.tables[a.get("id", "").removeprefix("table-")] = self.section
        for key in ("href", "xlink:href", "src"):
            if a.get(key):
                self.refs.append(a[key])


def test_report_is_self_contained_with_every_chart_and_table(planned):
    out, _ = planned
    text = (out / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.charts == {"summary": 0, "forecast": 1, "coverage": 1, "service-level": 1,
                           "shifts": 1, "simulation": 1, "scenarios": 1, "capacity-plan": 1,
                           "vendor-scorecard": 1, "pilot-plan": 1}
    assert page.tables == {"summary_queues": "summary", "forecast": "forecast",
                           "coverage": "coverage", "service_level": "service-level",
                           "shifts_per_day": "shifts", "simulation": "simulation",
                           "scenario_costs": "scenarios", "capacity": "capacity-plan",
                           "hiring_classes": "capacity-plan", "scorecard": "vendor-scorecard",
                           "scorecard_flips": "vendor-scorecard", "pilot": "pilot-plan",
                           "pilot_criteria": "pilot-plan"}
    assert "link" not in page.tags  # no stylesheet, no CDN: plotly.js is inline
    assert all(r.startswith("#") for r in page.refs)  # no src=, links only inside the page
    assert "plan directory: plan/" in text and ".partial" not in text.split("<script>")[0]
    assert "not with the scheduled agents" in text  # the service-level basis is stated


def test_plan_files_honour_the_umask(planned):
    """Not the temp files' 0600: colleagues on a shared drive can read the plan."""
    import os
    import stat

    out, _ = planned
    umask = os.umask(0o022)
    os.umask(umask)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {
        p.name: 0o666 & ~umask for p in out.iterdir()}


def test_workbook_has_every_sheet_with_the_plan_numbers(planned):
    out, _ = planned
    wb = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    assert wb.sheetnames == ["Summary", "Service per queue", *SHEETS]
    cov = pd.read_csv(out / "coverage.csv")
    assert wb["coverage_data"].max_row == len(cov) + 1
    summary = pd.read_excel(out / "report.xlsx", sheet_name="coverage")
    assert len(summary) == QUEUES
    assert summary["shortfall_agent_h"].sum() == pytest.approx(cov["shortfall"].sum() * 0.5,
                                                                abs=0.5)
    shifts = pd.read_csv(out / "shifts.csv")
    per_day = pd.read_excel(out / "report.xlsx", sheet_name="shifts_per_day")
    assert per_day["total"].sum() == shifts["agents"].sum()
    costs = pd.read_excel(out / "report.xlsx", sheet_name="scenario_costs")
    assert list(costs["scenario"]) == list(pd.read_csv(out / "scenarios.csv")["scenario"])


def test_report_summary_agrees_with_the_solver(planned):
    """The report counts paid hours and cost from shifts.csv; wfm schedule's summary
    counts them in the solver's model: the two must agree."""
    import re

    out, res = planned
    text = " ".join(res.stdout.split())
    paid, fte, cost = re.search(r"paid ([\d,.]+) h = ([\d,.]+) FTE, cost ([\d,.]+)",
                                text).groups()
    summary = pd.read_excel(out / "report.xlsx", sheet_name="Summary").set_index("Item")
    assert summary.loc["Paid hours this week", "Value"] == pytest.approx(
        float(paid.replace(",", "")), abs=0.05)
    # FTE is printed to 0.1: a value ending in .x5 is 0.05 off (plus float error)
    assert summary.loc["FTE", "Value"] == pytest.approx(float(fte.replace(",", "")), abs=0.0501)
    rows = len(pd.read_csv(out / "shifts.csv"))  # each row's cost is rounded to cents
    assert summary.loc["Shift cost this week", "Value"] == pytest.approx(
        float(cost.replace(",", "")), abs=0.005 * rows)
    gap = re.search(r"gap ([\d.]+) %", text).group(1)
    assert f">{gap}%<" in (out / "report.html").read_text()  # the gap card


def test_simulation_sheet_summarises_simulation_csv(planned):
    """Per queue: the misses and the offered-weighted SL of wfm simulate's own file."""
    out, _ = planned
    sim = pd.read_csv(out / "simulation.csv")
    sim["queue"] = sim["channel"] + ":" + sim["language"]
    sheet = pd.read_excel(out / "report.xlsx", sheet_name="simulation").set_index("queue")
    assert len(sheet) == SIMULATED_QUEUES
    for queue, g in sim.groupby("queue"):
        ok = (g["offered"] > 0) & g["service_level_sim"].notna()
        weighted = (g.loc[ok, "service_level_sim"] * g.loc[ok, "offered"]).sum() \
            / g.loc[ok, "offered"].sum()
        assert sheet.loc[queue, "service_level_sim"] == pytest.approx(weighted, abs=1e-4)
        assert sheet.loc[queue, "intervals_missed"] == int(g["misses_target"].sum())
        assert sheet.loc[queue, "offered_contacts"] == pytest.approx(g["offered"].sum(),
                                                                     abs=0.1)


def test_simulation_summary_weights_by_offered_contacts():
    from wfm.report.tables import simulation_summary

    data = pd.DataFrame({
        "queue": ["phone:de"] * 3, "offered": [10.0, 30.0, 0.0],
        "service_level_sim": [0.5, 1.0, float("nan")],
        "service_level_erlang_plan": [0.6, 0.8, float("nan")],
        "target_sl": [0.8] * 3, "misses_target": [True, False, False]})
    row = simulation_summary(data).iloc[0]
    assert row["service_level_sim"] == pytest.approx((10 * 0.5 + 30 * 1.0) / 40)
    assert row["service_level_erlang_plan"] == pytest.approx((10 * 0.6 + 30 * 0.8) / 40)
    assert row["intervals_missed"] == 1 and row["intervals_with_contacts"] == 2


def test_scenario_costs_use_the_plans_scheduled_hours(planned):
    """wfm plan hands its own schedule to the scenario step: in-house rows carry the plan's
    scheduled hours, = required hours times scheduled / required per queue of coverage.csv."""
    out, _ = planned
    summary = pd.read_csv(out / "scenarios.csv")
    queues = pd.read_csv(out / "scenarios.queues.csv")
    cov = pd.read_csv(out / "coverage.csv")
    cov["queue"] = cov["channel"] + ":" + cov["language"]
    sums = cov.groupby("queue")[["agents_required", "agents_scheduled"]].sum()
    ratio = (sums["agents_scheduled"] / sums["agents_required"]).where(
        sums["agents_required"] > 0, 1.0)
    a = queues[(queues["scenario"] == "A in-house") & (queues["provider"] == "inhouse")]
    scale = summary.set_index(["scenario", "provider"]).loc[("A in-house", "inhouse")]
    # shifts.csv and coverage.csv count the same hours up to rounding, so the ratio
    # alone matches to 2 %
    expected = (a["required_hours_per_year"] * a["queue"].map(ratio)).sum()
    assert sums["agents_scheduled"].sum() > 0
    assert scale["scheduled_hours_per_year"] == pytest.approx(expected, rel=0.02)
    assert scale["paid_hours_per_year"] == scale["scheduled_hours_per_year"]
    vendors = summary[summary["kind"] == "vendor"]
    assert vendors["scheduled_hours_per_year"].isna().all()


def test_each_file_reruns_with_its_own_command(planned, tmp_path):
    """The chain hands files on: `wfm staff plan/forecast.csv` gives plan/requirements.csv."""
    out, _ = planned
    again = tmp_path / "requirements.csv"
    res = runner.invoke(app, ["staff", str(out / "forecast.csv"), "--config",
                              str(EX / "center.toml"), "-o", str(again), "-q"])
    assert res.exit_code == 0, res.output
    assert again.read_text() == (out / "requirements.csv").read_text()


def test_bad_history_exits_2_with_one_line_and_no_plan_dir(tmp_path):
    bad = tmp_path / "history.csv"
    bad.write_text("interval_start,channel,language,volume\n"
                   "2026-03-16T00:00:00+01:00,phone,de,8\n"
                   "2026-03-16T00:30:00+01:00,phone,de,lots\n")
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(bad), "--config", str(EX / "center.toml"),
                              "-o", str(out), "-q"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}:3")
    assert "Traceback" not in res.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]


def test_bad_scenarios_fail_before_the_long_work(history, tmp_path):
    scen = tmp_path / "scenarios.toml"
    scen.write_text("[[scenario]]\nname = 'x'\nbogus = 1\n")
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(history), "--config", str(EX / "center.toml"),
                              "--scenarios", str(scen), "-o", str(out)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {scen}")
    assert not out.exists()


def test_a_failing_later_step_leaves_the_earlier_plan_untouched(history, tmp_path,
                                                                 monkeypatch):
    out = tmp_path / "plan"
    out.mkdir()
    (out / "forecast.csv").write_text("the planner's edited forecast\n")

    def broken(*args, **kwargs):
        raise WfmInputError("no shift covers the week", file="center.toml")

    monkeypatch.setattr("wfm.pipeline.schedule.run_schedule", broken)
    opts = wfm_plan.PlanOptions(history=history, config=EX / "center.toml", output=out)
    calls: list[tuple[str, str]] = []
    with pytest.raises(WfmInputError, match="no shift covers"):
        wfm_plan.run_plan(opts, lambda step, detail: calls.append((step, detail)))
    assert list(dict.fromkeys(step for step, _ in calls)) == ["forecast", "staff", "schedule"]
    assert ("forecast", f"backtest {QUEUES}/{QUEUES} queues") in calls
    assert [p.name for p in out.iterdir()] == ["forecast.csv"]
    assert (out / "forecast.csv").read_text() == "the planner's edited forecast\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # staging removed


def test_file_as_output_is_a_user_error(history, tmp_path):
    target = tmp_path / "plan"
    target.write_text("x")
    res = runner.invoke(app, ["plan", str(history), "--config", str(EX / "center.toml"),
                              "-o", str(target)])
    assert res.exit_code == 2
    assert "output must be a directory" in res.stderr


def test_report_rebuilds_from_an_edited_plan_dir(planned, history, tmp_path):
    out, _ = planned
    edited = tmp_path / "plan"
    edited.mkdir()
    for name in ("forecast.csv", "requirements.csv", "coverage.csv", "shifts.csv"):
        (edited / name).write_bytes((out / name).read_bytes())
    shifts = pd.read_csv(edited / "shifts.csv")
    shifts.loc[0, "agents"] += 100  # the planner's edit shows in the rebuilt report
    shifts.to_csv(edited / "shifts.csv", index=False)
    res = runner.invoke(app, ["report", str(edited), "--history", str(history),
                              "--config", str(EX / "center.toml"), "-q"])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(edited / "report.xlsx", read_only=True)
    assert wb.sheetnames[2:] == PLAN_SHEETS  # no scenarios.csv, simulation.csv: no such sheets
    per_day = pd.read_excel(edited / "report.xlsx", sheet_name="shifts_per_day")
    assert per_day["total"].sum() == shifts["agents"].sum()
    assert "id='scenarios'" not in (edited / "report.html").read_text()
    assert "id='simulation'" not in (edited / "report.html").read_text()


def test_report_names_missing_files(tmp_path):
    res = runner.invoke(app, ["report", str(tmp_path), "--history", "h.csv",
                              "--config", str(EX / "center.toml")])
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"error: {tmp_path}: missing forecast.csv, requirements.csv, "
                                  "coverage.csv, shifts.csv")


def test_report_of_an_empty_shift_plan_says_so(planned, history, tmp_path):
    out, _ = planned
    d = tmp_path / "plan"
    d.mkdir()
    for name in ("forecast.csv", "requirements.csv", "coverage.csv"):
        (d / name).write_bytes((out / name).read_bytes())
    (d / "shifts.csv").write_text("group,day,start,end,breaks,agents,cost\n")
    res = runner.invoke(app, ["report", str(d), "--history", str(history),
                              "--config", str(EX / "center.toml"), "-q"])
    assert res.exit_code == 0, res.output
    assert "No shifts were planned" in (d / "report.html").read_text()


@pytest.mark.slow
def test_bundled_example_plans_in_under_two_minutes(tmp_path):
    """The README's command on the full example with the default solver and limit."""
    import time

    start = time.perf_counter()
    res = runner.invoke(app, ["plan", str(EX / "history.csv"), "--config",
                              str(EX / "center.toml"), "--events", str(EX / "events.csv"),
                              "--scenarios", str(EX / "scenarios.toml"), "--simulate", "20",
                              "-o", str(tmp_path / "plan"), "-q"])
    elapsed = time.perf_counter() - start
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "plan").iterdir()} == FILES | {"simulation.csv"}
    assert elapsed < 120, f"{elapsed:.0f} s"


def test_extra_steps_agree_with_their_own_commands(planned, history, tmp_path):
    """capacity.csv is `wfm capacity`'s file; the scorecard's winner and closest flip
    and the pilot's extra cost are in the summary, as the CSVs give them."""
    out, _ = planned
    cap = tmp_path / "capacity.csv"
    res = runner.invoke(app, ["capacity", str(EX / "capacity.toml"), "--history",
                              str(history), "--config", str(EX / "center.toml"), "-o",
                              str(cap), "-q"])
    assert res.exit_code == 0, res.output
    assert cap.read_text() == (out / "capacity.csv").read_text()
    summary = pd.read_excel(out / "report.xlsx", sheet_name="Summary").set_index("Item")
    card = pd.read_csv(out / "scorecard.csv")
    flips = pd.read_csv(out / "scorecard.flips.csv")
    winner = card.loc[card["rank"] == 1, "option"].item()
    near = flips.loc[flips["delta"].abs().idxmin()]
    text = summary.loc["Scorecard", "Value"]
    assert text.startswith(f"Scorecard winner: {winner}")
    assert f"{near['criterion']} {near['weight']:.3f} → {near['flip_weight']:.3f}" in text
    pilot = pd.read_csv(out / "pilot.csv")
    extra = pilot.loc[pilot["provider"] == "TOTAL", "extra_cost_eur"].dropna().item()
    assert f"extra cost {extra:+,.0f} EUR" in summary.loc["Pilot", "Value"]
    hires = pd.read_csv(out / "capacity.csv")
    hires = hires[hires["hires"] > 0]
    first = hires["month"].min()
    n = hires.loc[hires["month"] == first, "hires"].sum()
    assert summary.loc["Capacity", "Value"].startswith(f"Capacity: hire {n} agents by {first}")


def test_report_rebuilt_from_files_knows_the_solver_gap(planned, history, tmp_path):
    import json

    out, _ = planned
    d = tmp_path / "plan"
    d.mkdir()
    for name in ("forecast.csv", "requirements.csv", "coverage.csv", "shifts.csv",
                 "schedule_summary.json"):
        (d / name).write_bytes((out / name).read_bytes())
    res = runner.invoke(app, ["report", str(d), "--history", str(history),
                              "--config", str(EX / "center.toml"), "-q"])
    assert res.exit_code == 0, res.output
    gap = json.loads((d / "schedule_summary.json").read_text())["gap"]
    summary = pd.read_excel(d / "report.xlsx", sheet_name="Summary").set_index("Item")
    assert summary.loc["Solver gap", "Value"] == pytest.approx(gap)


def test_scorecard_without_scenarios_fails_before_the_forecast(history, tmp_path):
    out = tmp_path / "plan"
    res = runner.invoke(app, ["plan", str(history), "--config", str(EX / "center.toml"),
                              "--scorecard", str(EX / "scorecard.toml"), "-o", str(out)])
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"error: {EX / 'scorecard.toml'}: --scorecard needs "
                                  "--scenarios: the cost criterion comes from the scenario "
                                  "comparison")
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("option", ["--capacity", "--pilot"])
def test_bad_extra_file_fails_before_the_forecast(history, tmp_path, option, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text("[bogus]\nx = 1\n")
    monkeypatch.setattr("wfm.forecast.pipeline.backtest", _must_not_run)
    res = runner.invoke(app, ["plan", str(history), "--config", str(EX / "center.toml"),
                              option, str(bad), "-o", str(tmp_path / "plan")])
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith(f"error: {bad}") and "Traceback" not in res.output
    assert not (tmp_path / "plan").exists()


def _must_not_run(*args, **kwargs):
    raise AssertionError("the forecast started before the config files were checked")


def test_a_run_without_an_option_removes_its_stale_file(tmp_path):
    """The publish step: a file of an earlier run's --capacity goes when this run has none."""
    out, stage = tmp_path / "plan", tmp_path / "stage"
    out.mkdir()
    stage.mkdir()
    for name in ("capacity.csv", "scorecard.csv", "forecast.csv", "my-notes.txt"):
        (out / name).write_text("old")
    (stage / "forecast.csv").write_text("new")
    wfm_plan._publish(stage, out, ["forecast.csv"])
    assert sorted(p.name for p in out.iterdir()) == ["forecast.csv", "my-notes.txt"]
    assert (out / "forecast.csv").read_text() == "new"
