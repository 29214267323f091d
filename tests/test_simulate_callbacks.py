"""Callbacks (virtual hold) in the simulation engine and in ``wfm simulate``.

References that are not our code: the Erlang C formula written out here from its
definition, and the M/M/n facts it implies for virtual hold (see the tests).
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import t as student
from typer.testing import CliRunner

from tests.test_simulate_cli import read, write_plan
from wfm.cli import app
from wfm.erlang import service_level
from wfm.simulate import SimInput, simulate, simulate_once

DT = 1800.0
runner = CliRunner()


def erlang_c(n: int, a: float) -> float:
    """P(wait) of M/M/n with offered load a (Erlangs), from its definition."""
    terms = [a**k / math.factorial(k) for k in range(n)]
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(terms) + top)


def phone_email(callback: tuple[float, ...] | None = None, agents: int = 9,
                T: int = 6) -> SimInput:
    """A phone queue (Erlang A) and an e-mail queue served by one group."""
    return SimInput(np.array([[120.0] * T, [10.0] * T]), np.array([[300.0] * T, [600.0] * T]),
                    np.array([180.0, np.inf]), np.array([20.0, 4 * 3600.0]),
                    np.ones((1, 2), bool), np.full((1, T), agents + 16), DT,
                    deferred=(False, True), callback=callback,
                    callback_deadline=None if callback is None else (3600.0, np.inf),
                    callback_talk=None if callback is None else (240.0, np.nan))


def same(a, b) -> bool:
    """Every tally of two replications equal (None on both sides counts as equal)."""
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if (x is None) != (y is None):
            return False
        if x is not None and not np.array_equal(np.asarray(x), np.asarray(y)):
            return False
    return True


def test_accept_share_zero_is_the_engine_without_callbacks_draw_for_draw():
    plain = phone_email(None)
    zero = phone_email((0.0, 0.0))
    assert not zero.has_callbacks
    for r in range(3):
        a = simulate_once(plain, np.random.default_rng([7, r]))
        b = simulate_once(zero, np.random.default_rng([7, r]))
        assert same(a, b)
    ra, rb = simulate(plain, 4, seed=2), simulate(zero, 4, seed=2)
    assert ra.mean.keys() == rb.mean.keys()
    for m in ra.mean:
        np.testing.assert_array_equal(ra.mean[m], rb.mean[m])
        np.testing.assert_array_equal(ra.total_half[m], rb.total_half[m])


def test_ample_agents_never_need_a_callback_and_the_paths_are_unchanged():
    """With more agents than calls nobody waits: accept_share = 1 makes no callback and,
    the callback draws coming after every other draw, the same path as without."""
    ample = replace(phone_email(None), on_duty=np.full((1, 6), 300))
    cb = replace(ample, callback=(1.0, 0.0), callback_deadline=(600.0, np.inf))
    for r in range(3):
        a = simulate_once(ample, np.random.default_rng([5, r]))
        b = simulate_once(cb, np.random.default_rng([5, r]))
        assert b.callbacks is not None and b.callbacks.sum() == 0
        for name in ("offered", "answered", "within", "abandoned", "wait_sum", "busy",
                     "backlog", "due"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


# M/M/n, Erlang C (no abandonment), callback talk time = AHT, exponential.  The number
# of calls in the system (waiting live, callbacks pending, in service) then moves as
# in M/M/n whatever the order of service (every agent serves at rate 1/AHT while
# anything waits), so by PASTA a call finds all n agents busy with the Erlang C
# probability C(n, A): the callback share is accept x C(n, A) exactly.  With
# accept = 1 nobody waits live and the callback backlog is the FIFO queue of M/M/n,
# so the callback delay is Exp(n/AHT - lambda): mean 1/(n/AHT - lambda), made within
# D with probability 1 - exp(-(n/AHT - lambda) D).
N, AHT, RATE = 10, 300.0, 9.0 / 300.0  # 10 agents, 9 Erlangs: C(10, 9) = 0.6687
T_MM, SKIP, REPS = 14, 2, 24


def mmn(accept: float, deadline: float = 600.0) -> SimInput:
    return SimInput(np.full((1, T_MM), RATE * DT), np.full((1, T_MM), AHT), np.array([np.inf]),
                    np.array([20.0]), np.ones((1, 1), bool), np.full((1, T_MM), N), DT,
                    callback=(accept,), callback_deadline=(deadline,), callback_talk=(AHT,))


def rep_stats(inp: SimInput, seed: int) -> dict[str, np.ndarray]:
    """Per replication, over intervals SKIP.. (the start is empty): callback share,
    in-time share, mean delay, live SL."""
    out: dict[str, list[float]] = {"share": [], "in_time": [], "delay": [], "sl": []}
    s = slice(SKIP, None)
    for r in range(REPS):
        x = simulate_once(inp, np.random.default_rng([seed, r]))
        out["share"].append(x.callbacks[:, s].sum() / x.offered[:, s].sum())
        out["in_time"].append(x.cb_within[:, s].sum() / x.cb_due[:, s].sum())
        out["delay"].append(x.cb_delay[:, s].sum() / x.cb_made[:, s].sum())
        out["sl"].append(x.within[:, s].sum() / x.due[:, s].sum())
    return {k: np.asarray(v) for k, v in out.items()}


def covers(values: np.ndarray, expected: float, slack: float = 1.0) -> bool:
    half = student.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return abs(values.mean() - expected) <= slack * half + 1e-12


def test_erlang_c_reference_value():
    # the published table value for n = 10, A = 9 Erlangs is 0.6687
    assert erlang_c(N, RATE * AHT) == pytest.approx(0.6687, abs=5e-4)


def test_callback_share_is_accept_times_erlang_c():
    c = erlang_c(N, RATE * AHT)
    for k, accept in enumerate((0.3, 1.0)):
        got = rep_stats(mmn(accept), 40 + k)
        assert covers(got["share"], accept * c, slack=1.5), (accept, got["share"].mean())


def test_accept_one_callbacks_wait_as_the_fifo_queue_of_mmn():
    got = rep_stats(mmn(1.0), 50)
    gap = N / AHT - RATE  # 1/300 per second
    assert np.all(got["sl"] == 1.0)  # nobody waits live: whoever would wait took a callback
    assert covers(got["delay"], 1.0 / gap, slack=1.5), got["delay"].mean()
    assert covers(got["in_time"], 1.0 - math.exp(-gap * 600.0), slack=1.5), \
        got["in_time"].mean()


def test_live_calls_do_better_than_without_callbacks():
    """Live callers go before callbacks and fewer of them wait: the live service level
    is at least Erlang C's without callbacks, 1 - C exp(-(n - A) t / AHT)."""
    c = erlang_c(N, RATE * AHT)
    plain_sl = 1.0 - c * math.exp(-(N - RATE * AHT) * 20.0 / AHT)  # 0.374
    got = rep_stats(mmn(0.5), 60)
    lower = got["sl"].mean() - student.ppf(0.975, REPS - 1) * got["sl"].std(ddof=1) / \
        np.sqrt(REPS)
    assert lower > plain_sl + 0.05


def test_callbacks_are_made_after_live_calls_and_before_email():
    """One agent, a live call in service, then a waiting e-mail, a callback and a live
    call: the agent takes the live call, then the callback, then the e-mail."""
    inp = SimInput(np.array([[3.0], [1.0]]), np.array([[60.0], [60.0]]),
                   np.array([np.inf, np.inf]), np.array([20.0, 3600.0]),
                   np.ones((1, 2), bool), np.ones((1, 1), int), 3600.0,
                   deferred=(False, True), callback=(1.0, 0.0),
                   callback_deadline=(3600.0, np.inf), callback_talk=(60.0, np.nan))
    for r in range(20):
        x = simulate_once(inp, np.random.default_rng([9, r]))
        assert x.cb_made.sum() == x.callbacks.sum()
        # accept = 1: every live call that found the agent busy became a callback
        assert x.answered[0, 0] + x.callbacks[0, 0] == x.offered[0, 0]
        assert x.wait_sum[0, 0] == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.floats(0.0, 1.0), st.floats(20.0, 2000.0),
       st.integers(0, 2**31))
def test_every_call_is_answered_abandoned_or_called_back(agents, accept, deadline, seed):
    inp = replace(phone_email((accept, 0.0), agents=agents, T=4),
                  callback_deadline=(deadline, np.inf))
    x = simulate_once(inp, np.random.default_rng(seed))
    if accept == 0.0:
        assert x.callbacks is None
        return
    assert np.array_equal(x.answered[0] + x.abandoned[0] + x.callbacks[0], x.offered[0])
    assert np.all(x.cb_within <= x.cb_due) and np.all(x.cb_made <= x.callbacks)
    assert np.all(x.within <= x.due)


@pytest.mark.parametrize("kw", [{"callback": (1.5, 0.0)},
                                {"callback": (0.0, 0.5)},  # on the deferred queue
                                {"callback": (0.5, 0.0), "callback_deadline": (0.0, 1.0)},
                                {"callback": (0.5,)}])
def test_bad_callback_inputs_are_rejected(kw):
    with pytest.raises(ValueError):
        replace(phone_email(None), **kw)


CALLBACK = 'patience = "120s"\ncallback = { accept_share = 0.6, deadline = "1h", ' \
           'talk_time = "240s" }'


def test_wfm_simulate_reports_callbacks_per_queue(tmp_path):
    cfg, plan = write_plan(tmp_path)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('patience = "120s"', CALLBACK),
                   encoding="utf-8")
    req = plan / "requirements.csv"
    lines = req.read_text(encoding="utf-8").splitlines()
    req.write_text("\n".join([lines[0] + ",callback_volume"] +
                             [ln + (",3" if ",phone," in ln else ",") for ln in lines[1:]])
                   + "\n", encoding="utf-8")
    out = tmp_path / "sim.csv"
    result = runner.invoke(app, ["simulate", str(plan), "-c", str(cfg), "--replications",
                                 "5", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    rows = read(out)
    phone = [r for r in rows if r["channel"] == "phone"]
    email = [r for r in rows if r["channel"] == "email"]
    assert all(r["callback_share_erlang"] == "0.1" for r in phone)  # 3 of 30
    assert all(r["callback_share_sim"] == "" for r in email)
    # Erlang A at the plan's 8 agents on the live calls wfm staff planned: 30 - 3
    at_plan = service_level(8, 27 * 300 / 1800, 300.0, 20.0, 120.0)
    first = next(r for r in phone if r["interval_start"][11:16] == "08:00")
    assert float(first["service_level_erlang_plan"]) == pytest.approx(at_plan, abs=1e-6)
    # the 10:00 break: every agent away, half an hour of callers wait; 60 % call back
    brk = next(r for r in phone if r["interval_start"][11:16] == "10:00")
    assert 0.45 < float(brk["callback_share_sim"]) < 0.75
    q = {q["queue"]: q for q in json.loads(result.output)["queues"]}
    cb = q["phone:de"]["callback"]
    assert cb["callback_share_erlang"] == pytest.approx(0.1)
    assert cb["callback_deadline_s"] == 3600.0
    assert 0.0 < cb["callback_in_time"] <= 1.0 and cb["callback_delay"] > 0
    assert "callback" not in q["email:de"]
    text = runner.invoke(app, ["simulate", str(plan), "-c", str(cfg), "--replications", "3"])
    assert "phone:de callbacks:" in text.output


def test_a_plan_without_callbacks_keeps_its_columns_and_values(tmp_path):
    """accept_share = 0 in the config: the same file, byte for byte, as no callback."""
    cfg, plan = write_plan(tmp_path / "a")
    args = ["simulate", str(plan), "-c", str(cfg), "--replications", "3", "-o"]
    assert runner.invoke(app, [*args, str(tmp_path / "a.csv")]).exit_code == 0
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        'patience = "120s"', CALLBACK.replace("0.6", "0.0")), encoding="utf-8")
    assert runner.invoke(app, [*args, str(tmp_path / "b.csv")]).exit_code == 0
    a, b = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    assert a == b and b"callback" not in a
