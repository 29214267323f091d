"""From a validated history to backtest scores, a method per queue and a forecast frame.

Steps (pure functions over frames and arrays; no I/O):

1. :func:`prepare` -- per queue a day x slot matrix of volume, AHT and opening
   hours; planner events divided out of the history (``multiply``) or masked
   (``exclude``); gaps filled from nearby same weekdays for learning (never
   scored); channel totals for the sparse-queue split.
2. :func:`backtest` -- rolling origin: at each of the last ``origins`` days
   every candidate method is fitted on the days before and predicts the next
   7 days.  Day-ahead = the first of those days, week-ahead = all 7.  ``combo``
   is the mean of the 2-3 methods whose mean has the lowest mean of day- and
   week-ahead WAPE.  ``auto`` picks per horizon (day-ahead for the first
   forecast day, week-ahead for the others) the method with the lowest WAPE
   other than ``mean4`` and blends it with ``mean4`` by Bates-Granger weights
   (inverse squared WAPE above Poisson noise); a method worse than ``mean4`` is not used, so auto
   is never worse than ``mean4`` on the origins it chose on (see :func:`_pick`).
   The first half of the origins (calibration) makes these choices for the
   accuracy table, whose numbers come from the second half (evaluation), so
   the reported ``auto`` accuracy is out of sample; the forecast's choices and
   the interval dispersion of the final forecast use all origins.
3. :func:`make_forecast` -- fit the chosen method(s) on all history and write
   the forecast contract with 80 % / 95 % bounds (``model`` per row).

Metrics, over intervals with known actuals: WAPE = sum|y - f| / sum y;
MASE = mean|y - f| / mean|y_t - y_{t-1 week}| (in-sample seasonal naive over
the history before the first origin); bias = sum(f - y) / sum y (positive =
over-forecast); coverage = share of actuals inside the band (see
:mod:`wfm.forecast.intervals`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations

import numpy as np
import pandas as pd

from wfm.forecast.aht import aht_profile, day_type
from wfm.forecast.calendar import day_kinds, event_effects
from wfm.forecast.intervals import LEVELS, bounds, coverage, estimate_dispersion
from wfm.forecast.matrix import (
    day_grid,
    fill_gaps,
    from_matrix,
    local_days,
    slot_index,
    to_matrix,
)
from wfm.forecast.models import KINDS, QueueData, make_model

SPARSE_PER_DAY = 50.0  # contacts per day below which a queue is sparse
BASE_METHODS = ("snaive", "mean4", "ets", "profile", "combo")
ANCHOR = "mean4"  # auto blends its pick with this baseline and never does worse on calibration
DEFAULT_DISPERSION = (1.0, 0.02)


@dataclass(frozen=True)
class PreparedQueue:
    """Everything the models and the scoring need for one queue (arrays over history days)."""

    key: str
    data: QueueData  # cleaned and gap-filled volume: what models learn from
    actual: np.ndarray  # observed volume, NaN where unknown or excluded: what is scored
    mult: np.ndarray  # event multiplier per cell over the history
    open_: np.ndarray  # bool per cell: inside opening hours
    open_table: np.ndarray  # bool (7, n_slots): open weekday x slot, for the future
    aht: np.ndarray  # (3, n_slots) AHT profile in seconds (NaN if unknown)
    sparse: bool
    siblings: int  # queues in the same channel


@dataclass(frozen=True)
class Prepared:
    queues: dict[str, PreparedQueue]
    days: pd.DatetimeIndex
    interval: float
    tz: str
    holidays: frozenset = frozenset()


def prepare(
    frame: pd.DataFrame,
    interval: float,
    tz: str,
    *,
    holidays: Iterable = (),
    events: pd.DataFrame | None = None,
) -> Prepared:
    """Matrices per queue from a history grid frame (see :class:`wfm.io.history.History`)."""
    starts_all = frame["interval_start"]
    days_local = local_days(starts_all)
    days = pd.date_range(days_local.min(), days_local.max(), freq="D")
    holidays = frozenset(pd.Timestamp(h).normalize() for h in holidays)
    kinds = day_kinds(days, holidays)
    keys = (frame["channel"] + ":" + frame["language"]).to_numpy()
    raw: dict[str, tuple] = {}
    for key in dict.fromkeys(keys):  # a loop over queues
        rows = frame[keys == key]
        starts = pd.DatetimeIndex(rows["interval_start"])
        filled, actual, mult_m, open_m = _volume_matrices(rows, key, starts, events,
                                                          interval, days, tz)
        aht = _aht_matrix(rows, starts, interval, days, tz, kinds)
        table = _open_table(rows, starts, interval)
        raw[key] = (filled, actual, mult_m, open_m, table, aht)
    return Prepared(_prepared_queues(raw, days, kinds), days, float(interval), tz, holidays)


def _volume_matrices(rows: pd.DataFrame, key: str, starts: pd.DatetimeIndex,
                     events: pd.DataFrame | None, interval: float, days: pd.DatetimeIndex,
                     tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(filled, actual, event multiplier, open) as (day, slot) matrices of one queue:
    ``filled`` the contacts with event effects divided out and gaps filled (0 where
    closed), ``actual`` the contacts as observed (NaN where excluded, missing or
    closed), ``open`` True inside opening hours or where nothing is known."""
    volume = rows["volume"].to_numpy(float)
    mult, exclude = event_effects(events, key, starts)
    vol_m = to_matrix(starts, volume, interval, days, tz)
    mult_m = to_matrix(starts, mult, interval, days, tz).values
    mult_m = np.where(np.isnan(mult_m), 1.0, mult_m)
    excl_m = to_matrix(starts, exclude.astype(float), interval, days, tz).values > 0
    open_m = to_matrix(starts, rows["open"].to_numpy(float), interval, days, tz).values
    open_m = np.where(np.isnan(open_m) | ~vol_m.exists, 1.0, open_m) > 0
    # the hour skipped at the spring clock change has no data, not zero contacts:
    # learned as 0 it made snaive forecast 0 for 02:00-03:00 the next Sunday
    actual = np.where(excl_m | ~vol_m.exists, np.nan, vol_m.values)
    clean_src = actual
    actual = np.where(open_m, actual, np.nan)  # closed intervals are not scored
    with np.errstate(divide="ignore", invalid="ignore"):
        clean = np.where(mult_m > 0, clean_src / mult_m, np.nan)
    filled = np.where(open_m, fill_gaps(clean), 0.0)
    return filled, actual, mult_m, open_m


def _aht_matrix(rows: pd.DataFrame, starts: pd.DatetimeIndex, interval: float,
                days: pd.DatetimeIndex, tz: str, kinds: dict) -> np.ndarray:
    """One queue's AHT profile (s) from :func:`aht_profile`.  AHT is a mean over handled
    contacts: weighted by handled where the history has it, else by volume."""
    volume = rows["volume"].to_numpy(float)
    handled = rows["handled"].to_numpy(float)
    weight = np.nan_to_num(np.where(np.isfinite(handled), handled, volume))
    aht_m = to_matrix(
        starts, rows["aht_s"].to_numpy(float), interval, days, tz, weights=weight
    ).values
    weight_m = to_matrix(starts, weight, interval, days, tz).values
    weekday = days.day_of_week.to_numpy()
    return aht_profile(aht_m, np.nan_to_num(weight_m), weekday, kinds["holiday"])


def _open_table(rows: pd.DataFrame, starts: pd.DatetimeIndex, interval: float) -> np.ndarray:
    """(7, slots per day) bool: weekday and slot seen open in the history; a weekday the
    history never had is open wherever any other weekday was."""
    n_slots = int(86400 // interval)
    wk = pd.DatetimeIndex(starts).day_of_week.to_numpy()
    table = np.zeros(7 * n_slots, bool)
    table[(wk * n_slots + slot_index(starts, interval))[rows["open"].to_numpy(bool)]] = True
    table = table.reshape(7, n_slots)
    unseen = np.bincount(wk, minlength=7) == 0  # weekdays the history never had
    table[unseen] = table[~unseen].any(axis=0)
    return table


def _prepared_queues(raw: dict[str, tuple], days: pd.DatetimeIndex,
                     kinds: dict) -> dict[str, PreparedQueue]:
    """:class:`PreparedQueue` per queue key from its matrices, with its channel's total
    filled volume and the sparse flag (under ``SPARSE_PER_DAY`` contacts a day over
    the last 8 weeks, in a channel with other queues)."""
    channel_of = {k: k.split(":")[0] for k in raw}
    channel_total: dict[str, np.ndarray] = {}
    for k, (filled, *_rest) in raw.items():
        c = channel_of[k]
        channel_total[c] = channel_total.get(c, 0.0) + filled
    siblings = {c: sum(1 for k in raw if channel_of[k] == c) for c in channel_total}
    queues = {}
    for k, (filled, actual, mult_m, open_m, table, aht) in raw.items():
        c = channel_of[k]
        per_day = float(filled[-56:].sum(axis=1).mean())
        queues[k] = PreparedQueue(
            key=k,
            data=QueueData(days, filled, kinds, channel_total[c]),
            actual=actual,
            mult=mult_m,
            open_=open_m,
            open_table=table,
            aht=aht,
            sparse=per_day < SPARSE_PER_DAY and siblings[c] > 1,
            siblings=siblings[c],
        )
    return queues


def candidates(q: PreparedQueue) -> tuple[str, ...]:
    """Methods tried for a queue: the baselines, ``ets``, ``profile`` and ``combo``, plus
    ``split`` if sparse."""
    return (*BASE_METHODS, "split") if q.sparse else BASE_METHODS


@dataclass(frozen=True)
class Pick:
    """Auto's forecast for one horizon: ``weight`` x ``method`` + (1 - ``weight``) x ``mean4``
    (``weight`` 1: the method alone)."""

    method: str
    weight: float = 1.0

    def mix(self, preds: dict[str, np.ndarray]) -> np.ndarray:
        """The blended forecast from the forecasts of each method (same shapes)."""
        if self.weight >= 1.0 or self.method == ANCHOR:
            return preds[self.method]
        return self.weight * preds[self.method] + (1.0 - self.weight) * preds[ANCHOR]

    def label(self, parts: tuple[str, ...] = ()) -> str:
        """``profile``, or ``0.62 profile + 0.38 mean4`` for a blend."""
        name = method_label(self.method, parts)
        if self.weight >= 1.0 or self.method == ANCHOR:
            return name
        return f"{self.weight:.2f} {name} + {1.0 - self.weight:.2f} {ANCHOR}"


@dataclass(frozen=True)
class Bands:
    """Interval dispersion (phi, alpha) per horizon day (1 .. 7; beyond: the 7th's):
    ``ordinary`` fitted on the errors of ordinary days, ``special`` on all days, for a
    holiday and the days either side.  The few special days carry errors of another
    size (a holiday factor learned from a handful of examples: the day after Labor
    Day was 38 % above a usual Tuesday in the bank calls) and, mixed in, widened
    the bands of every ordinary day."""

    ordinary: tuple
    special: tuple

    def at(self, h: int, special: bool) -> tuple[float, float]:
        """The dispersion for horizon day ``h`` (0-based) of an ordinary or special day."""
        table = self.special if special else self.ordinary
        return table[min(h, len(table) - 1)]


@dataclass(frozen=True)
class QueueBacktest:
    """Rolling-origin results for one queue."""

    key: str
    origins: np.ndarray  # day indices
    preds: dict[str, np.ndarray]  # method -> (n_origins, 7, n_slots)
    actual: np.ndarray  # (n_origins, 7, n_slots), NaN = not scored
    scale: float  # MASE denominator (contacts per interval)
    n_calib: int
    picks: tuple[Pick, Pick]  # auto chosen on the calibration origins: (day-ahead, week-ahead)
    dispersion: dict[str, Bands]  # method (and "auto") -> dispersion, calibration origins
    dispersion_all: dict[str, Bands]  # the same on all origins (for the final forecast)
    parts: tuple[str, ...] = ()  # the methods that combo averages (chosen on calibration)
    final: tuple[Pick, Pick] | None = None  # auto for the forecast: chosen on all origins
    final_parts: tuple[str, ...] = ()  # combo's methods in ``final`` (chosen on all origins)
    special: np.ndarray | None = None  # (n_origins, 7) bool: holiday or a day either side

    @property
    def chosen(self) -> str:
        """The method of auto's week-ahead pick on calibration (the table's ``*``)."""
        return self.picks[1].method

    def auto_pred(self) -> np.ndarray:
        """Auto's backtest forecasts (calibration picks): day-ahead pick on day 1, week after."""
        return _auto_mix(self.picks, self.preds)


def _auto_mix(picks: tuple[Pick, Pick], preds: dict[str, np.ndarray]) -> np.ndarray:
    """(n_origins, 7, slots): the day-ahead pick's blend on day 1, the week-ahead's after."""
    out = picks[1].mix(preds).copy()
    out[:, 0] = picks[0].mix(preds)[:, 0]
    return out


@dataclass(frozen=True)
class Backtest:
    queues: dict[str, QueueBacktest]
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


def backtest(
    prepared: Prepared,
    *,
    origins: int = 56,
    methods: Sequence[str] | None = None,
    week: int = 7,
    refit_every: int = 14,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    cluster: str | None = None,
) -> Backtest:
    """Rolling-origin backtest of the candidate methods of every queue (see module doc).

    The queues are independent tasks: ``workers`` > 1 runs them on that many local
    Dask processes, ``cluster`` on a running Dask scheduler (:func:`wfm.parallel.map_tasks`);
    the results are the same.  ``progress(queue)`` is called after each queue (for a
    progress bar).
    """
    from wfm.parallel import map_tasks

    n_days = len(prepared.days)
    n_orig = min(origins, n_days - week - 28)
    if n_orig < 4:
        return Backtest({}, pd.DataFrame())
    first = n_days - week - n_orig + 1
    origin_days = np.arange(first, first + n_orig)
    jobs = []
    for q in prepared.queues.values():
        if methods is None:
            names = list(candidates(q))
        else:  # the methods asked for, where they apply
            names = [m for m in methods if m != "split" or q.siblings > 1]
            if "combo" in names:  # a combination needs the backtests of its candidates
                names = list(dict.fromkeys([*candidates(q), *names]))
        if names:
            jobs.append((q, tuple(names)))
    run = partial(_backtest_and_score, days=prepared.days, origin_days=origin_days,
                  week=week, refit_every=refit_every)
    done = None if progress is None else (lambda i: progress(jobs[i][0].key))
    out = map_tasks(run, jobs, workers=workers, cluster=cluster, progress=done)
    results = {r.key: r for r, _ in out}
    return Backtest(results, pd.DataFrame([row for _, rows in out for row in rows]))


def _backtest_and_score(job: tuple[PreparedQueue, Sequence[str]], **kw) -> tuple:
    """One task: the queue's backtest and its rows of the accuracy table (the scoring is
    about half of the work, so it runs where the backtest ran)."""
    r = backtest_queue(job, **kw)
    return r, accuracy_rows(r)


def backtest_queue(
    job: tuple[PreparedQueue, Sequence[str]],
    *,
    days: pd.DatetimeIndex,
    origin_days: np.ndarray,
    week: int = 7,
    refit_every: int = 14,
) -> QueueBacktest:
    """The rolling-origin backtest of one queue ``job = (queue, methods)`` at the
    ``origin_days`` (indices into ``days``, the history days); one task of :func:`backtest`."""
    q, names = job
    n_orig = len(origin_days)
    first = int(origin_days[0])
    n_calib = n_orig // 2
    preds = {m: np.zeros((n_orig, week, q.actual.shape[1])) for m in names}
    actual = np.stack([q.actual[o : o + week] for o in origin_days])
    params: dict[str, dict | None] = {}
    base = [m for m in names if m != "combo"]
    for i, o in enumerate(origin_days):  # loops over origins and methods
        train = q.data.head(int(o))
        ahead = days[o : o + week]
        kinds = {k: q.data.kinds[k][o : o + week] for k in KINDS}
        scale = q.mult[o : o + week] * q.open_[o : o + week]
        for m in base:
            model = make_model(m, None if i % refit_every == 0 else params.get(m))
            preds[m][i] = model.fit(train).predict(ahead, kinds) * scale
            params[m] = model.params
    calib = slice(0, n_calib)
    parts = _combine(preds, actual[calib], names)
    names = [m for m in names if m in preds]  # combo is dropped with < 2 other methods
    hist = q.actual[:first]
    diff = np.abs(hist[7:] - hist[:-7])
    mase_scale = float(np.nanmean(diff)) if np.isfinite(diff).any() else np.nan
    picks = _picks(preds, actual[calib], names)
    final_preds = dict(preds)
    final_parts = _combine(final_preds, actual, names) if "combo" in preds else ()
    final = _picks(final_preds, actual, names)
    any_kind = np.any([q.data.kinds[k] for k in KINDS], axis=0) if q.data.kinds else (
        np.zeros(len(days), bool))
    special = np.stack([any_kind[o : o + week] for o in origin_days])
    disp = {m: _dispersions(actual[calib], p[calib], special[calib]) for m, p in preds.items()}
    disp_all = {m: _dispersions(actual, p, special) for m, p in preds.items()}
    disp["auto"] = _dispersions(actual[calib], _auto_mix(picks, preds)[calib], special[calib])
    disp_all["auto"] = _dispersions(actual, _auto_mix(final, final_preds), special)
    return QueueBacktest(
        q.key, origin_days, preds, actual, mase_scale, n_calib, picks, disp, disp_all,
        parts, final, final_parts, special,
    )


def _best(score: dict[str, float], names: Sequence[str]) -> str:
    """The method with the lowest score (NaN last; ties by name)."""
    return min(names, key=lambda m: (np.nan_to_num(score[m], nan=np.inf), m))


def _picks(preds: dict[str, np.ndarray], actual: np.ndarray,
           names: Sequence[str]) -> tuple[Pick, Pick]:
    """Auto's (day-ahead, week-ahead) picks scored on the origins of ``actual`` (the
    first ``len(actual)`` of each forecast), see :func:`_pick`."""
    n = len(actual)
    sub = {m: preds[m][:n] for m in names}
    return _pick(sub, actual[:, :1], names, slice(0, 1)), _pick(sub, actual, names, slice(None))


def _pick(preds: dict[str, np.ndarray], actual: np.ndarray, names: Sequence[str],
          horizon: slice) -> Pick:
    """The method with the lowest WAPE other than ``mean4``, blended with ``mean4`` by
    Bates-Granger weights on the errors above Poisson noise: with ``e = WAPE - floor``
    (:func:`poisson_floor`), weight = e4**2 / (e4**2 + em**2).

    WAPE is convex in the forecast, so the blend's WAPE on these origins is at most
    the weighted mean of the two, hence no worse than ``mean4``'s; a method that was
    worse than ``mean4`` is not used (``mean4`` alone).  The blend hedges against a
    stretch where the chosen model's recent past misleads it (a fast level after a
    busy week) at little cost where it is right.  Without the floor a thin queue,
    whose WAPE is mostly noise no forecast can remove, would blend about half and
    half however much better the method is."""
    score = {m: _wape(actual, preds[m][:, horizon]) for m in names}
    others = [m for m in names if m != ANCHOR]
    if ANCHOR not in score:
        return Pick(_best(score, names))
    if not others:
        return Pick(ANCHOR)
    best = _best(score, others)
    wm, w4 = score[best], score[ANCHOR]
    if not wm <= w4:  # worse than mean4 (or unknown)
        return Pick(ANCHOR)
    floor = poisson_floor(actual)
    em, e4 = max(wm - floor, 0.0), max(w4 - floor, 0.0)
    if not np.isfinite(w4) or em == 0.0:
        return Pick(best)
    return Pick(best, float(e4**2 / (e4**2 + em**2)))


def poisson_floor(actual: np.ndarray) -> float:
    """The WAPE of a perfect forecast of Poisson counts: sum E|Y - mu| / sum mu over the
    known cells, with mu = the actual count (the best estimate of the rate at hand) and
    E|Y - mu| = 2 mu P(Y = floor(mu)) (the Poisson mean absolute deviation)."""
    from scipy.stats import poisson

    y = actual[np.isfinite(actual)]
    y = np.maximum(y, 0.0)
    total = y.sum()
    return float((2.0 * y * poisson.pmf(np.floor(y), y)).sum() / total) if total > 0 else 0.0


def _combine(preds: dict[str, np.ndarray], actual: np.ndarray, names: Sequence[str]):
    """Fill ``preds["combo"]`` (if asked for) with the mean of the 2 or 3 methods whose
    mean has the lowest mean of day- and week-ahead WAPE on ``actual`` (the first
    ``len(actual)`` origins); returns those methods (or ``()``).

    Every subset of 2-3 candidates is tried (at most 10 with five methods): the best
    pair is usually two different kinds of model (``ets`` + ``mean4``), not the two
    best single methods, which tend to be near copies of each other."""
    if "combo" not in preds:
        return ()
    n = len(actual)
    base = [m for m in preds if m != "combo"]
    best, parts = np.inf, ()
    for size in (2, 3):
        for subset in combinations(base, size):
            mean = np.mean([preds[m][:n] for m in subset], axis=0)
            score = np.mean([_wape(actual[:, :1], mean[:, :1]), _wape(actual, mean)])
            if score < best:
                best, parts = score, subset
    if parts:
        preds["combo"] = np.mean([preds[m] for m in parts], axis=0)
    else:
        preds.pop("combo")
    return parts


def _dispersions(actual: np.ndarray, pred: np.ndarray, special: np.ndarray) -> Bands:
    """(phi, alpha) per horizon day (1 .. 7; errors grow with the horizon), on ordinary
    days (``special`` (n, 7) False) and on all days (see :class:`Bands`)."""
    ordinary = np.where(special[:, :, None], np.nan, actual)
    fit = [tuple(estimate_dispersion(a[:, h].ravel(), pred[:, h].ravel())
                 for h in range(actual.shape[1])) for a in (ordinary, actual)]
    return Bands(*fit)


def _wape(actual: np.ndarray, pred: np.ndarray) -> float:
    ok = np.isfinite(actual)
    total = actual[ok].sum()
    return float(np.abs(actual[ok] - pred[ok]).sum() / total) if total > 0 else np.nan


def _metrics(actual, pred, scale, disp: Bands, special=None) -> dict[str, float]:
    """Scores of one method on the evaluation origins (arrays (n, 7, slots); ``special``
    (n, 7) marks holidays and the days either side, whose bands are wider)."""
    out = {}
    for name, sl in (("day", slice(0, 1)), ("week", slice(None))):
        y, f = actual[:, sl].ravel(), pred[:, sl].ravel()
        ok = np.isfinite(y)
        out[f"n_{name}"] = int(ok.sum())
        total = y[ok].sum()
        out[f"wape_{name}"] = float(np.abs(y[ok] - f[ok]).sum() / total) if total > 0 else np.nan
        out[f"bias_{name}"] = float((f[ok] - y[ok]).sum() / total) if total > 0 else np.nan
        out[f"mase_{name}"] = float(np.abs(y[ok] - f[ok]).mean() / scale) if scale else np.nan
    special = np.zeros(actual.shape[:2], bool) if special is None else special
    for level in LEVELS:  # coverage: each horizon day and kind of day with its dispersion
        inside, known = np.zeros(actual.shape[1]), np.zeros(actual.shape[1])
        for h in range(actual.shape[1]):
            for kind in (False, True):
                rows = special[:, h] == kind
                yh, fh = actual[rows, h].ravel(), pred[rows, h].ravel()
                n = int(np.isfinite(yh).sum())
                if n:
                    lo, hi = bounds(fh, disp.at(h, kind), level, clip=False)
                    inside[h] += coverage(yh, lo, hi, seed=2 * h + kind) * n
                    known[h] += n
        for name, n in (("day", 1), ("week", actual.shape[1])):
            total = known[:n].sum()
            out[f"cov{int(level * 100)}_{name}"] = inside[:n].sum() / total if total else np.nan
    out["abs_err_day"] = float(np.nansum(np.abs(actual[:, :1] - pred[:, :1])))
    out["actual_day"] = float(np.nansum(actual[:, :1]))
    out["abs_err_week"] = float(np.nansum(np.abs(actual - pred)))
    out["actual_week"] = float(np.nansum(actual))
    return out


def accuracy_rows(r: QueueBacktest) -> list[dict]:
    """The rows of one queue in :func:`accuracy_table`: each method, then ``auto``."""
    ev = slice(r.n_calib, None)
    rows = [
        {
            "queue": r.key,
            "method": m,
            "chosen": m == r.chosen,
            **_metrics(r.actual[ev], p[ev], r.scale, r.dispersion[m], _rows(r.special, ev)),
        }
        for m, p in r.preds.items()
    ]
    day, week = r.final or r.picks
    rows.append(
        {
            "queue": r.key,
            "method": "auto",
            "chosen": False,
            "picks": auto_label(r),
            "pick_day": day.method,
            "pick_week": week.method,
            "weight_day": day.weight,
            "weight_week": week.weight,
            **_metrics(r.actual[ev], r.auto_pred()[ev], r.scale, r.dispersion["auto"],
                       _rows(r.special, ev)),
        }
    )
    return rows


def _rows(special: np.ndarray | None, sl: slice) -> np.ndarray | None:
    return None if special is None else special[sl]


def method_label(name: str, parts: tuple[str, ...]) -> str:
    """``combo(ets+mean4)`` for a combination, else the name."""
    return f"combo({'+'.join(parts)})" if name == "combo" and parts else name


def auto_label(r: QueueBacktest) -> str:
    """The forecast's picks (chosen on all origins): ``profile`` if one for both horizons,
    else ``day 0.62 profile + 0.38 mean4, week combo(ets+mean4)``."""
    parts = r.final_parts if r.final is not None else r.parts
    day, week = (p.label(parts) for p in (r.final or r.picks))
    return week if day == week else f"day {day}, week {week}"


def accuracy_table(results: dict[str, QueueBacktest]) -> pd.DataFrame:
    """One row per queue x method (and ``auto``), scored on the evaluation origins."""
    return pd.DataFrame([row for r in results.values() for row in accuracy_rows(r)])


def pooled(table: pd.DataFrame) -> pd.DataFrame:
    """Per method over all queues: WAPE (total absolute error / total volume) and coverage
    (share of all scored intervals inside the band)."""
    out = {}
    for m, g in table.groupby("method"):
        row = {}
        for h in ("day", "week"):
            row[f"wape_{h}"] = g[f"abs_err_{h}"].sum() / g[f"actual_{h}"].sum()
            for level in (80, 95):
                col = f"cov{level}_{h}"
                row[col] = (g[col] * g[f"n_{h}"]).sum() / g[f"n_{h}"].sum()
        out[m] = row
    return pd.DataFrame.from_dict(out, orient="index")


def make_forecast(
    prepared: Prepared,
    horizon_days: int,
    *,
    method: str = "auto",
    result: Backtest | None = None,
    events: pd.DataFrame | None = None,
    default_aht: float | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The forecast contract for ``horizon_days`` days after the history.

    Returns the frame (``interval_start`` tz-aware, ``channel``, ``language``,
    ``volume``, ``aht_s``, ``volume_lo80`` .. ``volume_hi95``, ``model``) and
    warnings.  ``method`` ``auto`` uses the backtest's choice per queue.
    """
    warnings: list[str] = []
    last = prepared.days[-1]
    future = pd.date_range(last + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    kinds = day_kinds(future, prepared.holidays)
    frames = []
    for key, q in prepared.queues.items():  # a loop over queues
        bt = result.queues.get(key) if result is not None else None
        picks, parts, disps, note = _methods_for(key, q, method, bt, horizon_days)
        warnings.extend(note)
        pred = _day_predictions(q, picks, parts, future, kinds, horizon_days)
        grid = day_grid(future[0], future[-1], prepared.tz, prepared.interval)
        mult, _ = event_effects(events, key, grid)
        mu = from_matrix(pred, future, grid, prepared.interval) * mult
        slot = slot_index(grid, prepared.interval)
        mu = np.where(q.open_table[grid.day_of_week.to_numpy(), slot], mu, 0.0)
        d = ((local_days(grid) - future[0]) // pd.Timedelta(days=1)).to_numpy()
        aht_tab = _aht_table(key, q, default_aht)
        types = day_type(future.day_of_week.to_numpy(), kinds["holiday"])[d]
        aht = aht_tab[types, slot]
        out = pd.DataFrame(
            {
                "interval_start": grid,
                "channel": key.split(":")[0],
                "language": key.split(":")[1],
                "volume": mu,
                "aht_s": aht,
            }
        )
        special = np.any([kinds[k] for k in KINDS], axis=0)[d]
        _add_bounds(out, mu, d, disps, special)
        out["model"] = np.asarray([p.label(parts) for p in picks])[d]
        frames.append(out)
    return pd.concat(frames, ignore_index=True), warnings


def _day_predictions(q: PreparedQueue, picks: list[Pick], parts: tuple[str, ...],
                     future: pd.DatetimeIndex, kinds: dict, horizon_days: int) -> np.ndarray:
    """(day, slot) contacts forecast for one queue: day i from ``picks[i]`` (a method or
    its blend with ``mean4``; one or two picks: the day- and week-ahead one), every
    method fitted on the whole history; ``parts``: combo's methods."""
    fitted = {}
    for pick in dict.fromkeys(picks):
        for name in dict.fromkeys([pick.method, *([ANCHOR] if pick.weight < 1 else [])]):
            if name not in fitted:
                model = make_model(name, parts=parts).fit(q.data)
                fitted[name] = model.predict(future, kinds)
    pred = np.zeros((horizon_days, q.open_table.shape[1]))
    for pick in dict.fromkeys(picks):
        rows = np.array([p == pick for p in picks])
        pred[rows] = pick.mix(fitted)[rows]
    return pred


def _aht_table(key: str, q: PreparedQueue, default_aht: float | None) -> np.ndarray:
    """The queue's AHT profile (s, (day type, slot)); ``default_aht`` everywhere when
    the history has no handle times (``ValueError`` without one)."""
    if not np.isnan(q.aht).all():
        return q.aht
    if default_aht is None:
        raise ValueError(
            f"{key}: the history has no handle times (aht_s); give --aht, e.g. 300s"
        )
    return np.full((3, q.open_table.shape[1]), float(default_aht))


def _add_bounds(out: pd.DataFrame, mu: np.ndarray, d: np.ndarray, disps: Bands,
                special: np.ndarray) -> None:
    """Add ``volume_lo80`` .. ``volume_hi95`` (contacts) to ``out``: the bounds around
    ``mu`` with the dispersion of each row's horizon day ``d`` (beyond a week: the 7th
    day's) and kind of day (``special``: a holiday or a day either side)."""
    for level in LEVELS:
        lo = np.zeros(len(mu))
        hi = np.zeros(len(mu))
        for h, kind in set(zip(np.minimum(d, 6).tolist(), special.tolist(), strict=True)):
            pick = (np.minimum(d, 6) == h) & (special == kind)
            lo[pick], hi[pick] = bounds(mu[pick], disps.at(h, kind), level)
        out[f"volume_lo{int(level * 100)}"] = lo
        out[f"volume_hi{int(level * 100)}"] = hi


def _methods_for(key: str, q: PreparedQueue, method: str, bt: QueueBacktest | None,
                 horizon_days: int) -> tuple[list[Pick], tuple[str, ...], tuple, list[str]]:
    """Per forecast day the pick, combo's methods, the dispersion per horizon day, and
    warnings.  ``auto``: the backtest's final day-ahead pick on day 1, its week-ahead
    pick after (``ets`` without a backtest)."""
    warnings = []
    day = week = Pick(method)
    parts = bt.parts if bt is not None else ()
    disp_key = method
    if method == "auto":
        if bt is not None:
            day, week = bt.final or bt.picks
            parts = bt.final_parts if bt.final is not None else bt.parts
        else:
            day = week = Pick("ets")
            disp_key = "ets"
    elif method == "split" and q.siblings < 2:
        day = week = Pick("ets")
        disp_key = "ets"
        warnings.append(f"{key}: split needs other languages in the channel; used ets")
    picks = [day, *[week] * (horizon_days - 1)][:horizon_days]
    if bt is not None and disp_key in bt.dispersion_all:
        disps = bt.dispersion_all[disp_key]
    else:
        disps = Bands((DEFAULT_DISPERSION,), (DEFAULT_DISPERSION,))
        warnings.append(
            f"{key}: history too short for a backtest of {week.method}; prediction "
            f"intervals use an assumed dispersion (phi, alpha) = {DEFAULT_DISPERSION}"
        )
    return picks, parts, disps, warnings


def format_forecast(frame: pd.DataFrame) -> pd.DataFrame:
    """The forecast contract as written: ISO 8601 times with offset, rounded numbers."""
    out = frame.copy()
    out["interval_start"] = [t.isoformat() for t in out["interval_start"]]
    for col in ("volume", "volume_lo80", "volume_hi80", "volume_lo95", "volume_hi95"):
        out[col] = out[col].round(3)
    out["aht_s"] = out["aht_s"].round(1)
    return out
