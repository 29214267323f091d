"""Volume models behind one small interface: ``fit(data)`` then ``predict(days, kinds)``.

All models work on a :class:`QueueData` (a day x slot volume matrix, see
:mod:`wfm.forecast.matrix`, with gaps already filled and event effects divided
out) and predict a ``(len(days), n_slots)`` matrix of expected contacts per
interval for the days right after the training days.

* ``snaive`` -- seasonal naive: the same interval last week.
* ``mean4`` -- mean of the same interval on the last 4 same weekdays.
* ``ets`` -- day-level model: the daily total, adjusted for holidays (holiday,
  day before, first working day after; factors learned from the history),
  follows an ETS model with weekly seasonality (statsmodels Holt-Winters,
  multiplicative season, no trend, least-squares parameters) over the
  last 26 weeks; the day is spread over its intervals by an intraday profile
  per weekday learned over the last 6 ordinary weeks (holidays use the
  Sunday profile).  Weekdays with no contacts in the last 4 weeks stay closed.
* ``profile`` -- the ``ets`` daily total spread by a smoothed intraday shape:
  per weekday the exponentially weighted mean (weight 0.85 per week back) of
  the day's shares over the last 16 ordinary same weekdays, so one odd day
  moves the shape less than in ``ets``'s 6-week volume-weighted profile.
* ``combo`` -- the mean of two methods' forecasts (the two best on the
  backtest's calibration origins; see :class:`Combination`).
* ``split`` -- for sparse queues: the channel total (all languages of the
  channel) by the ``ets`` model, times the queue's share of the channel per
  weekday over the last 8 weeks, spread by the queue's own profile pooled
  over those 8 weeks.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np
import pandas as pd

KINDS = ("holiday", "before", "after")


@dataclass(frozen=True)
class QueueData:
    """Training data of one queue: ``volume[d, s]`` contacts (filled, event-cleaned)."""

    days: pd.DatetimeIndex
    volume: np.ndarray
    kinds: dict[str, np.ndarray] = field(default_factory=dict)
    channel_volume: np.ndarray | None = None

    def head(self, n: int) -> QueueData:
        """The first ``n`` days (a backtest origin)."""
        return QueueData(
            self.days[:n],
            self.volume[:n],
            {k: v[:n] for k, v in self.kinds.items()},
            None if self.channel_volume is None else self.channel_volume[:n],
        )


class Model(Protocol):
    name: str
    params: dict[str, float] | None

    def fit(self, data: QueueData) -> Model: ...

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray: ...


def _no_kinds(n: int) -> dict[str, np.ndarray]:
    return {k: np.zeros(n, bool) for k in KINDS}


def _by_weekday(values: np.ndarray, weekday: np.ndarray, k: int) -> np.ndarray:
    """(7, n_slots): mean of the last ``k`` rows of each weekday.

    A weekday the history never saw gets the mean of the last ``k`` days.
    """
    out = np.zeros((7, values.shape[1]))
    for w in range(7):  # a loop over weekdays
        rows = values[weekday == w][-k:]
        out[w] = rows.mean(axis=0) if len(rows) else values[-k:].mean(axis=0)
    return out


class SeasonalNaive:
    """Same interval last week (for later weeks of the horizon: the same again)."""

    name = "snaive"
    params = None

    def fit(self, data: QueueData) -> SeasonalNaive:
        self._table = _by_weekday(data.volume, data.days.day_of_week.to_numpy(), 1)
        return self

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        return self._table[days.day_of_week.to_numpy()]


class MeanWeekdays:
    """Mean of the same interval on the last ``k`` same weekdays."""

    def __init__(self, k: int = 4) -> None:
        self.k = k
        self.name = f"mean{k}"
        self.params = None

    def fit(self, data: QueueData) -> MeanWeekdays:
        self._table = _by_weekday(data.volume, data.days.day_of_week.to_numpy(), self.k)
        return self

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        return self._table[days.day_of_week.to_numpy()]


def intraday_profile(
    volume: np.ndarray,
    weekday: np.ndarray,
    ordinary: np.ndarray,
    weeks: int,
    prior: float = 100.0,
) -> np.ndarray:
    """(7, n_slots) share of the day's volume per slot, per weekday, volume-weighted.

    Uses the last ``weeks`` ordinary days of each weekday (all days of that
    weekday if there is no ordinary one), shrunk towards the profile pooled
    over all weekdays by ``prior`` pseudo-contacts: a thin queue does not get
    a zero forecast for an open slot just because nobody called there in
    the last few weeks (closed slots are zeroed from the opening hours).
    """
    recent = slice(-7 * weeks, None)
    pooled = volume[recent][ordinary[recent]].sum(axis=0)
    if pooled.sum() <= 0:
        pooled = volume[recent].sum(axis=0)
    n_slots = volume.shape[1]
    pooled = pooled / pooled.sum() if pooled.sum() > 0 else np.full(n_slots, 1.0 / n_slots)
    out = np.zeros((7, n_slots))
    for w in range(7):  # a loop over weekdays
        pick = (weekday == w) & ordinary
        if not pick.any():
            pick = weekday == w
        rows = volume[pick][-weeks:]
        out[w] = (rows.sum(axis=0) + prior * pooled) / (rows.sum() + prior)
    return out


class DailyETSProfile:
    """Daily total by ETS with weekday season and holiday factors, times a weekday profile."""

    name = "ets"

    def __init__(
        self, weeks: int = 26, profile_weeks: int = 6, params: dict[str, float] | None = None
    ) -> None:
        self.weeks = weeks
        self.profile_weeks = profile_weeks
        self.params = params  # smoothing parameters to reuse (None: estimate them)

    def fit(self, data: QueueData) -> DailyETSProfile:
        volume = data.volume
        kinds = data.kinds or _no_kinds(len(data.days))
        weekday = data.days.day_of_week.to_numpy()
        totals = volume.sum(axis=1)
        self.factors = holiday_factors(totals, kinds, weekday)
        adjusted = totals / _day_factor(self.factors, kinds)
        ordinary = ~np.any([kinds[k] for k in KINDS], axis=0)
        self.profile = self._profile(volume, weekday, ordinary)
        recent = np.zeros(7)
        np.add.at(recent, weekday[-28:], totals[-28:])
        seen = np.bincount(weekday[-28:], minlength=7) > 0
        self.closed = seen & (recent <= 0)  # seen in the last 4 weeks, never a contact
        self.last_day = data.days[-1]
        y = adjusted[-7 * self.weeks :]
        self._fit_ets(y, weekday[-len(y) :])
        return self

    def _profile(self, volume: np.ndarray, weekday: np.ndarray, ordinary: np.ndarray):
        return intraday_profile(volume, weekday, ordinary, self.profile_weeks)

    def _fit_ets(self, y: np.ndarray, weekday: np.ndarray) -> None:
        self._ets = None
        self._fallback = np.zeros(7)
        for w in range(7):
            rows = y[weekday == w][-4:]
            self._fallback[w] = rows.mean() if len(rows) else y[-7:].mean()
        self._start_weekday = int(weekday[-1] + 1) % 7
        if len(y) < 21 or not np.isfinite(y).all() or y.max() <= 0:
            return
        seasonal = "mul" if (y > 0).all() else "add"
        given = None if self.params is None else tuple(sorted(self.params.items()))
        self._ets = _holt_winters(y.tobytes(), seasonal, given)
        if self._ets is not None and self.params is None:
            self.params = {
                k: float(self._ets.params[k]) for k in ("smoothing_level", "smoothing_seasonal")
            }

    def predict_totals(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        """Expected contacts per day for ``days`` (after the training days)."""
        steps = ((days - self.last_day) // pd.Timedelta(days=1)).to_numpy()
        if (steps < 1).any():
            raise ValueError("predict days must follow the training days")
        path = self._path(int(steps.max()))
        totals = np.maximum(path[steps - 1], 0.0) * _day_factor(self.factors, kinds)
        return np.where(self.closed[days.day_of_week.to_numpy()], 0.0, totals)

    def _path(self, horizon: int, ets=None) -> np.ndarray:
        """The adjusted daily totals of the next ``horizon`` days (ETS, else the fallback)."""
        ets = self._ets if ets is None else ets
        if ets is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                path = np.asarray(ets.forecast(horizon), float)
            if np.isfinite(path).all():
                return path
        return self._fallback[(self._start_weekday + np.arange(horizon)) % 7]

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        weekday = days.day_of_week.to_numpy()
        shape_day = np.where(kinds["holiday"], 6, weekday)
        return self.predict_totals(days, kinds)[:, None] * self.profile[shape_day]


@lru_cache(maxsize=8)
def _holt_winters(y: bytes, seasonal: str, params: tuple | None):
    """Holt-Winters (no trend, weekly season) fitted to the float64 series ``y``; ``params``
    ((name, value), ...) fixes the smoothing, else it is estimated.  None if it fails.

    Cached: ``ets``, ``profile`` and ``combo`` fit the same series at each backtest origin.
    """
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = ExponentialSmoothing(
                np.frombuffer(y, dtype=float),
                trend=None,
                seasonal=seasonal,
                seasonal_periods=7,
                initialization_method="heuristic",
            )
            return model.fit() if params is None else model.fit(**dict(params), optimized=False)
        except (ValueError, np.linalg.LinAlgError):
            return None


def smoothed_profile(
    volume: np.ndarray, weekday: np.ndarray, ordinary: np.ndarray,
    weeks: int = 16, decay: float = 0.85,
) -> np.ndarray:
    """(7, n_slots) intraday shares per weekday, smoothed over recent weeks.

    Each ordinary day's shares (slot volume / day volume) weighted by
    ``decay ** age`` (age in weeks of that weekday, 0 = most recent), over the
    last ``weeks`` such days; a weekday without one takes :func:`intraday_profile`.
    """
    out = intraday_profile(volume, weekday, ordinary, weeks)
    for w in range(7):  # a loop over weekdays
        rows = volume[(weekday == w) & ordinary][-weeks:]
        total = rows.sum(axis=1)
        weight = decay ** np.arange(len(rows))[::-1] * (total > 0)
        if weight.sum() > 0:
            shares = rows / np.where(total > 0, total, 1.0)[:, None]
            out[w] = weight @ shares / weight.sum()
    return out


class SmoothedProfile(DailyETSProfile):
    """Daily total: a slow ETS level plus a decaying deviation; times :func:`smoothed_profile`.

    ``ets`` follows the last days closely (its level smoothing is fitted, often
    0.2-0.4): right for tomorrow, but a busy Tuesday then lifts the whole next
    week, while contact volume returns to its level within days.  Here the
    total ``h`` open days ahead is ``slow + phi ** (h - 1) * (fast - slow)``:
    ``fast`` is the fitted ETS, ``slow`` the same ETS with level and season
    smoothing 0.05, and ``phi`` the lag-1 autocorrelation (0-0.95) of the
    log ratios of the day totals to ``slow``'s one-step fits over the last 60
    open days (an AR(1) deviation from a slowly moving level).
    """

    name = "profile"
    slow = {"smoothing_level": 0.05, "smoothing_seasonal": 0.05}

    def _profile(self, volume: np.ndarray, weekday: np.ndarray, ordinary: np.ndarray):
        return smoothed_profile(volume, weekday, ordinary)

    def _fit_ets(self, y: np.ndarray, weekday: np.ndarray) -> None:
        super()._fit_ets(y, weekday)
        self._slow, self.phi = None, 0.0
        if self._ets is None:
            return
        seasonal = "mul" if (y > 0).all() else "add"
        self._slow = _holt_winters(y.tobytes(), seasonal, tuple(sorted(self.slow.items())))
        if self._slow is None:
            return
        fitted = np.asarray(self._slow.fittedvalues, float)
        ok = (y > 0) & (fitted > 0) & ~self.closed[weekday]
        ratio = np.log(y[ok] / fitted[ok])[-60:]
        if len(ratio) > 10 and ratio.std() > 0:
            self.phi = float(np.clip(np.corrcoef(ratio[:-1], ratio[1:])[0, 1], 0.0, 0.95))

    def _path(self, horizon: int, ets=None) -> np.ndarray:
        fast = super()._path(horizon)
        if self._slow is None:
            return fast
        slow = super()._path(horizon, self._slow)
        ahead = (self._start_weekday + np.arange(horizon)) % 7
        k = np.cumsum(~self.closed[ahead])  # open days ahead, up to each day
        return slow + self.phi ** np.maximum(k - 1, 0) * (fast - slow)


class Combination:
    """Mean of the forecasts of ``parts`` (method names), each fitted on the same data."""

    name = "combo"

    def __init__(self, parts: tuple[str, ...] = ("ets", "mean4"),
                 params: dict[str, dict | None] | None = None) -> None:
        self.parts = tuple(parts)
        self.params = params  # per part: its smoothing parameters to reuse

    def fit(self, data: QueueData) -> Combination:
        given = self.params or {}
        self._models = [make_model(m, given.get(m)).fit(data) for m in self.parts]
        self.params = {m: mod.params for m, mod in zip(self.parts, self._models, strict=True)}
        return self

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        return np.mean([mod.predict(days, kinds) for mod in self._models], axis=0)


class ChannelShare:
    """Sparse queue: channel total (``ets``) x the queue's weekday share x its own profile."""

    name = "split"

    def __init__(self, weeks: int = 8, params: dict[str, float] | None = None) -> None:
        self.weeks = weeks
        self.params = params

    def fit(self, data: QueueData) -> ChannelShare:
        if data.channel_volume is None:
            raise ValueError("split needs the channel total")
        channel = QueueData(data.days, data.channel_volume, data.kinds)
        self._channel = DailyETSProfile(params=self.params).fit(channel)
        self.params = self._channel.params
        weekday = data.days.day_of_week.to_numpy()
        n = 7 * self.weeks
        own = np.bincount(weekday[-n:], weights=data.volume[-n:].sum(axis=1), minlength=7)
        total = np.bincount(weekday[-n:], weights=data.channel_volume[-n:].sum(axis=1), minlength=7)
        self.share = np.divide(own, total, out=np.zeros(7), where=total > 0)
        kinds = data.kinds or _no_kinds(len(data.days))
        ordinary = ~np.any([kinds[k] for k in KINDS], axis=0)
        self.profile = intraday_profile(data.volume, weekday, ordinary, self.weeks)
        return self

    def predict(self, days: pd.DatetimeIndex, kinds: dict[str, np.ndarray]) -> np.ndarray:
        weekday = days.day_of_week.to_numpy()
        totals = self._channel.predict_totals(days, kinds) * self.share[weekday]
        shape_day = np.where(kinds["holiday"], 6, weekday)
        return totals[:, None] * self.profile[shape_day]


def holiday_factors(
    totals: np.ndarray, kinds: dict[str, np.ndarray], weekday: np.ndarray
) -> dict[str, float]:
    """Median ratio of a kind's day total to the same weekday's ordinary days ±1-2 weeks.

    Kinds never seen in the history get 1.0 (before/after) or, for the holiday
    itself, the ratio of Sundays to the other days.
    """
    ordinary = ~np.any([kinds[k] for k in KINDS], axis=0)
    n = len(totals)
    ref_sum = np.zeros(n)
    ref_cnt = np.zeros(n)
    for shift in (7, 14, -7, -14):
        src = np.arange(n) - shift
        ok = (src >= 0) & (src < n)
        ok[ok] &= ordinary[src[ok]]
        ref_sum[ok] += totals[src[ok]]
        ref_cnt[ok] += 1
    ref = np.divide(ref_sum, ref_cnt, out=np.zeros(n), where=ref_cnt > 0)
    factors = {}
    for k in KINDS:
        pick = kinds[k] & (ref > 0)
        ratio = np.median(totals[pick] / ref[pick]) if pick.any() else None
        factors[k] = None if ratio is None else float(np.clip(ratio, 0.02, 3.0))
    if factors["holiday"] is None:
        mean = totals[ordinary].mean() if ordinary.any() else 0.0
        sunday = ordinary & (weekday == 6)
        ratio = totals[sunday].mean() / mean if mean > 0 and sunday.any() else 1.0
        factors["holiday"] = float(np.clip(ratio, 0.02, 1.0))
    return {k: (1.0 if v is None else v) for k, v in factors.items()}


def _day_factor(factors: dict[str, float], kinds: dict[str, np.ndarray]) -> np.ndarray:
    f = np.where(kinds["before"], factors["before"], 1.0) * np.where(
        kinds["after"], factors["after"], 1.0
    )
    return np.where(kinds["holiday"], factors["holiday"], f)


METHODS = ("snaive", "mean4", "ets", "profile", "combo", "split")


def make_model(name: str, params: dict | None = None, parts: tuple[str, ...] = ()) -> Model:
    """A fresh model by method name (see :data:`METHODS`).

    ``params``: ETS smoothing parameters from an earlier fit to reuse (the
    backtest re-estimates them every two weeks of origins and only filters in
    between, which is 4x faster and changes little).  ``parts``: the methods that
    ``combo`` averages (default ``ets`` and ``mean4``).
    """
    if name == "snaive":
        return SeasonalNaive()
    if name.startswith("mean") and name[4:].isdigit():
        return MeanWeekdays(int(name[4:]))
    if name == "ets":
        return DailyETSProfile(params=params)
    if name == "profile":
        return SmoothedProfile(params=params)
    if name == "combo":
        return Combination(parts or ("ets", "mean4"), params=params)
    if name == "split":
        return ChannelShare(params=params)
    raise ValueError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
