"""A ``[[site]]`` as its own in-house provider in ``wfm scenario compare``, against hand
computations.

The center plans one 24/7 queue needing exactly one agent in every interval (a tiny
load, ``min_agents = 1``, no shrinkage), so every provider's paid hours are the hours
routed to it; the forecast is the week of Berlin's spring DST change (Mon 23 to Sun 29
March 2026: 167 hours, 334 half-hours).  Manila (UTC+8) has no DST: Berlin is 7 h
behind it up to Sun 29 March 02:00 CET and 6 h behind from then on.  Every count
below is worked out by hand on those clocks, not taken from the code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wfm.config.center import center_from_dict
from wfm.config.scenario import check_against_center, resolved, scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare

CENTER = {
    "center": {"timezone": "Europe/Berlin", "country": "none", "interval": "30m",
               "contract_hours_per_week": 40, "absence_shrinkage": 0.0,
               "in_shift_shrinkage": 0.0,
               "premiums": {"night": 0.25, "night_hours": "23:00-06:00", "sunday": 0.5,
                            "holiday": 1.25}},
    "queue": [{"channel": "phone", "language": "en", "model": "erlang_c", "target": "80/20s",
               "min_agents": 1}],
    "site": [{"name": "Manila", "timezone": "Asia/Manila", "country": "none",
              "holidays": ["2026-06-12", "2026-12-30"],
              "premiums": {"night": 0.10, "night_hours": "22:00-06:00", "sunday": 0.30,
                           "holiday": 1.00}}],
}

# no overheads but team leaders (and seats for Manila), so the sums stay short
LEAN = {"employer_oncost": 0.0, "team_leader_span": 12, "team_leader_cost": 20_000,
        "support_cost": 0, "tech_per_fte": 0, "seat_cost": 0, "attrition": 0}


def _scenarios(manila_hours: str = "06:00-15:00") -> dict:
    """Berlin (the center) and Manila (the site); "Manila all day" only when Manila's
    ``hours`` are 24 h (else it is routed outside them)."""
    data = {
        "settings": {"years": 1},
        "provider": [
            {"name": "Berlin", "kind": "inhouse",
             "cost": {"hourly_wage": 20.0, **LEAN}},
            {"name": "Manila", "kind": "inhouse", "site": "Manila",
             "hours": {"daily": manila_hours},
             "cost": {**LEAN, "hourly_wage": 5.0, "seat_cost": 1000.0, "seat_reserve": 0.0}},
        ],
        "scenario": [
            {"name": "Berlin only", "default": "Berlin"},
            {"name": "Manila all day", "default": "Manila"},
            {"name": "follow the sun", "default": "Berlin",
             "route": [{"queues": ["phone:en"], "when": "provider_hours",
                        "provider": "Manila"}]},
        ],
    }
    if manila_hours != "00:00-24:00":
        del data["scenario"][1]
    return data


def _forecast() -> pd.DataFrame:
    grid = pd.date_range("2026-03-23", "2026-03-30", freq="30min", tz="Europe/Berlin",
                         inclusive="left")
    assert len(grid) == 334  # 167 hours: the DST week
    return pd.DataFrame({"interval_start": grid, "channel": "phone", "language": "en",
                         "volume": 1.0, "aht_s": 60.0})


def _compare(scen_data: dict):
    center = center_from_dict(CENTER)
    scen = scenarios_from_dict(scen_data, "s.toml")
    check_against_center(scen, center)
    results = compare(resolved(scen, center), center, _forecast())
    return {r.name: r for r in results}


SCALE = 52 * 168 / 167  # the 167-hour forecast week scaled to 52 weeks of 168 hours
YEAR_H = 40 * 52        # contract hours of one FTE a year


def _item(p, prefix: str) -> float:
    return sum(i.value for i in p.items if i.name.startswith(prefix))


def _inhouse(hours: float, night: float, sunday: float, wage: float, premiums: tuple,
             holiday_share: float, seats: float = 0.0) -> float:
    """Hand formula: wages + premiums + team leaders (+ seats), EUR per year."""
    n, s, h = premiums
    paid = hours * SCALE
    wages = paid * wage
    prem = wage * SCALE * (n * night + s * sunday * (1 - holiday_share)) \
        + wage * h * paid * holiday_share
    leaders = paid / YEAR_H / 12 * 20_000
    return wages + prem + leaders + seats


def test_all_day_at_the_center_and_at_the_site():
    r = _compare(_scenarios(manila_hours="00:00-24:00"))
    ber = r["Berlin only"].providers[0]
    # Berlin clock: nights 00-06 and 23-24 = 7 h a day, 49 h, less the missing hour
    # 02:00-03:00 on Sun 29 March: 48 h; Sunday 23 h; no holidays (country "none")
    assert ber.paid_hours == pytest.approx(167 * SCALE)
    assert ber.work[0].night_hours == pytest.approx(48 * SCALE)
    assert ber.work[0].sunday_hours == pytest.approx(23 * SCALE)
    assert ber.run_per_year == pytest.approx(
        _inhouse(167, 48, 23, 20.0, (0.25, 0.5, 1.25), 0.0))
    mnl = r["Manila all day"].providers[0]
    assert mnl.site == "Manila"
    # Manila clock: the week is Mon 23 07:00 to Mon 30 06:00; the nights 22:00-06:00
    # from Mon 23 to Sun 29 lie inside it: 7 x 8 = 56 h; Sunday 29 March 24 h; two
    # site holidays a year (share 2/364); seats: 1 agent at peak x 1,000
    h = 2 / 364
    assert mnl.work[0].night_hours == pytest.approx(56 * SCALE)
    assert mnl.work[0].sunday_hours == pytest.approx(24 * SCALE * (1 - h))
    assert mnl.work[0].holiday_hours == pytest.approx(167 * SCALE * h)
    expected = _inhouse(167, 56, 24, 5.0, (0.10, 0.30, 1.00), h, seats=1000.0)
    assert mnl.run_per_year == pytest.approx(expected)
    # the premium line alone: 5 * (0.1 * 56 + 0.3 * 24 * (1 - h)) * SCALE + 5 * 1.0 * H * h
    assert _item(mnl, "premiums") == pytest.approx(
        5 * (0.1 * 56 + 0.3 * 24 * (1 - h)) * SCALE + 5 * 167 * SCALE * h)
    assert mnl.fte == pytest.approx(167 * SCALE / YEAR_H)


def test_follow_the_sun_routes_the_sites_hours_on_its_clock():
    r = _compare(_scenarios())["follow the sun"]
    by = {p.provider: p for p in r.providers}
    mnl, ber = by["Manila"], by["Berlin"]
    # Manila 06:00-15:00 daily: Mon 23 only 07:00-15:00 (8 h, the week starts at Manila
    # 07:00), Tue-Sun 6 x 9 h: 62 h, no Manila night, 9 h on Sunday 29 March
    assert mnl.paid_hours == pytest.approx(62 * SCALE)
    assert mnl.work[0].night_hours == 0.0
    assert mnl.work[0].sunday_hours == pytest.approx(9 * SCALE * (1 - 2 / 364))
    # Berlin keeps the other 105 h.  Its nights are all Manila's day but Sun 29 March
    # 23:00-24:00 CEST (= Mon 05:00 Manila); its Sunday (23 h, UTC Sat 23:00 - Sun 22:00)
    # loses UTC Sat 23:00 - Sun 07:00 to Manila (8 h): 15 h
    assert ber.paid_hours == pytest.approx(105 * SCALE)
    assert ber.work[0].night_hours == pytest.approx(1 * SCALE)
    assert ber.work[0].sunday_hours == pytest.approx(15 * SCALE)
    assert ber.run_per_year == pytest.approx(
        _inhouse(105, 1, 15, 20.0, (0.25, 0.5, 1.25), 0.0))
    assert mnl.run_per_year == pytest.approx(
        _inhouse(62, 0, 9, 5.0, (0.10, 0.30, 1.00), 2 / 364, seats=1000.0))
    # one agent in every interval: service level far above target at both sites
    assert mnl.service_level > 0.95 and ber.service_level > 0.95
    assert r.run_per_year == pytest.approx(ber.run_per_year + mnl.run_per_year)


def test_a_cost_key_overrides_the_site_premium():
    data = _scenarios(manila_hours="00:00-24:00")
    data["provider"][1]["cost"]["night_premium"] = 0.0
    mnl = _compare(data)["Manila all day"].providers[0]
    h = 2 / 364
    assert _item(mnl, "premiums") == pytest.approx(
        5 * 0.3 * 24 * (1 - h) * SCALE + 5 * 167 * SCALE * h)


def _toml(value) -> str:
    """A scenario dict as TOML (enough of it for these tests)."""
    import json

    lines = []

    def table(prefix: str, d: dict) -> None:
        subs = []
        for k, v in d.items():
            if isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)):
                subs.append((k, v))
            else:
                lines.append(f"{k} = {json.dumps(v)}")
        for k, v in subs:
            if isinstance(v, dict):
                lines.append(f"[{prefix}{k}]")
                table(f"{prefix}{k}.", v)
            else:
                for row in v:
                    lines.append(f"[[{prefix}{k}]]")
                    table(f"{prefix}{k}.", row)

    table("", value)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("edit", "key", "words"), [
    (lambda d: d["provider"][1].update(site="Cebu"), "provider[2] (Manila).site",
     "no [[site]] named 'Cebu'"),
    (lambda d: d["provider"][1]["cost"].update(hourly_wage=-5.0),
     "provider[2] (Manila).cost.hourly_wage", "greater than or equal to 0"),
    (lambda d: d["scenario"][1]["route"][0].update(provider=None, shares={"Manila": 1.0}),
     "scenario[2] (follow the sun).route[1]", "provider_hours"),
])
def test_bad_site_provider_is_located(edit, key, words, tmp_path):
    from wfm.config.scenario import load_scenarios

    data = _scenarios()
    edit(data)
    if data["scenario"][1]["route"][0].get("provider", "x") is None:
        del data["scenario"][1]["route"][0]["provider"]
    path = tmp_path / "s.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(WfmInputError) as ex:
        load_scenarios(path, center_from_dict(CENTER))
    assert key in str(ex.value) and words in str(ex.value)


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """``wfm staff`` and ``wfm scenario compare`` on the bundled site example."""
    from wfm.pipeline.scenario import CompareOptions, compare_scenarios

    d = tmp_path_factory.mktemp("sites")
    forecast = EXAMPLES / "forecast_sites.csv"
    if not forecast.exists():
        pytest.skip("run examples/make_sites_forecast.py first")
    config = EXAMPLES / "center_sites.toml"
    from wfm.cli import main

    with pytest.raises(SystemExit) as ex:
        main(["staff", str(forecast), "-c", str(config), "-o", str(d / "req.csv"), "-q"])
    assert ex.value.code in (0, None)
    run = compare_scenarios(EXAMPLES / "scenarios_sites.toml", forecast, config, None,
                            CompareOptions())
    return pd.read_csv(d / "req.csv"), {r.name: r for r in run.results}


def test_example_manila_hours_and_premiums_by_hand(example):
    import holidays

    req, results = example
    # the requirement of wfm staff, read on the Manila clock with pandas: the intervals
    # starting 06:00-15:00 Manila time are Manila's in scenario B
    local = pd.to_datetime(req["interval_start"], utc=True).dt.tz_convert("Asia/Manila")
    mine = (local.dt.hour >= 6) & (local.dt.hour < 15)
    per_year = 52 * 336 / len(req)  # the forecast's intervals scaled to 52 weeks
    hours = req["agents_required"][mine].sum() * 0.5 * per_year
    sunday = req["agents_required"][mine & (local.dt.day_of_week == 6)].sum() * 0.5 * per_year
    by = {p.provider: p for p in results["B follow-the-sun"].providers}
    mnl = by["Manila"]
    assert mnl.paid_hours == pytest.approx(hours)
    assert by["Berlin"].paid_hours == pytest.approx(req["agents_required"].sum() * 0.5 * per_year
                                                    - hours)
    # Philippine public holidays of 2026 (the holidays package directly), share of 364 days
    h = len(holidays.country_holidays("PH", years=2026)) / 364
    w = 4.5  # hourly wage; premiums of [site.premiums]: Sunday +30 %, holiday +100 %
    assert _item(mnl, "premiums") == pytest.approx(w * (0.30 * sunday * (1 - h) + 1.00 * hours * h))
    fte = hours / YEAR_H
    assert _item(mnl, "wages") == pytest.approx(fte * w * YEAR_H * 1.12)
    assert _item(mnl, "team leaders") == pytest.approx(fte / 12 * 15_000)
    assert _item(mnl, "technology") == pytest.approx(fte * 3000 + 40_000)
    assert _item(mnl, "attrition") == pytest.approx(fte * 0.40 * 1500)
    # follow-the-sun is cheaper than Berlin alone; the site's transition is in the TCO
    assert results["B follow-the-sun"].run_per_year < results["A Berlin only"].run_per_year
    assert mnl.transition == 250_000
