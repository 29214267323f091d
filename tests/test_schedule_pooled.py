"""Service level over the day or week (``[schedule] service_level_over``): the pooled
staffing against a brute force with an Erlang C formula written here (mpmath), and the
option end to end."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wfm.cli import app
from wfm.schedule.pooled import pooled_on_duty

runner = CliRunner()
DT = 1800.0
AHT = 300.0
TAU = 20.0


def erlang_c_sl(n: int, load: float, aht: float = AHT, tau: float = TAU) -> float:
    """1 - C(n, A) exp(-(n - A) tau / aht), C from the textbook sums (0 if n <= A)."""
    if load == 0:
        return 1.0
    if n <= load:
        return 0.0
    a = mp.mpf(load)
    top = a**n / mp.factorial(n) * n / (n - a)
    c = top / (sum(a**k / mp.factorial(k) for k in range(n)) + top)
    return float(1 - c * mp.e ** (-(n - a) * tau / aht))


def brute_force(volume, target, floor_share=0.5, spread=7):
    """Fewest agent-intervals with sum v SL(k) >= target sum v, every k at its floor or
    above (floor: fewest agents with SL >= floor_share x target), by enumeration."""
    loads = [v * AHT / DT for v in volume]
    floors = [next(k for k in range(1, 200) if erlang_c_sl(k, a) >= floor_share * target)
              for a in loads]
    need = target * sum(volume)
    best = None
    for ks in itertools.product(*[range(f, f + spread) for f in floors]):
        got = sum(v * erlang_c_sl(k, a) for v, k, a in zip(volume, ks, loads, strict=True))
        if got >= need - 1e-9 and (best is None or sum(ks) < best):
            best = sum(ks)
    return best, floors


@pytest.mark.parametrize("volume", [[30.0, 60.0, 90.0, 45.0], [5.0, 80.0, 12.0, 40.0]])
def test_weekly_staffing_matches_brute_force(volume):
    best, floors = brute_force(volume, 0.8)
    T = len(volume)
    res = pooled_on_duty(np.array(volume), np.full(T, AHT), np.ones(T, bool), np.zeros(T, int),
                         dt=DT, target=0.8, target_time=TAU, patience=None, min_agents=0,
                         shrinkage=0.0, cost=np.ones(T))
    assert res.floor.tolist() == floors
    assert int(res.on_duty.sum()) == best
    loads = [v * AHT / DT for v in volume]
    got = sum(v * erlang_c_sl(int(k), a) for v, k, a in zip(volume, res.on_duty, loads,
                                                                strict=True))
    assert got >= 0.8 * sum(volume) - 1e-9
    # interval by interval needs at least as many
    per_interval = sum(next(k for k in range(1, 200) if erlang_c_sl(k, a) >= 0.8) for a in loads)
    assert best <= per_interval


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(1.0, 120.0), min_size=2, max_size=6), st.sampled_from([0.0, 0.3]),
       st.integers(0, 2))
def test_every_day_meets_its_target_and_the_floor(volume, shrinkage, n_days):
    T = len(volume)
    period = np.arange(T) % (n_days + 1)
    res = pooled_on_duty(np.array(volume), np.full(T, AHT), np.ones(T, bool), period, dt=DT,
                         target=0.8, target_time=TAU, patience=None, min_agents=1,
                         shrinkage=shrinkage, cost=np.linspace(1.0, 2.0, T))
    loads = [v * AHT / DT for v in volume]
    for p in np.unique(period):
        ts = np.flatnonzero(period == p)
        sl = sum(volume[t] * erlang_c_sl(int(res.on_duty[t]), loads[t]) for t in ts)
        assert sl >= 0.8 * sum(volume[t] for t in ts) - 1e-6
    assert (res.on_duty >= res.floor).all() and (res.floor >= 1).all()
    for t in range(T):  # the floor: SL at floor - 1 below half the target (or min_agents)
        f = int(res.floor[t])
        assert erlang_c_sl(f, loads[t]) >= 0.4 - 1e-9
        assert f == 1 or erlang_c_sl(f - 1, loads[t]) < 0.4


CENTER = """
[center]
timezone = "Europe/Berlin"
interval = "1h"

[[queue]]
channel = "phone"
language = "de"
target = "80/20s"

[schedule]
understaffing_penalty = { phone = 1000 }
overstaffing_cost = 0
premiums = { night = 0, sunday = 0, holiday = 0 }
{extra}

[[shift]]
name = "s"                # one-hour shifts: the plan is the requirement
lengths = ["1h"]
starts = "00:00-23:00"
step = "1h"

[[group]]
name = "DE"
skills = ["phone:de"]
rate = 10
"""


def write_inputs(tmp: Path, extra: str) -> tuple[Path, Path]:
    cfg = tmp / f"center{len(extra)}.toml"
    cfg.write_text(CENTER.replace("{extra}", extra), encoding="utf-8")
    req = tmp / "req.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for h, v in enumerate([20, 60, 140, 100, 60, 30, 80, 40]):
        n = next(k for k in range(1, 99) if erlang_c_sl(k, v * AHT / 3600) >= 0.8)
        lines.append(f"2026-03-02T{h:02d}:00:00+01:00,phone,de,{v},{AHT},{n}")
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg, req


def run(tmp: Path, extra: str, name: str):
    cfg, req = write_inputs(tmp, extra)
    out = tmp / name
    res = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o", str(out),
                              "--solver", "highs", "--time-limit", "20s", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output), out


def test_interval_option_is_todays_behaviour(tmp_path):
    a, out_a = run(tmp_path, "", "a")
    b, out_b = run(tmp_path, 'service_level_over = "interval"', "b")
    assert "service_level_over" not in b
    for f in ("shifts.csv", "coverage.csv", "uncovered.csv"):
        assert (out_a / f).read_bytes() == (out_b / f).read_bytes()


@pytest.mark.parametrize("over", ["day", "week"])
def test_pooled_plan_saves_hours_at_the_target(tmp_path, over):
    base, _ = run(tmp_path, "", "base")
    pooled, out = run(tmp_path, f'service_level_over = "{over}"', over)
    s = pooled["service_level_over"]
    base_shifts = pd.read_csv(out / "interval_plan" / "shifts.csv")  # written for wfm simulate
    assert base_shifts["cost"].sum() == pytest.approx(base["cost"])
    q = s["queues"]["phone:de"]
    assert s["over"] == over
    assert q["required_pooled_h"] < q["required_interval_h"]
    assert q["sl_plan"] >= 0.8 - 1e-9 and q["sl_pooled_requirement"] >= 0.8 - 1e-9
    assert pooled["paid_h"] == q["required_pooled_h"] < base["paid_h"] == q["required_interval_h"]
    assert s["interval_plan"]["paid_h"] == base["paid_h"]
    assert s["saving_paid_h"] == pytest.approx(base["paid_h"] - pooled["paid_h"])
    assert s["saving_cost"] == pytest.approx(base["cost"] - pooled["cost"])


def test_terminal_summary_shows_the_saving(tmp_path):
    cfg, req = write_inputs(tmp_path, 'service_level_over = "week"')
    res = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o",
                              str(tmp_path / "t"), "--solver", "highs", "--time-limit", "20s"])
    assert res.exit_code == 0, res.output
    assert "service level over the week" in res.output
    assert "interval-by-interval plan of the same data" in res.output


def test_bad_option_names_the_key(tmp_path):
    cfg, req = write_inputs(tmp_path, 'service_level_over = "month"')
    res = runner.invoke(app, ["schedule", str(req), "--config", str(cfg), "-o",
                              str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "service_level_over" in res.output
    assert not (tmp_path / "x").exists()
