"""``wfm schedule`` end to end on a tiny center, its config errors, the bundled example."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.config import load_center
from wfm.config.schedule import load_schedule
from wfm.errors import WfmInputError

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

CENTER = """
[center]
timezone = "Europe/Berlin"
interval = "1h"

[[queue]]
channel = "phone"
language = "de"
target = "80/20s"

[[queue]]
channel = "phone"
language = "en"
target = "80/20s"

[schedule]
understaffing_penalty = { phone = 1000 }
overstaffing_cost = 0
premiums = { night = 0, sunday = 0, holiday = 0 }

[[shift]]
name = "s"
lengths = ["4h"]
starts = "00:00-23:00"
step = "1h"

[[group]]
name = "DE_EN"
skills = ["phone:de", "phone:en"]
rate = 10
"""


def write_inputs(tmp: Path, center: str = CENTER) -> tuple[Path, Path]:
    cfg = tmp / "center.toml"
    cfg.write_text(center, encoding="utf-8")
    req = tmp / "req.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for h in range(8):
        de, en = (1, 0) if h < 4 else (0, 1)
        t = f"2026-03-02T{h:02d}:00:00+01:00"
        lines += [f"{t},phone,de,1,300,{de}", f"{t},phone,en,1,300,{en}"]
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg, req


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_schedule_writes_contract_files(tmp_path, solver):
    cfg, req = write_inputs(tmp_path)
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o", str(out),
                                 "--solver", solver, "--time-limit", "20s", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    # de needs 1 agent in hours 0-3, en in hours 4-7: two 4-h shifts x 10 = 80
    assert summary["objective"] == pytest.approx(80.0)
    assert summary["paid_h"] == pytest.approx(8.0)
    shifts = read(out / "shifts.csv")
    assert list(shifts[0]) == ["group", "day", "start", "end", "breaks", "agents", "cost"]
    assert sorted((r["start"], r["end"], r["agents"]) for r in shifts) == [
        ("00:00", "04:00", "1"), ("04:00", "08:00", "1")]
    cov = read(out / "coverage.csv")
    assert list(cov[0]) == ["interval_start", "channel", "language", "agents_required",
                            "agents_scheduled", "shortfall"]
    assert len(cov) == 16 and all(r["shortfall"] == "0" for r in cov)
    assert cov[0]["interval_start"] == "2026-03-02T00:00:00+01:00"
    assert read(out / "uncovered.csv") == []


def test_schedule_terminal_summary(tmp_path):
    cfg, req = write_inputs(tmp_path)
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o",
                                 str(tmp_path / "p"), "--time-limit", "10s"])
    assert result.exit_code == 0, result.output
    assert "FTE" in result.output and "gap" in result.output and "phone:en" in result.output
    assert "round 1 (kept): 0 shifts unassigned" in result.output  # no second round


def test_unknown_skill_is_a_user_error_and_writes_nothing(tmp_path):
    cfg, req = write_inputs(tmp_path, CENTER.replace('"phone:en"]', '"chat:en"]'))
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(out)])
    assert result.exit_code == 2
    assert "group[1] (DE_EN).skills" in result.output and "chat:en" in result.output
    assert not out.exists()


def test_unknown_key_names_the_table(tmp_path):
    cfg, _ = write_inputs(tmp_path, CENTER.replace("rate = 10", "rate = 10\nwage = 3"))
    center = load_center(cfg)
    with pytest.raises(WfmInputError, match=r"group\[1\] \(DE_EN\)\.wage: unknown key"):
        load_schedule(cfg, center)


def test_impossible_break_window_is_a_user_error(tmp_path):
    text = CENTER.replace('lengths = ["4h"]', 'lengths = ["8h"]') + (
        '\n[[schedule.break_rule]]\nabove = "6h"\nminutes = "30m"\nearliest = "7h30m"\n')
    cfg, req = write_inputs(tmp_path, text)
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "no admissible break position" in result.output


def test_bad_options(tmp_path):
    cfg, req = write_inputs(tmp_path)
    for extra in (["--solver", "gurobi"], ["--gap", "150%"], ["--time-limit", "soon"],
                  ["--roster-time-limit", "0s"], ["--roster-time-limit", "later"]):
        result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o",
                                     str(tmp_path / "p"), *extra])
        assert result.exit_code == 2, extra


def test_requirement_queue_not_in_config(tmp_path):
    cfg, req = write_inputs(tmp_path)
    req.write_text(req.read_text() + "2026-03-02T09:00:00+01:00,phone,fr,1,300,1\n")
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(tmp_path / "p")])
    assert result.exit_code == 2
    assert "req.csv:18" in result.output and "phone:fr" in result.output


def test_bundled_example_config_loads():
    path = ROOT / "examples" / "center.toml"
    center = load_center(path)
    sched = load_schedule(path, center)
    names = {g.name: g for g in sched.groups}
    assert {"phone:de", "phone:en"} <= set(names["DE_EN"].skills)
    assert {"phone:de", "phone:tr"} <= set(names["DE_TR"].skills)
    assert any(s.name == "night" for s in sched.shifts)


def test_more_than_one_week_is_a_user_error_and_writes_nothing(tmp_path):
    """Weekly rules (headcount, hours, days off) hold per week: a 14-day file
    planned as one block understaffed by a third; it is refused instead."""
    cfg, _ = write_inputs(tmp_path)
    req = tmp_path / "two_weeks.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for day in (2, 16):  # Monday 2 March and Monday 16 March 2026: 14 days + 1 h
        t = f"2026-03-{day:02d}T08:00:00+01:00"
        lines += [f"{t},phone,de,1,300,1", f"{t},phone,en,1,300,0"]
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(out)])
    assert result.exit_code == 2
    assert "span 14.0 days" in result.output and str(req) in result.output
    assert not out.exists()


def test_unreachable_minimum_hours_is_a_user_error(tmp_path):
    """Two agents of at least 40 h a week, but the only shift is 6 h on Monday:
    no plan can meet the rules (this ended in an AssertionError)."""
    floors = 'name = "DE_EN"\nmin_headcount = 2\nmin_weekly_hours = "40h"'
    center = CENTER.replace('name = "DE_EN"', floors)
    center = center.replace('starts = "00:00-23:00"', 'starts = "08:00-08:00"\ndays = "mon"')
    cfg, _ = write_inputs(tmp_path, center)
    req = tmp_path / "week.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for h in range(168):  # Monday 2 March 2026, no DST change that week
        t = (pd.Timestamp("2026-03-02", tz="Europe/Berlin") + pd.Timedelta(hours=h)).isoformat()
        lines += [f"{t},phone,de,1,300,1", f"{t},phone,en,1,300,0"]
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "no shift plan meets the rules" in result.output and "DE_EN" in result.output
    assert not out.exists()


def test_week_not_starting_at_local_midnight_is_a_user_error(tmp_path):
    # 168 hourly intervals from Monday 06:00 fall on 8 local dates (Mon..next Mon):
    # the weekly rules would see 8 days; the planner is told to start at 00:00
    cfg, req = write_inputs(tmp_path)
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for t in pd.date_range("2026-03-02 06:00", periods=168, freq="1h", tz="Europe/Berlin"):
        lines += [f"{t.isoformat()},phone,de,1,300,1", f"{t.isoformat()},phone,en,1,300,0"]
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "p"
    result = runner.invoke(app, ["schedule", str(req), "-c", str(cfg), "-o", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "req.csv" in result.output and "00:00 local" in result.output
    assert "8 calendar dates" in result.output
    assert not out.exists()
