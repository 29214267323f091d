"""The report's summary facts, formatting, escaping and file modes, on a small plan made
by hand (tests/report_data.py): expected values are counted from that plan, not taken
from the report's own output."""

from __future__ import annotations

import os
import stat
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from report_data import (
    HOSTILE_CHANNEL,
    HOSTILE_GROUP,
    HOSTILE_LANGUAGE,
    HOSTILE_PROVIDER,
    INTERVAL,
    frames,
    write_report_files,
)

from wfm.io.atomic import file_mode, write_atomic, write_atomic_path, write_csv
from wfm.report import extras as ex
from wfm.report import labels as lb
from wfm.report import summary as sm

HOSTILE_QUEUE = f"{HOSTILE_CHANNEL}:{HOSTILE_LANGUAGE}"


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("plain")
    write_report_files(d)
    return d


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    write_report_files(d, hostile=True)
    return d


# --- the facts of the first screen -------------------------------------------------------

def test_headline_counts_paid_hours_cost_and_fte_by_hand():
    f = frames()
    head = sm.headline(f["shifts"], f["coverage"], INTERVAL, 40.0, {"gap": 0.02})
    # 10 x (8.5 h - 0.5 h break) + 4 x (22:00-06:00 = 8 h - 0.5 h) + 3 x 4 h, no break
    assert head.paid_h == pytest.approx(80 + 30 + 12)
    assert head.fte == pytest.approx(122 / 40)
    assert head.cost == pytest.approx(2000 + 1100.5 + 300.25)
    assert head.shifts == 17
    assert head.short_h == pytest.approx(4 * 2 * 0.5)  # 4 intervals x 2 agents x 30 min
    assert head.gap == 0.02


def test_queue_status_names_the_missing_queue_and_why(plain):
    from wfm.report import build_summary, build_tables

    f = frames()
    hist = f["history"].assign(interval_start=pd.to_datetime(f["history"]["interval_start"],
                                                               utc=True))
    tables = build_tables(hist, f["forecast"], f["requirements"], f["coverage"], f["shifts"],
                          f["scenarios"], "Europe/Berlin", INTERVAL, f["simulation"])
    facts = build_summary(tables, f["shifts"], f["coverage"], INTERVAL, 40.0, None,
                          f["uncovered"], f["scenarios"], f["scenarios.queues"])
    st = facts["status"].set_index("queue")
    assert list(st.index[~st["meets_target"]]) == ["phone:de"]
    assert st.loc["phone:de", "intervals_missed"] == 4
    assert st.loc["phone:de", "shortfall_agent_h"] == pytest.approx(4.0)
    why = st.loc["phone:de", "why"]
    assert "all 4 missed intervals scheduled below the requirement" in why
    assert "headcount/hours limit (DE)" in why
    assert st.loc["chat:en", "why"] == ""
    # the week's simulated SL, offered-weighted by hand: 0.55 where short, 0.9 elsewhere
    sim = f["simulation"][f["simulation"]["channel"] == "phone"]
    w = (sim["service_level_sim"] * sim["offered"]).sum() / sim["offered"].sum()
    assert st.loc["phone:de", "service_level_sim"] == pytest.approx(w, abs=1e-4)
    assert not st["misses_week"].any()  # w = 0.877 > 0.8
    texts = [a.text for a in facts["alerts"]]
    assert texts[0].startswith("phone:de misses its service-level target in 4 of 96")
    assert any("4.0 required agent-hours not covered" in t for t in texts)
    assert not any("solver" in t for t in texts)  # no schedule summary: gap unknown


def test_scenario_answer_cheapest_best_and_efficient():
    scen = pd.DataFrame({"scenario": ["A", "B", "C", "D"], "provider": ["TOTAL"] * 4,
                         "run_cost_per_year_eur": [100.0, 80.0, 120.0, 90.0],
                         "tco_eur": [300.0, 310.0, 290.0, 320.0]})
    queues = pd.DataFrame({"scenario": list("AABBCCDD"), "queue": ["q1", "q2"] * 4,
                           "contacts_per_year": [1.0, 3.0] * 4,
                           "service_level": [0.9, 0.8, 0.6, 0.7, 0.9, 0.9, 0.7, 0.7]})
    ans = sm.scenario_answer(scen, queues)
    # weighted SL: A 0.825, B 0.675, C 0.9, D 0.7
    assert ans["cheapest_run"] == "B" and ans["cheapest_run_eur"] == 80.0
    assert ans["cheapest_tco"] == "C"
    assert ans["best_service"] == "C" and ans["best_service_sl"] == pytest.approx(0.9)
    assert ans["efficient"] == ["A", "B", "C", "D"]  # each is cheaper than every better one
    queues.loc[queues["scenario"] == "D", "service_level"] = 0.6  # D: dearer and worse than B
    assert sm.scenario_answer(scen, queues)["efficient"] == ["A", "B", "C"]


# --- formatting -------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "kind", "text"), [
    (1799070.78, "eur", "1,799,071"), (64766548.57, "eur", "64,766,549"),
    (5.8422, "eur2", "5.84"), (0.8312, "pct", "83.1%"), (13216.84, "h", "13,216.8"),
    (float("nan"), "eur", "–"), (None, "pct", "–"), (2054, "int", "2,054"),
])
def test_numbers_read_as_a_planner_reads_them(value, kind, text):
    assert lb.fmt(value, kind) == text


def test_tables_show_labels_and_formatted_numbers_with_raw_values_to_sort(plain):
    text = (plain / "report.html").read_text(encoding="utf-8")
    assert "Run cost per year (EUR)" in text and "run_cost_per_year_eur" not in text
    assert ">1,799,071<" in text and "data-v='1799070.78'" in text
    assert ">64,766,548<" in text
    assert "1799070.78<" not in text


# --- the page ----------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.tags: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.append(a["id"])
        self.scripts += tag == "script"
        self.refs += [a[k] for k in ("href", "src", "xlink:href") if a.get(k)]


def test_page_is_one_offline_file_summary_first(plain):
    text = (plain / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.ids.index("summary") < page.ids.index("forecast")
    assert {"verdict", "alerts", "scenario-answer", "table-summary_queues"} <= set(page.ids)
    assert len(page.ids) == len(set(page.ids))  # a section and its table never share an id
    assert {r[1:] for r in page.refs if r.startswith("#")} <= set(page.ids)  # no dead link
    charts = [i for i in page.ids if i.startswith("chart-")]
    assert charts == ["chart-forecast", "chart-coverage", "chart-service-level",
                      "chart-shifts", "chart-simulation", "chart-scenarios", "chart-capacity",
                      "chart-scorecard", "chart-pilot", "chart-callbacks"]
    assert page.ids.index("plan-ahead") < page.ids.index("forecast")
    assert all(r.startswith("#") for r in page.refs)  # links only inside the page
    assert "link" not in page.tags and page.scripts == 2  # plotly.js inline, then the figures
    assert "Plotly.newPlot" in text
    assert len(text) < 6_000_000


def test_hostile_names_are_escaped_in_the_page(hostile):
    text = (hostile / "report.html").read_text(encoding="utf-8")
    for raw in (HOSTILE_LANGUAGE, "<script>alert(2)", "</script><b>vendor"):
        assert raw not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    # the figure specs: no '<' at all inside the JSON, so no name closes the script
    figs = text[text.index("var FIGS="):]
    figs = figs[:figs.index("</script>")]
    assert "<" not in figs and "alert(2)" in figs
    page = _Page()
    page.feed(text)
    assert page.tags.count("script") == 2 and "img" not in page.tags


def test_workbook_summary_first_formatted_frozen_and_never_a_formula(hostile):
    wb = openpyxl.load_workbook(hostile / "report.xlsx")
    assert wb.sheetnames[:2] == ["Summary", "Service per queue"]
    assert "simulation_data" in wb.sheetnames and "scenario_costs" in wb.sheetnames
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(lb.FORMULA_START), cell.value
    q = wb["Service per queue"]
    assert q["A2"].value == "'" + HOSTILE_QUEUE
    heads = [c.value for c in wb["shifts_per_day"][1]]
    assert "'" + HOSTILE_GROUP in heads
    costs = wb["scenario_costs"]
    cols = [c.value for c in costs[1]]
    assert "'" + HOSTILE_PROVIDER in [c.value for c in costs["B"]]
    year = costs.cell(row=2, column=cols.index("run_cost_per_year_eur") + 1)
    assert year.value == pytest.approx(1799070.78) and year.number_format == "#,##0"
    assert q.cell(row=2, column=2).number_format == "0.0%"
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Paid hours this week"] == pytest.approx(122)
    assert summary["Cheapest scenario to run"] == "B vendor"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_defuses_formula_starts(value):
    assert lb.safe_cell(value) == "'" + value
    assert lb.safe_cell("phone:de") == "phone:de" and lb.safe_cell(-1.5) == -1.5


# --- file modes ---------------------------------------------------------------------------

@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_honour_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        assert file_mode() == 0o666 & ~umask
        write_atomic(tmp_path / "a.txt", lambda h: h.write("x"))
        write_csv(tmp_path / "b.csv", pd.DataFrame({"a": [1]}))
        write_atomic_path(tmp_path / "c.bin", lambda p: Path(p).write_bytes(b"x"))
        write_report_files(tmp_path / "plan")
    finally:
        os.umask(old)
    for p in [tmp_path / "a.txt", tmp_path / "b.csv", tmp_path / "c.bin",
              tmp_path / "plan" / "report.html", tmp_path / "plan" / "report.xlsx"]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p
    assert not [p for p in tmp_path.rglob(".*")]  # no temp file left


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "r.xlsx"
    target.write_text("old")

    def boom(path):
        Path(path).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic_path(target, boom)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_report_names_the_final_directory_not_the_staging_one(tmp_path):
    """wfm plan renders in .NAME.XXXX.partial/ and passes the final name."""
    from wfm.config import load_center
    from wfm.report import write_report

    root = Path(__file__).resolve().parents[1] / "examples"
    center = load_center(root / "center.toml")
    stage = tmp_path / ".plan.abcd.partial"
    stage.mkdir()
    f = frames()
    for key in ("forecast", "requirements", "coverage", "shifts"):
        f[key].to_csv(stage / f"{key}.csv", index=False)
    f["history"].to_csv(tmp_path / "history.csv", index=False)
    write_report(stage, tmp_path / "history.csv", center, name="plan")
    text = (stage / "report.html").read_text(encoding="utf-8")
    assert "plan directory: plan/" in text
    assert ".plan.abcd" not in text and "abcd.partial" not in text


# --- the optional sections (hand-counted from tests/report_data.py) ----------------------

def test_capacity_answer_first_class_total_and_vendor_peak_by_hand():
    cap = frames()["capacity"]
    assert ex.capacity_answer(cap) == (
        "Capacity: hire 8 agents by 2027-02 (phone:de 5, chat:en 3); 10 hires over the 3 "
        "months; the vendor carries up to 7.0 FTE (2027-02).")
    classes = ex.hiring_classes(cap)
    assert classes[["queue", "month", "hires"]].values.tolist() == [
        ["phone:de", "2027-02", 5], ["phone:de", "2027-03", 2], ["chat:en", "2027-02", 3]]
    per_queue = ex.capacity_summary(cap).set_index("queue")
    assert per_queue.loc["phone:de", "cost_eur"] == pytest.approx(3 * 110 + 700)
    assert per_queue.loc["chat:en", "vendor_peak_month"] == "2027-02"
    assert ex.capacity_answer(cap.assign(hires=0, vendor_fte=0.0)) == (
        "Capacity: no hiring needed in the 3 months planned.")


def test_scorecard_answer_names_the_winner_and_the_smallest_flip():
    f = frames()
    assert ex.scorecard_answer(f["scorecard"], f["scorecard_flips"]) == (
        "Scorecard winner: nearshore (score 70.0 of 100); a weight change of cost 0.600 → "
        "0.450 (-0.150) makes in-house tie.")
    parts = ex.scorecard_contributions(f["scorecard"], f["scorecard_flips"])
    by_option = parts.groupby("option", sort=False)["part"].sum()
    assert by_option.to_dict() == pytest.approx({"nearshore": 0.6 + 0.1, "in-house": 0.4})
    none = f["scorecard_flips"].assign(delta=float("nan"))
    assert ex.scorecard_answer(f["scorecard"], none).endswith(
        "no change of a single weight flips it.")


def test_pilot_answer_and_costs_of_both_sides():
    f = frames()
    assert ex.pilot_answer(f["pilot"], f["pilot_criteria"]) == (
        "Pilot P (12 weeks): extra cost +1,000 EUR against the baseline (+2,000 EUR if the "
        "in-house staff stay); the model expects service level 85.0% against ≥ 80.0% (met), "
        "fcr 70.0% against ≥ 75.0% (MISSED).")
    costs = ex.pilot_costs(f["pilot"]).groupby("scenario")["cost_eur"].sum()
    assert costs.to_dict() == {"base": 5000.0, "pilot: P": 4000.0 + 1500.0 + 500.0}


def test_callback_peak_shaving_by_hand():
    data = ex.callback_data(frames()["requirements"])
    assert set(data["queue"]) == {"phone:de"}  # chat:en has no callbacks
    s = ex.callback_summary(data, INTERVAL).iloc[0]
    assert (s["peak_agents_no_callback"], s["peak_agents"]) == (10, 9)
    assert s["peak_change_pct"] == pytest.approx(-10.0)
    assert s["callbacks"] == 24 and s["callback_agent_h"] == pytest.approx(3.0)
    assert s["paid_h"] - s["paid_h_no_callback"] == pytest.approx(-8.0)
    assert ex.callback_answer(ex.callback_summary(data, INTERVAL)) == (
        "Callbacks shave the peak: phone:de from 10 to 9 agents (-10.0 %; paid hours "
        "-8.0 h).")
    assert ex.callback_data(frames()["requirements"].drop(
        columns=list(ex.CALLBACK_COLUMNS))) is None


def test_workbook_carries_the_optional_sections(plain):
    wb = openpyxl.load_workbook(plain / "report.xlsx")
    for sheet in ("capacity", "hiring_classes", "capacity_data", "scorecard",
                  "scorecard_flips", "pilot", "pilot_criteria", "callbacks", "callbacks_data"):
        assert sheet in wb.sheetnames
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Capacity"].startswith("Capacity: hire 8 agents by 2027-02")
    assert summary["Scorecard"].startswith("Scorecard winner: nearshore")
    assert summary["Pilot"].startswith("Pilot P (12 weeks): extra cost +1,000 EUR")
    assert summary["Callbacks"].startswith("Callbacks shave the peak: phone:de from 10 to 9")


# --- what the report reads -----------------------------------------------------------------

EX = Path(__file__).resolve().parents[1] / "examples"


def test_recent_history_equals_the_full_read_on_the_days_shown():
    """The report cuts the history to its last days before the checks: the rows it shows
    are those of the full read."""
    from wfm.config import load_center
    from wfm.io.history import read_history, read_recent_history

    center = load_center(EX / "center.toml")
    since = pd.Timestamp("2026-10-20T00:00:00+01:00")
    recent = read_recent_history(EX / "history.csv", center, since).frame
    full = read_history(EX / "history.csv", center=center).frame
    assert len(recent) < len(full) / 5

    def shown(f):
        return f[pd.to_datetime(f["interval_start"], utc=True) >= since].reset_index(drop=True)

    pd.testing.assert_frame_equal(shown(recent), shown(full))


def test_recent_history_errors_name_the_real_file_and_line(tmp_path):
    from wfm.config import load_center
    from wfm.errors import WfmInputError
    from wfm.io.history import read_recent_history

    center = load_center(EX / "center.toml")
    times = pd.date_range("2026-10-01", periods=20 * 48, freq="30min", tz="Europe/Berlin")
    lines = ["interval_start,channel,language,volume"]
    lines += [f"{t.isoformat()},phone,de,5" for t in times]
    lines[-3] = lines[-3].replace(",5", ",lots")  # in the recent part
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(WfmInputError) as err:
        read_recent_history(path, center, times[-48])
    assert err.value.file == str(path) and err.value.row == len(lines) - 2


def test_schedule_summary_json_round_trips_whatever_the_dict_holds(tmp_path):
    from wfm.pipeline.schedule import read_summary, write_summary

    summary = {"paid_h": 120.5, "cost": 3000.25, "gap": 0.012, "objective": 3000.25,
               "bound": 2964.6, "status": "Optimal", "solver": "cbc",
               "when": pd.Timestamp("2026-11-16", tz="UTC"), "notes": ["a"]}
    write_summary(tmp_path / "s.json", summary)
    back = read_summary(tmp_path / "s.json")
    assert back == {**summary, "when": "2026-11-16 00:00:00+00:00"}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp file left
    (tmp_path / "bad.json").write_text("{not json")
    assert read_summary(tmp_path / "bad.json") is None
    assert read_summary(tmp_path / "missing.json") is None


def test_callback_section_agrees_with_wfm_staff_on_the_channels_example(tmp_path):
    """The report's peaks and paid hours come from requirements.csv; `wfm staff` prints
    them from its own table: the two must agree."""
    import re

    from typer.testing import CliRunner

    from wfm.cli import app

    out = tmp_path / "req.csv"
    res = CliRunner().invoke(app, ["staff", str(EX / "forecast_channels.csv"), "-c",
                                   str(EX / "center_channels.toml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    peak0, peak1, paid0, paid1 = re.search(
        r"peak agents (\d+) without callbacks → (\d+) with; paid hours ([\d.]+) → ([\d.]+)",
        text).groups()
    s = ex.callback_summary(ex.callback_data(pd.read_csv(out)), 1800.0).iloc[0]
    assert (s["peak_agents_no_callback"], s["peak_agents"]) == (int(peak0), int(peak1))
    assert (s["paid_h_no_callback"], s["paid_h"]) == pytest.approx(
        (float(paid0), float(paid1)), abs=0.05)


def test_workbook_cells_for_unknown_numbers(tmp_path):
    """A figure that is not known (NaN: no LP bound, no simulation; inf) is written as
    "n/a" on the Summary sheet and as an empty cell in a data sheet, never passed to
    xlsxwriter's write_number (which raises on NaN/inf)."""
    import math

    import openpyxl
    import pandas as pd
    import xlsxwriter

    from wfm.report import _write_sheet, _write_summary

    path = tmp_path / "x.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    fmt = {k: wb.add_format() for k in ("h", "eur", "pct", "int", "num", "text", "time")}
    summary = pd.DataFrame({"item": ["gap", "cost", "fte"],
                            "value": [math.nan, 1234.5, math.inf], "unit": ["relative", "EUR", ""]})
    _write_summary(wb.add_worksheet("Summary"), summary, fmt, wb.add_format())
    _write_sheet(wb.add_worksheet("data"), pd.DataFrame({"x": [1.0, math.nan, -math.inf]}),
                 fmt, wb.add_format())
    wb.close()
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book["Summary"]["B"]][1:] == ["n/a", 1234.5, "n/a"]
    assert [c.value for c in book["data"]["A"]][1:] == [1.0, None, None]
