"""``wfm schedule --verify``: the pure loop against a closed form, and end to end on a
one-queue center whose requirement is deliberately below what Erlang C needs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from wfm.cli import app
from wfm.erlang import service_level
from wfm.simulate.verify import (
    Measurement,
    interval_misses,
    queue_met,
    raise_requirement,
    shared_groups,
    step_for,
    to_raise,
    verify,
)

runner = CliRunner()


# --- pure pieces ---------------------------------------------------------------------

def test_step_for_worked_values():
    assert step_for(0.0) == 1
    assert step_for(0.3) == 2  # 1 / 0.7 = 1.43
    assert step_for(0.5) == 2
    assert step_for(0.6) == 3  # 1 / 0.4 = 2.5
    with pytest.raises(ValueError):
        step_for(1.0)


@given(st.integers(0, 500), st.floats(0.0, 0.9))
def test_step_adds_at_least_one_productive_agent(n, shrink):
    k = step_for(shrink)

    def productive(x: int) -> float:  # as wfm.simulate.plan.load_plan counts them
        return np.floor(x * (1.0 - shrink) + 0.5)

    assert productive(n + k) >= productive(n) + 1


def test_raise_requirement_starts_from_what_the_plan_puts_on_the_queue():
    required = np.array([[5, 5, 5], [2, 2, 2]])
    scheduled = np.array([[5, 7, 5], [2, 2, 3]])
    mask = np.array([[False, True, True]])  # the one simulated queue is row 0
    out = raise_requirement(required, scheduled, [0], mask, 2)
    np.testing.assert_array_equal(out, [[5, 9, 7], [2, 2, 2]])
    np.testing.assert_array_equal(required, [[5, 5, 5], [2, 2, 2]])  # not modified


def _m(sl, half, target, offered=None, week=None, week_half=None) -> Measurement:
    sl = np.asarray(sl, dtype=float)
    return Measurement(("phone:de",) * sl.shape[0], sl, np.asarray(half, dtype=float),
                       np.ones_like(sl) if offered is None else np.asarray(offered, float),
                       np.asarray(week if week is not None else sl.mean(axis=1), float),
                       np.asarray(week_half if week_half is not None else [0.0] * len(sl),
                                  float),
                       np.asarray(target, dtype=float))


def test_misses_need_the_whole_interval_below_target_and_contacts():
    m = _m([[0.70, 0.70, 0.70, np.nan]], [[0.05, 0.15, np.nan, np.nan]], [0.8],
           offered=[[10, 10, 10, 0]], week=[0.9])
    np.testing.assert_array_equal(interval_misses(m), [[True, False, True, False]])
    assert not queue_met(m)[0]
    # no target: never a miss
    m = _m([[0.1]], [[0.0]], [np.nan])
    assert queue_met(m)[0]


def test_a_missing_week_raises_every_interval_below_target():
    # no interval is significant on its own, but the week is
    m = _m([[0.78, 0.78, 0.9]], [[0.05, 0.05, 0.05]], [0.8], week=[0.79], week_half=[0.005])
    assert not interval_misses(m).any()
    assert not queue_met(m)[0]
    np.testing.assert_array_equal(to_raise(m), [[True, True, False]])


# --- the loop, with Erlang C standing in for the simulation --------------------------

LOADS = np.array([[8.0, 12.0, 20.0], [3.0, 5.0, 2.0]])  # Erlang, 2 queues x 3 intervals
AHT, TT, TARGET, DT = 180.0, 20.0, 0.8, 1800.0


def _erlang_need() -> np.ndarray:
    """Smallest n with Erlang C SL >= target, by brute force per interval."""
    need = np.zeros(LOADS.shape, dtype=int)
    for idx, a in np.ndenumerate(LOADS):
        n = int(np.floor(a)) + 1
        while service_level(n, a, AHT, TT) < TARGET:
            n += 1
        need[idx] = n
    return need


def _fake_plan(req, previous=None, cap=None):
    on = req if cap is None else np.minimum(req, cap)
    return SimpleNamespace(result=SimpleNamespace(plan=SimpleNamespace(scheduled=on, y=on.ravel())),
                           summary={"paid_h": float(on.sum() * DT / 3600), "cost": float(on.sum())},
                           uncovered=pd.DataFrame(columns=["queue", "from", "to", "intervals",
                                                           "agent_hours", "reason"]),
                           instance=SimpleNamespace(starts=pd.date_range(
                               "2026-03-02", periods=3, freq="30min", tz="Europe/Berlin")),
                           agents=on)


def _erlang_measure(plan) -> Measurement:
    sl = service_level(plan.agents, LOADS, AHT, TT)
    return Measurement(("phone:de", "phone:en"), sl, np.zeros_like(sl), np.ones_like(sl),
                       sl.mean(axis=1), np.zeros(2), np.full(2, TARGET))


def test_loop_raises_until_erlang_is_met():
    need = _erlang_need()
    start = need - np.array([[2, 1, 0], [1, 0, 2]])
    res = verify(start, ("phone:de", "phone:en"), DT, _fake_plan, _erlang_measure,
                 rounds=5, step=1)
    assert res.status == "met"
    assert res.rounds == 2  # two intervals were two agents short
    np.testing.assert_array_equal(res.required, need)
    assert not res.unmet
    by_round = pd.DataFrame(res.rows).groupby("round")["intervals_missing"].sum().tolist()
    assert by_round == [4, 2, 0]
    last = [r for r in res.rows if r["round"] == 2 and r["queue"] == "phone:en"][0]
    assert last["agents_added_h"] == pytest.approx(3 * DT / 3600)


def test_loop_stops_at_the_round_limit_and_names_the_queue():
    need = _erlang_need()
    res = verify(need - 2, ("phone:de", "phone:en"), DT, _fake_plan, _erlang_measure,
                 rounds=1, step=1)
    assert res.status == "round limit"
    assert {u["queue"] for u in res.unmet} == {"phone:de", "phone:en"}
    assert all("after 1 re-plans" in u["reason"] for u in res.unmet)


def test_shared_groups_names_the_other_simulated_queues():
    inst = SimpleNamespace(queues=("phone:de", "phone:en", "email:en"),
                           skill=np.array([[1, 0, 0], [1, 1, 1], [0, 1, 1]], dtype=bool),
                           group_names=lambda: ["DE", "DE_EN", "EN"])
    assert shared_groups(inst, "phone:en", ("phone:de", "phone:en")) == \
        {"DE_EN": ["phone:de"]}
    assert shared_groups(inst, "phone:de", ("phone:de",)) == {}


def test_loop_stops_when_the_plan_cannot_grow():
    need = _erlang_need()
    res = verify(need - 1, ("phone:de", "phone:en"), DT,
                 lambda r, _p: _fake_plan(r, cap=need - 1), _erlang_measure, rounds=4, step=1)
    assert res.status == "no progress"
    assert res.rounds == 0


def test_a_round_that_makes_a_queue_worse_is_not_kept():
    # every re-plan raises phone:de where it missed but puts one agent less than Erlang C
    # needs on phone:en in interval 1 (met before): phone:en misses one more interval.
    # No re-plan is kept; the loop returns round 0's plan and says why.
    need = _erlang_need()
    start = need - np.array([[2, 1, 0], [0, 0, 0]])
    calls = []

    def replan(req, previous):
        calls.append(previous)
        worse = req.copy()
        if previous is not None:
            worse[1, 1] = start[1, 1] - 1
        return _fake_plan(worse)

    res = verify(start, ("phone:de", "phone:en"), DT, replan, _erlang_measure,
                 rounds=3, step=1)
    assert calls[0] is None and calls[1] is not None  # the re-plan gets the last plan
    assert res.status == "kept the better plan"
    assert res.rounds == 0 and res.replans == 3
    np.testing.assert_array_equal(res.plan.agents, start)
    np.testing.assert_array_equal(res.required, start)
    assert any("phone:en (0 -> 1 missed intervals, was met)" in n for n in res.notes)
    assert {u["queue"] for u in res.unmet} == {"phone:de"}
    assert "made a queue worse" in res.unmet[0]["reason"]


def test_after_a_rejected_round_the_loop_raises_what_it_broke_and_goes_on():
    # round 1 takes an agent off phone:en in interval 1 (as the re-plan above); it is not
    # kept, and phone:en's missed interval is raised too, so round 2's re-plan (one
    # agent more there, then minus the same one) meets every target
    need = _erlang_need()
    start = need - np.array([[2, 1, 0], [0, 0, 0]])

    def replan(req, previous):
        worse = req.copy()
        if previous is not None:
            worse[1, 1] -= 1
        return _fake_plan(worse)

    res = verify(start, ("phone:de", "phone:en"), DT, replan, _erlang_measure,
                 rounds=3, step=1)
    assert res.status == "met"
    assert sorted({r["round"] for r in res.rows}) == [0, 2]
    assert res.rounds == 2
    assert any(n.startswith("round 1's re-plan made phone:en") for n in res.notes)
    np.testing.assert_array_equal(res.plan.agents[1], need[1])


@given(st.lists(st.integers(0, 3), min_size=6, max_size=6))
def test_no_queue_gets_worse_from_one_kept_round_to_the_next(shortfalls):
    # whatever the starting shortfall, the rounds the loop reports never miss more
    # intervals of a queue than the round before
    need = _erlang_need()
    start = np.maximum(need - np.array(shortfalls).reshape(2, 3), 0)
    res = verify(start, ("phone:de", "phone:en"), DT, _fake_plan, _erlang_measure,
                 rounds=4, step=1)
    table = pd.DataFrame(res.rows).pivot(index="round", columns="queue",
                                         values="intervals_missing")
    assert (table.diff().fillna(0) <= 0).all().all()
    assert res.status == "met"


# --- end to end ----------------------------------------------------------------------

def _center(max_headcount: int | None = None) -> str:
    cap = "" if max_headcount is None else f"max_headcount = {max_headcount}\n"
    return f"""
[center]
timezone = "Europe/Berlin"
interval = "30m"

[[queue]]
channel = "phone"
language = "de"
model = "erlang_c"
target = "80/20s"

[schedule]
understaffing_penalty = {{ phone = 1000 }}
overstaffing_cost = 0
premiums = {{ night = 0, sunday = 0, holiday = 0 }}

[[shift]]
name = "s"
lengths = ["4h"]
starts = "08:00"

[[group]]
name = "DE"
skills = ["phone:de"]
rate = 10
{cap}"""


# 200 calls per 30 min at 180 s = 20 Erlang: Erlang C needs 24 agents for 80/20
# (23: 70.2 %, 24: 80.9 %); the file asks for 22 (54.5 %)
VOLUME, REQ_AHT, ASKED, NEEDED = 200, 180, 22, 24


def _inputs(tmp: Path, max_headcount: int | None = None) -> tuple[Path, Path]:
    cfg = tmp / "center.toml"
    cfg.write_text(_center(max_headcount), encoding="utf-8")
    req = tmp / "req.csv"
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for k in range(8):
        t = f"2026-03-02T{8 + k // 2:02d}:{30 * (k % 2):02d}:00+01:00"
        lines.append(f"{t},phone,de,{VOLUME},{REQ_AHT},{ASKED}")
    req.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg, req


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_erlang_c_figures_of_the_tiny_center():
    load = VOLUME * REQ_AHT / 1800
    assert service_level(NEEDED - 1, load, REQ_AHT, 20.0) < 0.8
    assert service_level(NEEDED, load, REQ_AHT, 20.0) >= 0.8


def _run(tmp: Path, out: str, *extra: str):
    return runner.invoke(app, ["schedule", str(tmp / "req.csv"), "-c", str(tmp / "center.toml"),
                               "-o", str(tmp / out), "--time-limit", "10s", "--verify",
                               "--json", *extra])


def test_verify_raises_the_plan_to_what_erlang_needs_and_reproduces(tmp_path):
    _inputs(tmp_path)
    result = _run(tmp_path, "plan")
    assert result.exit_code == 0, result.output
    v = json.loads(result.output)["verify"]
    assert v["status"] == "met"
    rows = _read(tmp_path / "plan" / "verify.csv")
    assert rows[0]["round"] == "0" and rows[0]["met"] == "False"
    assert int(rows[0]["intervals_missing"]) >= 6  # 54.5 % against 80 %
    assert rows[-1]["met"] == "True" and rows[-1]["intervals_missing"] == "0"
    shifts = _read(tmp_path / "plan" / "shifts.csv")
    assert sum(int(s["agents"]) for s in shifts) == NEEDED
    added = float(rows[-1]["agents_added_h"])
    # at least one more agent in most half-hours, at most two more in each
    assert 3.0 <= added <= (NEEDED - ASKED) * 4.0
    # a fixed seed gives the same rounds
    again = _run(tmp_path, "plan2")
    assert again.exit_code == 0, again.output
    assert (tmp_path / "plan2" / "verify.csv").read_text() == \
        (tmp_path / "plan" / "verify.csv").read_text()


def test_verify_names_a_queue_held_back_by_headcount(tmp_path):
    _inputs(tmp_path, max_headcount=NEEDED - 1)
    result = _run(tmp_path, "plan")
    assert result.exit_code == 0, result.output
    v = json.loads(result.output)["verify"]
    assert v["status"] == "no progress"
    assert [u["queue"] for u in v["unmet"]] == ["phone:de"]
    assert "headcount/hours limit (DE)" in v["unmet"][0]["reason"]
    shifts = _read(tmp_path / "plan" / "shifts.csv")
    assert sum(int(s["agents"]) for s in shifts) == NEEDED - 1


def test_verify_round_limit_in_the_terminal(tmp_path):
    _inputs(tmp_path)
    result = runner.invoke(app, ["schedule", str(tmp_path / "req.csv"), "-c",
                                 str(tmp_path / "center.toml"), "-o", str(tmp_path / "p"),
                                 "--time-limit", "10s", "--verify", "--verify-rounds", "0"])
    assert result.exit_code == 0, result.output
    assert "verify round 0" in result.output
    assert "stopped (round limit) after 0 re-plan(s), the plan of round 0 kept" in result.output
    assert "phone:de:" in result.output
    assert len(_read(tmp_path / "p" / "verify.csv")) == 1


def test_verify_simulates_an_e_mail_only_center(tmp_path):
    """E-mail (deferred) queues are simulated too: the loop verifies their deadline share."""
    cfg, req = _inputs(tmp_path)
    cfg.write_text(_center().replace('channel = "phone"\nlanguage = "de"\nmodel = "erlang_c"\n'
                                     'target = "80/20s"',
                                     'channel = "email"\nlanguage = "de"\nmodel = "deferred"\n'
                                     'deadline = "24h"')
                   .replace("phone = 1000", "email = 1000")
                   .replace('"phone:de"', '"email:de"'), encoding="utf-8")
    req.write_text(req.read_text().replace(",phone,", ",email,"), encoding="utf-8")
    result = _run(tmp_path, "plan")
    assert result.exit_code == 0, result.output
    rows = _read(tmp_path / "plan" / "verify.csv")
    assert rows and {r["queue"] for r in rows} == {"email:de"}
