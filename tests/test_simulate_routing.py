"""Routing that follows the plan's assignment (``--routing plan``, ``SimInput.primary``)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import t as student
from typer.testing import CliRunner

from wfm.cli import app
from wfm.simulate import SimInput, simulate_once

DT = 1800.0


def overloaded_a(primary: tuple[int, ...] | None, T: int = 16) -> SimInput:
    """Queue A (index 0): 36 calls an interval at AHT 300 s (6 Erlang) for 2 A
    specialists (group 0) and whatever the 4 bilingual agents (group 1) spare; queue B
    (index 1): 14.4 calls an interval (2.4 Erlang), only the bilingual agents, whom the
    plan assigns to B.  Nobody abandons; A's queue grows all the time."""
    return SimInput(np.array([[36.0] * T, [14.4] * T]), np.full((2, T), 300.0),
                    np.array([np.inf, np.inf]), np.array([20.0, 120.0]),
                    np.array([[True, False], [True, True]]), np.array([[2] * T, [4] * T]),
                    DT, primary=primary)


def b_shares(inp: SimInput, reps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per replication, B's share answered within 120 s and mean wait (s), intervals
    2.. (the first hour left out: A's queue builds up in minutes)."""
    share, wait = [], []
    for r in range(reps):
        rep = simulate_once(inp, np.random.default_rng([5, r]))
        share.append(rep.within[1, 2:].sum() / rep.offered[1, 2:].sum())
        wait.append(rep.wait_sum[1, 2:].sum() / rep.answered[1, 2:].sum())
    return np.array(share), np.array(wait)


def test_agents_assigned_to_a_queue_serve_it_first_closed_form():
    # Hand-worked: A always has calls waiting, so a bilingual agent is never idle (it
    # takes an A call when no B call waits) and every B call waits for the next of the
    # 4 agents to finish.  With exponential handling those finishes are a Poisson
    # process of rate 4/300 per s, and each one takes the oldest waiting B call: B's
    # waiting line is the M/M/1 queue of rate lambda = 14.4/1800 and service rate
    # nu = 4/300, so B's wait is exponential with rate nu - lambda (1/187.5 s):
    # P(W <= 120 s) = 1 - exp(-120 / 187.5) = 0.4727, mean wait 187.5 s.
    lam, nu = 14.4 / DT, 4 / 300.0
    want_share, want_wait = 1 - np.exp(-(nu - lam) * 120.0), 1 / (nu - lam)
    reps = 20
    tq = student.ppf(0.975, reps - 1)
    share, wait = b_shares(overloaded_a((-1, 1)), reps)
    for got, want in ((share, want_share), (wait, want_wait)):
        half = tq * got.std(ddof=1) / np.sqrt(reps)
        assert abs(got.mean() - want) < max(half, 0.01 * want), (got.mean(), half, want)
    # without the assignment (specialist routing) a freed bilingual agent takes the
    # longest-waiting call, an old A call: B waits behind A's growing queue
    old_share, old_wait = b_shares(overloaded_a(None), 5)
    assert old_share.mean() < 0.1 and old_wait.mean() > 5 * want_wait


def test_no_primary_is_the_former_routing_draw_for_draw():
    inp = overloaded_a(None, T=6)
    for r in range(3):
        a = simulate_once(inp, np.random.default_rng([1, r]))
        b = simulate_once(replace(inp, primary=(-1, -1)), np.random.default_rng([1, r]))
        for f in ("within", "answered", "wait_sum", "busy", "backlog"):
            assert np.array_equal(getattr(a, f), getattr(b, f))


def test_primary_must_be_a_phone_queue_of_the_group():
    inp = overloaded_a(None, T=2)
    for bad in ((1, -1), (0,), (-1, 2)):
        with pytest.raises(ValueError, match="primary"):
            replace(inp, primary=bad)
    with pytest.raises(ValueError, match="primary"):
        replace(inp, deferred=(False, True), patience=np.array([np.inf, np.inf]),
                primary=(-1, 1))


BILINGUAL = """
[center]
timezone = "Europe/Berlin"
interval = "30m"

[[queue]]
channel = "phone"
language = "de"
model = "erlang_a"
target = "80/20s"
patience = "120s"

[[queue]]
channel = "phone"
language = "en"
model = "erlang_a"
target = "80/30s"
patience = "150s"

[[shift]]
name = "s"
lengths = ["4h"]
starts = "08:00"

[[group]]
name = "DE"
skills = ["phone:de"]
rate = 10

[[group]]
name = "DE_EN"
skills = ["phone:de", "phone:en"]
rate = 12
"""


def bilingual_plan(tmp: Path) -> tuple[Path, Path]:
    """4 German specialists and 6 bilingual agents, 08:00-12:00; German needs 6 agents,
    English 3 (shrinkage 0)."""
    cfg = tmp / "center.toml"
    cfg.write_text(BILINGUAL, encoding="utf-8")
    plan = tmp / "plan"
    plan.mkdir()
    lines = ["interval_start,channel,language,volume,aht_s,agents_required"]
    for k in range(8):
        t = f"2026-03-02T{8 + k // 2:02d}:{30 * (k % 2):02d}:00+01:00"
        lines += [f"{t},phone,de,24,300,6", f"{t},phone,en,9,300,3"]
    (plan / "requirements.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (plan / "shifts.csv").write_text("group,day,start,end,breaks,agents\n"
                                     "DE,2026-03-02,08:00,12:00,,4\n"
                                     "DE_EN,2026-03-02,08:00,12:00,,6\n", encoding="utf-8")
    return cfg, plan


def test_the_plan_split_gives_each_bilingual_agent_its_assigned_queue(tmp_path):
    # Known by hand: only DE_EN speaks English, so the plan puts 3 of its 6 agents on
    # English; German's 6 are the 4 specialists and 2 more bilinguals; the sixth
    # bilingual agent is beyond every requirement (no queue assigned).
    from wfm.simulate.plan import load_plan

    cfg, plan = bilingual_plan(tmp_path)
    inp = load_plan(plan, cfg, routing="plan")
    assert inp.groups == ("DE", "DE_EN/phone:de", "DE_EN/phone:en", "DE_EN")
    np.testing.assert_array_equal(inp.sim.on_duty, np.array([[4] * 8, [2] * 8, [3] * 8,
                                                             [1] * 8]))
    assert inp.sim.primary == (-1, 0, 1, -1)
    assert inp.sim.team == (0, 1, 1, 1)
    np.testing.assert_array_equal(inp.sim.skill, [[1, 0], [1, 1], [1, 1], [1, 1]])
    assert inp.sim.routing == "specialist"
    # the former pools: one per group, no primary queue
    old = load_plan(plan, cfg, routing="specialist")
    assert old.groups == ("DE", "DE_EN") and old.sim.primary is None
    np.testing.assert_array_equal(old.sim.on_duty, np.array([[4] * 8, [6] * 8]))


def test_the_split_keeps_agents_on_their_queue_between_intervals():
    # Two groups skilled for A and B, 2 agents each, A and B need 2 each: the schedule's
    # LP may put group 0 on A in one interval and on B in the next (a swap moving all
    # 4 agents for nothing); the split keeps every agent on its queue.
    from wfm.simulate.plan import _sticky

    alloc = np.zeros((2, 2, 3), int)
    alloc[0, 0, 0] = alloc[1, 1, 0] = 2  # t0: group 0 on A, group 1 on B
    alloc[0, 1, 1] = alloc[1, 0, 1] = 2  # t1: swapped
    alloc[0, 0, 2] = 1  # t2: A needs 1, B 2; both on duty
    alloc[1, 0, 2] = 0
    alloc[0, 1, 2] = 1
    alloc[1, 1, 2] = 1
    out = _sticky(alloc, np.full((2, 3), 2), np.ones((2, 2), bool))
    np.testing.assert_array_equal(out[:, :, 1], alloc[:, :, 0])
    np.testing.assert_array_equal(out[:, :, 2], [[1, 0], [0, 2]])  # one of group 0 idles
    np.testing.assert_array_equal(out.sum(axis=0), alloc.sum(axis=0))  # same coverage


def test_routing_plan_on_the_command_line(tmp_path):
    cfg, plan = bilingual_plan(tmp_path)
    runner = CliRunner()
    out = runner.invoke(app, ["simulate", str(plan), "-c", str(cfg), "--replications", "3",
                              "--routing", "plan", "--json"])
    assert out.exit_code == 0, out.output
    assert {q["queue"] for q in json.loads(out.output)["queues"]} == {"phone:de",
                                                                     "phone:en"}
    bad = runner.invoke(app, ["simulate", str(plan), "-c", str(cfg), "--routing", "x"])
    assert bad.exit_code == 2 and "plan" in bad.output


def test_schedule_verify_takes_the_routing_and_rejects_a_bad_one(tmp_path):
    from wfm.simulate.verify import VerifyOptions

    assert VerifyOptions().routing == "plan"
    cfg, plan = bilingual_plan(tmp_path)
    bad = CliRunner().invoke(app, ["schedule", str(plan / "requirements.csv"), "-c", str(cfg),
                                   "-o", str(tmp_path / "out"), "--verify", "--routing", "x"])
    assert bad.exit_code == 2 and "plan" in bad.output
    assert not (tmp_path / "out").exists()
