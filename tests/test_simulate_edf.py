"""Deferred work served by due date (earliest deadline first) in the simulation engine."""

from __future__ import annotations

import heapq
from dataclasses import replace

import numpy as np

import wfm.simulate.engine as engine
from wfm.simulate import SimInput, simulate, simulate_once

DT = 1800.0


def mini_edf(rng: np.random.Generator, rates: list[float], deadlines: list[float],
             aht: float, agents: int, horizon: float, edf: bool) -> tuple[np.ndarray, ...]:
    """An independent simulation of ``agents`` servers on deferred queues (no
    abandonment), Poisson arrivals at ``rates`` per second over [0, horizon), exponential
    handling of mean ``aht``, non-preemptive; a free server takes the waiting item with
    the earliest due date (``edf``) or the oldest one.  Returns per queue (items due
    within the horizon, those taken up within their deadline)."""
    items = []  # (arrival, queue)
    for q, lam in enumerate(rates):
        n = rng.poisson(lam * horizon)
        items += [(a, q) for a in rng.uniform(0.0, horizon, n)]
    items.sort()
    free = [0.0] * agents  # times the servers come free
    waiting: list[tuple[float, float, int]] = []  # (key, arrival, queue)
    due = np.zeros(len(rates))
    within = np.zeros(len(rates))
    k = 0
    while k < len(items) or waiting:
        tf = heapq.heappop(free)
        while k < len(items) and items[k][0] <= tf:
            a, q = items[k]
            heapq.heappush(waiting, (a + deadlines[q] if edf else a, a, q))
            k += 1
        if not waiting:  # idle until the next arrival
            heapq.heappush(free, items[k][0])
            continue
        _, a, q = heapq.heappop(waiting)
        if a + deadlines[q] <= horizon:
            due[q] += 1
            within[q] += tf - a <= deadlines[q]
        heapq.heappush(free, tf + rng.exponential(aht))
    return due, within


def two_deferred(T: int = 48, rates: tuple[float, float] = (4.0, 1.5),
                 deadlines: tuple[float, float] = (8 * 3600.0, 1800.0)) -> SimInput:
    """Letters (default 8-h deadline, 4 an interval) and app callbacks (30 min, 1.5 an
    interval), AHT 600 s, 2 agents around the clock."""
    return SimInput(np.array([[rates[0]] * T, [rates[1]] * T]), np.full((2, T), 600.0),
                    np.array([np.inf, np.inf]), np.array(deadlines),
                    np.ones((1, 2), bool), np.full((1, T), 2), DT, deferred=(True, True))


def test_deferred_queues_are_served_earliest_due_first_as_an_independent_simulation():
    # 4 letters (deadline 90 min) and 1.7 callbacks (15 min) an interval, AHT 600 s,
    # 2 agents: 1.9 Erlang, occupancy 95 %.  The engine against mini_edf on the same
    # model (4 days from empty, items due after them left out): the share within the
    # deadline per queue (mean of the replications' shares) agrees within 3 standard
    # errors.  FIFO across the queues (the former rule) gives the callbacks ~35 points
    # less (measured with mini_edf: EDF 0.78 / 0.73, FIFO 0.87 / 0.37), far outside
    # that band, so the test tells the two rules apart.
    T, reps, mini_reps = 192, 40, 200
    deadlines = (5400.0, 900.0)
    inp = two_deferred(T, (4.0, 1.7), deadlines)
    res = simulate(inp, replications=reps, seed=3)
    got, half = res.total_mean["service_level"], res.total_half["service_level"]
    rng = np.random.default_rng(11)
    share: dict[bool, list] = {True: [], False: []}
    for edf in (True, False):
        for _ in range(mini_reps):
            due, within = mini_edf(rng, [4.0 / DT, 1.7 / DT], list(deadlines), 600.0, 2,
                                   T * DT, edf)
            share[edf].append(within / due)
    ref = np.mean(share[True], axis=0)
    t_reps = 2.0227  # Student t, 0.975, 39 degrees of freedom: half -> standard error
    se = np.sqrt((half / t_reps) ** 2 + np.var(share[True], axis=0, ddof=1) / mini_reps)
    assert np.all(np.abs(got - ref) < 3 * se), (got, ref, se)
    fifo = np.mean(share[False], axis=0)
    assert ref[1] - fifo[1] > 0.2 and got[1] - fifo[1] > 6 * se[1], (ref, fifo, se)


def test_a_backlog_is_worked_in_due_date_order(monkeypatch):
    # Hand-worked: nobody on duty in interval 0, so the letters (deadline 8 h, 3,000 s
    # each) and the callbacks (30 min, 60 s each) of that interval pile up; from
    # interval 1 one agent works them.  Every callback of interval 0 is due (by 1 h)
    # before every letter (8 h or later), so the agent makes all callbacks first,
    # done after their summed handle times (~4 x 60 s), and the callback backlog is
    # empty at the end of interval 1.  Oldest first, the agent takes a letter that
    # came before a callback first (50 min on average): callbacks still wait then.
    T = 4
    inp = replace(two_deferred(T), volume=np.array([[4.0, 0, 0, 0], [4.0, 0, 0, 0]]),
                  aht=np.array([[3000.0] * T, [60.0] * T]), on_duty=np.array([[0, 1, 1, 1]]))
    reps = [simulate_once(inp, np.random.default_rng([2, r])) for r in range(20)]
    assert sum(rep.offered[1, 0] > 0 for rep in reps) >= 15
    assert all(rep.backlog[1, 1] == 0 for rep in reps)
    monkeypatch.setattr(engine, "_service_tiers", fifo_tiers)
    fifo = [simulate_once(inp, np.random.default_rng([2, r])) for r in range(20)]
    assert sum(rep.backlog[1, 1] > 0 for rep in fifo) >= 10


EDF_TIERS = engine._service_tiers


def fifo_tiers(*args):
    """The rule before due dates: every offset 0 (oldest first in each tier)."""
    tiers = EDF_TIERS(*args)
    return [[[(q, 0.0) for q, _ in tier] for tier in ts] for ts in tiers]


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
               for f in ("offered", "answered", "within", "abandoned", "wait_sum", "busy",
                         "due", "backlog", "overtime"))


def test_plans_without_deferred_queues_of_different_deadlines_simulate_as_before(
        monkeypatch):
    # live queues, a chat queue, callbacks of one deadline and one deferred queue per
    # pool: the due-date offsets are all 0, so every draw and tally is the same as
    # with the former rule (oldest first in every tier), and so is a pool with two
    # deferred queues of one deadline
    T = 8
    mixed = SimInput(np.array([[30.0] * T, [10.0] * T, [8.0] * T, [20.0] * T]),
                     np.array([[300.0] * T, [400.0] * T, [500.0] * T, [600.0] * T]),
                     np.array([120.0, 180.0, 150.0, np.inf]),
                     np.array([20.0, 30.0, 60.0, 4 * 3600.0]),
                     np.array([[1, 1, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]], bool),
                     np.array([[6] * T, [2] * T, [3] * T]), DT,
                     concurrency=(1, 1, 2, 1), deferred=(False, False, False, True),
                     callback=(0.5, 0.3, 0.0, 0.0),
                     callback_deadline=(3600.0, 3600.0, np.inf, np.inf))
    equal = replace(two_deferred(8), target_time=np.array([3600.0, 3600.0]))
    unequal = two_deferred(8)

    def runs(inp: SimInput) -> list:
        return [simulate_once(inp, np.random.default_rng([7, r])) for r in range(3)]

    new = [runs(x) for x in (mixed, equal, unequal)]
    monkeypatch.setattr(engine, "_service_tiers", fifo_tiers)
    old = [runs(x) for x in (mixed, equal, unequal)]
    for k in (0, 1):
        assert all(same(a, b) for a, b in zip(new[k], old[k], strict=True))
    assert not all(same(a, b) for a, b in zip(new[2], old[2], strict=True))  # the check bites


def test_an_infinite_callback_deadline_is_still_served():
    tiers = engine._service_tiers([[0, 1]], (False, False), [2, 3], np.array([20.0, 20.0]),
                                  (3600.0, float("inf")))
    assert tiers == [[[(0, 0.0), (1, 0.0)], [(2, 3600.0), (3, 1e9)]]]
