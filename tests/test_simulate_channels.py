"""Chat (concurrency) and deferred (e-mail) queues in the simulation engine."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import t as student

from wfm.erlang.chat import chat_metrics
from wfm.erlang.deferred import fifo_backlog
from wfm.simulate import SimInput, simulate, simulate_once
from wfm.simulate.plan import cyclic_margins

DT = 1800.0
WARMUP = 4  # intervals (2 h) left out: the simulation starts empty
T = 12
REPS = 30


def chat_queue(n: int, load1: float, aht: float, factors: tuple[float, ...],
               patience: float, target: float, T: int = T,
               duty: np.ndarray | None = None) -> SimInput:
    """One chat queue with ``load1`` = arrivals per AHT_1 (Erlang at one chat each)."""
    return SimInput(np.full((1, T), load1 * DT / aht), np.full((1, T), aht),
                    np.array([patience]), np.array([target]), np.ones((1, 1), bool),
                    np.full((1, T), n) if duty is None else duty, DT,
                    concurrency=(len(factors),), aht_factors=(factors,), chat=(True,))


# (agents, arrivals per AHT_1, AHT_1 s, AHT_k / AHT_1, patience s or inf, target s)
CHAT_POINTS = [
    (5, 8.0, 600.0, (1.0, 1.18), 180.0, 60.0),
    (3, 5.0, 400.0, (1.0, 1.2), 120.0, 30.0),
    (8, 11.0, 300.0, (1.0, 2 / 1.7), 180.0, 60.0),
    (20, 42.0, 600.0, (1.0, 2 / 1.7, 1.2), 240.0, 60.0),
    (12, 16.0, 500.0, (1.0, 1.18), np.inf, 60.0),
    (4, 5.0, 300.0, (1.0, 1.1, 1.25), 90.0, 20.0),
]


def test_chat_agrees_with_the_erlang_chat_model_within_the_95pct_interval():
    """SL, ASA and abandonment against wfm.erlang.chat (17 checks; an honest 95 %
    interval misses 3 or more with probability ~5 %, so 15 hits are required and every
    miss must lie within two half-widths).  Occupancy (agents holding a chat) is only
    bounded: the chain keeps the chats spread evenly over the agents at all times, in
    the simulation a chat stays with its agent, so departures leave loads uneven and
    fewer agents hold a chat."""
    tq = student.ppf(0.975, REPS - 1)
    hits, checks, misses = 0, 0, []
    for k, (n, load1, aht, factors, pat, tt) in enumerate(CHAT_POINTS):
        inp = chat_queue(n, load1, aht, factors, pat, tt)
        got: dict[str, list[float]] = {"sl": [], "asa": [], "ab": [], "occ": []}
        for r in range(REPS):
            x = simulate_once(inp, np.random.default_rng([300 + k, r]))
            s = slice(WARMUP, None)
            off = x.offered[:, s].sum()
            got["sl"].append(x.within[:, s].sum() / off)
            got["asa"].append(x.wait_sum[:, s].sum() / x.answered[:, s].sum())
            got["ab"].append(x.abandoned[:, s].sum() / off)
            got["occ"].append(x.busy[:, s].sum() / x.duty[:, s].sum())
        e = chat_metrics(n, load1 / aht, [aht * f for f in factors], tt,
                         None if np.isinf(pat) else pat)
        want = {"sl": e.service_level, "asa": e.asa, "ab": e.abandon_rate}
        for name, value in want.items():
            v = np.array(got[name])
            if np.isinf(pat) and name == "ab":
                assert v.max() == 0.0
                continue
            mean, half = v.mean(), tq * v.std(ddof=1) / np.sqrt(REPS)
            checks += 1
            if abs(mean - float(value)) <= half:
                hits += 1
            else:
                misses.append((k, name, float(mean), float(half), float(value)))
        occ = np.array(got["occ"])
        assert occ.mean() <= float(e.occupancy) + tq * occ.std(ddof=1) / np.sqrt(REPS)
        assert occ.mean() >= 0.9 * float(e.occupancy)
    print(f"chat simulation vs Erlang-Chat: {hits}/{checks} inside the 95 % CI")
    assert checks == 17 and hits >= 15, misses
    for *_, mean, half, value in misses:
        assert abs(mean - value) <= 2 * half


def test_chat_at_concurrency_one_is_the_phone_model_path_for_path():
    """m = 1 chat agents, tracked one by one, reproduce the phone engine exactly (same
    random draws, same routing), here with staffing that rises and a second group."""
    Tn = 6
    vol = np.array([[25.0, 40.0, 60.0, 50.0, 30.0, 20.0], [5.0] * Tn])
    duty = np.array([[4, 6, 9, 9, 9, 9], [2, 2, 3, 3, 3, 3]])
    skill = np.array([[True, False], [True, True]])
    base = dict(volume=vol, aht=np.full((2, Tn), 300.0), patience=np.array([120.0, 200.0]),
                target_time=np.array([20.0, 60.0]), skill=skill, on_duty=duty, dt=DT)
    for routing in ("specialist", "longest_idle"):
        phone = SimInput(**base, routing=routing)  # type: ignore[arg-type]
        chat = SimInput(**base, routing=routing, chat=(True, True))  # type: ignore[arg-type]
        for seed in range(3):
            a = simulate_once(phone, np.random.default_rng(seed))
            b = simulate_once(chat, np.random.default_rng(seed))
            for f in ("offered", "answered", "within", "abandoned", "wait_sum", "backlog"):
                np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
            np.testing.assert_allclose(a.busy, b.busy, rtol=1e-9, atol=1e-6)
            assert a.answered.sum() > 0 and a.abandoned.sum() > 0


def test_chat_agents_whose_shift_ends_finish_their_chats_and_leave():
    """Nobody on duty in the middle interval: no chat is answered there, and the only
    chat work in it is that of chats taken before the shift end."""
    duty = np.array([[6, 0, 6]])
    inp = chat_queue(6, 8.0, 600.0, (1.0, 1.18), 120.0, 60.0, T=3, duty=duty)
    res = simulate(inp, replications=5, seed=4)
    sl = res.mean["service_level"][0]
    assert sl[0] > 0.8 and sl[2] > 0.5
    assert sl[1] < 0.1 and res.mean["abandon"][0, 1] > 0.8
    x = simulate_once(inp, np.random.default_rng(2))
    assert 0 < x.busy[0, 1] < 6 * DT


def test_concurrency_lets_fewer_agents_carry_the_load():
    """8 chats per AHT_1 on 5 agents: at one chat each the queue is overloaded, at two
    chats (18 % slower) it is served well."""
    one = simulate(chat_queue(5, 8.0, 600.0, (1.0,), 180.0, 60.0), replications=5, seed=1)
    two = simulate(chat_queue(5, 8.0, 600.0, (1.0, 1.18), 180.0, 60.0), replications=5,
                   seed=1)
    assert one.total_mean["abandon"][0] > 0.15
    assert two.total_mean["abandon"][0] < one.total_mean["abandon"][0] / 2


def email_queue(volume: float, agents: int, aht: float, deadline: float, T: int,
                cv: float = 1.0) -> SimInput:
    return SimInput(np.full((1, T), volume), np.full((1, T), aht), np.array([np.inf]),
                    np.array([deadline]), np.ones((1, 1), bool), np.full((1, T), agents),
                    DT, handle="lognormal", cv=cv, deferred=(True,))


def test_email_with_staffing_well_above_the_load_is_all_within_the_deadline():
    inp = email_queue(40.0, 20, 300.0, 4 * 3600.0, T=16)  # load 6.7 of 20 agents
    res = simulate(inp, replications=5, seed=3)
    assert res.total_mean["service_level"][0] == 1.0
    assert np.isnan(res.total_mean["abandon"][0]) or res.total_mean["abandon"][0] == 0.0
    assert res.total_mean["backlog"][0] < 5


def test_email_backlog_and_deadline_share_follow_the_fluid_queue_when_understaffed():
    """100 items per interval, 10 agents at 360 s (nearly constant): 50 answered per
    interval, so the backlog grows by 50 an interval (the fluid FIFO queue of
    wfm.erlang.deferred) and an item arriving at time s waits about s.  With a 1-h
    deadline over a 4-h horizon: items of the first hour are on time, those of hours
    2-3 are late, and those of the last hour are not yet due at the end (nor
    answered): on-time share 1/3."""
    T8 = 8
    inp = email_queue(100.0, 10, 360.0, 3600.0, T=T8, cv=0.05)
    res = simulate(inp, replications=20, seed=7)
    _, fluid = fifo_backlog(np.full(T8, 100.0), np.full(T8, 50.0))
    mean, half = res.mean["backlog"][0], res.half["backlog"][0]
    assert np.all(np.abs(mean - fluid) <= 3 * half + 5), (mean, fluid)
    sl, sl_half = res.total_mean["service_level"][0], res.total_half["service_level"][0]
    assert abs(sl - 1 / 3) <= sl_half + 0.02, (sl, sl_half)
    assert res.total_mean["backlog"][0] == pytest.approx(400.0, abs=30.0)


def test_mixed_chat_and_phone_groups_are_rejected():
    with pytest.raises(ValueError, match="chat queues only"):
        SimInput(np.ones((2, 2)), np.full((2, 2), 300.0), np.array([60.0, 60.0]),
                 np.array([20.0, 20.0]), np.ones((1, 2), bool), np.ones((1, 2)), DT,
                 chat=(True, False))
    with pytest.raises(ValueError, match="one positive AHT factor"):
        chat_queue(2, 1.0, 300.0, (1.0,), 60.0, 20.0).__class__(
            **{**chat_queue(2, 1.0, 300.0, (1.0,), 60.0, 20.0).__dict__,
               "concurrency": (2,)})


def flipping_pools(chat_b: bool, team: tuple[int, ...] | None) -> SimInput:
    """Two pools of one group of 8 agents, the split 5/3 and 3/5 alternating every
    interval, both queues loaded near their pool's size (busy agents at every
    boundary)."""
    T = 16
    flip = np.arange(T) % 2
    duty = np.stack([5 - 2 * flip, 3 + 2 * flip])
    return SimInput(np.array([[40.0] * T, [40.0 if chat_b else 20.0] * T]),
                    np.full((2, T), 300.0 if not chat_b else 600.0), np.full(2, np.inf),
                    np.full(2, 20.0), np.eye(2, dtype=bool), duty, DT,
                    concurrency=(1, 2 if chat_b else 1),
                    aht_factors=((1.0,), (1.0, 1.2) if chat_b else (1.0,)),
                    chat=(False, chat_b), team=team)


@pytest.mark.parametrize("chat_b", [False, True])
def test_agents_moved_between_pools_of_a_team_are_not_on_duty_twice(chat_b):
    # 8 people throughout: busy agent time over both pools never exceeds 8 agents, and
    # time beyond the counts nets to zero (a moved agent joins after finishing).
    T = 16
    for r in range(5):
        rep = simulate_once(flipping_pools(chat_b, (0, 0)), np.random.default_rng([3, r]))
        assert np.all(rep.busy.sum(axis=0) <= 8 * DT + 1e-6)
        assert abs(rep.overtime.sum()) < 1e-6
        assert rep.duty.sum() == 8 * T * DT
    # the same pools as separate groups: the moved agent is on duty twice
    old = [simulate_once(flipping_pools(chat_b, None), np.random.default_rng([3, r]))
           for r in range(5)]
    assert min(o.overtime.sum() for o in old) > 0
    assert max(o.busy.sum(axis=0).max() for o in old) > 8 * DT + 1.0


def email_days(days: int, agents: int, deadline: float) -> SimInput:
    """20 e-mails an interval around the clock, AHT 600 s, ``agents`` from 07:00 to
    19:00 (capacity 3 an interval each)."""
    T = 48 * days
    hour = (np.arange(T) % 48) / 2
    duty = np.where((hour >= 7) & (hour < 19), agents, 0)[None, :]
    return SimInput(np.full((1, T), 20.0), np.full((1, T), 600.0), np.array([np.inf]),
                    np.array([deadline]), np.ones((1, 1), bool), duty, DT, deferred=(True,))


def test_email_due_after_the_horizon_is_left_out_answered_or_not():
    # ample staff around the clock answers everything at once; the items of the last
    # 12 h (24 intervals) are due after the 3-day horizon: out of the share, all of them
    inp = replace(email_days(3, 0, 12 * 3600.0), on_duty=np.full((1, 144), 20))
    rep = simulate_once(inp, np.random.default_rng(5))
    assert rep.answered.sum() == rep.offered.sum()
    assert np.all(rep.due[:, -24:] == 0) and rep.offered[:, -24:].sum() > 0
    assert np.array_equal(rep.due[:, :-24], rep.offered[:, :-24])
    res = simulate(inp, replications=2, seed=5)
    assert np.all(np.isnan(res.mean["service_level"][0, -24:]))


def test_a_cyclic_email_week_gives_the_long_run_service_level():
    # 15 agents x 12 h x 3 = 1,080 a day for 960 arriving, 4-h deadline.  Expected: the
    # long-run share, days 4-6 of a 9-day run from empty (judged with 3 days after);
    # the 3-day cycle warmed up with its end and cooled down with its start must agree,
    # while starting empty (the night backlog missing) flatters it by ~8 points.
    dl = 4 * 3600.0
    w, c = cyclic_margins(144, DT, np.array([dl]), np.array([np.inf]))
    assert (w, c) == (48, 8)  # one day; the deadline
    cyc, long_run, empty = [], [], []
    for r in range(20):
        a = simulate_once(replace(email_days(3, 15, dl), warmup=w, cooldown=c),
                          np.random.default_rng([1, r]))
        b = simulate_once(email_days(9, 15, dl), np.random.default_rng([2, r]))
        e = simulate_once(email_days(3, 15, dl), np.random.default_rng([1, r]))
        cyc.append(a.within.sum() / a.due.sum())
        long_run.append(b.within[:, 144:288].sum() / b.due[:, 144:288].sum())
        empty.append(e.within.sum() / e.due.sum())
    se = np.sqrt(np.var(cyc, ddof=1) / 20 + np.var(long_run, ddof=1) / 20)
    assert abs(np.mean(cyc) - np.mean(long_run)) < 3 * se
    assert np.mean(empty) - np.mean(long_run) > 0.04


def test_cyclic_margins_cover_the_longest_deadline_and_patience():
    # week of 30-min intervals, 24-h deadline, patience 120 s: warm-up 24 h + 120 s
    # = 48.07 intervals -> 49; cool-down 24 h = 48; without e-mail one day and one hour
    assert cyclic_margins(336, DT, np.array([86400.0]), np.array([120.0, np.inf])) == (49, 48)
    assert cyclic_margins(336, DT, np.array([]), np.array([120.0])) == (48, 2)
    assert cyclic_margins(20, DT, np.array([86400.0]), np.array([np.inf])) == (20, 20)


def test_a_freed_agent_serves_waiting_calls_before_older_email():
    # 300 e-mails (600 s) pile up in interval 0 with nobody on duty; then 10 blended
    # agents and 30 calls an interval (300 s, 5 Erlang).  The backlog (~10 h of work
    # for the 5 agents phone leaves) lasts the whole horizon.  Live first: a waiting
    # call takes the next agent to come free; agents free up at least once a minute
    # (10 busy at AHT <= 600 s), as often as calls arrive, so calls wait minutes at
    # most (measured ~110 s).  Oldest first they would wait behind the whole e-mail
    # backlog: hours (measured 14,500 s before the change).
    T = 8
    inp = SimInput(np.array([[0.0] + [30.0] * (T - 1), [300.0] + [0.0] * (T - 1)]),
                   np.array([[300.0] * T, [600.0] * T]), np.array([np.inf, np.inf]),
                   np.array([20.0, 8 * 3600.0]), np.ones((1, 2), bool),
                   np.array([[0] + [10] * (T - 1)]), DT, deferred=(False, True))
    res = simulate(inp, replications=10, seed=4)
    assert res.total_mean["asa"][0] < 600.0
    assert np.all(res.mean["backlog"][1, :] > 50)  # the e-mail backlog is still there
    with pytest.raises(ValueError, match="patience must be inf"):
        replace(inp, patience=np.array([np.inf, 3600.0]))


def test_answered_basis_leaves_abandons_out_of_the_service_level():
    # M/M/10+M at 9.5 Erlang, AHT 300 s, patience 120 s, 20-s target; 4 h measured after
    # a 2-h cyclic warm-up (constant rates).  Erlang A on each basis (wfm.erlang):
    # answered within / answered is higher than / offered by the abandons.
    from wfm.erlang import service_level

    n, load, aht, pat, tt = 10, 9.5, 300.0, 120.0, 20.0
    base = SimInput(np.full((1, 8), load * DT / aht), np.full((1, 8), aht), np.array([pat]),
                    np.array([tt]), np.ones((1, 1), bool), np.full((1, 8), n), DT, warmup=4)
    for flag, basis in ((False, "offered"), (True, "answered")):
        res = simulate(replace(base, sl_answered=(flag,)), replications=30, seed=8)
        want = float(service_level(n, load, aht, tt, pat, basis=basis))
        got, half = res.total_mean["service_level"][0], res.total_half["service_level"][0]
        assert abs(got - want) < 2 * half, (basis, got, half, want)
    assert float(service_level(n, load, aht, tt, pat, basis="answered")) \
        > float(service_level(n, load, aht, tt, pat)) + 0.03
