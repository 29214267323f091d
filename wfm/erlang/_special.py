"""Numerically stable special functions shared by the queueing kernels.

Everything here works in log space on numpy arrays, so loads from 0 to far
beyond 10,000 Erlang neither overflow nor underflow, and no factorial is ever
formed.  These helpers are private: the public API is in :mod:`wfm.erlang`.
"""

from __future__ import annotations

import numpy as np
from scipy import special

_TINY = 1e-280
_SERIES_MAX_TERMS = 20_000
# scipy's gammainc(b, z) loses digits in the lower tail for b beyond ~1e5
# (relative error 4e-6 at b = 1e6, 3 % at b = 1e7, five standard deviations
# below the mean; checked against an mpmath series): there the Kummer series
# is summed instead, which needs about 9 sqrt(b) terms at most.
_GAMMAINC_RELIABLE_BELOW = 1e5
_LONG_SERIES_MAX_TERMS = 200_000
_STIRLING_FROM = 1000.0


def log_poisson_pmf(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """log(mean**k e**-mean / Gamma(k + 1)) for real k >= 0, mean > 0.

    Formed as k log mean - mean - lgamma(k + 1) this cancels: the terms are
    about k log k, so the result is off by about 1e-12 at k = 10**3, 1e-11
    at 10**4 and 1e-7 at 10**8 (where long patience puts Erlang A).  For
    k >= 1000 the saddle-point form (Loader 2000, "Fast and accurate
    computation of binomial probabilities") is used instead:
    k (log1p(u) - u) - log(2 pi k) / 2 - S(k), with u = (mean - k) / k and
    S(k) = 1/(12 k) - 1/(360 k**3) the Stirling series of lgamma(k + 1)
    (truncation below 1e-18 there).  Only those elements pay for it.
    """
    k, mean = np.broadcast_arrays(np.asarray(k, float), np.asarray(mean, float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = special.xlogy(k, mean) - mean - special.gammaln(k + 1.0)
        big = k >= _STIRLING_FROM
        if np.any(big):
            kb, mb = k[big], mean[big]
            u = (mb - kb) / kb
            stirling = (1.0 / 12.0 - 1.0 / (360.0 * kb * kb)) / kb
            out[big] = kb * (np.log1p(u) - u) - 0.5 * np.log(2.0 * np.pi * kb) - stirling
    return out


def log_erlang_b(agents: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Natural log of the Erlang B blocking probability B(n, A).

    Uses B(n, A) = p(n; A) / P(X <= n; A) for X ~ Poisson(A), with the Poisson
    CDF as the regularised upper incomplete gamma Q(n + 1, A).  Where that CDF
    underflows (n far below A) the finite series
    1 / B = sum_k n (n-1) ... (n-k+1) / A**k is summed instead.

    ``agents`` may be real (the analytic continuation); ``load`` must be > 0.
    """
    n = np.asarray(agents, dtype=float)
    a = np.asarray(load, dtype=float)
    n, a = np.broadcast_arrays(n, a)
    log_pmf = log_poisson_pmf(n, a)
    cdf = special.gammaincc(n + 1.0, a)
    with np.errstate(divide="ignore"):
        out = log_pmf - np.log(cdf)
    low = cdf < _TINY
    if np.any(low):
        out = np.array(out, dtype=float, copy=True)
        out[low] = -np.log(_falling_factorial_series(n[low], a[low]))
    return out


def _falling_factorial_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sum_{k>=0} n (n-1) ... (n-k+1) / a**k for n < a (terms decrease)."""
    total = np.ones_like(n)
    term = np.ones_like(n)
    active = np.ones(n.shape, dtype=bool)
    for k in range(_SERIES_MAX_TERMS):
        term = np.where(active, term * np.maximum(n - k, 0.0) / a, 0.0)
        total = total + term
        active = term > 1e-17 * total
        if not active.any():
            break
    return total


def log_kummer_m1(b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log M(1, b + 1, z) = log 1F1(1; b + 1; z), for b >= 0, z >= 0.

    M(1, b + 1, z) = Gamma(b + 1) z**-b e**z P(b, z) with P the regularised
    lower incomplete gamma.  This is the function Mandelbaum & Zeltyn call
    A(b, z) in the Erlang A formulas.  Where P underflows (z far below b)
    the convergent Kummer series sum_k z**k / ((b+1)...(b+k)) is summed, and
    also for b >= 1e5 with P < 0.5, where scipy's incomplete gamma is not
    accurate enough.
    """
    b, z = np.broadcast_arrays(np.asarray(b, float), np.asarray(z, float))
    p = special.gammainc(b, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(p) - log_poisson_pmf(b, z)
    # b == 0: M(1, 1, z) = e**z (gammainc(0, z) is 1 for z > 0).
    out = np.where(b == 0.0, z, out)
    bad = ((p < _TINY) | ((b >= _GAMMAINC_RELIABLE_BELOW) & (p < 0.5))) & (b > 0.0)
    if np.any(bad):
        out = np.array(out, copy=True)
        out[bad] = np.log(_kummer_series(b[bad], z[bad]))
    return out


def _kummer_series(b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """M(1, b + 1, z) = sum_k z**k / ((b+1)...(b+k)) for z < b + 1 (terms fall)."""
    total = np.ones_like(b)
    term = np.ones_like(b)
    active = np.ones(b.shape, dtype=bool)
    long = np.any(b >= _GAMMAINC_RELIABLE_BELOW)
    max_terms = _LONG_SERIES_MAX_TERMS if long else _SERIES_MAX_TERMS
    for k in range(1, max_terms):
        term = np.where(active, term * z / (b + k), 0.0)
        total = total + term
        active = term > 1e-17 * total
        if not active.any():
            break
    return total
