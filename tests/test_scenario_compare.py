"""Routing rules and repeat-contact feedback through the staffing pipeline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wfm.config import center_from_dict, load_center
from wfm.config.scenario import load_scenarios, scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.io.forecast import read_forecast
from wfm.scenario.compare import compare, route_shares, window_masks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

CENTER = center_from_dict(
    {
        "center": {
            "timezone": "Europe/Berlin",
            "interval": "1h",
            "shrinkage": 0.2,
            # the scenarios' night window is the center's (the old scenario default 20-06)
            "premiums": {"night_hours": "20:00-06:00"},
        },
        "queue": [
            {"channel": "phone", "language": "de", "model": "erlang_c", "target": "80/20s"},
            {"channel": "phone", "language": "fr", "model": "erlang_c", "target": "80/20s"},
        ],
    }
)

PROVIDERS = [
    {"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}},
    {
        "name": "vendor",
        "kind": "vendor",
        "fcr": 0.72,
        "aht_factor": 1.1,
        "price": {"model": "per_handled_minute", "price": 1.0},
    },
]


def forecast(days: int = 7) -> pd.DataFrame:
    grid = pd.date_range("2026-04-27", periods=24 * days, freq="1h", tz="Europe/Berlin")
    rows = []
    for key in ("de", "fr"):
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": grid,
                    "channel": "phone",
                    "language": key,
                    "volume": 20.0,
                    "aht_s": 300.0,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def scen(*scenarios, settings=None):
    return scenarios_from_dict(
        {
            "settings": settings or {"baseline_fcr": 0.78},
            "provider": PROVIDERS,
            "scenario": list(scenarios),
        }
    )


def test_time_window_route_gives_each_hour_to_exactly_one_provider():
    s = scen(
        {
            "name": "x",
            "default": "inhouse",
            "route": [{"queues": ["phone:de"], "when": "nights", "provider": "vendor"}],
        }
    )
    grid = pd.date_range("2026-04-27", periods=168, freq="1h", tz="Europe/Berlin")
    masks = window_masks(grid, "20:00-06:00", "DE")
    shares = route_shares(s.scenarios[0], "phone:de", masks, grid)
    assert set(shares) == {"inhouse", "vendor"}
    total = shares["inhouse"] + shares["vendor"]
    assert np.all(total == 1.0)
    assert np.all(np.isin(shares["vendor"], (0.0, 1.0)))
    hour = grid.hour.to_numpy()
    np.testing.assert_array_equal(shares["vendor"] == 1.0, (hour >= 20) | (hour < 6))
    # phone:fr matches no route: all to the default
    assert np.all(route_shares(s.scenarios[0], "phone:fr", masks, grid)["inhouse"] == 1.0)


def test_holidays_and_first_matching_route_wins():
    s = scen(
        {
            "name": "x",
            "default": "inhouse",
            "route": [
                {"when": "holidays", "provider": "vendor"},
                {"when": "always", "shares": {"inhouse": 0.7, "vendor": 0.3}},
            ],
        }
    )
    grid = pd.date_range("2026-04-30", periods=72, freq="1h", tz="Europe/Berlin")  # 1 May
    masks = window_masks(grid, "20:00-06:00", "DE")
    shares = route_shares(s.scenarios[0], "phone:de", masks, grid)
    may_day = (grid.month == 5) & (grid.day == 1)
    assert np.all(shares["vendor"][may_day] == 1.0)
    assert np.allclose(shares["vendor"][~may_day], 0.3)
    assert np.allclose(shares["inhouse"] + shares["vendor"], 1.0)


def test_share_split_and_repeat_contacts_in_compare():
    s = scen({"name": "split", "route": [{"shares": {"inhouse": 0.7, "vendor": 0.3}}]})
    (result,) = compare(s, CENTER, forecast())
    work = {(p.provider, w.queue): w for p in result.providers for w in p.work}
    contacts_week = 20.0 * 168  # per queue
    year = 52.0
    ih, v = work["inhouse", "phone:de"], work["vendor", "phone:de"]
    assert ih.contacts == pytest.approx(0.7 * contacts_week * year)
    assert v.contacts == pytest.approx(0.3 * contacts_week * year)
    assert ih.handled_contacts == pytest.approx(ih.contacts)  # baseline FCR
    assert v.handled_contacts == pytest.approx(v.contacts * 0.78 / 0.72)  # repeats
    assert v.handled_minutes == pytest.approx(v.handled_contacts * 330 / 60)  # AHT +10 %
    assert result.contacts == pytest.approx(2 * contacts_week * year)
    # per-minute invoice = handled minutes * 1 EUR
    vendor = next(p for p in result.providers if p.provider == "vendor")
    assert vendor.run_per_year == pytest.approx(sum(w.handled_minutes for w in vendor.work))


def test_staffing_is_the_wfm_staff_pipeline():
    # all in-house: paid hours equal those of wfm.staffing.staff_forecast
    from wfm.staffing import staff_forecast

    s = scen({"name": "a", "default": "inhouse"})
    (result,) = compare(s, CENTER, forecast())
    table, _ = staff_forecast(forecast(), CENTER)
    expected = table["agents_required"].sum() * 52.0  # 1 h intervals, one week
    assert result.providers[0].paid_hours == pytest.approx(expected)


def test_example_hybrid_routes_every_hour_once():
    center = load_center(EXAMPLES / "center.toml")
    frame = read_forecast(EXAMPLES / "forecast.csv", center).frame
    s = load_scenarios(EXAMPLES / "scenarios.toml", center)
    hybrid = next(x for x in s.scenarios if x.name.startswith("D"))
    sub = frame[(frame["channel"] == "phone") & (frame["language"] == "de")]
    grid = pd.DatetimeIndex(sub["interval_start"])
    masks = window_masks(grid, s.settings.night, s.settings.country)
    shares = route_shares(hybrid, "phone:de", masks, grid)
    assert np.all(sum(shares.values()) == 1.0)
    assert np.all(shares["nearshore"][masks["sundays"]] == 1.0)
    assert "pool" in route_shares(hybrid, "phone:fr", masks, grid)
    results = compare(s, center, frame)
    assert [r.name for r in results] == [x.name for x in s.scenarios]
    for r in results:  # every forecast contact is routed once
        assert sum(p.contacts for p in r.providers) == pytest.approx(r.contacts)


def test_interval_served_by_nobody_and_provider_hours_are_errors():
    from wfm.errors import WfmInputError

    s = scen(
        {
            "name": "gap",
            "route": [
                {"queues": ["phone:de"], "when": "nights", "provider": "vendor"},
                {"queues": ["phone:fr"], "provider": "inhouse"},
            ],
        }
    )
    with pytest.raises(WfmInputError, match=r"scenario\[1\] \(gap\)\.route: queue phone:de at "):
        compare(s, CENTER, forecast())
    limited = [dict(PROVIDERS[0]), {**PROVIDERS[1], "hours": {"mon-fri": "08:00-18:00"}}]
    s = scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": limited,
            "scenario": [{"name": "h", "default": "vendor"}],
        }
    )
    with pytest.raises(WfmInputError, match="outside its hours"):
        compare(s, CENTER, forecast())


def test_premium_hours_follow_the_night_sunday_and_holiday_windows():
    # constant volume: the same paid agents every hour, so the night window 20-06
    # holds 10/24 of the paid hours and Sunday 1/7.  Holidays: Germany has 9
    # national public holidays in 2026 (1 Jan, Good Friday 3 Apr, Easter Monday
    # 6 Apr, 1 May, Ascension 14 May, Whit Monday 25 May, 3 Oct, 25 and 26 Dec),
    # so 9 of the year's 364 days are paid at the holiday premium -- whether or
    # not the forecast week (27 Apr - 3 May, with 1 May) holds one; before, 1 May
    # in the scaled week counted 52 times.
    s = scen({"name": "a", "default": "inhouse"})
    (result,) = compare(s, CENTER, forecast())
    w = next(x for x in result.providers[0].work if x.queue == "phone:de")
    assert w.night_hours == pytest.approx(w.paid_hours * 10 / 24)
    assert w.holiday_hours == pytest.approx(w.paid_hours * 9 / 364)
    # a holiday's premium replaces Sunday's: of the Sunday hours, 355/364 are ordinary
    assert w.sunday_hours == pytest.approx(w.paid_hours / 7 * 355 / 364)


def test_deferred_queue_routed_by_time_window_is_an_error():
    """E-mail arriving at night is worked from the backlog in opening hours; a
    night route sent it to a provider with no open interval and 36 % of the
    e-mails vanished from the cost.  Now refused; a share split still works."""
    center = center_from_dict(
        {
            "center": {"timezone": "Europe/Berlin", "interval": "1h", "shrinkage": 0.2},
            "queue": [
                {
                    "channel": "email",
                    "language": "de",
                    "model": "deferred",
                    "deadline": "24h",
                    "within": 0.9,
                    "opening_hours": {"mon-sun": "08:00-18:00"},
                }
            ],
        }
    )
    grid = pd.date_range("2026-04-27", periods=168, freq="1h", tz="Europe/Berlin")
    fc = pd.DataFrame(
        {
            "interval_start": grid,
            "channel": "email",
            "language": "de",
            "volume": 10.0,
            "aht_s": 300.0,
        }
    )
    providers = [
        {"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}},
        {"name": "vendor", "kind": "vendor", "price": {"model": "per_contact", "price": 1.0}},
    ]

    def run(route):
        return scenarios_from_dict(
            {
                "provider": providers,
                "scenario": [{"name": "x", "default": "inhouse", "route": route}],
            }
        )

    with pytest.raises(WfmInputError, match="routed by time window"):
        compare(run([{"when": "nights", "provider": "vendor"}]), center, fc)
    (result,) = compare(run([{"shares": {"inhouse": 0.7, "vendor": 0.3}}]), center, fc)
    routed = sum(p.contacts for p in result.providers)
    # every e-mail, in-house or vendor; the one-week forecast is scaled to 52 weeks
    assert routed == pytest.approx(10.0 * 168 * 52)
    assert routed == pytest.approx(result.contacts)


def test_holiday_routing_counts_the_years_holidays_not_the_forecast_weeks():
    """1 May lies in the forecast week: routed by date, the vendor took 1/7 of the week,
    i.e. 52 holidays a year.  Now the year's 9 German holidays of 2026 (9 of 364 days):
    per-minute vendor = 1,747,200 minutes a year (2 queues * 20 calls/h * 168 h * 5 min
    * 52) * 9/364 = 43,200 EUR; the in-house team works the other 355 days, no holiday."""
    plain = {
        "name": "vendor",
        "kind": "vendor",
        "price": {"model": "per_handled_minute", "price": 1.0},
    }
    s = scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": [PROVIDERS[0], plain],
            "scenario": [
                {
                    "name": "h",
                    "default": "inhouse",
                    "route": [{"when": "holidays", "provider": "vendor"}],
                },
                {"name": "a", "default": "inhouse"},
            ],
        }
    )
    hol, alone = compare(s, CENTER, forecast())
    by = {p.provider: p for p in hol.providers}
    assert by["vendor"].run_per_year == pytest.approx(43_200.0)
    assert by["inhouse"].paid_hours == pytest.approx(alone.providers[0].paid_hours * 355 / 364)
    assert all(w.holiday_hours == 0.0 for w in by["inhouse"].work)
    assert sum(w.holiday_hours for w in alone.providers[0].work) > 0
    assert sum(p.contacts for p in hol.providers) == pytest.approx(hol.contacts)


def test_window_masks_holidays_by_country_and_subdivision():
    # 2026-01-06 (Epiphany) is a public holiday in Bavaria, not in Germany as a whole;
    # 2026-04-03 (Good Friday) in both

    grid = pd.DatetimeIndex(
        ["2026-01-06 10:00", "2026-04-03 10:00", "2026-04-07 10:00"], tz="Europe/Berlin"
    )
    assert window_masks(grid, "20:00-06:00", "DE")["holidays"].tolist() == [False, True, False]
    assert window_masks(grid, "20:00-06:00", "DE-BY")["holidays"].tolist() == [True, True, False]
