"""Several pricing models in one vendor contract: a [[provider.price]] list with windows."""

from __future__ import annotations

import pytest
from test_scenario_compare import CENTER, PROVIDERS, forecast

from wfm.config.scenario import load_scenarios, scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare

MIXED = [
    {"model": "per_handled_minute", "price": 1.0, "when": "nights"},  # 20:00-06:00
    {"model": "per_logged_hour", "price": 28.0},
]


def scen(price):
    vendor = {**PROVIDERS[1], "price": price}
    return scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": [PROVIDERS[0], vendor],
            "scenario": [{"name": "b", "default": "vendor"}],
        }
    )


def test_night_minutes_and_day_hours_by_hand():
    # constant volume: every hour has the same handled minutes and on-duty agents, so the
    # night window holds 10/24 of each (the week 27 Apr - 3 May has no DST change)
    (single,) = compare(scen({"model": "per_handled_minute", "price": 1.0}), CENTER, forecast())
    minutes = sum(w.handled_minutes for w in single.providers[0].work)
    on_duty = sum(w.on_duty_hours for w in single.providers[0].work)
    (mixed,) = compare(scen(MIXED), CENTER, forecast())
    vendor = mixed.providers[0]
    assert vendor.pricing == "per_handled_minute + per_logged_hour"
    expected = minutes * 10 / 24 * 1.0 + on_duty * 14 / 24 * 28.0
    assert vendor.run_per_year == pytest.approx(expected, rel=1e-9)
    names = [i.name for i in vendor.items]
    assert "price[1] (nights) invoice phone:de" in names
    assert "price[2] (always) invoice phone:fr" in names
    # hours, FTE and service level do not depend on how the work is billed
    assert vendor.paid_hours == pytest.approx(single.providers[0].paid_hours)


def test_a_list_of_one_is_the_single_table():
    (one,) = compare(scen([MIXED[1]]), CENTER, forecast())
    (table,) = compare(scen(MIXED[1]), CENTER, forecast())
    assert one.run_per_year == pytest.approx(table.run_per_year)


def test_last_price_must_be_always_and_errors_name_the_entry(tmp_path):
    with pytest.raises(ValueError, match=r"price\[2\]\.when: the last price of a list must"):
        scen([MIXED[0], {**MIXED[1], "when": "sundays"}])
    path = tmp_path / "s.toml"
    path.write_text(
        """
[[provider]]
name = "inhouse"
kind = "inhouse"
cost = { annual_salary = 36000 }
[[provider]]
name = "vendor"
kind = "vendor"
[[provider.price]]
model = "per_handled_minute"
price = -1.0
when = "nights"
[[provider.price]]
model = "per_logged_hour"
price = 28.0
[[scenario]]
name = "b"
default = "vendor"
""",
        encoding="utf-8",
    )
    with pytest.raises(WfmInputError, match=r"provider\[2\] \(vendor\)\.price\[1\]\.price"):
        load_scenarios(path, CENTER)
    path.write_text(path.read_text().replace('when = "nights"', 'when = "evenings"'))
    path.write_text(path.read_text().replace("price = -1.0", "price = 1.0"))
    with pytest.raises(WfmInputError, match=r"price\[1\]\.when: .*unknown window 'evenings'"):
        load_scenarios(path, CENTER)


def test_a_model_validator_key_is_formatted_like_a_field_key(tmp_path):
    # the "last price must be always" check names its key in the message; the loader
    # must print it in the same dotted form pydantic's field errors get
    path = tmp_path / "s.toml"
    path.write_text(
        """
[[provider]]
name = "inhouse"
kind = "inhouse"
cost = { annual_salary = 36000 }
[[provider]]
name = "vendor"
kind = "vendor"
[[provider.price]]
model = "per_handled_minute"
price = 1.0
when = "nights"
[[provider.price]]
model = "per_logged_hour"
price = 28.0
when = "sundays"
[[scenario]]
name = "b"
default = "vendor"
""",
        encoding="utf-8",
    )
    with pytest.raises(WfmInputError) as err:
        load_scenarios(path, CENTER)
    assert "provider[2] (vendor).price[2].when: the last price of a list must" in str(err.value)
