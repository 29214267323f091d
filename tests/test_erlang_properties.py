"""Invariants of the Erlang kernels over random inputs (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.erlang import (
    abandon_rate,
    asa,
    occupancy,
    required_agents,
    service_level,
    wait_probability,
)

loads = st.floats(0.01, 3000.0)
ahts = st.floats(10.0, 1800.0)
times = st.floats(0.0, 600.0)
patiences = st.one_of(st.none(), st.floats(1.0, 1e5))
FAST = settings(max_examples=80, deadline=None)


@FAST
@given(load=loads, aht=ahts, t=times, patience=patiences, extra=st.integers(-20, 40))
def test_metrics_are_bounded(load, aht, t, patience, extra):
    n = np.arange(max(0, int(load) + extra), max(0, int(load) + extra) + 5)
    for basis in ("offered", "answered"):
        sl = service_level(n, load, aht, t, patience, basis)
        assert np.all((sl >= 0) & (sl <= 1))
    for values in (
        wait_probability(n, load, aht, patience),
        abandon_rate(n, load, aht, patience),
        occupancy(n, load, aht, patience),
    ):
        assert np.all((values >= 0) & (values <= 1))
    assert np.all(asa(n, load, aht, patience) >= 0)


@FAST
@given(load=loads, aht=ahts, t=times, patience=patiences)
def test_monotone_in_agents(load, aht, t, patience):
    n = np.arange(max(0, int(load) - 10), int(load) + int(4 * np.sqrt(load)) + 12)
    sl = service_level(n, load, aht, t, patience)
    assert np.all(np.diff(sl) >= -1e-10)  # absolute noise near SL = 0
    w = asa(n, load, aht, patience)
    finite = np.isfinite(w)
    assert np.all(np.diff(w[finite]) <= 1e-9 * np.maximum(w[finite][1:], 1))
    assert np.all(np.diff(abandon_rate(n, load, aht, patience)) <= 1e-12)


@FAST
@given(load=loads, aht=ahts, t=times, patience=patiences, grow=st.floats(1.0, 1.5))
def test_monotone_in_load(load, aht, t, patience, grow):
    n = int(load * grow) + 3
    assert (
        service_level(n, load * grow, aht, t, patience)
        <= service_level(n, load, aht, t, patience) + 1e-12
    )


@FAST
@given(
    load=loads,
    aht=ahts,
    t=st.floats(0.0, 120.0),
    target=st.floats(0.3, 0.99),
    patience=patiences,
    basis=st.sampled_from(["offered", "answered"]),
)
def test_required_agents_are_minimal(load, aht, t, target, patience, basis):
    n = required_agents(
        load, aht, service_level=target, target_time=t, patience=patience, basis=basis
    )
    assert n == int(n) and n >= 0
    assert service_level(n, load, aht, t, patience, basis) >= target * (1 - 1e-12)
    if n > 0:
        assert service_level(n - 1, load, aht, t, patience, basis) < target * (1 - 1e-12)


@FAST
@given(load=loads, aht=ahts, max_asa=st.floats(1.0, 300.0), patience=patiences)
def test_required_agents_for_asa_are_minimal(load, aht, max_asa, patience):
    n = required_agents(load, aht, max_asa=max_asa, patience=patience)
    assert asa(n, load, aht, patience) <= max_asa * (1 + 1e-12)
    if n > 0:
        assert asa(n - 1, load, aht, patience) > max_asa * (1 + 1e-12)


@FAST
@given(load=loads, aht=ahts, t=st.floats(0.0, 120.0))
def test_erlang_a_tends_to_erlang_c(load, aht, t):
    # at least one agent of slack: at n ~ load the queue is so long that even
    # a patience of 1e8 AHT changes ASA by 3e-4 (an mpmath chain agrees)
    n = int(np.ceil(load + max(1.0, np.sqrt(load))))
    c = service_level(n, load, aht, t)
    a = service_level(n, load, aht, t, patience=1e8 * aht)
    assert abs(a - c) < 1e-4
    assert abs(asa(n, load, aht, 1e8 * aht) - asa(n, load, aht)) <= 1e-4 * (1 + asa(n, load, aht))


def test_broadcasting_matches_scalars():
    n = np.array([[5, 6, 7], [20, 21, 22]])
    load = np.array([[4.0], [16.7]])
    grid = service_level(n, load, 300.0, 20.0, patience=120.0)
    for i in range(2):
        for j in range(3):
            assert grid[i, j] == service_level(int(n[i, j]), float(load[i, 0]), 300.0, 20.0, 120.0)
    assert isinstance(service_level(5, 4.0, 300.0, 20.0), float)
