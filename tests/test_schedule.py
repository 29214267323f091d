"""Shift planning: tiny instances whose optimum is worked out by hand, for each solver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.evaluate import evaluate, to_integer, uncovered
from wfm.schedule.instance import break_offsets, build_instance, carry_plan, premium_factors
from wfm.schedule.model import build_model
from wfm.schedule.report import coverage_table, shifts_table
from wfm.schedule.solve import SolveOptions, solve

SOLVERS = ["highs", "cbc"]
NO_PREMIUMS = {"night": 0.0, "sunday": 0.0, "holiday": 0.0}
MONDAY = "2026-03-02"  # a week without a DST change


def config(shifts, groups, **rules) -> ScheduleConfig:
    rules.setdefault("premiums", NO_PREMIUMS)
    rules.setdefault("overstaffing_cost", 0.0)
    return ScheduleConfig(rules=rules, shifts=shifts, groups=groups)


def hours(n: int, start: str = MONDAY, freq: str = "1h") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq=freq, tz="Europe/Berlin")


def run(inst, solver, **kw):
    kw.setdefault("time_limit", 20)
    kw.setdefault("gap", 1e-6)
    return solve(inst, SolveOptions(solver=solver, **kw))


@pytest.mark.parametrize("solver", SOLVERS)
def test_single_queue_hand_optimum(solver):
    # 12 hourly intervals: 2 agents in hours 0-3, 1 agent in hours 4-7, none after.
    # 4-h shifts at any full hour, 10 per paid hour: best is 2 shifts at 00:00 and one
    # at 04:00 = 3 x 4 h x 10 = 120; nothing cheaper covers 2+2+2+2+1+1+1+1 = 12 agent-h.
    req = np.array([[2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(12), 3600, ("phone:de",), req, cfg)
    assert not inst.cyclic
    res = run(inst, solver)
    assert res.objective == pytest.approx(120.0)
    assert res.bound == pytest.approx(120.0, abs=1e-3)
    table = shifts_table(inst, res.plan)
    assert sorted(zip(table.start, table.agents, strict=True)) == [("00:00", 2), ("04:00", 1)]
    assert res.plan.short.sum() == 0


def _one_hour_short(penalty: float, **rules):
    # one agent needed for one hour; the shortest shift (4 h x 10 = 40) costs more than
    # the penalty of leaving that hour short
    req = np.array([[0, 0, 1, 0, 0, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": penalty}, **rules)
    return build_instance(hours(8), 3600, ("phone:de",), req, cfg)


@pytest.mark.parametrize("solver", SOLVERS)
def test_without_fill_pass_penalty_below_shift_cost_leaves_short(solver):
    # penalty 20 < shift cost 40: the optimum of the MIP leaves the hour short (20)
    inst = _one_hour_short(20, fill_shortfalls=False)
    res = run(inst, solver)
    assert res.objective == pytest.approx(20.0)
    unc = uncovered(inst, res.plan)
    assert list(unc.agent_hours) == [1.0]
    assert unc.reason[0].startswith("cheaper to leave short")


@pytest.mark.parametrize("solver", SOLVERS)
def test_coverage_is_inside_the_optimisation(solver):
    # same instance, default rules: the penalty (20 per agent-h) is above the rate (10
    # per paid h), so the hour must be covered.  The model's cost of the missing hour is
    # the penalty + 1.05 x the one 4-h shift on duty there (20 + 42 = 62 per agent-h), so
    # the optimum itself covers it: cost 40 = objective = LP bound (a 4-h shift on duty
    # in hour 2 is needed even fractionally: sum y >= 1), gap 0, the fill pass idle
    inst = _one_hour_short(20)
    assert inst.short_cost[0, 2] == pytest.approx(62.0)
    assert inst.penalty[0] == 20.0
    res = run(inst, solver)
    assert res.plan.short.sum() == 0
    assert res.plan.cost == pytest.approx(40.0)
    assert res.objective == pytest.approx(40.0)
    assert res.bound == pytest.approx(40.0, abs=1e-3)
    assert res.gap == pytest.approx(0.0, abs=1e-6)
    assert uncovered(inst, res.plan).empty
    assert res.fill_shifts == 0 and not any(n.startswith("fill pass") for n in res.notes)


def test_fill_pass_is_a_safety_net_for_a_plan_left_short():
    # a plan that leaves the hour short (as a solver stopped early could hand back) is
    # completed by the pass: one 4-h shift, 4 paid h, cost 40, nothing short
    from wfm.schedule.fill import fill_shortfalls

    inst = _one_hour_short(20)
    empty = evaluate(inst, np.zeros(len(inst.columns), dtype=int))
    assert empty.objective == pytest.approx(62.0)  # the model's cost of the missing hour
    filled, n = fill_shortfalls(inst, empty)
    assert n == 1 and filled.short.sum() == 0
    assert filled.cost == pytest.approx(40.0) and filled.paid_h == pytest.approx(4.0)
    # without fill_shortfalls the model keeps the configured penalty: 20 per agent-h
    off = _one_hour_short(20, fill_shortfalls=False)
    assert off.short_cost[0, 2] == pytest.approx(20.0)
    res = run(off, "highs")
    assert res.objective == pytest.approx(20.0) and res.fill_shifts == 0
    assert res.gap_before_fill == res.gap


def test_penalty_below_every_rate_may_leave_short():
    # penalty 5 < rate 10: the user says "may leave short"; the pass keeps out
    inst = _one_hour_short(5)
    res = run(inst, "highs")
    assert res.objective == pytest.approx(5.0)
    unc = uncovered(inst, res.plan)
    assert list(unc.agent_hours) == [1.0]
    assert unc.reason[0].startswith("may leave short: penalty 5")


def test_must_fill_queue_is_covered_by_a_dearer_group_in_the_model():
    # phone:de needs 1 agent in hours 0-3 and 6, email:de 1 in hour 6.  A (rate 10,
    # phone, max_headcount 1) works 00:00-04:00 = 40.  phone (penalty 12 >= A's rate)
    # must be filled; in hour 6 only B (rate 20) can come: its 4-h shift costs 80, the
    # dearer of the two groups' cheapest shifts there, so the model's cost of a missing
    # phone agent-hour at 6 is 12 + 1.05 x 80 = 96 and the optimum buys the B shift for
    # phone: 40 + 80 + email's 15 (penalty 15 < B's rate 20: may stay short) = 135, not
    # 40 + 96 + 15 = 151.  The B agent works phone (96 > 15), not e-mail.
    req = np.array([[1, 1, 1, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 1},
                  {"name": "B", "skills": ["phone:de", "email:de"], "rate": 20}],
                 understaffing_penalty={"phone": 12, "email": 15})
    inst = build_instance(hours(8), 3600, ("phone:de", "email:de"), req, cfg)
    assert inst.short_cost[0, 6] == pytest.approx(96.0)
    assert inst.short_cost[1, 6] == pytest.approx(15.0)
    res = run(inst, "highs", time_limit=10)
    assert not any(n.startswith("fill pass") for n in res.notes)
    assert res.objective == pytest.approx(135.0)
    assert res.plan.cost == pytest.approx(120.0)
    assert list(res.plan.short.sum(axis=1)) == [0, 1]


def test_fill_pass_stops_at_headcount_limit_and_says_so():
    # two queues, hours 0-3 (phone:de needs 2) and a single hour short of e-mail later
    # (hour 5).  Group A (rate 10, penalty 20 > 10) has max_headcount 2 and at most one
    # shift a day: both agents are on the phone from 00:00, the e-mail hour stays
    # short with reason "headcount/hours limit (A)".
    req = np.array([[2, 2, 2, 2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de", "email:de"], "rate": 10,
                   "max_headcount": 2}],
                 understaffing_penalty={"phone": 1000, "email": 20})
    inst = build_instance(hours(8), 3600, ("phone:de", "email:de"), req, cfg)
    res = run(inst, "highs")
    assert res.plan.short[0].sum() == 0 and res.plan.short[1].sum() == 1
    assert res.plan.cost == pytest.approx(80.0)
    unc = uncovered(inst, res.plan)
    assert list(unc.queue) == ["email:de"]
    assert unc.reason[0] == "headcount/hours limit (A)"


@pytest.mark.parametrize("solver", SOLVERS)
def test_bilingual_agent_is_not_counted_twice(solver):
    # phone:de and phone:en each need 1 agent in hours 0-3; only bilingual agents exist.
    # One agent on duty would cover both if double-counted (cost 40); the sound model
    # needs two agents: 2 x 4 h x 10 = 80.
    req = np.array([[1, 1, 1, 1], [1, 1, 1, 1]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00", "step": "1h"}],
                 [{"name": "DE_EN", "skills": ["phone:de", "phone:en"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(4), 3600, ("phone:de", "phone:en"), req, cfg)
    res = run(inst, solver)
    assert res.objective == pytest.approx(80.0)
    plan = res.plan
    assert plan.y.sum() == 2
    assert (plan.alloc.sum(axis=1) <= plan.on_duty).all()
    assert (plan.covered == 1).all()
    # and the checker refuses to see two queues covered by one agent
    one = evaluate(inst, np.array([1]))
    assert one.short.sum() == 4


def test_two_groups_overlapping_skills_hand_optimum():
    # en needs 1 agent (hours 0-3), de needs 2. DE agents cost 10/h, DE_EN 15/h.
    # Best: 1 DE_EN for en + 2 DE for de = 4 x 15 + 8 x 10 = 140 (DE_EN on de would be dearer).
    req = np.array([[2, 2, 2, 2], [1, 1, 1, 1]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00", "step": "1h"}],
                 [{"name": "DE", "skills": ["phone:de"], "rate": 10},
                  {"name": "DE_EN", "skills": ["phone:de", "phone:en"], "rate": 15}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(4), 3600, ("phone:de", "phone:en"), req, cfg)
    res = run(inst, "highs")
    assert res.objective == pytest.approx(140.0)
    table = shifts_table(inst, res.plan).set_index("group")
    assert table.loc["DE", "agents"] == 2 and table.loc["DE_EN", "agents"] == 1


@pytest.mark.parametrize("solver", SOLVERS)
def test_week_wraps_sunday_night_into_monday(solver):
    # one week of hours, 1 agent needed Sunday 22-24 and Monday 00-02; the only shift
    # starts at 22:00 (4 h): one Sunday shift running into Monday of the same week = 40.
    req = np.zeros((1, 168), dtype=int)
    req[0, [166, 167, 0, 1]] = 1
    cfg = config([{"name": "night", "lengths": ["4h"], "starts": "22:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    assert inst.cyclic
    res = run(inst, solver)
    assert res.objective == pytest.approx(40.0)
    row = shifts_table(inst, res.plan).iloc[0]
    assert (row.day, row.start, row.end, row.agents) == ("2026-03-08", "22:00", "02:00", 1)


def test_without_wrap_monday_early_hours_are_reported_uncoverable():
    req = np.zeros((1, 168), dtype=int)
    req[0, [166, 167, 0, 1]] = 1
    cfg = config([{"name": "night", "lengths": ["4h"], "starts": "22:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000}, wrap_week=False)
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    assert not inst.cyclic
    res = run(inst, "highs")
    # the Sunday 22:00 shift cannot run past the horizon; Monday 0-2 has no shift at all
    assert res.objective == pytest.approx(4 * 1000.0)
    unc = uncovered(inst, res.plan)
    assert set(unc.reason) == {"no shift covers this interval"}
    assert unc.agent_hours.sum() == pytest.approx(4.0)


def test_night_shift_crosses_midnight_with_premium():
    # Monday 22:00-02:00, 1 agent; night premium 25 % on 23-06 -> 1 h at 10 + 3 h at 12.5
    req = np.zeros((1, 24), dtype=int)
    req[0, 22:24] = 1
    cfg = config([{"name": "n", "lengths": ["4h"], "starts": "22:00"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000},
                 premiums={"night": 0.25, "sunday": 0.0, "holiday": 0.0})
    starts = hours(26, start="2026-03-02T02:00")
    req = np.zeros((1, 26), dtype=int)
    req[0, 20:24] = 1  # 22:00-02:00 local
    inst = build_instance(starts, 3600, ("phone:de",), req, cfg)
    res = run(inst, "highs")
    assert res.objective == pytest.approx(10 + 3 * 12.5)
    row = shifts_table(inst, res.plan).iloc[0]
    assert (row.start, row.end) == ("22:00", "02:00")


def test_premium_factors_night_sunday_holiday():
    cfg = config([{"name": "s", "lengths": ["4h"]}], [{"name": "A", "skills": ["phone:de"]}],
                 premiums={"night": 0.25, "sunday": 0.5, "holiday": 1.0},
                 holidays=["2026-03-03"])
    t = pd.DatetimeIndex(pd.to_datetime(
        ["2026-03-02T12:00", "2026-03-02T23:30", "2026-03-03T05:30", "2026-03-08T12:00",
         "2026-03-08T23:00"]).tz_localize("Europe/Berlin"))
    # Monday noon; Monday night; holiday night (holiday wins over nothing, adds night);
    # Sunday noon; Sunday night
    assert premium_factors(t, cfg) == pytest.approx([1.0, 1.25, 2.25, 1.5, 1.75])


def test_break_rules_german_law():
    cfg = config([{"name": "s", "lengths": ["4h"]}], [{"name": "A", "skills": ["phone:de"]}])
    assert break_offsets(6 * 3600, cfg, 1800) == ([-1], 0, 0.0)  # exactly 6 h: no break
    offs, n, secs = break_offsets(8 * 3600, cfg, 1800)
    assert (n, secs) == (1, 1800.0)
    # work before and after the break never exceeds 6 h; break within the shift
    assert all(o * 0.5 <= 6 and 8 - (o + n) * 0.5 <= 6 and o >= 1 for o in offs)
    offs, n, secs = break_offsets(10 * 3600, cfg, 1800)
    assert (n, secs) == (2, 2700.0)  # 45 min occupies two 30-min intervals
    offs15, n15, _ = break_offsets(10 * 3600, cfg, 900)
    assert n15 == 3  # exact at 15-min intervals
    assert all(o * 0.25 <= 6 and 10 - (o + n15) * 0.25 <= 6 for o in offs15)


@pytest.mark.parametrize("solver", SOLVERS)
def test_breaks_are_subtracted_and_unpaid(solver):
    # 1 agent 08:00-16:00 at 30-min intervals; only 8-h shifts at 08:00 (30-min break).
    # One agent leaves one interval short (penalty 0.5 h x 1000 = 500); two agents with
    # different breaks cover everything: 2 x 7.5 paid h x 10 = 150.
    starts = hours(48, freq="30min")
    req = np.zeros((1, 48), dtype=int)
    req[0, 16:32] = 1
    cfg = config([{"name": "d", "lengths": ["8h"], "starts": "08:00", "step": "30m"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(starts, 1800, ("phone:de",), req, cfg)
    res = run(inst, solver)
    assert res.objective == pytest.approx(150.0)
    assert res.plan.paid_h == pytest.approx(15.0)
    table = shifts_table(inst, res.plan)
    assert table.agents.sum() == 2 and table.breaks.nunique() == 2
    cov = coverage_table(inst, res.plan)
    assert cov.shortfall.sum() == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_headcount_limit_is_reported_not_crashed(solver):
    # 2 agents needed, the group has 1 agent: the plan covers one and names the limit.
    req = np.array([[2, 2, 2, 2]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 1}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(4), 3600, ("phone:de",), req, cfg)
    res = run(inst, solver)
    assert res.plan.y.sum() == 1
    # each missing agent-hour costs the penalty + 1.05 x the 4-h shift (40) in the model
    assert res.objective == pytest.approx(40 + 4 * (1000 + 1.05 * 40))
    unc = uncovered(inst, res.plan)
    assert unc.reason[0] == "headcount/hours limit (A)"


def test_queue_without_skilled_group_is_listed():
    req = np.array([[1, 1, 1, 1], [1, 1, 1, 1]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(4), 3600, ("phone:de", "phone:tr"), req, cfg)
    res = run(inst, "highs")
    unc = uncovered(inst, res.plan)
    assert list(unc.queue) == ["phone:tr"]
    assert unc.reason[0].startswith("skill missing")


def test_weekly_hours_cap_in_aggregate():
    # 1 agent needed around the clock for a week = 168 agent-h; a group of 2 agents with
    # at most 40 h each can pay 80 h; the rest is short and the plan respects the cap.
    req = np.ones((1, 168), dtype=int)
    cfg = config([{"name": "s", "lengths": ["8h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 2}],
                 understaffing_penalty={"phone": 1000}, break_rule=[])
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    res = run(inst, "highs", gap=1e-4)
    assert res.plan.paid_h == pytest.approx(80.0)
    assert res.plan.feasible and res.plan.headcount[0] == 2


def test_fractional_values_are_not_a_plan():
    assert to_integer(np.array([1.0, 0.5])) is None
    assert list(to_integer(np.array([1.0000000001, 2.0]))) == [1, 2]


def test_model_has_named_variables_and_constraints():
    req = np.array([[1, 1, 1, 1], [1, 1, 1, 1]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00"}],
                 [{"name": "DE_EN", "skills": ["phone:de", "phone:en"], "rate": 10,
                   "max_headcount": 5}])
    inst = build_instance(hours(4), 3600, ("phone:de", "phone:en"), req, cfg)
    m = build_model(inst)
    names = set(m.problem.constraints)
    assert {"duty_DEEN_0", "cover_phonede_0", "hours_DEEN", "shifts_DEEN"} <= names
    assert m.y[0].name.startswith("y_0_DEEN_s")


def test_dst_week_is_cyclic_and_shift_lengths_are_elapsed_time():
    # the spring DST week has 334 half-hours; it is still one week (wraps), and an 8-h
    # shift is 8 elapsed hours: 16 intervals, also across the 02:00 -> 03:00 jump
    starts = pd.date_range("2026-03-23T00:00", "2026-03-29T23:30", freq="30min",
                           tz="Europe/Berlin")
    assert len(starts) == 334
    req = np.ones((1, 334), dtype=int)
    cfg = config([{"name": "s", "lengths": ["8h"], "starts": "00:00-23:30"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}], break_rule=[])
    inst = build_instance(starts, 1800, ("phone:de",), req, cfg)
    assert inst.cyclic
    assert (np.asarray(inst.columns.duty.sum(axis=1)).ravel() == 16).all()
    sunday_22 = np.flatnonzero((starts.day_of_week == 6) & (starts.hour == 22)
                               & (starts.minute == 0))[0]
    c = np.flatnonzero(inst.columns.start == sunday_22)[0]
    duty = np.flatnonzero(inst.columns.duty[c].toarray().ravel())
    assert set(duty) == {*range(sunday_22, 334), *range(0, 16 - (334 - sunday_22))}


def test_same_input_same_plan():
    req = np.array([[2, 3, 3, 2, 1, 1, 2, 2, 1, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["3h", "4h"], "starts": "00:00-23:00",
                   "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(12), 3600, ("phone:de",), req, cfg)
    for solver in SOLVERS:
        a, b = run(inst, solver), run(inst, solver)
        assert (a.plan.y == b.plan.y).all()
        # 17 agent-h needed and matched exactly by 0-3, 0-4, 1-4, 4-8, 6-9: 170
        assert a.objective == pytest.approx(170.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_minimum_headcount_and_hours_are_paid(solver):
    # coverage needs one 4-h shift (40), but the contract employs at least 2 agents with
    # at least 4 paid h each: two shifts are paid, 80; the empty plan is refused
    req = np.array([[1, 1, 1, 1, 0, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "min_headcount": 2,
                   "min_weekly_hours": "4h", "max_headcount": 3}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(8), 3600, ("phone:de",), req, cfg)
    res = run(inst, solver)
    assert res.objective == pytest.approx(80.0)
    assert res.plan.y.sum() == 2 and res.plan.feasible


def test_nothing_to_plan():
    req = np.zeros((1, 8), dtype=int)
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}])
    inst = build_instance(hours(8), 3600, ("phone:de",), req, cfg)
    res = run(inst, "highs")
    assert res.objective == 0 and len(shifts_table(inst, res.plan)) == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_answers_are_checked_not_trusted(monkeypatch, solver):
    # a cyclic 3-hour horizon, 1 agent each hour, 2-h shifts only: the LP takes half a
    # shift at each start (1.5 shifts x 20 = 30), the integer optimum is 2 shifts (40).
    # A MIP answer with LP values and an "Optimal" status must be refused.
    import wfm.schedule.solve as mod

    def lying_mip(self, limit, lo, hi, start, start_n, gap):
        return mod._Run(np.full(len(self.model.y), 0.5), 1.0, "Optimal")

    monkeypatch.setattr(mod._CbcBackend if solver == "cbc" else mod._HighsBackend, "mip",
                        lying_mip)
    req = np.array([[1, 1, 1]])
    cfg = config([{"name": "s", "lengths": ["2h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(3), 3600, ("phone:de",), req, cfg, cyclic=True)
    res = run(inst, solver, strategy="full")
    assert any("non-integer" in n for n in res.notes)
    assert res.lp_bound == pytest.approx(30.0)
    assert res.bound == pytest.approx(30.0)  # the LP, not the solver's claim of 1.0
    assert res.objective == pytest.approx(40.0) and res.plan.short.sum() == 0


@pytest.mark.parametrize("rest", [False, True])
def test_rest_between_shifts_in_aggregate(rest):
    # one agent in the group; 1 agent needed Mon 20-24 and Tue 04-08 (48 hourly
    # intervals). Without the rest rule the same agent works both (2 x 40 = 80); with
    # 11 h rest applied in aggregate (window 4 h + 11 h) only one shift fits: 40 + 4 h
    # short x (1000 + 1.05 x 40, the model's cost of a missing agent-hour) = 4208.
    req = np.zeros((1, 48), dtype=int)
    req[0, 20:24] = 1
    req[0, 28:32] = 1
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 1}],
                 understaffing_penalty={"phone": 1000}, rest_in_aggregate=rest)
    inst = build_instance(hours(48), 3600, ("phone:de",), req, cfg)
    res = run(inst, "highs")
    assert res.objective == pytest.approx(4208.0 if rest else 80.0)
    assert res.plan.feasible
    if rest:  # the checker refuses the two-shift plan
        both = np.zeros(len(inst.columns), dtype=int)
        both[[np.flatnonzero(inst.columns.start == s)[0] for s in (20, 28)]] = 1
        assert not evaluate(inst, both).feasible


def test_wrapped_hours_are_paid_for_the_next_weeks_monday():
    """Monday 2 March is a holiday in this config; a Sunday 22:00-02:00 shift of
    the cyclic week works 00:00-02:00 on Monday 9 March, an ordinary day: 4 h at
    10 = 40, where the same week's Monday would have charged 2 h + 2 h x 2 = 60.
    A Monday 00:00-04:00 shift on the holiday itself costs 4 h x 2 x 10 = 80."""
    cfg = config(
        [{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
        [{"name": "A", "skills": ["phone:de"], "rate": 10}],
        premiums={"night": 0.0, "sunday": 0.0, "holiday": 1.0},
        holidays=[MONDAY],
        understaffing_penalty={"phone": 1000},
    )
    req = np.ones((1, 168), dtype=int)
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    assert inst.cyclic
    cols = inst.columns
    cost = dict(zip(cols.start.tolist(), cols.cost.tolist(), strict=True))
    assert cost[6 * 24 + 22] == pytest.approx(40.0)  # Sunday 22:00, wraps
    assert cost[0] == pytest.approx(80.0)  # Monday 00:00, the holiday
    assert cost[6 * 24 + 20] == pytest.approx(40.0)  # Sunday 20:00-24:00, no wrap


def _five_day_week(block: int):
    # a cyclic week of hours; one 6-h shift at 09:00 (no break), 10 per paid hour; 5
    # agents needed 09-15 on Mon, Tue, Wed, Thu and Sat; max_headcount 5
    starts = hours(168)
    req = np.zeros((1, 168), dtype=int)
    for d in (0, 1, 2, 3, 5):
        req[0, 24 * d + 9: 24 * d + 15] = 5
    cfg = config([{"name": "s", "lengths": ["6h"], "starts": "09:00"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 5}],
                 understaffing_penalty={"phone": 1000}, break_rule=[], days_off=2,
                 consecutive_days_off=block)
    return build_instance(starts, 3600, ("phone:de",), req, cfg)


def test_pattern_need_hand_computed():
    from wfm.schedule.evaluate import pattern_need
    from wfm.schedule.instance import off_blocks

    blocks = off_blocks(_five_day_week(2), 0)
    assert blocks.shape == (7, 7) and blocks.sum(axis=1).tolist() == [2] * 7
    assert blocks[6].tolist() == [1, 0, 0, 0, 0, 0, 1]  # Sun-Mon wraps
    # Mon-Fri 5 each: everybody off Sat+Sun -> 5 agents
    assert pattern_need(np.array([5, 5, 5, 5, 5, 0, 0]), blocks) == 5
    # Mon-Thu + Sat: the free days Fri and Sun are not adjacent, so every block of two
    # days off hits a demand day; an agent works at most 4 of the 25 agent-days ->
    # at least ceil(25 / 4) = 7, and 7 do it (blocks Thu-Fri x2, Sat-Sun x2, Sun-Mon x2,
    # Tue-Wed x1)
    assert pattern_need(np.array([5, 5, 5, 5, 0, 5, 0]), blocks) == 7
    assert pattern_need(np.zeros(7), blocks) == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_days_off_pattern_constraint_in_the_plan(solver):
    from wfm.schedule.roster import Agent, roster, rules_from_instance, shifts_from_plan

    # without the block the aggregate rules (5 a day, 25 shifts for 5 agents) let the
    # plan cover all 25 agent-days: 25 x 60 = 1500; but no roster of 5 agents with two
    # consecutive days off can work it (see above: 7 needed)
    old = _five_day_week(0)
    res_old = run(old, solver)
    assert res_old.plan.short.sum() == 0 and res_old.plan.cost == pytest.approx(1500.0)
    new = _five_day_week(2)
    rules = rules_from_instance(new)
    staff = [Agent(f"A-{i}", "A") for i in range(5)]
    r_old = roster(shifts_from_plan(old, res_old.plan), staff, rules, time_limit=10)
    assert sum(n for n, _ in r_old.unassigned.values()) == 5  # 5 x 4 = 20 of 25 fit
    # with the block: at most 4 demand days per agent -> 20 shifts, 5 agent-days (30
    # agent-h) short: 20 x 60 + 30 x (1000 + 1.05 x 60) = 33,090 (the model's cost of a
    # missing agent-hour: the penalty + 1.05 x the one 6-h shift on duty there)
    res = run(new, solver)
    assert res.plan.feasible and res.plan.y.sum() == 20
    assert res.objective == pytest.approx(33090.0)
    assert res.plan.headcount[0] == 5
    r = roster(shifts_from_plan(new, res.plan), staff, rules, time_limit=10)
    assert not r.unassigned and not r.violations
    # the old plan is refused by the check of the new rules; the rest is the limit
    assert evaluate(new, res_old.plan.y).violations[0].startswith("group A: needs 7 agents")
    unc = uncovered(new, res.plan)
    assert set(unc.reason) == {"headcount/hours limit (A)"}


def test_addable_agrees_with_group_need_column_by_column():
    from wfm.schedule.evaluate import addable, group_need

    # the vectorized test of the fill pass against the direct count, one column at a
    # time, on random plans of a week with every rule switched on (hours, shifts, one
    # a day, rest window, days-off patterns)
    req = np.ones((1, 168), dtype=int)
    cfg = config([{"name": "early", "lengths": ["8h"], "starts": "06:00-08:00", "step": "1h"},
                  {"name": "late", "lengths": ["6h", "8h"], "starts": "14:00-16:00",
                   "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 3,
                   "max_weekly_hours": "36h"}],
                 break_rule=[], rest_in_aggregate=True, consecutive_days_off=2)
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    rng = np.random.default_rng(7)
    n = len(inst.columns)
    seen = set()
    for _ in range(15):
        y = np.zeros(n, dtype=int)
        y[rng.choice(n, size=int(rng.integers(0, 12)), replace=False)] = 1
        if group_need(inst, 0, y) > 3:
            continue
        got = addable(inst, 0, y)
        want = np.array([group_need(inst, 0, y + (np.arange(n) == c)) <= 3 for c in range(n)])
        assert (got == want).all()
        seen.update(got.tolist())
    assert seen == {True, False}  # both answers were tested


def test_cyclic_week_not_starting_at_midnight_is_refused():
    # the reviewer's d8 case: a week from Monday 06:00 has 8 local dates, off_blocks
    # and the roster rules counted 8 days; a week from 00:00 has 7
    cfg = config([{"name": "s", "lengths": ["6h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 5}],
                 understaffing_penalty={"phone": 1000}, break_rule=[], days_off=2,
                 consecutive_days_off=2)
    req = np.ones((1, 168), dtype=int)
    with pytest.raises(ValueError, match="spans 8 calendar dates; start the week at 00:00"):
        build_instance(hours(168, start=f"{MONDAY} 06:00"), 3600, ("phone:de",), req, cfg)
    inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
    assert inst.cyclic and len(inst.dates) == 7
    # shorter horizons keep working from any hour (they are not a week)
    short = build_instance(hours(12, start=f"{MONDAY} 06:00"), 3600, ("phone:de",),
                           np.ones((1, 12), dtype=int), cfg)
    assert not short.cyclic


def test_headcount_of_an_unlimited_group_counts_the_days_off_block():
    # 5 agents 09:00-15:00 on Mon-Thu and Sat, 2 days off in a block of 2 (cyclic
    # week).  Every block of 2 consecutive days holds one of those 5 days, so an agent
    # works at most 4 of them: 25 shifts need ceil(25 / 4) = 7 agents, and 7 do (blocks
    # Sun-Mon x2, Thu-Fri x2, Sat-Sun x2, Tue-Wed x1 leave 5 on each day).  Without a
    # max_headcount the block was ignored: headcount 5 and 5 of 25 shifts unrostered.
    from wfm.schedule.roster import (
        anonymous_agents,
        roster,
        rules_from_instance,
        shifts_from_plan,
    )

    req = np.zeros((1, 168), dtype=int)
    for d in (0, 1, 2, 3, 5):
        req[0, 24 * d + 9: 24 * d + 15] = 5
    for maxhc in (None, 10):
        grp = {"name": "A", "skills": ["phone:de"], "rate": 10}
        if maxhc:
            grp["max_headcount"] = maxhc
        cfg = config([{"name": "s", "lengths": ["6h"], "starts": "09:00"}], [grp],
                     understaffing_penalty={"phone": 1000}, break_rule=[], days_off=2,
                     consecutive_days_off=2)
        inst = build_instance(hours(168), 3600, ("phone:de",), req, cfg)
        y = np.where(np.isin(inst.columns.day_index, [0, 1, 2, 3, 5]), 5, 0)
        plan = evaluate(inst, y)
        assert plan.feasible and list(plan.headcount) == [7], maxhc
        agents = anonymous_agents(inst, plan)
        assert len(agents) == 7
        r = roster(shifts_from_plan(inst, plan), agents, rules_from_instance(inst),
                   time_limit=5)
        assert sum(n for n, _ in r.unassigned.values()) == 0, maxhc


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_repair_keeps_every_shift_of_the_previous_plan(solver):
    # the hand optimum above (2 shifts at 00:00, 1 at 04:00), then hour 9 raised to 1
    # agent: the new instance has more columns (starts 06:00-08:00 now meet a
    # requirement), the previous plan is carried over by column key, kept whole, and one
    # 4-h shift over hour 9 is added (cost 120 + 40 = 160, the fresh optimum's cost too)
    from wfm.schedule import plan_schedule

    req = np.array([[2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}],
                 understaffing_penalty={"phone": 1000})
    opts = SolveOptions(solver=solver, time_limit=20, gap=1e-6)
    first = plan_schedule(hours(12), 3600, ("phone:de",), req, cfg, opts)
    raised = req.copy()
    raised[0, 9] = 1
    second = plan_schedule(hours(12), 3600, ("phone:de",), raised, cfg, opts, start=first)
    assert len(second.instance.columns) > len(first.instance.columns)
    old = carry_plan(first.instance, first.result.plan.y, second.instance)
    assert old.sum() == 3
    new = second.result.plan.y
    assert (new >= old).all() and new.sum() == 4
    assert second.result.events[0][1] == "previous plan"
    assert second.result.plan.short.sum() == 0
    assert second.result.objective == pytest.approx(160.0)
    assert second.result.status == "repair of the previous plan"


def test_carry_plan_refuses_a_shift_without_a_column():
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10}])
    a = build_instance(hours(12), 3600, ("phone:de",), np.array([[0] * 8 + [1] * 4]), cfg)
    b = build_instance(hours(12), 3600, ("phone:de",), np.array([[1] + [0] * 11]), cfg)
    y = np.zeros(len(a.columns), dtype=int)
    y[np.flatnonzero(a.columns.start == 8)[0]] = 1
    with pytest.raises(ValueError, match="not a column"):
        carry_plan(a, y, b)
    np.testing.assert_array_equal(carry_plan(a, y, a), y)


@given(st.lists(st.integers(0, 3), min_size=8, max_size=8), st.integers(5, 40),
       st.integers(5, 40), st.integers(1, 300))
@settings(max_examples=25, deadline=None)
def test_a_shortfall_never_costs_less_than_a_shift_covering_it(req, rate_a, rate_b, pen):
    # invariant of coverage_costs: for a queue that must be filled, one missing
    # agent-interval costs (penalty + more than) every skilled group's cheapest shift on
    # duty there, so adding that shift never raises the objective
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"},
                  {"name": "l", "lengths": ["6h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": rate_a},
                  {"name": "B", "skills": ["phone:de", "email:de"], "rate": rate_b}],
                 understaffing_penalty={"phone": pen, "email": pen / 2})
    r = np.array([req, req[::-1]])
    inst = build_instance(hours(8), 3600, ("phone:de", "email:de"), r, cfg)
    cols = inst.columns
    duty = cols.duty.toarray()
    for q in range(2):
        gs = np.flatnonzero(inst.skill[:, q])
        must = inst.penalty[q] >= min(inst.config.groups[g].rate for g in gs)
        for t in range(inst.T):
            if not must:
                assert inst.short_cost[q, t] == inst.penalty[q]
                continue
            for g in gs:
                on = (cols.group == g) & (duty[:, t] > 0)
                if on.any():
                    assert inst.short_cost[q, t] * inst.dt_h > cols.cost[on].min()
            assert inst.short_cost[q, t] >= inst.penalty[q]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_repair_keeps_the_shift_of_a_group_at_its_limit(solver):
    # one agent (max_headcount 1, one shift a day); the previous plan has the 4-h shift
    # at 00:00 (hours 0-3).  The raised requirement needs hours 1, 2 and 4: a fresh
    # plan would move the shift to 01:00 (objective 40), the repair keeps it (no
    # interval loses its agent) and leaves hour 4 short: 40 + (1000 + 1.05 x 40) = 1082
    req = np.array([[0, 1, 1, 0, 1, 0, 0, 0]])
    cfg = config([{"name": "s", "lengths": ["4h"], "starts": "00:00-23:00", "step": "1h"}],
                 [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 1}],
                 understaffing_penalty={"phone": 1000})
    inst = build_instance(hours(8), 3600, ("phone:de",), req, cfg)
    y0 = np.zeros(len(inst.columns), dtype=int)
    y0[np.flatnonzero(inst.columns.start == 0)[0]] = 1
    res = solve(inst, SolveOptions(solver=solver, time_limit=20, gap=1e-6), start=y0)
    assert res.events[0][1] == "previous plan"
    np.testing.assert_array_equal(res.plan.y, y0)
    assert res.objective == pytest.approx(1082.0)
    fresh = solve(inst, SolveOptions(solver=solver, time_limit=20, gap=1e-6))
    assert fresh.objective == pytest.approx(40.0)
