"""Scheduled hours (--schedule): a shift plan's overhead on the in-house hours."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_scenario_compare import CENTER, EXAMPLES, PROVIDERS, forecast
from typer.testing import CliRunner

from wfm.cli import app
from wfm.config.scenario import scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare
from wfm.scenario.scheduled import overhead_factors, read_schedule_overhead, shift_paid_hours
from wfm.staffing import staff_forecast

runner = CliRunner()


def test_shift_paid_hours_by_hand():
    shifts = pd.DataFrame(
        {
            "start": ["22:00", "08:00", "06:00"],
            "end": ["06:00", "16:30", "06:00"],
            "breaks": ["02:00-02:30", "", "12:00-13:00"],
            "agents": [2, 1, 1],
        }
    )
    # 2 * (8 h - 0.5 h) over midnight + 8.5 h without a break + 24 h - 1 h
    assert shift_paid_hours(shifts) == pytest.approx(15.0 + 8.5 + 23.0)


def test_overhead_factors_by_hand():
    # 30-min intervals; a: required 2+2, scheduled 3+2 -> 5/4; b: 1+1 vs 1+1 -> 1;
    # c: nothing required -> 1.  coverage counts (5 + 2 + 1) * 0.5 h = 4 h; shifts pay 4.4 h
    # (a longer break in coverage, say): every factor times 1.1
    keys = np.array(["a", "a", "b", "b", "c"])
    o = overhead_factors(keys, np.array([2, 2, 1, 1, 0.0]), np.array([3, 2, 1, 1, 1.0]), 1800, 4.4)
    assert o.required_hours == pytest.approx(3.0)
    assert o.scheduled_hours == pytest.approx(4.0)
    assert o.factors == pytest.approx({"a": 1.25 * 1.1, "b": 1.1, "c": 1.0})


def test_inhouse_cost_on_scheduled_hours_vendor_untouched():
    wage_only = {
        "name": "inhouse",
        "kind": "inhouse",
        "cost": {
            "hourly_wage": 20.0,
            "employer_oncost": 0.0,
            "night_premium": 0.0,
            "sunday_premium": 0.0,
            "holiday_premium": 0.0,
            "team_leader_cost": 0.0,
            "support_cost": 0.0,
            "tech_per_fte": 0.0,
            "seat_cost": 0.0,
            "replacement_cost": 0.0,
        },
    }
    s = scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": [wage_only, PROVIDERS[1]],
            "scenario": [
                {
                    "name": "x",
                    "default": "inhouse",
                    "route": [{"queues": ["phone:fr"], "provider": "vendor"}],
                }
            ],
        }
    )
    table, _ = staff_forecast(forecast(), CENTER)
    de_required = table[table["language"] == "de"]["agents_required"].sum() * 52.0  # 1-h grid
    (plain,) = compare(s, CENTER, forecast())
    (sched,) = compare(s, CENTER, forecast(), overhead={"phone:de": 1.25, "phone:fr": 3.0})
    ih = {p.provider: p for p in sched.providers}
    assert ih["inhouse"].required_hours == pytest.approx(de_required)
    assert ih["inhouse"].paid_hours == pytest.approx(1.25 * de_required)
    assert ih["inhouse"].run_per_year == pytest.approx(20.0 * 1.25 * de_required)
    # FTE = paid hours / (the center's contract hours per week (40 h) * 52 weeks); before
    # the center held the FTE definition, scenarios used their own default of 39 h
    assert ih["inhouse"].fte == pytest.approx(1.25 * de_required / (40 * 52))
    # the vendor is billed on its own hours: the plan's overhead is the in-house team's
    vendor = {p.provider: p for p in plain.providers}["vendor"]
    assert ih["vendor"].run_per_year == pytest.approx(vendor.run_per_year)
    assert sched.scheduled and not plain.scheduled


def write_plan(d, factor_de: float):
    d.mkdir()
    starts = pd.date_range("2026-03-23", periods=4, freq="30min", tz="Europe/Berlin")
    rows = []
    for t in starts:
        rows.append([t.isoformat(), "phone", "de", 10, 10 * factor_de, 0])
        rows.append([t.isoformat(), "chat", "de", 2, 2, 0])
    pd.DataFrame(
        rows,
        columns=[
            "interval_start",
            "channel",
            "language",
            "agents_required",
            "agents_scheduled",
            "shortfall",
        ],
    ).to_csv(d / "coverage.csv", index=False)
    paid = 4 * 0.5 * (10 * factor_de + 2)  # agent hours of the coverage rows
    pd.DataFrame(
        {
            "group": ["DE"],
            "day": ["2026-03-23"],
            "start": ["00:00"],
            "end": ["00:30"],  # the same hours as half-hour shifts: 2 agents per hour
            "breaks": [""],
            "agents": [int(round(2 * paid))],
            "cost": [0.0],
        }
    ).to_csv(d / "shifts.csv", index=False)


def cli(*extra):
    return runner.invoke(
        app,
        [
            "scenario",
            "compare",
            str(EXAMPLES / "scenarios.toml"),
            "--forecast",
            str(EXAMPLES / "forecast.csv"),
            "--config",
            str(EXAMPLES / "center.toml"),
            *extra,
        ],
    )


def test_cli_schedule_scales_inhouse_phone_de(tmp_path):
    write_plan(tmp_path / "plan", 1.5)  # phone:de 50 % over its requirement, chat:de 0 %
    res = cli("-o", str(tmp_path / "s.csv"), "--schedule", str(tmp_path / "plan"), "--json")
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["hours"] == "scheduled (in-house)"
    assert payload["schedule"]["overhead"] == pytest.approx({"phone:de": 1.5, "chat:de": 1.0})
    summary = pd.read_csv(tmp_path / "s.csv").set_index(["scenario", "provider"])
    queues = pd.read_csv(tmp_path / "s.queues.csv")
    a = summary.loc[("A in-house", "inhouse")]
    de = queues.query("scenario == 'A in-house' and queue == 'phone:de'").iloc[0]
    assert a["scheduled_hours_per_year"] == pytest.approx(
        a["required_hours_per_year"] + 0.5 * de["required_hours_per_year"], abs=0.2
    )
    assert a["paid_hours_per_year"] == pytest.approx(a["scheduled_hours_per_year"])
    b = summary.loc[("B onshore", "onshore")]  # vendors: required hours, no scheduled
    assert np.isnan(b["scheduled_hours_per_year"])
    assert b["paid_hours_per_year"] == pytest.approx(b["required_hours_per_year"])


def test_without_schedule_the_table_says_required_hours():
    res = cli()
    assert res.exit_code == 0
    assert "required paid hours from staffing, no shift plan" in res.output


def test_bad_plan_dir_exits_2_and_writes_nothing(tmp_path):
    (tmp_path / "plan").mkdir()
    res = cli("-o", str(tmp_path / "s.csv"), "--schedule", str(tmp_path / "plan"))
    assert res.exit_code == 2
    assert "coverage.csv" in res.output and "no coverage.csv" in res.output
    assert not (tmp_path / "s.csv").exists()
    write_plan(tmp_path / "p2", 1.0)
    (tmp_path / "p2" / "shifts.csv").write_text(
        "group,day,start,end,breaks,agents\nDE,2026-03-23,8h,16:00,,1\n"
    )
    with pytest.raises(WfmInputError, match="HH:MM"):
        read_schedule_overhead(tmp_path / "p2", 1800)


def test_an_empty_plan_keeps_required_hours(tmp_path):
    # a solver that found no plan in its time limit writes a header-only shifts.csv
    write_plan(tmp_path / "p", 1.0)
    (tmp_path / "p" / "shifts.csv").write_text("group,day,start,end,breaks,agents,cost\n")
    o = read_schedule_overhead(tmp_path / "p", 1800)
    assert o.factors == {} and "schedules no agents" in o.notes[0]


def test_a_plan_short_of_its_requirement_does_not_cut_inhouse_hours(tmp_path):
    # phone:de scheduled at half its requirement (f = 0.5): the service level is still
    # computed from the full requirement, so the hours must not fall below it
    write_plan(tmp_path / "plan", 0.5)
    res = cli("-o", str(tmp_path / "s.csv"), "--schedule", str(tmp_path / "plan"))
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(tmp_path / "s.csv").set_index(["scenario", "provider"])
    a = summary.loc[("A in-house", "inhouse")]
    assert a["scheduled_hours_per_year"] == pytest.approx(a["required_hours_per_year"], abs=0.2)
    assert "fewer hours than required on phone:de 0.500" in res.stderr
    # every forecast queue but the plan's two is named as f = 1
    missing = next(line for line in res.stderr.splitlines() if "has no rows for" in line)
    assert "phone:en" in missing and "email:tr" in missing and "phone:de" not in missing


def test_short_factor_is_clipped_in_compare():
    s = scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": [PROVIDERS[0]],
            "scenario": [{"name": "x", "default": PROVIDERS[0]["name"]}],
        }
    )
    (plain,) = compare(s, CENTER, forecast())
    (short,) = compare(s, CENTER, forecast(), overhead={"phone:de": 0.5, "phone:fr": 0.9})
    assert short.providers[0].paid_hours == pytest.approx(plain.providers[0].paid_hours)
    assert short.run_per_year == pytest.approx(plain.run_per_year)
