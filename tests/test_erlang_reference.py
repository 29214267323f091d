"""Erlang B/C/A kernels against references computed here in high precision.

The references come from the models' definitions, not from wfm's formulas:
Erlang B by its recursion in 40-digit arithmetic; Erlang C from B by the
textbook closed forms; Erlang A from the truncated birth-death chain, with a
tagged caller who finds k others queued reaching an agent through k + 1
exponential phases (rates n mu + i theta) while its own patience runs, solved
by matrix exponentials (mpmath).  Published worked values are checked too.
"""

import functools

import mpmath as mp
import numpy as np
import pytest

from wfm.erlang import (
    abandon_rate,
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    required_agents_detail,
    service_level,
    wait_probability,
)

mp.mp.dps = 40


@functools.cache
def ref_erlang_b(n: int, load: str) -> mp.mpf:
    a = mp.mpf(load)
    b = mp.mpf(1)
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def ref_erlang_c(n, load, aht, t):
    a = mp.mpf(load)
    if n <= a:
        return mp.mpf(1), mp.mpf(0), mp.inf
    b = ref_erlang_b(n, load)
    c = n * b / (n - a * (1 - b))
    sl = 1 - c * mp.exp(-(n - a) * mp.mpf(t) / aht)
    return c, sl, c * aht / (n - a)


ERLANG_C_CASES = [
    (1, "0.01", 180.0, 20.0),
    (2, "1.5", 240.0, 20.0),
    (11, "10", 300.0, 20.0),  # whole-number load, minimum just above it
    (21, "16.666666666666666", 300.0, 20.0),
    (30, "16.666666666666666", 300.0, 0.0),
    (60, "50.25", 420.0, 60.0),
    (530, "500", 600.0, 20.0),
    (1100, "1000", 300.0, 15.0),
    (10_120, "10000", 300.0, 20.0),
    (10_001, "10000", 300.0, 20.0),
    (10, "10", 300.0, 20.0),  # n == load: unstable
    (5, "12.5", 300.0, 20.0),
]


@pytest.mark.parametrize(("n", "load", "aht", "t"), ERLANG_C_CASES)
def test_erlang_b_c_against_recursion(n, load, aht, t):
    a = float(load)
    b_ref = ref_erlang_b(n, load)
    assert erlang_b(n, a) == pytest.approx(float(b_ref), rel=1e-11)
    c_ref, sl_ref, asa_ref = ref_erlang_c(n, load, aht, t)
    assert erlang_c(n, a) == pytest.approx(float(c_ref), rel=1e-10, abs=1e-300)
    assert service_level(n, a, aht, t) == pytest.approx(float(sl_ref), abs=1e-9)
    if mp.isinf(asa_ref):
        assert np.isinf(asa(n, a, aht))
        assert occupancy(n, a) == 1.0
    else:
        assert asa(n, a, aht) == pytest.approx(float(asa_ref), rel=1e-9)
        assert occupancy(n, a) == pytest.approx(a / n, rel=1e-14)


def test_erlang_b_far_below_load_uses_the_series():
    # the Poisson cdf underflows here; B(n, A) -> 1 - n/A for n << A
    for n, load in ((100, "5000"), (3000, "10000"), (0, "700")):
        assert erlang_b(n, float(load)) == pytest.approx(float(ref_erlang_b(n, load)), rel=1e-10)


@functools.cache
def ref_erlang_a(n: int, load: float, aht: float, patience: float, t: float):
    """(P(wait), SL over offered, abandon rate, ASA of answered) from the chain.

    A caller finding k queued reaches an agent after phases with rates
    theta (a + i), i = 0..k (a = n mu / theta), i.e. V = -log(U) / theta with
    U ~ Beta(a, k + 1); with its own patience it is answered within t with
    probability E[e^{-theta V}; V <= t] = a / (a + k + 1) * I_{1 - e^{-theta t}}(k + 1, a + 1).
    """
    mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    lam = mp.mpf(load) * mu
    a = n * mu / theta
    size = n + 3000
    w = [mp.mpf(1)]
    for j in range(1, size):
        w.append(w[-1] * lam / (min(j, n) * mu + max(j - n, 0) * theta))
    z = mp.fsum(w)
    pi = [v / z for v in w]
    pw = mp.fsum(pi[n:])
    aband = theta * mp.fsum((j - n) * pi[j] for j in range(n, size)) / lam
    sl = mp.fsum(pi[:n])
    wait_answered = mp.mpf(0)
    p_t = 1 - mp.exp(-theta * t)
    harmonic = mp.mpf(0)
    for k in range(0, size - n):
        p = pi[n + k]
        harmonic += 1 / (n * mu + k * theta + theta)  # sum over phases of 1 / (rate + theta)
        if p < mp.mpf(10) ** -20 and k > lam / theta - a:
            break
        laplace = a / (a + k + 1)  # prod_i r_i / (r_i + theta)
        if n > 0:
            sl += p * laplace * mp.betainc(k + 1, a + 1, 0, p_t, regularized=True)
        wait_answered += p * laplace * harmonic
    return tuple(float(v) for v in (pw, sl, aband, wait_answered / (1 - aband)))


ERLANG_A_CASES = [
    (19, 16.666666666666666, 300.0, 120.0, 20.0),
    (3, 2.5, 300.0, 60.0, 20.0),
    (1, 0.3, 240.0, 30.0, 10.0),
    (8, 12.0, 300.0, 90.0, 30.0),  # overloaded: n < load
    (40, 35.0, 180.0, 3000.0, 20.0),
    (200, 190.0, 300.0, 1800.0, 20.0),
    (95, 120.0, 300.0, 30.0, 15.0),
    (12, 8.0, 600.0, 600.0, 0.0),
    (25, 20.0, 90.0, 45.0, 60.0),
]


@pytest.mark.parametrize(("n", "load", "aht", "patience", "t"), ERLANG_A_CASES)
def test_erlang_a_against_birth_death_chain(n, load, aht, patience, t):
    pw, sl, aband, w = ref_erlang_a(n, load, aht, patience, t)
    assert wait_probability(n, load, aht, patience) == pytest.approx(pw, abs=1e-9)
    assert service_level(n, load, aht, t, patience) == pytest.approx(sl, abs=1e-9)
    assert abandon_rate(n, load, aht, patience) == pytest.approx(aband, abs=1e-9)
    assert asa(n, load, aht, patience) == pytest.approx(w, rel=1e-9)
    answered = service_level(n, load, aht, t, patience, basis="answered")
    assert answered == pytest.approx(sl / (1 - aband), abs=1e-9)
    assert occupancy(n, load, aht, patience) == pytest.approx(load * (1 - aband) / n, rel=1e-9)


def ref_meets(n, load, aht, target, t, patience=None, max_asa=None, max_occupancy=None):
    """Does n agents meet every target, by the references?"""
    if n <= 0:
        return False
    if patience is None:
        _, sl, w = ref_erlang_c(n, repr(load), aht, t)
        occ = load / n if n > load else 1.0
    else:
        _, sl, ab, w = ref_erlang_a(n, load, aht, patience, t)
        occ = load * (1 - ab) / n
    ok = sl >= target
    ok &= max_asa is None or w <= max_asa
    ok &= max_occupancy is None or occ <= max_occupancy
    return bool(ok)


@pytest.mark.parametrize(
    ("load", "aht", "target", "t", "kw"),
    [
        (16.666666666666666, 300.0, 0.8, 20.0, {}),
        (10.0, 300.0, 0.05, 20.0, {}),  # loose target at a whole load: load + 1
        (4.0, 180.0, 0.9, 30.0, {"max_asa": 5.0}),
        (30.0, 240.0, 0.7, 20.0, {"max_occupancy": 0.8}),
        (250.0, 300.0, 0.8, 20.0, {}),
        (2000.0, 240.0, 0.9, 10.0, {}),
        (16.666666666666666, 300.0, 0.8, 20.0, {"patience": 120.0}),
        (2.5, 300.0, 0.8, 20.0, {"patience": 60.0}),
        (12.0, 300.0, 0.9, 30.0, {"patience": 90.0, "max_asa": 10.0}),
        (80.0, 400.0, 0.8, 20.0, {"patience": 40.0}),
    ],
)
def test_required_agents_equal_reference_minimum(load, aht, target, t, kw):
    n = int(required_agents(load, aht, service_level=target, target_time=t, **kw))
    assert ref_meets(n, load, aht, target, t, **kw)
    assert not ref_meets(n - 1, load, aht, target, t, **kw)


def test_binding_target_is_named():
    both = required_agents_detail(
        [16.666666666666666, 16.666666666666666],
        300.0,
        service_level=0.8,
        target_time=20.0,
        max_occupancy=[0.9, 0.7],
    )
    assert both.agents.tolist() == [21, 24]  # 16.67 / 0.7 = 23.8 -> 24
    assert both.binding.tolist() == ["service_level", "occupancy"]


def test_worked_examples_from_reference_notes():
    # channel-models.md section 0: 200 calls/h, AHT 300 s, 80/20
    load = 200 / 3600 * 300
    assert service_level(20, load, 300, 20) == pytest.approx(0.729, abs=5e-4)
    assert service_level(21, load, 300, 20) == pytest.approx(0.826, abs=5e-4)
    assert required_agents(load, 300, service_level=0.8, target_time=20) == 21
    assert occupancy(21, load) == pytest.approx(0.79, abs=5e-3)
    # ... and with patience 120 s, Erlang A needs 19: SL 83.2 %, 6.0 % abandon
    assert required_agents(load, 300, service_level=0.8, target_time=20, patience=120) == 19
    assert service_level(19, load, 300, 20, 120) == pytest.approx(0.832, abs=5e-4)
    assert abandon_rate(19, load, 300, 120) == pytest.approx(0.060, abs=5e-4)
    # section 4.2: 100 calls/h, AHT 300 s -> 12 agents for 80/20, SL 86.2 %
    load = 100 / 3600 * 300
    assert required_agents(load, 300, service_level=0.8, target_time=20) == 12
    assert service_level(12, load, 300, 20) == pytest.approx(0.862, abs=5e-4)


def test_edges_have_values():
    assert service_level(0, 0.0, 300, 20) == 1.0
    assert asa(0, 0.0, 300) == 0.0
    assert required_agents(0.0, 300, service_level=0.8, target_time=20) == 0
    assert service_level(5, 5.0, 300, 20) == 0.0
    assert np.isinf(asa(5, 5.0, 300))
    assert erlang_c(5, 7.0) == 1.0
    assert service_level(0, 2.0, 300, 20, patience=60) == 0.0
    assert np.isnan(service_level(5, np.nan, 300, 20))
    shape = service_level(np.arange(6).reshape(2, 3), 2.0, 300, 20)
    assert shape.shape == (2, 3)


@pytest.mark.parametrize("patience", [None, np.inf, [np.inf, 300.0]])
def test_abandonment_target_needs_erlang_a(patience):
    """Erlang C has no abandonment: a max abandonment target there is a
    modelling mistake, not an ASA target (it used to be solved as one)."""
    with pytest.raises(ValueError, match="finite patience"):
        required_agents([10.0, 10.0], 180.0, max_abandon_rate=0.05, patience=patience)


def test_erlang_a_metrics_need_the_aht():
    # aht only matters with patience; silently using 1 s gave P(wait) 0.405
    # instead of 0.262 for 10 agents, 8 Erlang, AHT 180 s, patience 120 s
    assert wait_probability(10, 8.0) == pytest.approx(float(erlang_c(10, 8.0)), rel=1e-15)
    with pytest.raises(ValueError, match="aht"):
        wait_probability(10, 8.0, patience=120.0)
    with pytest.raises(ValueError, match="aht"):
        occupancy(10, 8.0, patience=120.0)
