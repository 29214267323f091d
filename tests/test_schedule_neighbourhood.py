"""The neighbourhood search (wfm.schedule.neighbourhood): the sub-MIP cut out of the
matrix is the full model with every other shift fixed, and the search walks a plan
down to near the proven optimum on a week small enough for the full MIP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.evaluate import evaluate, to_integer
from wfm.schedule.instance import build_instance
from wfm.schedule.model import build_model
from wfm.schedule.neighbourhood import neighbourhood, search, sub_problem
from wfm.schedule.solve import SolveOptions, _HighsBackend, _start_values, solve

QUEUES = ("phone:de", "phone:en", "phone:fr")
GROUPS = [
    {"name": "DE", "skills": ["phone:de"], "rate": 20},
    {"name": "EN", "skills": ["phone:en"], "rate": 21, "max_headcount": 20},
    {"name": "DE_EN", "skills": ["phone:de", "phone:en"], "rate": 23, "max_headcount": 8},
    {"name": "FR", "skills": ["phone:fr"], "rate": 22, "max_headcount": 14},
]


def _week(seed: int = 7, groups=None, cyclic: bool = True, **rules):
    """A week of hours (cyclic: Sunday night runs into Monday), 3 queues of smooth
    demand with noise, 6-h and 8-h shifts every 2 h, two consecutive days off, four
    groups (three capped)."""
    starts = pd.date_range("2026-03-02", periods=168, freq="1h", tz="Europe/Berlin")
    rng = np.random.default_rng(seed)
    h = np.arange(168) % 24
    day = np.array([1.1, 1.0, 1.0, 1.0, 0.9, 0.6, 0.4])[np.arange(168) // 24]
    shape = 0.2 + np.exp(-(((h - 11) / 3.0) ** 2)) + 0.7 * np.exp(-(((h - 16) / 2.5) ** 2))
    req = np.array([np.ceil(scale * shape * day * rng.lognormal(0, 0.1, 168))
                    for scale in (9.0, 5.0, 2.5)], dtype=int)
    cfg = ScheduleConfig(
        rules={"premiums": {"night": 0.25, "sunday": 0.5, "holiday": 0.0},
               "overstaffing_cost": 0.5, "days_off": 2, "consecutive_days_off": 2,
               "understaffing_penalty": {"phone": 200}, "wrap_week": cyclic, **rules},
        shifts=[{"name": "s", "lengths": ["6h", "8h"], "starts": "00:00-22:00", "step": "2h"}],
        groups=groups or GROUPS)
    return build_instance(starts, 3600, QUEUES, req, cfg)


@pytest.fixture(scope="module")
def week():
    inst = _week()
    model = build_model(inst)
    backend = _HighsBackend(model, SolveOptions())
    first = solve(inst, SolveOptions(time_limit=10, gap=0.05, strategy="lp-support",
                                     improve=False)).plan
    return inst, model, backend, first


# minimum headcount and hours (n's lower bound, the minimum-hours row), the rest rows,
# a week that does not wrap
MINIMA = [{**GROUPS[0], "min_headcount": 30}, {**GROUPS[1], "min_weekly_hours": "30h"},
          GROUPS[2], GROUPS[3]]


@pytest.fixture(scope="module", params=["base", "minima-rest-open-week"])
def any_week(request, week):
    if request.param == "base":
        return week
    inst = _week(groups=MINIMA, cyclic=False, min_rest="11h", rest_in_aggregate=True)
    model = build_model(inst)
    backend = _HighsBackend(model, SolveOptions())
    first = solve(inst, SolveOptions(time_limit=10, gap=0.05, strategy="lp-support",
                                     improve=False)).plan
    assert not inst.cyclic and first.feasible
    return inst, model, backend, first


def test_the_sub_mip_is_the_full_model_with_the_other_shifts_fixed(any_week):
    inst, model, backend, first = any_week
    mm = backend.matrix_model()
    rng = np.random.default_rng(3)
    for day, group in ((2, 0), (5, 1), (0, 3)):
        free = neighbourhood(inst, day, group, rng, max_free=400)
        start = _start_values(inst, model, backend, first.y)
        cut, solved = backend.sub_mip(mm, free, first.y, start, limit=30)
        assert solved and cut is not None
        # the same neighbourhood through the full model: bounds fix every other shift
        lo = np.where(free, 0.0, first.y)
        hi = np.where(free, np.inf, first.y)
        full = backend.mip(30, lo, hi, first.y.astype(float), None, 1e-9)
        a, b = evaluate(inst, to_integer(cut)), evaluate(inst, to_integer(full.values))
        assert a.feasible and b.feasible
        assert (a.y[~free] == first.y[~free]).all()
        assert a.objective == pytest.approx(b.objective, rel=2e-4)
        assert a.objective <= first.objective + 1e-6


def test_sub_problem_moves_the_fixed_shifts_into_the_row_bounds(week):
    inst, model, backend, first = week
    mm = backend.matrix_model()
    free = inst.columns.day_index == 3
    sub = sub_problem(mm, free, first.y)
    # every free shift column is in, no fixed one is
    cols = set(sub.cols.tolist())
    assert set(mm.yi[free].tolist()) <= cols
    assert not set(mm.yi[~free].tolist()) & cols
    # a row's bound moves by exactly the fixed shifts' share of it
    values = np.zeros(mm.A.shape[1])
    values[mm.yi] = np.where(free, 0, first.y)
    dense = mm.A[sub.rows].toarray()
    share = dense @ values
    for full, cut in ((mm.row_upper, sub.row_upper), (mm.row_lower, sub.row_lower)):
        finite = np.isfinite(full[sub.rows])
        assert finite.any()
        assert np.allclose(cut[finite], full[sub.rows][finite] - share[finite])
        assert np.isinf(cut[~finite]).all()
    # an interval no free shift is on duty in keeps its assignment: its cover rows
    # (the only rows with a requirement as lower bound and no shift column) stay out
    on_duty = np.asarray(inst.columns.duty[free].sum(axis=0)).ravel() > 0
    assert on_duty.any() and not on_duty.all()
    names = list(model.problem.constraints)  # PuLP hands the rows to HiGHS in order
    assert len(names) == mm.A.shape[0]
    kept = {names[r] for r in sub.rows}
    q0 = "phonede"
    off = [t for t in np.flatnonzero(~on_duty) if inst.required[0, t] > 0]
    on = [t for t in np.flatnonzero(on_duty) if inst.required[0, t] > 0]
    assert off and on
    assert all(f"cover_{q0}_{t}" not in kept for t in off)
    assert all(f"cover_{q0}_{t}" in kept for t in on)


def test_neighbourhood_shape():
    inst = _week()
    cols = inst.columns
    rng = np.random.default_rng(1)
    skill = inst.skill.astype(int)
    for day in range(7):
        for g in range(len(GROUPS)):
            for days_first in (False, True):
                free = neighbourhood(inst, day, g, rng, 300, days_first)
                own = (cols.day_index == day) & (cols.group == g)
                assert free[own].all()  # the seed group's day is always in
                assert free.sum() <= max(300, own.sum())
                shared = np.flatnonzero((skill @ skill[g]) > 0)
                assert set(np.unique(cols.group[free]).tolist()) <= set(shared.tolist())
    # FR shares no skill: its neighbourhood grows over days, never into other groups
    free = neighbourhood(inst, 0, 3, rng, 10_000)
    assert set(np.unique(cols.group[free]).tolist()) == {3}
    assert set(np.unique(cols.day_index[free]).tolist()) == set(range(7))


def test_search_walks_a_poor_plan_down_to_near_the_proven_optimum(week):
    inst, model, backend, first = week
    exact = solve(inst, SolveOptions(time_limit=60, gap=1e-4, strategy="full"))
    assert exact.gap <= 1e-3  # a proven optimum to compare with
    mm = backend.matrix_model()
    seen: list[float] = []

    def accept(y):
        plan = evaluate(inst, to_integer(y))
        assert plan.feasible
        if plan.objective < (seen[-1] if seen else first.objective) - 1e-6:
            seen.append(plan.objective)
            return plan.y
        return None

    import time

    y, why = search(inst, first.y, lambda y: _start_values(inst, model, backend, y),
                    lambda free, y, start, limit: backend.sub_mip(mm, free, y, start, limit),
                    accept, time.perf_counter() + 30, sub_limit=3.0, max_free=300)
    final = evaluate(inst, y)
    assert why in ("time limit", "no better plan in a whole pass")
    assert seen and final.objective == pytest.approx(seen[-1])  # the last kept plan
    assert first.objective > exact.objective * 1.005  # there was room to improve
    assert final.objective <= exact.objective * 1.005


def test_solve_with_neighbourhoods_returns_a_checked_plan_within_its_gap_or_time():
    inst = _week(seed=11)
    res = solve(inst, SolveOptions(time_limit=15, gap=1e-3, strategy="neighbourhoods"))
    assert res.plan.feasible
    assert res.status.startswith("MIP neighbourhoods")
    assert any(e[1].startswith("MIP neighbourhood") for e in res.events)
    why = res.status.split(": ", 1)[1]
    assert why in ("target", "time limit", "no better plan in a whole pass")
    if why == "target":
        assert res.gap <= 1e-3 + 1e-9
    if why == "time limit":  # the search stops with under half a second left
        assert res.elapsed_s >= 15 - 0.5 - 1e-6
    assert res.elapsed_s <= 15 + 12  # sub-MIPs of a few seconds, the fill pass after


def test_cbc_and_small_models_never_reach_the_search(monkeypatch):
    import wfm.schedule.solve as solve_module

    def boom(*_a, **_k):
        raise AssertionError("the neighbourhood search ran")

    monkeypatch.setattr(solve_module, "_neighbourhoods", boom)
    inst = _week(seed=11)
    # CBC on a model above full_mip_columns: box then LP-support MIPs
    res = solve(inst, SolveOptions(solver="cbc", time_limit=8, gap=1e-4, full_mip_columns=0))
    assert res.plan.feasible
    # HiGHS on a model at most full_mip_columns: box then full MIP
    res = solve(inst, SolveOptions(time_limit=8, gap=1e-4))
    assert res.plan.feasible and len(inst.columns) <= SolveOptions().full_mip_columns
    with pytest.raises(ValueError, match="HiGHS"):
        SolveOptions(solver="cbc", strategy="neighbourhoods")


def test_without_a_first_plan_the_box_mip_runs_before_the_search():
    # minimum hours and headcount the empty plan breaks, no dive: the LP roundings are
    # the only first plans; when they break a rule too, the box MIP must find one
    groups = [{**GROUPS[0], "min_headcount": 25, "min_weekly_hours": "36h"}, *GROUPS[1:]]
    inst = _week(groups=groups)
    res = solve(inst, SolveOptions(time_limit=15, gap=1e-3, dive=False, improve=False,
                                   full_mip_columns=0, box_mip_columns=0))
    assert res.plan is not None and res.plan.feasible
    found = [e[1] for e in res.events if e[1] != "lp bound"]
    assert found[0] == "MIP rounding"  # no first plan before the box MIP
    assert res.status.startswith("MIP neighbourhoods")  # the search ran after it
