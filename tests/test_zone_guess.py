"""A history read without a timezone: the zone comes from its UTC offsets.

The reference is the tz database itself (``zoneinfo``), not our guesser: the
history is written in Europe/Berlin (or America/New_York, Asia/Kolkata) and the
local wall-clock times must come back exactly.
"""

import zoneinfo

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.io.history import read_history
from wfm.io.zone_guess import guess_timezone

runner = CliRunner()


def office_history(path, start, end, tz="Europe/Berlin", hours=(8, 18), weekdays_only=False):
    """Rows every 30 minutes from ``hours[0]`` to ``hours[1]`` local time, written with
    the UTC offset of ``tz``; the volume depends on the local hour."""
    rows = ["interval_start,channel,language,volume,aht_s"]
    for day in pd.date_range(start, end, freq="D"):
        if weekdays_only and day.day_of_week >= 5:
            continue
        for h in range(*hours):
            for m in (0, 30):
                t = pd.Timestamp(day.year, day.month, day.day, h, m, tz=tz)
                rows.append(f"{t.isoformat()},phone,de,{20 + 3 * (h % 5)},300")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_dst_offsets_read_as_local_wall_clock(tmp_path):
    """Across the spring change (2024-03-31) an office open 08:00-18:00 stays open
    08:00-17:30: 20 half-hours.  Read in UTC it smeared over 06:00-16:30 (22)."""
    path = office_history(tmp_path / "h.csv", "2024-03-18", "2024-04-14")
    h = read_history(path)
    assert h.timezone_guessed
    f = h.frame
    slots = set(f.loc[f["open"], "interval_start"].dt.strftime("%H:%M"))
    assert slots == {f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 30)}
    # same instants as the tz database's Europe/Berlin
    berlin = f["interval_start"].dt.tz_convert(zoneinfo.ZoneInfo("Europe/Berlin"))
    same = berlin.dt.tz_localize(None) == f["interval_start"].dt.tz_localize(None)
    assert same.all()
    assert any("no timezone given" in w and "+01:00/+02:00" in w and "2024-03-31" in w
               for w in h.warnings)
    utc = read_history(path, timezone="UTC").frame
    assert utc["open"].groupby(utc["interval_start"].dt.strftime("%H:%M")).any().sum() == 22


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                "Australia/Sydney"])
def test_guess_gives_the_local_times_of_the_real_zone(tz):
    """Over a year, every instant's local time in the guessed zone equals the real
    zone's (the guess may be another name with the same rule, e.g. CET)."""
    grid = pd.date_range("2023-01-01", "2024-01-01", freq="5h", tz=tz)
    g = guess_timezone(pd.Series([t.isoformat() for t in grid]), "h.csv")
    assert g.note and "h.csv" in g.note
    here = grid.tz_convert(g.zone).tz_localize(None)
    assert (here == grid.tz_localize(None)).all()


def test_fixed_offset_keeps_the_file_s_wall_clock():
    grid = pd.date_range("2024-01-08 08:00", periods=10, freq="30min", tz="Etc/GMT-1")
    g = guess_timezone(pd.Series([t.isoformat() for t in grid]), "h.csv")
    assert g.zone == "Etc/GMT-1" and "+01:00" in g.note
    assert guess_timezone(pd.Series(["2024-01-08T08:00:00Z", "2024-07-08T08:00:00+00:00"]),
                          "h.csv") == guess_timezone(pd.Series(["2024-01-08 08:00"]), "h.csv")


@pytest.mark.parametrize("cells", [
    # one instant written with two offsets
    ["2024-01-08T08:00:00+01:00", "2024-01-08T09:00:00+02:00"],
    # +01:00 in July and +02:00 in January: no zone switches that way round in the north,
    # and the southern ones with these offsets do not exist
    ["2024-01-08T08:00:00+02:00", "2024-07-08T08:00:00+01:00", "2024-12-08T08:00:00+02:00"],
])
def test_offsets_no_zone_explains_fall_back_to_utc_with_a_warning(cells):
    g = guess_timezone(pd.Series(cells), "h.csv")
    assert g.zone == "UTC" and "--timezone" in g.note


def test_forecast_across_dst_keeps_opening_hours_and_no_guessed_holidays(tmp_path):
    """History from October (summer time) to March (winter time); the 14-day forecast
    crosses 2024-03-31.  The forecast's open intervals are 08:00-17:30 local time on
    both sides of the change: written +01:00 before and +02:00 after.  (A history in
    one offset only cannot know the change: that is the fixed-offset case.)"""
    hist = office_history(tmp_path / "h.csv", "2023-10-02", "2024-03-24", weekdays_only=True)
    out = tmp_path / "f.csv"
    result = runner.invoke(app, ["forecast", str(hist), "-o", str(out), "--method", "mean4",
                                 "--horizon", "14d"])
    assert result.exit_code == 0, result.output
    assert "no timezone given" in result.output
    f = pd.read_csv(out, dtype=str)
    local = f["interval_start"].str[11:16]
    offset = f["interval_start"].str[-6:]
    busy = f["volume"].astype(float) > 0
    assert set(local[busy]) == {f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 30)}
    day = f["interval_start"].str[:10]
    assert set(offset[busy & (day < "2024-03-31")]) == {"+01:00"}
    assert set(offset[busy & (day > "2024-03-31")]) == {"+02:00"}
    # Good Friday 2024-03-29 and Easter Monday 2024-04-01 are German holidays; a
    # guessed CET names no country, so they are forecast as ordinary weekdays
    per_day = f.assign(v=f["volume"].astype(float), d=day).groupby("d")["v"].sum()
    assert per_day["2024-03-29"] > 0 and per_day["2024-04-01"] > 0
    assert np.isclose(per_day["2024-03-29"], per_day["2024-03-28"], rtol=0.2)
