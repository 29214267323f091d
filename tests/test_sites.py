"""Sites (issue 14): shift starts on the site's clock, premiums and holidays per site,
config errors, and ``wfm schedule``'s site columns.

Expected values are hand computations from the timezone rules (Berlin CET = UTC+1,
CEST = UTC+2, Manila PHT = UTC+8 without DST, Kolkata IST = UTC+5:30, Toronto EST/EDT
= UTC-5/-4 with the 2026 change on Sunday 8 March 02:00) and the premium table
(night 25 %, Sunday 50 %, holiday 125 %; Sunday and holiday do not add up), not from
the code under test.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.config import load_center
from wfm.config.center import center_from_dict
from wfm.config.schedule import schedule_from_dict
from wfm.errors import WfmInputError
from wfm.schedule.instance import build_instance
from wfm.schedule.sites import site_start_mask

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

BASE = """
[center]
name = "Berlin HQ"
timezone = "Europe/Berlin"
interval = "1h"
country = "DE"

[[queue]]
channel = "phone"
language = "en"
target = "80/20s"

[schedule]
overstaffing_cost = 0
understaffing_penalty = { phone = 1000 }

[[shift]]
name = "eight"
lengths = ["4h"]
starts = "08:00"
step = "1h"

[[shift]]
name = "one"
lengths = ["4h"]
starts = "01:00"
step = "1h"

[[shift]]
name = "late"
lengths = ["4h"]
starts = "22:00"
step = "1h"

[[site]]
name = "Manila"
timezone = "Asia/Manila"
country = "PH"

[[group]]
name = "BER"
skills = ["phone:en"]
rate = 10
min_headcount = 1

[[group]]
name = "MNL"
skills = ["phone:en"]
rate = 10
min_headcount = 1
site = "Manila"
"""


def configs(text: str = BASE):
    import tomllib

    data = tomllib.loads(text)
    center = center_from_dict(data)
    return center, schedule_from_dict(data, center)


def week(monday: str, interval: str = "1h", tz: str = "Europe/Berlin") -> pd.DatetimeIndex:
    """The intervals of one local week from 00:00 of ``monday`` (UTC steps)."""
    first = pd.Timestamp(f"{monday} 00:00").tz_localize(tz)
    end = (pd.Timestamp(monday) + pd.Timedelta(days=7)).tz_localize(tz)
    return pd.date_range(first, end, freq=interval, inclusive="left")


def berlin_hours(starts: pd.DatetimeIndex, mask: np.ndarray) -> list[str]:
    return [f"{t:%a %H:%M}" for t in starts[mask]]


@pytest.mark.parametrize(("monday", "hour"), [("2026-01-05", "01:00"), ("2026-07-06", "02:00")])
def test_manila_eight_is_one_berlin_in_winter_two_in_summer(monday, hour):
    _, sched = configs()
    starts = week(monday)
    tpl = sched.shifts[0]
    mask = site_start_mask(starts, tpl, sched.sites[0], sched, 3600.0)
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert berlin_hours(starts, mask) == [f"{d} {hour}" for d in days]


def test_center_dst_change_moves_the_site_start_in_center_time():
    # Berlin springs forward on Sun 29 March 2026 at 02:00 (01:00 UTC).  Manila 08:00
    # is 00:00 UTC: Berlin 01:00 (CET) up to that Sunday, 02:00 (CEST) from Monday on.
    _, sched = configs()
    starts = week("2026-03-23")
    mask = site_start_mask(starts, sched.shifts[0], sched.sites[0], sched, 3600.0)
    got = berlin_hours(starts, mask)
    assert got == ["Mon 01:00", "Tue 01:00", "Wed 01:00", "Thu 01:00", "Fri 01:00",
                   "Sat 01:00", "Sun 01:00"]
    starts = week("2026-03-30")
    mask = site_start_mask(starts, sched.shifts[0], sched.sites[0], sched, 3600.0)
    assert berlin_hours(starts, mask)[0] == "Mon 02:00"


def test_weekday_is_the_sites():
    # Manila Monday 06:00 is Sunday 23:00 in Berlin (winter): a "mon" template starts
    # there, on the Berlin Sunday, and not on the Berlin Monday 23:00.
    text = BASE.replace('starts = "08:00"\nstep = "1h"',
                        'starts = "06:00"\nstep = "1h"\ndays = "mon"', 1)
    _, sched = configs(text)
    starts = week("2026-01-05")
    mask = site_start_mask(starts, sched.shifts[0], sched.sites[0], sched, 3600.0)
    assert berlin_hours(starts, mask) == ["Sun 23:00"]


def test_site_dst_gap_drops_the_start_and_offgrid_offsets_move_back():
    text = BASE + """
[[site]]
name = "Toronto"
timezone = "America/Toronto"

[[site]]
name = "Pune"
timezone = "Asia/Kolkata"
"""
    text = text.replace('starts = "08:00"', 'starts = "02:30"').replace(
        'interval = "1h"', 'interval = "30m"').replace('step = "1h"', 'step = "30m"')
    _, sched = configs(text)
    toronto, pune = sched.sites[1], sched.sites[2]
    starts = week("2026-03-02", "30min")  # Toronto loses 02:00-03:00 on Sun 8 March
    mask = site_start_mask(starts, sched.shifts[0], toronto, sched, 1800.0)
    # Toronto 02:30 EST = 07:30 UTC = 08:30 Berlin, Mon-Sat; Sunday's 02:30 does not exist
    assert berlin_hours(starts, mask) == [f"{d} 08:30" for d in
                                          ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat")]
    # Kolkata 08:00 is 02:30 UTC = 03:30 Berlin (winter); on a 1-h grid it moves back to
    # the interval that contains it, 03:00
    _, sched1h = configs(BASE + '[[site]]\nname = "Pune"\ntimezone = "Asia/Kolkata"\n')
    starts = week("2026-01-05")
    mask = site_start_mask(starts, sched1h.shifts[0], sched1h.sites[1], sched1h, 3600.0)
    assert berlin_hours(starts, mask)[:2] == ["Mon 03:00", "Tue 03:00"]
    assert pune.timezone == "Asia/Kolkata"


def _cost(inst, group: str, utc: str) -> float:
    """Cost of the column of ``group`` starting at the UTC time ``utc``."""
    g = inst.group_names().index(group)
    t = int(np.flatnonzero(inst.starts.tz_convert("UTC") == pd.Timestamp(utc, tz="UTC"))[0])
    c = np.flatnonzero((inst.columns.group == g) & (inst.columns.start == t))
    assert len(c) == 1, (group, utc, c)
    return float(inst.columns.cost[c[0]])


def _instance(text: str = BASE, monday: str = "2026-11-30"):
    center, sched = configs(text)
    starts = week(monday)
    req = np.ones((1, len(starts)))
    return build_instance(starts, 3600.0, ("phone:en",), req, sched)


def test_premiums_are_judged_on_the_sites_clock_with_its_holidays():
    inst = _instance()
    # Mon 30 Nov 2026 is Bonifacio Day in the Philippines, a working day in Germany.
    # Manila 08:00-12:00 Mon = 00:00-04:00 UTC = Berlin 01:00-05:00 (center night):
    # at the site a holiday day shift, 4 h x 10 x (1 + 1.25) = 90
    assert _cost(inst, "MNL", "2026-11-30 00:00") == pytest.approx(90.0)
    # the same shift on Tuesday: a plain day shift at the site, 4 h x 10 = 40
    assert _cost(inst, "MNL", "2026-12-01 00:00") == pytest.approx(40.0)
    # Berlin group on Monday 08:00 Berlin: no German holiday, 40
    assert _cost(inst, "BER", "2026-11-30 07:00") == pytest.approx(40.0)
    # Berlin group 01:00-05:00 Berlin: night hours at the center, 4 x 10 x 1.25 = 50
    assert _cost(inst, "BER", "2026-12-01 00:00") == pytest.approx(50.0)
    # Manila 01:00-05:00 Manila (17:00 UTC the day before): site night, 50
    assert _cost(inst, "MNL", "2026-12-01 17:00") == pytest.approx(50.0)
    # Sunday 6 Dec at the site, 08:00 Manila: 4 x 10 x 1.5 = 60
    assert _cost(inst, "MNL", "2026-12-06 00:00") == pytest.approx(60.0)


def test_german_holiday_does_not_raise_site_shifts():
    # Sat 3 Oct 2026: German Unity Day, not a Philippine holiday
    inst = _instance(monday="2026-09-28")
    # Berlin 08:00 (06:00 UTC, CEST): 4 x 10 x 2.25 = 90
    assert _cost(inst, "BER", "2026-10-03 06:00") == pytest.approx(90.0)
    # Manila 08:00 Saturday (00:00 UTC): 40
    assert _cost(inst, "MNL", "2026-10-03 00:00") == pytest.approx(40.0)


def test_site_premium_table_overrides_the_centers_keys():
    text = BASE.replace('country = "PH"\n', 'country = "PH"\n[site.premiums]\n'
                        'night = 0.5\nnight_hours = "22:00-06:00"\n')
    inst = _instance(text)
    # Manila 22:00-02:00 Tue (14:00 UTC): 4 night hours in the site's window at 50 %:
    # 4 x 10 x 1.5 = 60 (the center's 23:00 window and 25 % would give 10 x (1 + 3 x 1.25))
    assert _cost(inst, "MNL", "2026-12-01 14:00") == pytest.approx(60.0)
    # Berlin 22:00-02:00 Tue (21:00 UTC): center window, 3 night hours at 25 %
    assert _cost(inst, "BER", "2026-12-01 21:00") == pytest.approx(10 * (1 + 3 * 1.25))


@pytest.mark.parametrize(("edit", "key"), [
    (('timezone = "Asia/Manila"\n', ""), "site[1] (Manila).timezone: Field required"),
    (('"Asia/Manila"', '"Asia/Atlantis"'), "site[1] (Manila).timezone: unknown timezone"),
    (('site = "Manila"', 'site = "Cebu"'), "group[2] (MNL).site: no [[site]] named 'Cebu'"),
    (('[[group]]', '[[site]]\nname = "Manila"\ntimezone = "UTC"\n\n[[group]]'),
     "site[2] (Manila).name: site 'Manila' is defined twice"),
    (('country = "PH"', 'country = "XX"'), "site[1] (Manila).country"),
    (('country = "PH"', 'country = "PH"\n[site.premiums]\nnight = -1'),
     "site[1] (Manila).premiums.night"),
])
@pytest.mark.parametrize("command", ["schedule", "staff"])
def test_bad_site_config_is_a_located_error_and_writes_nothing(tmp_path, edit, key, command):
    cfg = tmp_path / "center.toml"
    cfg.write_text(BASE.replace(*edit, 1), encoding="utf-8")
    req = tmp_path / "req.csv"
    req.write_text("interval_start,channel,language,volume,aht_s,agents_required\n"
                   "2026-01-05T00:00:00+01:00,phone,en,10,300,1\n", encoding="utf-8")
    out = tmp_path / "out"
    args = (["schedule", str(req), "--config", str(cfg), "-o", str(out)] if command == "schedule"
            else ["staff", str(req), "--config", str(cfg), "-o", str(out / "r.csv")])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert key in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_load_center_error_names_the_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(BASE.replace('site = "Manila"', 'site = "Cebu"'), encoding="utf-8")
    with pytest.raises(WfmInputError, match=r"group\[2\] \(MNL\)\.site") as err:
        load_center(cfg)
    assert "c.toml" in str(err.value)


def test_schedule_writes_site_columns(tmp_path):
    cfg = tmp_path / "center.toml"
    text = BASE.replace("min_headcount = 1\n", "")
    cfg.write_text(text, encoding="utf-8")
    req = tmp_path / "req.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for t in week("2026-01-05"):  # one agent needed 01:00-05:00 Berlin (Manila 08-12)
        need = 1 if 1 <= t.hour < 5 else 0
        lines.append(f"{t.isoformat()},phone,en,1,300,{need}")
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o", str(out),
                                 "--time-limit", "20s", "--json"])
    assert result.exit_code == 0, result.output
    with (out / "shifts.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # the Manila day shift (40 a shift) beats the Berlin night shift (50): 7 Manila shifts
    assert {r["group"] for r in rows} == {"MNL"}
    assert len(rows) == 7
    assert all(r["site"] == "Manila" and r["start"] == "01:00" and r["end"] == "05:00"
               and r["site_start"] == "08:00" and r["site_end"] == "12:00" for r in rows)
    assert rows[0]["day"] == rows[0]["site_day"] == "2026-01-05"
    summary = json.loads(result.output)
    sites = {s["site"]: s for s in summary["sites"]}
    # Mon-Sat 4 h x 10 = 40 each; Sunday 11 Jan is a Sunday at the site too: x 1.5 = 60
    assert sites["Manila"]["cost"] == pytest.approx(6 * 40.0 + 60.0)
    assert sites["Manila"]["premium_cost"] == pytest.approx(20.0)
    assert sites["Berlin HQ"]["shifts"] == 0


def test_no_sites_no_site_columns(tmp_path):
    text = BASE.split("[[site]]")[0] + """
[[group]]
name = "BER"
skills = ["phone:en"]
rate = 10
"""
    _, sched = configs(text)
    assert sched.sites == ()
    from wfm.schedule.report import SHIFT_COLUMNS

    assert "site" not in SHIFT_COLUMNS


def test_simulate_reads_a_plan_with_sites(tmp_path):
    test_schedule_writes_site_columns(tmp_path)
    out = tmp_path / "plan"
    result = runner.invoke(app, ["simulate", str(out), "--config", str(tmp_path / "center.toml"),
                                 "--requirements", str(tmp_path / "req.csv"),
                                 "--replications", "2", "--json"])
    assert result.exit_code == 0, result.output


def test_example_config_loads():
    path = ROOT / "examples" / "center_sites.toml"
    center = load_center(path)
    from wfm.config.schedule import load_schedule

    sched = load_schedule(path, center)
    manila = sched.site("Manila")
    assert manila.timezone == "Asia/Manila" and manila.holiday_country == "PH"
    assert manila.premiums.night == 0.10 and manila.premiums.night_window == "22:00-06:00"
    # keys the site does not give stay the center's (none here: all four are given)
    assert [g.site for g in sched.groups] == [None, "Manila"]


def test_report_shows_shifts_and_cost_per_site(tmp_path):
    import openpyxl
    from report_data import INTERVAL, TZ, frames

    from wfm.report import build_summary, build_tables, render_html, write_workbook

    f = frames()
    shifts = f["shifts"].assign(site=["Berlin HQ", "Manila", "Manila"])
    hist = f["history"].assign(interval_start=pd.to_datetime(f["history"]["interval_start"],
                                                               utc=True))
    tables = build_tables(hist, f["forecast"], f["requirements"], f["coverage"], shifts,
                          None, TZ, INTERVAL, None)
    costs = tables["site_costs"].set_index("site")
    # shifts 08:00-16:30 (30 min break) x 10, 22:00-06:00 (30 min) x 4, 09:00-13:00 x 3
    assert costs.loc["Berlin HQ", "paid_h"] == pytest.approx(10 * 8.0)
    assert costs.loc["Manila", "paid_h"] == pytest.approx(4 * 7.5 + 3 * 4.0)
    assert costs.loc["Manila", "shifts"] == 7
    assert costs.loc["Manila", "cost"] == pytest.approx(1100.5 + 300.25)
    assert costs["cost_share"].sum() == pytest.approx(1.0)
    per_day = tables["shifts_per_site"]
    assert list(per_day.columns) == ["day", "Berlin HQ", "Manila", "total"]
    assert per_day["total"].sum() == 17
    facts = build_summary(tables, shifts, f["coverage"], INTERVAL, 40.0)
    html = render_html(tables, ["plan"], facts)
    assert 'id="chart-sites"' in html or "id='chart-sites'" in html
    assert "Agents on shift per day and site" in html
    write_workbook(tmp_path / "r.xlsx", tables, facts)
    assert "site_costs" in openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames
    # without a site column nothing changes
    plain = build_tables(hist, f["forecast"], f["requirements"], f["coverage"], f["shifts"],
                         None, TZ, INTERVAL, None)
    assert "site_costs" not in plain and "shifts_per_site" not in plain


@pytest.mark.parametrize("monday", ["2026-03-23", "2026-10-19", "2026-12-21"])
def test_a_site_in_the_centers_zone_plans_like_the_center(monday):
    # Invariant: a site with the center's timezone, holidays and premiums gives its group
    # the same columns and costs as a group at the center, in DST-change and holiday weeks.
    text = BASE.replace('timezone = "Asia/Manila"\ncountry = "PH"',
                        'timezone = "Europe/Berlin"\ncountry = "DE"').replace(
        'interval = "1h"', 'interval = "30m"').replace('step = "1h"', 'step = "30m"')
    text = text.replace('lengths = ["4h"]\nstarts = "08:00"',
                        'lengths = ["4h", "8h"]\nstarts = "05:00-23:30"')
    center, sched = configs(text)
    starts = week(monday, "30min")
    inst = build_instance(starts, 1800.0, ("phone:en",), np.ones((1, len(starts))), sched)
    c = inst.columns
    key = ["start", "length", "brk", "cost"]
    mine = [pd.DataFrame({k: getattr(c, k)[c.group == g] for k in key}).sort_values(key)
            .reset_index(drop=True) for g in (0, 1)]
    assert len(mine[0]) > 0
    pd.testing.assert_frame_equal(mine[0], mine[1])


def _plan_week(tmp_path, monday: str) -> tuple[list[dict], list[dict]]:
    """Plan (and roster) a week needing one agent at Manila 08:00-12:00 (counted from
    UTC, 00:00-04:00 UTC) and one at Berlin 08:00-12:00; rows of shifts.csv, roster.csv."""
    cfg = tmp_path / "center.toml"
    cfg.write_text(BASE.replace("min_headcount = 1\n", ""), encoding="utf-8")
    req = tmp_path / "req.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for t in week(monday):
        need = int(t.tz_convert("UTC").hour < 4 or 8 <= t.hour < 12)
        lines.append(f"{t.isoformat()},phone,en,1,300,{need}")
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "plan"
    result = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o", str(out),
                                 "--time-limit", "20s", "-q"])
    assert result.exit_code == 0, result.output
    rows = []
    for name in ("shifts.csv", "roster.csv"):
        with (out / name).open(encoding="utf-8") as fh:
            rows.append(list(csv.DictReader(fh)))
    return rows[0], rows[1]


# Hand-worked: Manila is UTC+8 all year.  Spring (week of Mon 23 March 2026): Berlin is
# UTC+1 up to Sun 29 March 01:00 UTC, so Manila 08:00-12:00 (00:00-04:00 UTC) is Berlin
# 01:00-05:00 Mon-Sat and 01:00 CET - 06:00 CEST on Sunday.  Autumn (week of Mon 19
# October 2026): Berlin is UTC+2 up to Sun 25 October 01:00 UTC: Berlin 02:00-06:00
# Mon-Sat and 02:00 CEST - 05:00 CET on Sunday.  The Berlin shift is 08:00-12:00 on both
# clocks every day.
@pytest.mark.parametrize(("monday", "start", "end", "sunday_end"), [
    ("2026-03-23", "01:00", "05:00", "06:00"),
    ("2026-10-19", "02:00", "06:00", "05:00"),
])
def test_shift_and_roster_times_on_the_sites_clock_in_dst_weeks(tmp_path, monday, start, end,
                                                                 sunday_end):
    shifts, roster = _plan_week(tmp_path, monday)
    days = [f"{d:%Y-%m-%d}" for d in pd.date_range(monday, periods=7)]
    for rows in (shifts, roster):
        mnl = sorted((r for r in rows if r["group"] == "MNL"), key=lambda r: r["day"])
        ber = sorted((r for r in rows if r["group"] == "BER"), key=lambda r: r["day"])
        assert [r["day"] for r in mnl] == days == [r["day"] for r in ber]
        assert [r["site_day"] for r in mnl] == days
        assert all(r["site"] == "Manila" and r["site_timezone"] == "Asia/Manila"
                   and r["site_start"] == "08:00" and r["site_end"] == "12:00" for r in mnl)
        assert [(r["start"], r["end"]) for r in mnl] == [(start, end)] * 6 + [(start,
                                                                               sunday_end)]
        assert all(r["site"] == "Berlin HQ" and r["site_timezone"] == "Europe/Berlin"
                   and r["start"] == r["site_start"] == "08:00"
                   and r["end"] == r["site_end"] == "12:00" for r in ber)
    # the roster's fairness counts are on the group's clock: Manila 08:00-12:00 is day
    # work although it is 4 h of the German night (23:00-06:00)
    with (tmp_path / "plan" / "roster_agents.csv").open(encoding="utf-8") as fh:
        agents = list(csv.DictReader(fh))
    assert {a["group"] for a in agents} == {"MNL", "BER"}
    assert all(a["nights"] == "0" for a in agents)
