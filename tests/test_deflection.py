"""Deflection (self-service, chatbot) as a scenario knob.

Reference: the worked example of shared/reference/channel-models.md section
8.3 (300 calls/h, AHT 360 s, 80/20, occupancy cap 85 %: 36 agents; deflecting
20 % of contacts whose AHT is 180 s leaves a residual AHT of 405 s and 33
agents; the naive volume-only cut gives 29), and hand-computed workloads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from wfm.config import QueueConfig, center_from_dict
from wfm.config.scenario import Deflection, load_scenarios, scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare
from wfm.scenario.deflection import deflect
from wfm.staffing import queue_requirement


def agents(volume, aht):
    q = QueueConfig(channel="phone", language="de", model="erlang_c", target="80/20s",
                    max_occupancy=0.85)
    req = queue_requirement(q, np.array([volume]), np.array([aht]), interval=3600.0,
                            open_mask=np.ones(1, bool), shrinkage=0.0)
    return int(req.agents_on_duty[0])


def test_reference_worked_example():
    assert agents(300.0, 360.0) == 36
    v, a = deflect(np.array([300.0]), np.array([360.0]), Deflection(share=0.2, aht="180s"))
    assert v[0] == pytest.approx(240.0)
    assert a[0] == pytest.approx(405.0)  # (360 - 0.2 * 180) / 0.8
    assert agents(v[0], a[0]) == 33
    v, a = deflect(np.array([300.0]), np.array([360.0]), Deflection(share=0.2))
    assert (v[0], a[0]) == pytest.approx((240.0, 360.0))
    assert agents(v[0], a[0]) == 29


def test_returns_come_back_at_the_deflected_aht():
    # 1000 contacts at 300 s; a bot takes 30 % (AHT 120 s), a quarter of those return
    v, a = deflect(np.array([1000.0]), np.array([300.0]),
                   Deflection(share=0.3, aht="120s", returns=0.25))
    assert v[0] == pytest.approx(700 + 75)
    assert v[0] * a[0] == pytest.approx(700 * (300 - 0.3 * 120) / 0.7 + 75 * 120)
    assert v[0] * a[0] == pytest.approx(300_000 - 300 * 0.75 * 120)


def test_all_deflected_and_too_much_work():
    v, a = deflect(np.array([10.0, 0.0]), np.array([300.0, 0.0]), Deflection(share=1.0))
    assert v.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="leaves no work"):
        deflect(np.array([10.0]), np.array([300.0]), Deflection(share=0.5, aht="10m"))


CENTER = center_from_dict(
    {
        "center": {"timezone": "Europe/Berlin", "interval": "1h", "shrinkage": 0.2},
        "queue": [
            {"channel": "phone", "language": "de", "model": "erlang_c", "target": "80/20s"},
            {"channel": "social", "language": "de"},
        ],
    }
)


def forecast() -> pd.DataFrame:
    grid = pd.date_range("2026-04-27", periods=24 * 7, freq="1h", tz="Europe/Berlin")
    return pd.concat(
        [
            pd.DataFrame({"interval_start": grid, "channel": c, "language": "de",
                          "volume": v, "aht_s": 300.0})
            for c, v in (("phone", 60.0), ("social", 30.0))
        ],
        ignore_index=True,
    )


def scenarios(*deflections):
    return scenarios_from_dict({
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [{"name": f"s{i}", "default": "inhouse", "deflection": list(d)}
                     for i, d in enumerate(deflections)],
    })


def test_deflection_cuts_hours_and_cost_in_compare():
    s = scenarios([], [{"queues": ["social:*"], "share": 0.4}],
                  [{"queues": ["social:*"], "share": 0.4, "aht": "2m"}])
    base, cut, realistic = compare(s, CENTER, forecast())
    hours = [sum(p.paid_hours for p in r.providers) for r in (base, cut, realistic)]
    assert hours[1] < hours[0] and hours[1] <= hours[2] <= hours[0]
    assert cut.run_per_year < base.run_per_year
    assert cut.contacts == pytest.approx(base.contacts)  # deflected contacts are demand too
    phone = [next(w for w in r.providers[0].work if w.queue == "phone:de").paid_hours
             for r in (base, cut)]
    assert phone[0] == pytest.approx(phone[1])  # other queues untouched
    social = [next(w for w in r.providers[0].work if w.queue == "social:de")
              for r in (base, cut, realistic)]
    # handled minutes: volume x AHT, by hand: 30/h x 5 min, 40 % off; with AHT_d = 2 min
    per_year = 52.0
    assert social[0].handled_minutes == pytest.approx(30 * 168 * 5 * per_year)
    assert social[1].handled_minutes == pytest.approx(0.6 * 30 * 168 * 5 * per_year)
    assert social[2].handled_minutes == pytest.approx((5 - 0.4 * 2) * 30 * 168 * per_year)
    # agents on duty, by hand: 80 % within 1 h at AHT 5-7 min needs just n > load:
    # 30/h x 300 s = 2.5 Erlang -> 3; 18/h x 300 s = 1.5 -> 2; 18/h x 420 s = 2.1 -> 3
    # (deflecting the simple contacts saves nobody here: the step function of section 8.3)
    on_duty = [w.on_duty_hours / (168 * per_year) for w in social]
    assert on_duty == pytest.approx([3.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "rule, words",
    [
        ({"queues": ["email:*"], "share": 0.2}, "deflection[1].queues: matches no queue"),
        ({"queues": ["social:*"], "share": 0.9, "aht": "20m"}, "deflection[1].aht"),
    ],
)
def test_bad_deflection_is_located(rule, words):
    with pytest.raises(WfmInputError, match=re.escape(words)):
        compare(scenarios([rule]), CENTER, forecast())


def test_share_outside_0_1_is_located(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[[provider]]\nname = "inhouse"\nkind = "inhouse"\n[provider.cost]\n'
        'annual_salary = 36000\n[[scenario]]\nname = "x"\ndefault = "inhouse"\n'
        '[[scenario.deflection]]\nqueues = ["social:*"]\nshare = 1.5\n',
        encoding="utf-8",
    )
    with pytest.raises(WfmInputError, match=r"scenario\[1\] \(x\)\.deflection\[1\]\.share"):
        load_scenarios(path, CENTER)


# ---------------------------------------------------------------- callbacks as a knob
def spike_forecast() -> pd.DataFrame:
    """One week of hourly phone volume with a one-hour spike each morning."""
    grid = pd.date_range("2026-04-27", periods=24 * 7, freq="1h", tz="Europe/Berlin")
    volume = np.where(grid.hour == 10, 210.0, np.where((grid.hour >= 8) & (grid.hour < 20),
                                                        110.0, 20.0))
    return pd.DataFrame({"interval_start": grid, "channel": "phone", "language": "de",
                         "volume": volume, "aht_s": 300.0})


def test_callback_knob_shaves_the_peak_in_compare():
    raw = {
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [
            {"name": "off", "default": "inhouse"},
            {"name": "on", "default": "inhouse", "callback": [
                {"queues": ["phone:*"], "accept_share": 0.5, "deadline": "3h",
                 "talk_time": "330s"}]},
        ],
    }
    s = scenarios_from_dict(raw)
    off, on = compare(s, CENTER, spike_forecast())
    # the same requirement as wfm staff with the callback in the center file
    q = CENTER.queue("phone:de").model_copy(update={"callback": s.scenarios[1].callback[0]
                                                    .callback})
    fc = spike_forecast()
    req = queue_requirement(q, fc["volume"].to_numpy(), fc["aht_s"].to_numpy(),
                            interval=3600.0, open_mask=np.ones(len(fc), bool), shrinkage=0.2)
    assert on.providers[0].peak_on_duty == pytest.approx(req.agents_on_duty.max())
    assert on.providers[0].peak_on_duty < off.providers[0].peak_on_duty
    assert req.agents_on_duty.max() < req.required_without_callbacks.max()
    # work moved, not removed: paid hours do not fall
    assert on.providers[0].paid_hours >= off.providers[0].paid_hours


def test_callback_knob_errors_are_located(tmp_path):
    bad_model = {"queues": ["social:*"], "accept_share": 0.5, "deadline": "2h"}
    s = scenarios_from_dict({
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [{"name": "x", "default": "inhouse", "callback": [bad_model]}],
    })
    # social is Erlang C by default: callbacks are allowed there
    compare(s, CENTER, forecast())
    path = tmp_path / "s.toml"
    path.write_text(
        '[[provider]]\nname = "inhouse"\nkind = "inhouse"\n[provider.cost]\n'
        'annual_salary = 36000\n[[scenario]]\nname = "x"\ndefault = "inhouse"\n'
        '[[scenario.callback]]\nqueues = ["phone:*"]\naccept_share = 0.5\n'
        'deadline = "60s"\ntalk_time = "5m"\n',
        encoding="utf-8",
    )
    with pytest.raises(WfmInputError, match=r"scenario\[1\] \(x\)\.callback\[1\]: deadline"):
        load_scenarios(path, CENTER)
    none = scenarios_from_dict({
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [{"name": "x", "default": "inhouse",
                      "callback": [{"queues": ["email:*"], "accept_share": 0.5,
                                    "deadline": "2h"}]}],
    })
    with pytest.raises(WfmInputError, match=re.escape("callback[1].queues: matches no queue")):
        compare(none, CENTER, forecast())


def test_callback_knob_on_a_deferred_queue_is_located():
    center = center_from_dict({"center": {"interval": "1h"}, "queue": [
        {"channel": "letter", "language": "de"}]})
    grid = pd.date_range("2026-04-27", periods=24 * 7, freq="1h", tz="Europe/Berlin")
    fc = pd.DataFrame({"interval_start": grid, "channel": "letter", "language": "de",
                       "volume": 5.0, "aht_s": 600.0})
    s = scenarios_from_dict({
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [{"name": "x", "default": "inhouse", "callback": [
            {"accept_share": 0.5, "deadline": "2h"}]}],
    })
    with pytest.raises(WfmInputError, match=r"callback\[1\]\.queues: letter:de is deferred"):
        compare(s, center, fc)
