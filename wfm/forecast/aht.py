"""AHT forecast per interval: a smoothed, volume-weighted time-of-day profile.

For each day type (Mon-Fri, Saturday, Sunday/holiday) and slot, over the last
``weeks`` weeks: AHT = sum(w x aht) / sum(w) with w the handled contacts (the
volume where the history has no ``handled``), both sums smoothed
over neighbouring slots (weights 1-2-3-2-1, wrapping round midnight) and
shrunk towards the queue's overall AHT by ``prior`` pseudo-contacts, so that
thin night intervals do not get a noisy value.  Seconds.
"""

from __future__ import annotations

import numpy as np

_KERNEL = np.array([1.0, 2.0, 3.0, 2.0, 1.0])


def day_type(weekday: np.ndarray, holiday: np.ndarray | None = None) -> np.ndarray:
    """0 = Mon-Fri, 1 = Saturday, 2 = Sunday or holiday."""
    t = np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))
    return t if holiday is None else np.where(holiday, 2, t)


def _smooth(x: np.ndarray) -> np.ndarray:
    """Circular smoothing along the last axis."""
    half = len(_KERNEL) // 2
    padded = np.concatenate([x[..., -half:], x, x[..., :half]], axis=-1)
    out = np.zeros_like(x)
    for i, w in enumerate(_KERNEL):  # five shifted adds
        out += w * padded[..., i : i + x.shape[-1]]
    return out


def aht_profile(
    aht: np.ndarray,
    volume: np.ndarray,
    weekday: np.ndarray,
    holiday: np.ndarray | None = None,
    *,
    weeks: int = 8,
    prior: float = 20.0,
) -> np.ndarray:
    """(3, n_slots) AHT in seconds per day type and slot; NaN when no AHT is known at all."""
    n = 7 * weeks
    a, v = aht[-n:], volume[-n:]
    types = day_type(weekday[-n:], None if holiday is None else holiday[-n:])
    known = np.isfinite(a) & np.isfinite(v) & (v > 0)
    wa = np.where(known, a * v, 0.0)
    w = np.where(known, v, 0.0)
    if w.sum() <= 0:
        return np.full((3, aht.shape[1]), np.nan)
    overall = wa.sum() / w.sum()
    num = np.stack([wa[types == t].sum(axis=0) for t in range(3)])
    den = np.stack([w[types == t].sum(axis=0) for t in range(3)])
    num, den = _smooth(num), _smooth(den)
    return (num + prior * overall) / (den + prior)
