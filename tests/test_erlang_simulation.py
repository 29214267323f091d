"""A seeded discrete-event simulation of M/M/n+M checks the Erlang A kernel."""

import heapq

import numpy as np

from wfm.erlang import abandon_rate, asa, service_level


def simulate(n, lam, aht, patience, t, customers, seed):
    """FCFS M/M/n+M; returns per-customer (answered within t, abandoned, wait if answered)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, customers))
    services = rng.exponential(aht, customers)
    patience_draws = rng.exponential(patience, customers)
    free = [0.0] * n  # times at which each agent becomes free (heap)
    heapq.heapify(free)
    within = np.zeros(customers, bool)
    abandoned = np.zeros(customers, bool)
    waits = np.full(customers, np.nan)
    for i in range(customers):
        start = max(arrivals[i], free[0])
        wait = start - arrivals[i]
        if wait > patience_draws[i]:  # FCFS: nobody behind can overtake, agent stays free
            abandoned[i] = True
            continue
        heapq.heapreplace(free, start + services[i])
        waits[i] = wait
        within[i] = wait <= t
    return within, abandoned, waits


def batch_interval(values, batches=20):
    means = np.array([b.mean() for b in np.array_split(values, batches)])
    return values.mean(), 4 * means.std(ddof=1) / np.sqrt(batches)


def test_erlang_a_against_simulation():
    n, aht, patience, t = 10, 300.0, 120.0, 20.0
    load = 9.5
    lam = load / aht
    within, abandoned, waits = simulate(n, lam, aht, patience, t, 120_000, seed=7)
    burn = 2_000
    within, abandoned, waits = within[burn:], abandoned[burn:], waits[burn:]
    sl, sl_err = batch_interval(within.astype(float))
    ab, ab_err = batch_interval(abandoned.astype(float))
    assert abs(sl - service_level(n, load, aht, t, patience)) < sl_err
    assert abs(ab - abandon_rate(n, load, aht, patience)) < ab_err
    answered = waits[~np.isnan(waits)]
    w, w_err = batch_interval(answered)
    assert abs(w - asa(n, load, aht, patience)) < w_err
