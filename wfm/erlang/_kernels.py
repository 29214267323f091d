"""Exact M/M/n (Erlang C) and M/M/n+M (Erlang A) kernels on flat float arrays.

Private: callers pass 1-D float arrays of equal length, already broadcast, with
``load > 0`` (zero load is handled by the public wrappers).  All times are in
seconds.  Notation (Mandelbaum & Zeltyn): n agents, A = lambda * aht offered
load in Erlang, mu = 1/aht, theta = 1/patience, a = n mu / theta,
x = lambda / theta.

Erlang A formulas
-----------------
From the birth-death stationary distribution of M/M/n+M (Garnett, Mandelbaum &
Reiman 2002, "Designing a call center with impatient customers", MSOM 4(3);
Mandelbaum & Zeltyn 2007, "The Palm/Erlang-A queue, with applications to call
centers"), with E = ErlangB(n, A) and
``Acal = M(1, a + 1, x) = Gamma(a+1) x**-a e**x P(a, x)``:

* P(wait > 0) = Acal E / (1 + (Acal - 1) E)
* P(abandon | wait > 0) = 1 - (1/rho) (1 - 1/Acal),   rho = A / n
* An arrival that finds k callers queued reaches an agent after the sum of
  exponential phases with rates theta (a + i), i = 0..k (those ahead abandon
  too).  Its virtual wait V satisfies P(V > t | V > 0) = P(a, x e**-theta t) /
  P(a, x), and it is answered within t iff V <= t and its own patience exceeds
  V.  Integrating e**-theta s against that density gives
  P(answered within t | wait > 0) = (a / x) [P(a+1, x) - P(a+1, x e**-theta t)] / P(a, x),
  computed below with Kummer functions so nothing underflows.
* E[V e**-theta V | k ahead] = a / (theta (a+k+1)) * (psi(a+k+2) - psi(a+1)),
  the derivative of the phases' Laplace transform; summed over the geometric-
  Poisson queue distribution q_k = x**k Gamma(a+1) / Gamma(a+k+1) / Acal this
  gives the mean wait of answered contacts (ASA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from wfm.erlang._special import log_erlang_b, log_kummer_m1


def erlang_b_step_down(n: np.ndarray, load: np.ndarray, log_b: np.ndarray) -> np.ndarray:
    """log ErlangB(n - 1, A) from log ErlangB(n, A): B(n-1) = n B(n) / (A (1 - B(n))).

    Accurate while B(n) is not close to 1; callers use it only where B(n) < 0.5
    and fall back to :func:`log_erlang_b` elsewhere.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(n) + log_b - np.log(load) - np.log1p(-np.exp(log_b))
    far = ~(log_b < np.log(0.5))
    if np.any(far):
        out = np.array(out, copy=True)
        out[far] = log_erlang_b(n[far] - 1.0, load[far])
    return out


def erlang_c_wait_probability(
    n: np.ndarray, load: np.ndarray, log_b: np.ndarray | None = None
) -> np.ndarray:
    """P(wait > 0) in M/M/n; 1 where n <= load (unstable)."""
    stable = n > load
    if log_b is None:
        log_b = log_erlang_b(n, load)
    b = np.exp(log_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = n * b / (n - load * (1.0 - b))
    return np.where(stable, np.clip(pw, 0.0, 1.0), 1.0)


def erlang_c_service_level(n, load, aht, target_time, pw=None):
    stable = n > load
    if pw is None:
        pw = erlang_c_wait_probability(n, load)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - pw * np.exp(-(n - load) * target_time / aht)
    return np.where(stable, np.clip(sl, 0.0, 1.0), 0.0)


def erlang_c_asa(n, load, aht, pw=None):
    stable = n > load
    if pw is None:
        pw = erlang_c_wait_probability(n, load)
    with np.errstate(divide="ignore", invalid="ignore"):
        asa = pw * aht / (n - load)
    return np.where(stable, asa, np.inf)


def erlang_c_occupancy(n, load):
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = load / n
    return np.where(n > load, occ, 1.0)


@dataclass(frozen=True)
class ErlangAState:
    """Intermediate quantities of M/M/n+M shared by the metrics."""

    n: np.ndarray
    load: np.ndarray
    aht: np.ndarray
    patience: np.ndarray
    a: np.ndarray  # n * patience / aht
    x: np.ndarray  # load * patience / aht
    log_acal: np.ndarray  # log M(1, a+1, x)
    log_b: np.ndarray  # log ErlangB(n, A)
    wait_probability: np.ndarray
    served_given_wait: np.ndarray
    # 1 - P(wait), formed without cancellation where P(wait) is close to 1
    no_wait_probability: np.ndarray | None = None
    # log M(1, a + 2, x), from the same function as log M(1, a + 2, x e**-theta t)
    log_m2x: np.ndarray | None = None

    @property
    def abandon_rate(self) -> np.ndarray:
        return self.wait_probability * (1.0 - self.served_given_wait)


def erlang_a_state(n, load, aht, patience, log_b=None) -> ErlangAState:
    """Stationary quantities of M/M/n+M for flat arrays (load > 0).

    ``log_b`` (log Erlang B at n) may be passed when already known.
    """
    ratio = patience / aht
    a = n * ratio
    x = load * ratio
    if log_b is None:
        log_b = log_erlang_b(n, load)
    log_b = np.minimum(log_b, 0.0)
    # M(1, a+1, x) = 1 + x / (a+1) M(1, a+2, x): a sum of positive terms, so
    # Acal is as accurate as M(1, a+2, x), which the service level needs too.
    log_m2x = log_kummer_m1(a + 1.0, x)
    log_acal = np.logaddexp(0.0, np.log(x) - np.log1p(a) + log_m2x)
    with np.errstate(divide="ignore"):
        # P(wait) = 1 / (1 + r), r = (1 - E) / (E * Acal)
        log_r = np.log1p(-np.exp(log_b)) - log_b - log_acal
    pw = np.where(n > 0, special.expit(-log_r), 1.0)  # nobody on duty: everyone waits
    no_wait = np.where(n > 0, special.expit(log_r), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        served = (a / x) * (-np.expm1(-log_acal))
    served = np.where(n > 0, np.clip(served, 0.0, 1.0), 0.0)
    return ErlangAState(n, load, aht, patience, a, x, log_acal, log_b, pw, served, no_wait, log_m2x)


def erlang_a_answered_within(state: ErlangAState, target_time) -> np.ndarray:
    """P(answered within target_time), over all offered contacts."""
    a, x = state.a, state.x
    theta_t = target_time / state.patience
    y = x * np.exp(-theta_t)
    log_m2x = state.log_m2x
    if log_m2x is None:
        log_m2x = log_kummer_m1(a + 1.0, x)
    log_m2y = log_kummer_m1(a + 1.0, y)
    # bracket = 1 - exp(d),  d = log M2(y) - log M2(x) - (a+1) theta t + (x - y)
    d = log_m2y - log_m2x - (a + 1.0) * theta_t - x * np.expm1(-theta_t)
    d = np.minimum(d, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        within_given_wait = (a / (a + 1.0)) * np.exp(log_m2x - state.log_acal) * (-np.expm1(d))
    within_given_wait = np.where(
        (state.n > 0) & (theta_t > 0), np.clip(within_given_wait, 0.0, 1.0), 0.0
    )
    no_wait = state.no_wait_probability
    if no_wait is None:
        no_wait = 1.0 - state.wait_probability
    return no_wait + state.wait_probability * within_given_wait


def erlang_a_answered_wait_sum(state: ErlangAState) -> np.ndarray:
    """E[W 1{answered}] in seconds: the numerator of ASA (see module notes).

    Sums the queue-length series term by term around its mode, all elements
    at once; the number of passes grows like sqrt(x), not with the interval
    count.
    """
    a, x, theta = state.a, state.x, 1.0 / state.patience
    out = np.zeros_like(a)
    live = (state.n > 0) & (state.wait_probability > 0)
    if not live.any():
        return out
    a_l, x_l, th_l, lac = a[live], x[live], theta[live], state.log_acal[live]
    k0 = np.floor(np.maximum(0.0, x_l - a_l - 12.0 * np.sqrt(x_l) - 12.0))
    log_x = np.log(x_l)
    # log q_k and psi(a+k+2) - psi(a+1) are carried from term to term: forming
    # them from gammaln/digamma of a + k would cancel catastrophically for a
    # large a (long patience).
    log_q = k0 * log_x + special.gammaln(a_l + 1.0) - special.gammaln(a_l + k0 + 1.0) - lac
    harmonic = special.digamma(a_l + k0 + 2.0) - special.digamma(a_l + 1.0)
    harmonic = np.where(k0 == 0, 1.0 / (a_l + 1.0), harmonic)
    total = np.zeros_like(a_l)
    mass = np.zeros_like(a_l)
    active = np.ones(a_l.shape, dtype=bool)
    k = k0.copy()
    while active.any():
        q = np.exp(log_q)
        term = q * a_l / (th_l * (a_l + k + 1.0)) * harmonic
        total += np.where(active, term, 0.0)
        mass += np.where(active, q, 0.0)
        past_mode = k >= x_l - a_l
        active &= ~(past_mode & (q < 1e-18 * np.maximum(mass, 1e-300)))
        k += 1.0
        log_q += log_x - np.log(a_l + k)
        harmonic += 1.0 / (a_l + k + 1.0)
    out[live] = state.wait_probability[live] * total
    return out
