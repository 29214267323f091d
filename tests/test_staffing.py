"""The requirement steps; Erlang numbers from the worked example in the
reference notes (200 calls/h, AHT 300 s, 80/20 -> 21 agents in Erlang C)."""

from pathlib import Path

import numpy as np
import pytest

from wfm.config import QueueConfig, load_center
from wfm.io.forecast import read_forecast
from wfm.staffing import (
    REQUIREMENT_COLUMNS,
    apply_shrinkage,
    queue_requirement,
    round_requirement,
    staff_forecast,
)

ROOT = Path(__file__).resolve().parents[1]


def phone(**kw):
    base = dict(channel="phone", language="de", model="erlang_c", target="80/20s")
    return QueueConfig(**{**base, **kw})


def test_shrinkage_divides():
    assert apply_shrinkage(np.array([10.0]), 0.3)[0] == pytest.approx(14.285714285714)
    assert round_requirement(apply_shrinkage(np.array([10.0]), 0.3))[0] == 15
    with pytest.raises(ValueError):
        apply_shrinkage(np.array([1.0]), 1.0)


def test_rounding_happens_once_and_tolerates_float_noise():
    # 21 / 0.7 = 30.000000000000004 in floating point: still 30 agents
    assert round_requirement(apply_shrinkage(np.array([21.0]), 0.3))[0] == 30
    assert round_requirement(np.array([0.0, 1e-12, 2.2]))[:].tolist() == [0, 0, 3]


def run(queue, volume, aht=300.0, open_mask=None, shrinkage=0.0):
    volume = np.atleast_1d(np.asarray(volume, dtype=float))
    open_mask = np.ones(volume.shape, bool) if open_mask is None else np.asarray(open_mask)
    return queue_requirement(
        queue,
        volume,
        np.full(volume.shape, aht),
        interval=1800.0,
        open_mask=open_mask,
        shrinkage=shrinkage,
    )


def test_erlang_c_step_and_binding():
    req = run(phone(), [100.0])  # 200 calls/h, AHT 300 s
    assert req.agents_on_duty[0] == 21
    assert req.binding[0] == "service_level"
    assert req.service_level[0] == pytest.approx(0.826, abs=5e-4)


def test_occupancy_cap_is_its_own_step():
    req = run(phone(max_occupancy=0.75), [100.0])  # load 16.67 / 0.75 = 22.2
    assert req.on_duty_unrounded[0] == pytest.approx(100 * 300 / 1800 / 0.75)
    assert req.agents_on_duty[0] == 23
    assert req.binding[0] == "occupancy"


def test_shrinkage_applies_to_unrounded_requirement():
    req = run(phone(max_occupancy=0.75), [100.0], shrinkage=0.25)
    assert req.agents_unrounded[0] == pytest.approx(100 * 300 / 1800 / 0.75 / 0.75)
    assert req.agents_required[0] == 30  # ceil(29.63); rounding twice would give 31


def test_min_agents_and_closed_hours():
    req = run(phone(min_agents=2), [0.0, 0.0, 3.0], open_mask=[True, False, False])
    assert req.agents_on_duty.tolist() == [2, 0, 0]
    assert req.binding.tolist() == ["min_agents", "closed", "closed"]


def test_zero_volume_needs_nobody():
    req = run(phone(), [0.0, 0.0])
    assert req.agents_required.tolist() == [0, 0]


def test_erlang_a_needs_fewer_agents_than_c_with_impatient_callers():
    c = run(phone(), [100.0])
    a = run(phone(model="erlang_a", patience="120s"), [100.0])
    assert a.agents_on_duty[0] == 19  # worked example: SL 83.2 %, abandonment 6.0 %
    assert a.agents_on_duty[0] < c.agents_on_duty[0]
    assert a.abandon_rate[0] == pytest.approx(0.060, abs=5e-4)


def test_example_week_is_staffed():
    center = load_center(ROOT / "examples" / "center.toml")
    fc = read_forecast(ROOT / "examples" / "forecast.csv", center)
    table, warnings = staff_forecast(fc.frame, center)
    assert list(table.columns) == list(REQUIREMENT_COLUMNS)
    assert len(table) == len(fc.frame)
    assert (table["agents_required"] >= table["agents_on_duty"]).all()
    assert (table["agents_required"] >= 0).all()
    # Turkish phone line is closed on Sundays and outside 08-20
    tr = table[(table["channel"] == "phone") & (table["language"] == "tr")]
    sunday = tr[tr["interval_start"].dt.day_of_week == 6]
    assert (sunday["agents_required"] == 0).all()
    assert (sunday["binding_target"] == "closed").all()
    # every staffed real-time interval meets its service-level target
    for key in ("phone:de", "phone:en", "chat:de"):
        ch, lang = key.split(":")
        rows = table[(table["channel"] == ch) & (table["language"] == lang)]
        staffed = rows[rows["volume"] > 0]
        target = center.queue(key).service_level
        assert (staffed["service_level"] >= target - 1e-6).all()
    # e-mail queues meet their share within the deadline
    email = table[(table["channel"] == "email") & (table["language"] == "de")]
    assert email["service_level"].iloc[0] >= 0.9
