"""Chat concurrency model: against an mpmath birth-death reference written here,
against its special cases, and against the worked example in
shared/reference/channel-models.md section 1.5."""

import functools

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.erlang import abandon_rate, asa, service_level
from wfm.erlang.chat import chat_metrics, chat_required_agents

mp.mp.dps = 20


@functools.cache
def reference(n, lam, ahts, t, patience):
    """SL, P(wait), abandonment, occupancy, concurrency of the chat chain, from
    its definition: mu(j) = (N - rho) r_q + rho r_(q+1) up to C = N m slots,
    N r_m + (j - C) theta beyond; the tagged chat's wait by matrix exponential."""
    lam = mp.mpf(lam)
    m = len(ahts)
    r = [mp.mpf(0)] + [mp.mpf(k) / ahts[k - 1] for k in range(1, m + 1)]
    theta = mp.mpf(1) / patience
    cap = n * m
    size = cap + 400

    def mu(j):
        if j <= cap:
            q, rho = divmod(j, n)
            return (n - rho) * r[q] + rho * (r[q + 1] if q < m else 0)
        return n * r[m] + (j - cap) * theta

    w = [mp.mpf(1)]
    for j in range(1, size):
        w.append(w[-1] * lam / mu(j))
    z = mp.fsum(w)
    pi = [v / z for v in w]
    pw = mp.fsum(pi[cap:])
    aband = theta * mp.fsum((j - cap) * pi[j] for j in range(cap, size)) / lam
    occ = mp.fsum(min(j, n) * pi[j] for j in range(size)) / n
    conc = mp.fsum(min(j, cap) * pi[j] for j in range(size)) / n
    sl = mp.fsum(pi[:cap])
    s_rate = n * r[m]
    for k in range(0, 120):
        p = pi[cap + k]
        if p < mp.mpf(10) ** -14:
            break
        phases = k + 1  # k ahead plus itself: k + 1 completions at rates S + i theta
        g = mp.zeros(phases + 2, phases + 2)
        for i in range(phases):
            ahead = phases - 1 - i
            rate = s_rate + ahead * theta
            g[i, i] = -(rate + theta)
            g[i, i + 1 if i + 1 < phases else phases] += rate
            g[i, phases + 1] += theta
        sl += p * mp.expm(g * t)[0, phases]
    return tuple(float(v) for v in (sl, pw, aband, occ, conc))


@pytest.mark.parametrize(
    ("n", "per_hour", "ahts", "t", "patience"),
    [
        (2, 20, (420.0, 540.0), 60.0, 180.0),
        (3, 40, (420.0, 540.0, 690.0), 30.0, 120.0),
        (1, 12, (300.0, 450.0), 20.0, 600.0),
        (4, 60, (420.0, 600.0, 840.0), 60.0, 180.0),
    ],
)
def test_against_birth_death_reference(n, per_hour, ahts, t, patience):
    lam = per_hour / 3600.0
    ref = reference(n, lam, ahts, t, patience)
    got = chat_metrics(n, lam, ahts, t, patience)
    assert got.service_level == pytest.approx(ref[0], abs=1e-9)
    assert got.wait_probability == pytest.approx(ref[1], abs=1e-9)
    assert got.abandon_rate == pytest.approx(ref[2], abs=1e-9)
    assert got.occupancy == pytest.approx(ref[3], abs=1e-9)
    assert got.concurrency == pytest.approx(ref[4], abs=1e-9)


def test_one_chat_at_a_time_is_erlang_a_and_c():
    lam, aht = 60 / 3600, 420.0
    n = np.arange(6, 13)
    for patience in (180.0, None):
        got = chat_metrics(n, lam, [aht], 60.0, patience)
        load = lam * aht
        np.testing.assert_allclose(
            got.service_level, service_level(n, load, aht, 60.0, patience), atol=1e-10
        )
        np.testing.assert_allclose(got.asa, asa(n, load, aht, patience), rtol=1e-9)
        np.testing.assert_allclose(
            got.abandon_rate, abandon_rate(n, load, aht, patience), atol=1e-10
        )


def test_no_slowdown_is_erlang_with_n_times_m_servers():
    lam, aht = 150 / 3600, 420.0
    got = chat_metrics(np.array([3, 4, 5]), lam, [aht] * 3, 40.0, 200.0)
    want = service_level(np.array([9, 12, 15]), lam * aht, aht, 40.0, 200.0)
    np.testing.assert_allclose(got.service_level, want, atol=1e-10)


@pytest.mark.parametrize(
    ("ahts", "agents", "sl", "aband", "conc"),
    [
        ((420.0,), 9, 0.868, 0.072, 0.72),
        ((420.0, 540.0), 5, 0.820, 0.100, 1.50),
        ((420.0, 540.0, 690.0), 4, 0.818, 0.102, 2.27),
        ((420.0, 540.0, 690.0, 900.0), 4, 0.896, 0.058, 2.72),
    ],
)
def test_worked_example(ahts, agents, sl, aband, conc):
    lam = 60 / 3600
    req = chat_required_agents(lam, ahts, service_level=0.8, target_time=60.0, patience=180.0)
    assert int(req.agents) == agents
    got = chat_metrics(agents, lam, ahts, 60.0, 180.0)
    assert got.service_level == pytest.approx(sl, abs=6e-4)
    assert got.abandon_rate == pytest.approx(aband, abs=6e-4)
    assert got.concurrency == pytest.approx(conc, abs=6e-3)


def test_steeper_slowdown_needs_more_agents():
    lam, ahts = 60 / 3600, (420.0, 600.0, 840.0)
    assert (
        int(
            chat_required_agents(
                lam, ahts, service_level=0.8, target_time=60.0, patience=180.0
            ).agents
        )
        == 5
    )
    four = chat_metrics(4, lam, ahts, 60.0, 180.0)
    assert four.service_level == pytest.approx(0.677, abs=6e-4)
    assert four.abandon_rate == pytest.approx(0.19, abs=6e-3)


def test_edges():
    got = chat_metrics([0, 3], [0.0, 0.0], [400.0, 500.0], 30.0, 120.0)
    assert got.service_level.tolist() == [1.0, 1.0]
    none = chat_metrics(0, 0.01, [400.0, 500.0], 30.0, 120.0)
    assert none.service_level == 0.0 and none.abandon_rate == pytest.approx(1.0)
    unstable = chat_metrics(1, 1.0, [400.0, 500.0], 30.0)  # no patience, overloaded
    assert unstable.service_level == 0.0 and np.isinf(unstable.asa)
    req = chat_required_agents(
        np.array([0.0, 0.02]), [400.0, 500.0], service_level=0.8, target_time=30.0, patience=120.0
    )
    assert req.agents[0] == 0 and req.binding[0] == "none"


@settings(max_examples=40, deadline=None)
@given(
    per_hour=st.floats(1.0, 400.0),
    factors=st.lists(st.floats(1.0, 1.6), min_size=1, max_size=3),
    target=st.floats(0.5, 0.95),
    t=st.floats(5.0, 120.0),
    patience=st.one_of(st.none(), st.floats(30.0, 1200.0)),
)
def test_required_agents_are_minimal(per_hour, factors, target, t, patience):
    ahts = [400.0 * max(1.0, f) for f in factors]
    ahts[0] = 400.0
    ahts = list(np.maximum.accumulate(ahts))
    lam = per_hour / 3600
    n = int(
        chat_required_agents(
            lam, ahts, service_level=target, target_time=t, patience=patience
        ).agents
    )
    assert chat_metrics(n, lam, ahts, t, patience).service_level >= target * (1 - 1e-12)
    if n > 0:
        assert chat_metrics(n - 1, lam, ahts, t, patience).service_level < target
    more = chat_metrics(np.arange(n, n + 4), lam, ahts, t, patience).service_level
    assert np.all(np.diff(more) >= -1e-12)
