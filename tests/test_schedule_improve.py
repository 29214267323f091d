"""Local search on a plan (wfm.schedule.improve): hand-computed moves and invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.evaluate import evaluate, may_leave_short
from wfm.schedule.improve import improve
from wfm.schedule.instance import build_instance

NO_PREMIUMS = {"night": 0.0, "sunday": 0.0, "holiday": 0.0}
HOURS = pd.date_range("2026-03-02", periods=12, freq="1h", tz="Europe/Berlin")
# 4-h and 6-h shifts at every full hour (no break up to 6 h), 10 per paid hour
SHIFTS = [{"name": "s", "lengths": ["4h", "6h"], "starts": "00:00-23:00", "step": "1h"}]


def _instance(req, groups, queues=("phone:de",)):
    cfg = ScheduleConfig(rules={"premiums": NO_PREMIUMS, "overstaffing_cost": 0.0,
                                "understaffing_penalty": {"phone": 100, "chat": 100}},
                         shifts=SHIFTS, groups=groups)
    return build_instance(HOURS, 3600, queues, np.array(req), cfg)


def _plan(inst, shifts):
    """Counts for ``shifts``: (start hour, length h, agents)."""
    c = inst.columns
    y = np.zeros(len(c), dtype=int)
    for start, length, n in shifts:
        (k,) = np.flatnonzero((c.start == start) & (c.length == length))
        y[k] += n
    return evaluate(inst, y)


A = [{"name": "A", "skills": ["phone:de"], "rate": 10}]


def test_an_idle_shift_is_dropped():
    # one agent needed in hours 0-3; two 4-h shifts at 00:00: one agent idle all shift
    inst = _instance([[1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]], A)
    plan = _plan(inst, [(0, 4, 2)])
    assert plan.cost == pytest.approx(80.0)
    better = improve(inst, plan)
    assert better.cost == pytest.approx(40.0)
    assert better.short.sum() == 0 and better.feasible


def test_a_long_shift_is_swapped_for_the_short_one_that_does_its_work():
    # one agent needed in hours 2-5; the 6-h shift at 00:00 (60) covers 0-5 and so is
    # idle in 0-1; the 4-h shift at 02:00 (40) does the same work: cost 40, no short
    inst = _instance([[0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]], A)
    plan = _plan(inst, [(0, 6, 1)])
    assert plan.short.sum() == 0 and plan.cost == pytest.approx(60.0)
    better = improve(inst, plan)
    assert better.cost == pytest.approx(40.0)
    assert better.short.sum() == 0
    (k,) = np.flatnonzero(better.y)
    assert (inst.columns.start[k], inst.columns.length[k]) == (2, 4)


def test_a_swap_covers_a_shortfall_and_keeps_the_hours_cap():
    # one agent at most, 4 paid h a week; one agent needed in hours 2-5.  The 4-h shift
    # at 00:00 works 2-3 and leaves 4-5 short; the 4-h shift at 02:00 costs the same and
    # covers 2-5; the 6-h shift at 00:00 would too but breaks the 4-h cap
    capped = [{"name": "A", "skills": ["phone:de"], "rate": 10, "max_headcount": 1,
               "max_weekly_hours": "4h"}]
    inst = _instance([[0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]], capped)
    plan = _plan(inst, [(0, 4, 1)])
    assert plan.short.sum() == 2
    better = improve(inst, plan)
    assert better.feasible and better.short.sum() == 0
    assert better.paid_h == pytest.approx(4.0) and better.cost == pytest.approx(40.0)


def test_an_agent_is_handed_over_to_a_cheaper_group_with_the_skill():
    # phone needed in hours 0-3; the bilingual group B (12 per h) works it, the
    # phone-only group A (10 per h) does the same for 40 instead of 48
    groups = [{"name": "A", "skills": ["phone:de"], "rate": 10},
              {"name": "B", "skills": ["phone:de", "chat:de"], "rate": 12}]
    inst = _instance([[1, 1, 1, 1] + [0] * 8, [0] * 12], groups, queues=("phone:de", "chat:de"))
    c = inst.columns
    y = np.zeros(len(c), dtype=int)
    y[np.flatnonzero((c.group == 1) & (c.start == 0) & (c.length == 4))] = 1
    plan = evaluate(inst, y)
    assert plan.cost == pytest.approx(48.0) and plan.short.sum() == 0
    better = improve(inst, plan)
    assert better.cost == pytest.approx(40.0) and better.short.sum() == 0
    (k,) = np.flatnonzero(better.y)
    assert (c.group[k], c.start[k], c.length[k]) == (0, 0, 4)


GROUPS = [
    {"name": "DE", "skills": ["phone:de"], "rate": 10},
    {"name": "BI", "skills": ["phone:de", "chat:de"], "rate": 12, "max_headcount": 3,
     "max_weekly_hours": "12h"},
]


@settings(max_examples=25, deadline=None)
@given(req=st.lists(st.lists(st.integers(0, 3), min_size=12, max_size=12), min_size=2,
                    max_size=2),
       seed=st.integers(0, 10**6))
def test_local_search_never_makes_a_plan_worse_nor_shorter_covered(req, seed):
    inst = _instance(req, GROUPS, queues=("phone:de", "chat:de"))
    rng = np.random.default_rng(seed)
    y = np.zeros(len(inst.columns), dtype=int)
    y[rng.choice(len(y), size=min(4, len(y)), replace=False)] = 1
    plan = evaluate(inst, y)
    if not plan.feasible:
        return
    better = improve(inst, plan)
    again = evaluate(inst, better.y)  # what improve returns is the checked plan
    assert again.feasible
    assert again.objective == pytest.approx(better.objective)
    assert better.objective <= plan.objective + 1e-9
    fill = ~may_leave_short(inst)
    assert better.short[fill].sum() <= plan.short[fill].sum()
