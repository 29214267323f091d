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
    log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
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
    the convergent Kummer series sum_k z**k / ((b+1)...(b+k)) is summed.
    """
    b, z = np.broadcast_arrays(np.asarray(b, float), np.asarray(z, float))
    p = special.gammainc(b, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = special.gammaln(b + 1.0) - b * np.log(z) + z + np.log(p)
    # b == 0: M(1, 1, z) = e**z (gammainc(0, z) is 1 for z > 0).
    out = np.where(b == 0.0, z, out)
    bad = (p < _TINY) & (b > 0.0)
    if np.any(bad):
        out = np.array(out, copy=True)
        out[bad] = np.log(_kummer_series(b[bad], z[bad]))
    return out


def _kummer_series(b: np.ndarray, z: np.ndarray) -> np.ndarray:
    total = np.ones_like(b)
    term = np.ones_like(b)
    active = np.ones(b.shape, dtype=bool)
    for k in range(1, _SERIES_MAX_TERMS):
        term = np.where(active, term * z / (b + k), 0.0)
        total = total + term
        active = term > 1e-17 * total
        if not active.any():
            break
    return total


def log_reg_lower_gamma(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log P(s, z), the regularised lower incomplete gamma, for s > 0, z >= 0.

    Stable where P underflows (z far below s) through log_kummer_m1:
    log P(s, z) = s log z - z - log Gamma(s + 1) + log M(1, s + 1, z).
    """
    s, z = np.broadcast_arrays(np.asarray(s, float), np.asarray(z, float))
    p = special.gammainc(s, z)
    with np.errstate(divide="ignore"):
        out = np.log(p)
    bad = (p < _TINY) & (z > 0.0)
    if np.any(bad):
        out = np.array(out, copy=True)
        sb, zb = s[bad], z[bad]
        out[bad] = sb * np.log(zb) - zb - special.gammaln(sb + 1.0) + np.log(_kummer_series(sb, zb))
    return out
