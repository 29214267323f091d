"""Held-back evaluation: forecast as a user would at each of the last open days, score it.

At each origin (one of the last ``origins`` days that have contacts and 6 days of
history after them) the history is cut before that day, prepared, backtested
(``backtest_origins`` rolling origins, as ``wfm forecast`` does) and forecast 7
days ahead with each method; the forecast is then scored against the days that
were held back.  Day-ahead = the origin day, week-ahead = the 7 days from it.
WAPE = sum |actual - forecast| / sum actual over the scored intervals of all
origins and queues (pooled, as :func:`wfm.forecast.pipeline.pooled`).

Pure: frames in, a frame out (no I/O).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from wfm.forecast.intervals import coverage
from wfm.forecast.matrix import local_days, to_matrix
from wfm.forecast.pipeline import backtest, make_forecast, prepare


def holdout(
    frame: pd.DataFrame,
    interval: float,
    tz: str,
    *,
    holidays: Iterable = (),
    origins: int = 10,
    methods: Sequence[str] = ("snaive", "mean4", "auto"),
    backtest_origins: int = 56,
    week: int = 7,
) -> pd.DataFrame:
    """WAPE day- and week-ahead per method over the last ``origins`` open days.

    Returns one row per method: ``wape_day``, ``wape_week`` (fractions),
    ``cov80_week``, ``cov95_week`` (share of held-back intervals of the 7 days
    inside the forecast's 80 % / 95 % band, counted as
    :func:`wfm.forecast.intervals.coverage` does), ``origins``, and for ``auto``
    the picks seen (``picks``, e.g. ``"profile: 10"``).
    """
    holidays = list(holidays)
    full = prepare(frame, interval, tz, holidays=holidays)
    days = full.days
    any_open = np.zeros(len(days), bool)
    for q in full.queues.values():
        any_open |= np.nansum(q.actual, axis=1) > 0
    cand = [o for o in range(1, len(days) - week + 1) if any_open[o]]
    chosen = cand[-origins:]
    local = np.asarray(local_days(frame["interval_start"]))
    sums = {m: np.zeros(8) for m in methods}
    picks: dict[str, int] = {}
    for o in chosen:  # a loop over held-back origins
        cut = prepare(frame[local < days[o]], interval, tz, holidays=holidays)
        result = backtest(cut, origins=backtest_origins)
        for m in methods:
            fc, _ = make_forecast(cut, week, method=m, result=result, default_aht=300.0)
            sums[m] += _errors(fc, full, days[o : o + week], interval, tz)
            if m == "auto":
                for label in fc.groupby(["channel", "language"])["model"].agg(_pick_label):
                    picks[label] = picks.get(label, 0) + 1
    rows = []
    for m, (err_d, tot_d, err_w, tot_w, in80, in95, known, _) in sums.items():
        rows.append(
            {
                "method": m,
                "wape_day": err_d / tot_d if tot_d > 0 else np.nan,
                "wape_week": err_w / tot_w if tot_w > 0 else np.nan,
                "cov80_week": in80 / known if known > 0 else np.nan,
                "cov95_week": in95 / known if known > 0 else np.nan,
                "origins": len(chosen),
                "picks": ", ".join(f"{k}: {v}" for k, v in picks.items()) if m == "auto" else "",
            }
        )
    return pd.DataFrame(rows)


def _pick_label(models: pd.Series) -> str:
    """``profile``, or ``day A, week B``; blend weights left out (``profile + mean4``)."""
    day, week = (re.sub(r"\d+\.\d+ ", "", m) for m in (models.iloc[0], models.iloc[-1]))
    return day if day == week else f"day {day}, week {week}"


def _errors(fc: pd.DataFrame, full, days: pd.DatetimeIndex, interval: float, tz: str):
    """(abs error day 1, actual day 1, abs error all days, actual all days, actuals inside
    the 80 % band, inside the 95 % band, known actuals, 0) over queues, all days."""
    out = np.zeros(8)
    for key, q in full.queues.items():  # a loop over queues
        channel, language = key.split(":")
        g = fc[(fc["channel"] == channel) & (fc["language"] == language)]
        f, lo80, hi80, lo95, hi95 = (
            to_matrix(g["interval_start"], g[c].to_numpy(float), interval, days, tz).values
            for c in ("volume", "volume_lo80", "volume_hi80", "volume_lo95", "volume_hi95")
        )
        o = full.days.get_loc(days[0])
        a = q.actual[o : o + len(days)]
        ok = np.isfinite(a) & np.isfinite(f)
        err = np.abs(a - f)
        known = int(ok.sum())
        inside = [coverage(a[ok], lo[ok], hi[ok], seed=o) * known if known else 0.0
                  for lo, hi in ((lo80, hi80), (lo95, hi95))]  # no actuals: adds nothing
        out += [err[0][ok[0]].sum(), a[0][ok[0]].sum(), err[ok].sum(), a[ok].sum(),
                *inside, known, 0]
    return out
