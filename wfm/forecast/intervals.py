"""Prediction intervals: negative binomial around the point forecast.

Volume in an interval is modelled as negative binomial with mean ``mu`` (the
point forecast) and variance ``phi * mu + alpha * mu**2``: Poisson arrivals
(``phi = 1``), extra noise that grows like the mean (``phi > 1``, e.g. an
intraday profile learned from few weeks) and a multiplicative forecast error
of relative variance ``alpha`` (the day's level).  ``(phi, alpha)`` are
estimated per queue, method and horizon day (once on ordinary days, once on all
days for holidays and their neighbours: :class:`wfm.forecast.pipeline.Bands`)
from rolling-origin backtest errors by
weighted least squares of the squared errors on ``mu`` and ``mu**2``
(``phi >= 1``, ``alpha >= 0``); ``(1, 0)`` is Poisson.

Quantiles are those of the continuous version ``Y + U - 1/2`` (``U`` uniform
on [0, 1)), so bounds are fractional and a nominal 80 % band holds 80 % of
the probability even at a handful of contacts.  Coverage in backtests is
counted the same way (actuals jittered by a seeded ``U - 1/2``); above ~20
contacts per interval this is the same as counting the integers.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

LEVELS = (0.8, 0.95)
Dispersion = tuple[float, float]  # (phi, alpha)
POISSON: Dispersion = (1.0, 0.0)


def estimate_dispersion(actual: np.ndarray, forecast: np.ndarray) -> Dispersion:
    """(phi, alpha) with E(y - mu)^2 = phi mu + alpha mu^2, weighted least squares.

    Weights 1 / (mu + 1)^2 make each squared error count by its expected size.
    """
    ok = np.isfinite(actual) & np.isfinite(forecast) & (forecast > 0)
    if ok.sum() < 10:
        return POISSON
    y, mu = actual[ok], forecast[ok]
    e2 = (y - mu) ** 2
    w = 1.0 / (mu + 1.0) ** 2
    x = np.stack([mu, mu**2], axis=1) * np.sqrt(w)[:, None]
    (phi, alpha), *_ = np.linalg.lstsq(x, e2 * np.sqrt(w), rcond=None)
    if alpha < 0:
        alpha = 0.0
        phi = float((w * e2 * mu).sum() / (w * mu**2).sum())
    if phi < 1:
        phi = 1.0
        alpha = max(0.0, float((w * (e2 - mu) * mu**2).sum() / (w * mu**4).sum()))
    return float(phi), float(alpha)


def quantile(mu: np.ndarray, disp: Dispersion, p: float, *, clip: bool = True) -> np.ndarray:
    """p-quantile of ``Y + U - 1/2``, ``Y`` negative binomial with mean ``mu`` and ``disp``.

    ``clip``: raise negative quantiles (possible below half a contact) to 0, for
    output; scoring uses the unclipped value so that zeros are judged fairly.
    """
    mu = np.asarray(mu, float)
    phi, alpha = disp
    m = np.maximum(mu, 1e-9)
    a_eff = np.maximum((phi - 1.0) / m + alpha, 0.0)
    nb = a_eff > 1e-9
    k, below, mass = (np.zeros_like(m) for _ in range(3))
    for pick, dist in ((nb, "nbinom"), (~nb, "poisson")):  # each law only where it applies
        pick = pick & (mu > 0)
        if not pick.any():
            continue
        if dist == "nbinom":
            r = 1.0 / a_eff[pick]
            law = stats.nbinom(r, r / (r + m[pick]))
        else:
            law = stats.poisson(m[pick])
        k[pick] = law.ppf(p)
        below[pick] = law.cdf(k[pick] - 1)
        mass[pick] = law.pmf(k[pick])
    frac = np.divide(p - below, mass, out=np.full_like(m, 0.5), where=mass > 0)
    q = k - 0.5 + np.clip(frac, 0.0, 1.0)
    q = np.maximum(q, 0.0) if clip else q
    return np.where(mu > 0, q, 0.0)


def bounds(
    mu: np.ndarray, disp: Dispersion, level: float, *, clip: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval (lo, hi) for each mean in ``mu``."""
    tail = (1.0 - level) / 2.0
    return quantile(mu, disp, tail, clip=clip), quantile(mu, disp, 1.0 - tail, clip=clip)


def coverage(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, seed: int = 0) -> float:
    """Share of known actuals inside [lo, hi], actuals jittered by U - 1/2 (seeded)."""
    ok = np.isfinite(actual)
    if not ok.any():
        return float("nan")
    u = np.random.default_rng(seed).random(int(ok.sum())) - 0.5
    y = actual[ok] + u
    lo_, hi_ = lo[ok], hi[ok]
    # a zero forecast has a zero-width band at 0: a zero actual is inside
    inside = ((y >= lo_) & (y <= hi_)) | ((hi_ <= 0) & (actual[ok] == 0))
    return float(inside.mean())
