"""Deferred work: hand-worked cases, a plain-loop fluid queue, and the findings of
shared/reference/channel-models.md section 2.3."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.erlang.deferred import (
    deadline_intervals,
    deferred_requirement,
    fifo_backlog,
    spread_workload,
    within_deadline_share,
)

HOUR = 3600.0


def test_deadline_intervals():
    assert deadline_intervals(86400, 1800) == 48
    assert deadline_intervals(100, 1800) == 1
    assert deadline_intervals(5400, 1800) == 3


def test_spread_by_hand():
    # 1-hour intervals, 2-hour deadline, open / closed / open / open.
    # Interval 0: 2 items x 1800 s = 3600 agent-s; window {0, 1} has one open
    # interval (0) -> all 3600 s in interval 0.
    # Interval 1: 2 items -> window {1, 2}: open only 2 -> 3600 s in interval 2.
    # Interval 2: 2 items -> window {2, 3}: both open -> 1800 s each.
    got = spread_workload([2, 2, 2, 0], 1800.0, HOUR, 2 * HOUR, [True, False, True, True])
    np.testing.assert_allclose(got, [3600.0, 0.0, 5400.0, 1800.0])


def test_unreachable_work_goes_to_next_open_interval():
    # deadline 1 h, interval 1 closed: its work moves to interval 2
    got = spread_workload([0, 3, 0], 1200.0, HOUR, HOUR, [True, False, True])
    np.testing.assert_allclose(got, [0.0, 0.0, 3600.0])


def python_fifo(arrivals, capacity, backlog):
    level, processed, levels = backlog, [], []
    for a, c in zip(arrivals, capacity, strict=True):
        p = min(level + a, c)
        level = level + a - p
        processed.append(p)
        levels.append(level)
    return np.array(processed), np.array(levels)


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.tuples(st.floats(0, 50), st.floats(0, 60)), min_size=1, max_size=60),
    backlog=st.floats(0, 100),
)
def test_fifo_matches_plain_loop(data, backlog):
    arrivals, capacity = (np.array(x) for x in zip(*data, strict=True))
    got = fifo_backlog(arrivals, capacity, backlog)
    want = python_fifo(arrivals, capacity, backlog)
    np.testing.assert_allclose(got[0], want[0], atol=1e-9)
    np.testing.assert_allclose(got[1], want[1], atol=1e-9)


def test_share_within_deadline_by_hand():
    # 3 items arrive in interval 0, deadline 2 intervals, one item processed per
    # interval: items 1 and 2 are done by the end of interval 1, item 3 is late.
    share = within_deadline_share([3, 0, 0, 0], [1, 1, 1, 0], 2)
    assert share == pytest.approx(2 / 3)


def week(open_rule):
    grid = pd.date_range("2026-03-23", periods=48 * 7, freq="30min")
    return grid, np.asarray(open_rule(grid))


def test_flat_24_7_staffs_the_workload():
    grid, always = week(lambda g: np.ones(len(g), bool))
    arrivals = np.full(len(grid), 2.0)  # 2 e-mails per half hour at 900 s = 1 agent
    req = deferred_requirement(
        arrivals, 900.0, 1800.0, 24 * HOUR, always, within=0.9, occupancy=1.0
    )
    np.testing.assert_allclose(req.agents, 1.0, atol=1e-9)
    assert req.feasible and req.achieved == pytest.approx(1.0)


def test_weekday_office_hours_cannot_meet_24h_but_48h():
    grid, office = week(lambda g: (g.day_of_week < 5) & (g.hour >= 8) & (g.hour < 18))
    arrivals = np.full(len(grid), 2.0)
    day = deferred_requirement(arrivals, 900.0, 1800.0, 24 * HOUR, office, within=0.9)
    assert not day.feasible and day.achieved < 0.9  # weekend arrivals are late
    two_days = deferred_requirement(arrivals, 900.0, 1800.0, 48 * HOUR, office, within=0.9)
    assert two_days.feasible and two_days.achieved >= 0.9
    # all work is done: agent-hours = workload / occupancy
    agent_hours = two_days.agents.sum() * 0.5
    assert agent_hours == pytest.approx(arrivals.sum() * 900 / HOUR / 0.9)


def test_lower_percentile_flattens_the_peak_without_losing_work():
    grid, hours = week(lambda g: (g.hour >= 7) & (g.hour < 22))
    arrivals = np.where((grid.hour >= 8) & (grid.hour < 10), 20.0, 0.5)
    strict = deferred_requirement(arrivals, 600.0, 1800.0, 4 * HOUR, hours, within=0.9)
    loose = deferred_requirement(arrivals, 600.0, 1800.0, 4 * HOUR, hours, within=0.8)
    assert loose.agents.max() < strict.agents.max()
    assert loose.agents.sum() == pytest.approx(strict.agents.sum())
    assert loose.achieved >= 0.8 and strict.achieved >= 0.9
    assert loose.achieved_rounded >= loose.achieved - 1e-12


def test_scaling_and_edges():
    grid, hours = week(lambda g: (g.hour >= 7) & (g.hour < 22))
    arrivals = np.random.default_rng(3).poisson(4, len(grid)).astype(float)
    one = deferred_requirement(arrivals, 480.0, 1800.0, 24 * HOUR, hours, within=0.9)
    two = deferred_requirement(2 * arrivals, 480.0, 1800.0, 24 * HOUR, hours, within=0.9)
    np.testing.assert_allclose(two.agents, 2 * one.agents, rtol=1e-9, atol=1e-12)
    zero = deferred_requirement(np.zeros(10), 480.0, 1800.0, HOUR, np.ones(10, bool))
    assert zero.agents.sum() == 0 and zero.achieved == 1.0
    closed = deferred_requirement(np.ones(10), 480.0, 1800.0, HOUR, np.zeros(10, bool))
    assert not closed.feasible


def test_one_off_horizon_with_opening_backlog():
    hours = np.ones(8, bool)
    req = deferred_requirement(
        np.zeros(8),
        1800.0,
        1800.0,
        2 * HOUR,
        hours,
        within=1.0,
        occupancy=1.0,
        backlog=8.0,
        cyclic=False,
    )
    # 8 items x 1800 s over the first 4 half hours -> 2 agents each
    np.testing.assert_allclose(req.agents[:4], 2.0)
    np.testing.assert_allclose(req.agents[4:], 0.0)
    assert req.achieved == pytest.approx(1.0)
