"""Interval series as a day x time-of-day matrix, the shape every model works on.

Row ``d`` is a local calendar day, column ``s`` a local time-of-day slot
(``86400 / interval`` of them).  DST days keep local clock positions, so "the
same interval last week" is the same column seven rows up and nothing is
shifted: on the spring day the skipped slots do not exist (``exists`` False,
value 0); on the autumn day the repeated slots hold the mean of their two
intervals (a per-interval rate), and when a forecast is put back on the real
grid both intervals get that rate.  ``NaN`` marks an unknown value (a gap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class DayMatrix:
    """``values[d, s]``: volume (or any per-interval quantity) on day ``days[d]`` slot ``s``."""

    days: pd.DatetimeIndex  # naive local midnights, consecutive
    values: np.ndarray  # float (n_days, n_slots), NaN = unknown
    exists: np.ndarray  # bool (n_days, n_slots): the slot exists on that day (DST)

    @property
    def weekday(self) -> np.ndarray:
        return self.days.day_of_week.to_numpy()


def slot_index(starts: pd.Series | pd.DatetimeIndex, interval: float) -> np.ndarray:
    """Local time-of-day slot of each interval start."""
    idx = pd.DatetimeIndex(starts)
    return ((idx.hour * 3600 + idx.minute * 60 + idx.second) // int(interval)).to_numpy()


def local_days(starts: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Naive local midnight of each interval start."""
    return pd.DatetimeIndex(starts).tz_localize(None).normalize()


def day_grid(first: pd.Timestamp, last: pd.Timestamp, tz, interval: float) -> pd.DatetimeIndex:
    """All interval starts of the local days ``first`` .. ``last`` (inclusive), tz-aware."""
    start = pd.Timestamp(first).tz_localize(tz)
    end = pd.Timestamp(last + pd.Timedelta(days=1)).tz_localize(tz)
    grid = pd.date_range(
        start.tz_convert("UTC"), end.tz_convert("UTC"), freq=f"{int(interval)}s", inclusive="left"
    )
    return grid.tz_convert(tz)


def to_matrix(
    starts: pd.Series | pd.DatetimeIndex,
    values: np.ndarray,
    interval: float,
    days: pd.DatetimeIndex,
    tz,
    *,
    weights: np.ndarray | None = None,
) -> DayMatrix:
    """Scatter interval values into a :class:`DayMatrix` over ``days``.

    Repeated local slots (autumn DST) get the mean (weighted by ``weights`` if
    given, e.g. volume for AHT).  Cells with no interval are NaN unless the
    slot does not exist that day (then 0, ``exists`` False).
    """
    n_slots = int(86400 // interval)
    d = ((local_days(starts) - days[0]) // pd.Timedelta(days=1)).to_numpy()
    s = slot_index(starts, interval)
    ok = (d >= 0) & (d < len(days))
    d, s = d[ok], s[ok]
    v = np.asarray(values, float)[ok]
    w = np.ones_like(v) if weights is None else np.asarray(weights, float)[ok]
    known = np.isfinite(v) & np.isfinite(w)
    cell = d * n_slots + s
    size = len(days) * n_slots
    total = np.bincount(cell[known], weights=(v * w)[known], minlength=size)
    weight = np.bincount(cell[known], weights=w[known], minlength=size)
    seen = np.bincount(cell[known], minlength=size) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(weight > 0, total / np.where(weight > 0, weight, 1), 0.0)
    out = np.where(seen, out, np.nan)
    grid = day_grid(days[0], days[-1], tz, interval)
    exists = np.zeros(size, bool)
    gd = ((local_days(grid) - days[0]) // pd.Timedelta(days=1)).to_numpy()
    exists[gd * n_slots + slot_index(grid, interval)] = True
    out = np.where(exists, out, 0.0)
    return DayMatrix(days, out.reshape(len(days), n_slots), exists.reshape(len(days), n_slots))


def from_matrix(
    matrix: np.ndarray, days: pd.DatetimeIndex, grid: pd.DatetimeIndex, interval: float
) -> np.ndarray:
    """Read per-interval values for the interval starts ``grid`` out of ``matrix``."""
    d = ((local_days(grid) - days[0]) // pd.Timedelta(days=1)).to_numpy()
    return matrix[d, slot_index(grid, interval)]


def fill_gaps(values: np.ndarray, max_weeks: int = 4) -> np.ndarray:
    """Fill NaN cells from the same weekday and slot in nearby weeks (mean of d±7k).

    Looks up to ``max_weeks`` weeks each way; cells still unknown get the
    mean of their slot over all days, then 0.  Vectorized over the matrix.
    """
    out = values.copy()
    missing = np.isnan(out)
    if not missing.any():
        return out
    total = np.zeros_like(out)
    count = np.zeros_like(out)
    for k in range(1, max_weeks + 1):
        for shift in (7 * k, -7 * k):
            moved = np.full_like(out, np.nan)
            if shift > 0:
                moved[shift:] = values[:-shift]
            else:
                moved[:shift] = values[-shift:]
            ok = np.isfinite(moved)
            total += np.where(ok, moved, 0.0)
            count += ok
    est = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    out[missing] = est[missing]
    still = np.isnan(out)
    if still.any():
        ok = np.isfinite(values)
        slot_mean = np.where(ok, values, 0.0).sum(axis=0) / np.maximum(ok.sum(axis=0), 1)
        out[still] = np.broadcast_to(slot_mean, out.shape)[still]
    return out
