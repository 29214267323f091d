"""One center configuration: holidays, night window, FTE and shrinkage from ``[center]``.

Every step (forecast, staff, schedule, scenarios, simulate) reads these from the one
``[center]`` table; the old places (``[schedule] fte_hours``, ``holidays``,
``[schedule.premiums]``, the scenario file's ``settings.night``/``country``, a provider's
``contract_hours_per_week``, the single ``shrinkage``) are read as before or refused
with a located error that says what to write instead.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app
from wfm.config import center_from_dict, load_center
from wfm.config.scenario import load_scenarios, scenarios_from_dict
from wfm.config.schedule import load_schedule, schedule_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare, prepare
from wfm.schedule.instance import build_instance, premium_factors
from wfm.schedule.report import summary
from wfm.schedule.solve import SolveOptions, solve
from wfm.staffing import staff_forecast
from wfm.units import WEEKS_PER_YEAR, fte

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
QUEUE = {"channel": "phone", "language": "de", "model": "erlang_c", "target": "80/20s"}
runner = CliRunner()


def example_with(tmp_path: Path, old: str, new: str, name: str = "center.toml") -> Path:
    text = (EXAMPLES / "center.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def week_frame(start: str, volume: float = 20.0, aht: float = 300.0) -> pd.DataFrame:
    grid = pd.date_range(start, periods=24 * 7, freq="1h", tz="Europe/Berlin")
    return pd.DataFrame({"interval_start": grid, "channel": "phone", "language": "de",
                         "volume": volume, "aht_s": aht})


ONE_PROVIDER = {
    "settings": {},
    "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
    "scenario": [{"name": "a", "default": "inhouse"}],
}


# --- one holiday source -----------------------------------------------------------


def test_forecast_schedule_and_scenarios_see_the_same_holidays(tmp_path):
    """Bavaria (DE-BY) keeps Epiphany (6 Jan) and Corpus Christi (4 Jun 2026), which the
    national list does not; 24 Dec is added by hand.  The forecast, the schedule's
    holiday premium and the scenarios' holiday window must all hold exactly these."""
    from wfm.pipeline.forecast import forecast_inputs

    path = example_with(tmp_path, 'country = "DE" ',
                        'country = "DE-BY"\nholidays = ["2026-12-24"]\n#')
    center = load_center(path)
    days = center.holiday_dates([2026])
    for d in (dt.date(2026, 1, 6), dt.date(2026, 6, 4), dt.date(2026, 12, 24),
              dt.date(2026, 4, 3), dt.date(2026, 12, 25)):
        assert d in days
    assert dt.date(2026, 12, 31) not in days

    # forecast: the holidays the day-level model is given
    (prepared, _), _ = forecast_inputs(EXAMPLES / "history.csv", path, None, None, None,
                                       None, None)
    forecast_days = {pd.Timestamp(t).date() for t in prepared.holidays}
    assert {d for d in forecast_days if d.year == 2026} == days

    # schedule: the holiday premium (1.25) on every one of them, and on no other day
    sched = load_schedule(path, center)
    starts = pd.date_range("2026-01-01 12:00", "2026-12-31 12:00", freq="1D",
                           tz="Europe/Berlin")
    factors = premium_factors(starts, sched)
    sundays = starts.day_of_week == 6
    premium_days = {t.date() for t, f, s in zip(starts, factors, sundays, strict=True)
                    if f == pytest.approx(1.0 + 1.25)}
    assert premium_days == days
    assert np.all(factors[~np.isin(starts.date, list(days)) & ~sundays] == 1.0)

    # scenarios: the holiday window of the routing, and the year's share of holidays
    scen = scenarios_from_dict(ONE_PROVIDER)
    ctx = prepare(scen, center, week_frame("2026-01-05"))  # Mon 5 Jan - Sun 11 Jan
    q = ctx.queues[0]
    hol = ctx.masks[q.key]["holidays"]
    assert {t.date() for t in q.grid[hol]} == {dt.date(2026, 1, 6)}
    assert ctx.holiday_share == pytest.approx(len(days) / 364)


def test_forecast_country_option_must_agree_with_the_config(tmp_path):
    path = example_with(tmp_path, 'country = "DE" ', 'country = "DE-BY" ')
    out = tmp_path / "fc.csv"
    res = runner.invoke(app, ["forecast", str(EXAMPLES / "history.csv"), "-c", str(path),
                              "--country", "AT", "-o", str(out), "--horizon", "7d", "-q"])
    assert res.exit_code == 2, res.output
    assert str(path) in res.output and "center.country" in res.output
    assert "Traceback" not in res.output and not out.exists()


def test_country_defaults_to_the_timezones():
    center = center_from_dict({"center": {"timezone": "Europe/Vienna"}, "queue": [QUEUE]})
    assert center.holiday_country == "AT"
    assert dt.date(2026, 12, 8) in center.holiday_dates([2026])  # Mariä Empfängnis, AT only
    none = center_from_dict({"center": {"country": "none"}, "queue": [QUEUE]})
    assert none.holiday_country is None and none.holiday_dates([2026]) == set()


# --- one night window --------------------------------------------------------------


def test_one_night_window_for_premiums_and_routing(tmp_path):
    path = example_with(tmp_path, 'night_hours = "23:00-06:00"', 'night_hours = "21:00-05:00"')
    center = load_center(path)
    sched = load_schedule(path, center)
    # Tuesday 3 Mar 2026 (no holiday): 20:30, 21:00, 04:30, 05:00 local
    starts = pd.DatetimeIndex(["2026-03-03 20:30", "2026-03-03 21:00", "2026-03-04 04:30",
                               "2026-03-04 05:00"]).tz_localize("Europe/Berlin")
    night = [False, True, True, False]
    assert premium_factors(starts, sched).tolist() == [1.25 if n else 1.0 for n in night]

    scen = load_scenarios(EXAMPLES / "scenarios.toml", center)
    assert scen.settings.night == "21:00-05:00"
    ctx = prepare(scen, center, week_frame("2026-03-02"))
    q = ctx.queues[0]
    local = q.grid
    minute = local.hour * 60 + local.minute
    expected = (minute >= 21 * 60) | (minute < 5 * 60)
    assert np.array_equal(ctx.masks[q.key]["nights"], expected)
    assert np.array_equal(ctx.masks[q.key]["off_hours"], expected | (local.day_of_week == 6))


def test_scenario_night_and_country_must_agree_with_the_center(tmp_path):
    center = load_center(EXAMPLES / "center.toml")
    text = (EXAMPLES / "scenarios.toml").read_text(encoding="utf-8")
    for extra, key, hint in [
        ('night = "20:00-06:00"', "settings.night", 'night_hours = "20:00-06:00"'),
        ('country = "DE-BY"', "settings.country", 'country = "DE-BY"'),
    ]:
        bad = tmp_path / "s.toml"
        bad.write_text(text.replace("[settings]\n", f"[settings]\n{extra}\n", 1), "utf-8")
        with pytest.raises(WfmInputError) as err:
            load_scenarios(bad, center)
        assert str(bad) in str(err.value) and key in str(err.value) and hint in str(err.value)
    # the same values as the center's are accepted (old files keep working)
    same = tmp_path / "same.toml"
    same.write_text(text.replace("[settings]\n",
                                 '[settings]\nnight = "23:00-06:00"\ncountry = "de"\n', 1),
                    "utf-8")
    assert load_scenarios(same, center).settings.country == "DE"


# --- one FTE definition ------------------------------------------------------------


def test_schedule_and_scenario_fte_agree_for_the_same_paid_hours():
    """Two agents on duty every hour of a week: 336 paid hours.  With a 38.5-h contract
    both the schedule summary and the scenario table say 336 / 38.5 = 8.727 FTE."""
    data = {
        "center": {"timezone": "Europe/Berlin", "interval": "1h", "contract_hours_per_week": 38.5,
                   "premiums": {"night": 0, "sunday": 0, "holiday": 0}},
        "queue": [{**QUEUE, "min_agents": 2}],
        "schedule": {"break_rule": [], "overstaffing_cost": 0.0, "wrap_week": True},
        "shift": [{"name": "eight", "lengths": ["8h"], "starts": "00:00-23:00", "step": "1h"}],
        "group": [{"name": "G", "skills": ["phone:de"], "rate": 10.0}],
    }
    center = center_from_dict(data)
    frame = week_frame("2026-03-02", volume=0.0, aht=300.0)  # min_agents sets the need
    table, _ = staff_forecast(frame, center)
    assert (table["agents_required"] == 2).all()

    sched = schedule_from_dict(data, center)
    required = table["agents_required"].to_numpy(float)[None, :]
    starts = pd.DatetimeIndex(table["interval_start"])
    inst = build_instance(starts, 3600.0, ["phone:de"], required, sched)
    result = solve(inst, SolveOptions(solver="highs", time_limit=60, gap=1e-6))
    s = summary(inst, result)
    assert s["paid_h"] == pytest.approx(336.0)
    assert s["fte"] == pytest.approx(336.0 / 38.5)

    (res,) = compare(scenarios_from_dict(ONE_PROVIDER), center, frame)
    (prov,) = res.providers
    assert prov.paid_hours == pytest.approx(336.0 * 52)
    assert prov.fte == pytest.approx(s["fte"])
    assert fte(336.0 * WEEKS_PER_YEAR, 38.5, WEEKS_PER_YEAR) == pytest.approx(336.0 / 38.5)


def test_inhouse_contract_hours_must_be_the_centers(tmp_path):
    center = load_center(EXAMPLES / "center.toml")
    text = (EXAMPLES / "scenarios.toml").read_text(encoding="utf-8")
    bad = tmp_path / "s.toml"
    bad.write_text(text.replace('kind = "inhouse"\n', 'kind = "inhouse"\n'
                                'contract_hours_per_week = 39\n', 1), "utf-8")
    with pytest.raises(WfmInputError) as err:
        load_scenarios(bad, center)
    assert "provider[1] (inhouse).contract_hours_per_week" in str(err.value)
    assert "contract_hours_per_week in [center]" in str(err.value)


def test_old_schedule_fte_hours_is_the_centers_contract_hours(tmp_path):
    path = example_with(tmp_path, "contract_hours_per_week = 40 ", "#")
    path.write_text(path.read_text("utf-8").replace("[schedule]\n", "[schedule]\nfte_hours = 38\n"),
                    "utf-8")
    center = load_center(path)
    assert center.contract_hours_per_week == 38
    assert load_schedule(path, center).rules.fte_hours == 38
    both = example_with(tmp_path, "[schedule]\n", "[schedule]\nfte_hours = 38\n", "both.toml")
    with pytest.raises(WfmInputError, match=r"schedule\.fte_hours: 38 differs .* = 40"):
        load_center(both)
    # the schedule's holidays are the center's: no country of its own
    country = example_with(tmp_path, "[schedule]\n", '[schedule]\ncountry = "AT"\n', "c.toml")
    with pytest.raises(WfmInputError, match=r"schedule\.country: set country in \[center\]"):
        load_schedule(country, load_center(country))


# --- shrinkage: two kinds, and the old single figure ---------------------------------


def test_old_shrinkage_gives_the_same_requirement_as_the_two_kinds(tmp_path):
    """The example's 0.20 absence and 0.125 in-shift shrinkage are 1 - 0.8 * 0.875 = 0.30
    combined: the old ``shrinkage = 0.30`` must give the same requirements, bit for bit."""
    old = example_with(tmp_path, "absence_shrinkage = 0.20", "shrinkage = 0.30\n#")
    old.write_text(old.read_text("utf-8").replace("in_shift_shrinkage = 0.125", "#"), "utf-8")
    old_center, new_center = load_center(old), load_center(EXAMPLES / "center.toml")
    assert (old_center.absence_shrinkage, old_center.in_shift_shrinkage) == (0.30, 0.0)
    assert new_center.shrinkage == old_center.shrinkage == 0.30
    frame = pd.read_csv(EXAMPLES / "forecast.csv")
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True).dt.tz_convert(
        "Europe/Berlin")
    a, _ = staff_forecast(frame, old_center)
    b, _ = staff_forecast(frame, new_center)
    pd.testing.assert_frame_equal(a, b)


def test_shrinkage_kinds_multiply_and_queues_override():
    center = center_from_dict({
        "center": {"absence_shrinkage": 0.1, "in_shift_shrinkage": 0.2},
        "queue": [QUEUE, {**QUEUE, "language": "en", "in_shift_shrinkage": 0.0},
                  {**QUEUE, "language": "fr", "shrinkage": 0.25}],
    })
    # scheduled = on duty / ((1 - 0.1) (1 - 0.2)) = on duty / 0.72
    assert center.shrinkage_for(center.queue("phone:de")) == pytest.approx(0.28)
    assert center.shrinkage_for(center.queue("phone:en")) == pytest.approx(0.1)
    assert center.shrinkage_for(center.queue("phone:fr")) == pytest.approx(0.25)


QUEUE_TOML = '[[queue]]\nchannel = "phone"\nlanguage = "de"\ntarget = "80/20s"\n'


@pytest.mark.parametrize(
    ("center", "queue", "message"),
    [
        ("shrinkage = 1.0", "", "center.shrinkage: must be a fraction in [0, 1)"),
        ("absence_shrinkage = 1.2", "", "center.absence_shrinkage"),
        ("in_shift_shrinkage = -0.1", "", "center.in_shift_shrinkage"),
        ("shrinkage = 0.3\nabsence_shrinkage = 0.2", "", "center.shrinkage: give either"),
        ("", "shrinkage = 1.5", "queue[1] (phone:de).shrinkage: must be"),
        ("", "absence_shrinkage = 1.0", "queue[1] (phone:de).absence_shrinkage"),
        ('country = "XX"', "", "center.country: unknown country or subdivision 'XX'"),
        ('country = "DE-XX"', "", "center.country"),
        ("contract_hours_per_week = 0", "", "center.contract_hours_per_week"),
        ('premiums = { night_hours = "23-06" }', "", "center.premiums.night_hours"),
        ('premiums = { night_hours = "23:00" }', "", "center.premiums.night_hours: give a"),
    ],
)
def test_bad_center_values_are_located(tmp_path, center, queue, message):
    path = tmp_path / "c.toml"
    path.write_text(f"[center]\n{center}\n{QUEUE_TOML}{queue}\n", "utf-8")
    with pytest.raises(WfmInputError) as err:
        load_center(path)
    assert str(path) in str(err.value) and message in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[schedule]\n", '[schedule]\nholidays = ["2026-04-03"]\n',
         'schedule.holidays: public holidays come from [center] now'),
        ("[schedule]\n", "[schedule]\npremiums = { night = 0.3 }\n",
         "schedule.premiums: the premium table is given twice"),
        ("absence_shrinkage = 0.20", "shrinkage = 0.3\nabsence_shrinkage = 0.2",
         "center.shrinkage: give either"),
        ('country = "DE" ', 'country = "XX" ', "center.country"),
        ("absence_shrinkage = 0.20", "absence_shrinkage = 1.0", "center.absence_shrinkage"),
    ],
)
def test_staff_on_a_bad_center_exits_2_naming_the_key(tmp_path, old, new, message):
    path = example_with(tmp_path, old, new)
    out = tmp_path / "req.csv"
    res = runner.invoke(app, ["staff", str(EXAMPLES / "forecast.csv"), "-c", str(path),
                              "-o", str(out)])
    assert res.exit_code == 2, res.output
    flat = " ".join(res.output.split())
    assert message in flat and "Traceback" not in res.output
    assert not out.exists()


def test_old_schedule_premiums_table_is_the_centers(tmp_path):
    text = (EXAMPLES / "center.toml").read_text("utf-8")
    start, end = text.index("[center.premiums]"), text.index("[defaults]")
    # [schedule.premiums] after the [[group]] tables is still the [schedule] table's child
    moved = (text[:start] + text[end:]
             + '\n[schedule.premiums]\nnight = 0.3\nnight_hours = "22:00-06:00"\n')
    path = tmp_path / "c.toml"
    path.write_text(moved, "utf-8")
    center = load_center(path)
    assert center.premiums.night == 0.3 and center.premiums.night_window == "22:00-06:00"
    assert load_schedule(path, center).rules.premiums == center.premiums
    bad = tmp_path / "bad.toml"
    bad.write_text(moved.replace("night = 0.3", "night = -1"), "utf-8")
    with pytest.raises(WfmInputError, match=r"schedule\.premiums\.night:"):
        load_center(bad)


def test_provider_old_shrinkage_and_kinds():
    center = center_from_dict({"center": {"absence_shrinkage": 0.2,
                                          "in_shift_shrinkage": 0.125}, "queue": [QUEUE]})
    data = {**ONE_PROVIDER, "provider": [{**ONE_PROVIDER["provider"][0], "shrinkage": 0.1}]}
    prov = scenarios_from_dict(data).providers[0]
    assert prov.shrinkage(center.shrinkage_kinds(center.queues[0])) == pytest.approx(0.1)
    data["provider"][0] = {**ONE_PROVIDER["provider"][0], "in_shift_shrinkage": 0.0}
    prov = scenarios_from_dict(data).providers[0]
    assert prov.shrinkage(center.shrinkage_kinds(center.queues[0])) == pytest.approx(0.2)
    data["provider"][0] = {**ONE_PROVIDER["provider"][0], "shrinkage": 1.0}
    with pytest.raises(ValueError, match=r"provider\[1\] \(inhouse\)\.shrinkage: must be"):
        scenarios_from_dict(data)


def test_schedule_tables_with_old_keys_must_agree_with_the_center_given():
    """schedule_from_dict with a center built elsewhere: old keys are never dropped
    silently."""
    data = {"queue": [QUEUE], "shift": [{"name": "a", "lengths": ["8h"]}],
            "group": [{"name": "G", "skills": ["phone:de"]}]}
    center = center_from_dict(data)
    for rules, key in [({"fte_hours": 38}, "schedule.fte_hours"),
                       ({"premiums": {"night": 0.3}}, "schedule.premiums"),
                       ({"holidays": ["2026-04-03"]}, "schedule.holidays")]:
        with pytest.raises(ValueError, match=key):
            schedule_from_dict({**data, "schedule": rules}, center)
    same = {**data, "schedule": {"fte_hours": 40, "premiums": {"night": 0.25}}}
    assert schedule_from_dict(same, center).rules.fte_hours == 40
