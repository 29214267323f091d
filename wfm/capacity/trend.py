"""Volume trend of a queue from its history, and the monthly volume it projects.

The trend is a log-linear least-squares fit on weekly totals of the complete
weeks in the history: ``log V_week = a + b * week``.  Growth per year is
``exp(52 b) - 1``; the level is the fitted weekly volume at the last complete
week times 52/12 (contacts per month).  Seasonality within the year is not
modelled: with less than two years of history it cannot be told from trend.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass(frozen=True)
class Demand:
    """Monthly volume ``base`` (contacts per month) at ``base_date``, growing ``growth`` per
    year; ``source`` says where it came from (for ``--explain``)."""

    base: float
    base_date: dt.date
    growth: float
    source: str

    def volume(self, month: dt.date) -> float:
        """Contacts in the calendar month starting ``month``: base * (1 + growth)^(years from
        base_date to the middle of the month); ``inf`` where that overflows."""
        years = (month_mid(month) - self.base_date).days / 365.25
        try:
            return self.base * (1.0 + self.growth) ** years
        except OverflowError:  # a runaway trend: the caller reports it
            return math.inf


def month_mid(month: dt.date) -> dt.date:
    """The 15th of the month (its middle, within a day)."""
    return month.replace(day=15)


def add_months(month: dt.date, n: int) -> dt.date:
    """First day of the month ``n`` months after ``month``."""
    m = month.month - 1 + n
    return dt.date(month.year + m // 12, m % 12 + 1, 1)


def weekly_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Per queue, volume of each complete Monday-Sunday week: columns ``queue``,
    ``week_start`` (date), ``volume``.  ``frame`` is a history frame (``interval_start``
    tz-aware, ``channel``, ``language``, ``volume``)."""
    f = frame.assign(
        queue=frame["channel"] + ":" + frame["language"],
        day=frame["interval_start"].dt.tz_localize(None).dt.normalize(),
    )
    daily = f.groupby(["queue", "day"], sort=True)["volume"].sum(min_count=1).reset_index()
    daily["week_start"] = (daily["day"] - pd.to_timedelta(daily["day"].dt.day_of_week, unit="D"))
    weekly = daily.groupby(["queue", "week_start"]).agg(
        volume=("volume", "sum"), days=("day", "nunique")).reset_index()
    weekly = weekly[weekly["days"] == 7]
    weekly["week_start"] = weekly["week_start"].dt.date
    return weekly[["queue", "week_start", "volume"]].reset_index(drop=True)


def fit_trend(week_start: list[dt.date], volume: np.ndarray, queue: str) -> Demand:
    """Log-linear trend of weekly totals (at least 4 weeks with volume > 0 needed; else flat at
    the mean)."""
    volume = np.asarray(volume, dtype=float)
    last = week_start[-1] + dt.timedelta(days=3)  # middle of the last week
    weeks = np.array([(w - week_start[0]).days / 7.0 for w in week_start])
    if len(volume) < 4 or np.any(volume <= 0):
        mean = float(np.mean(volume)) if len(volume) else 0.0
        return Demand(mean * WEEKS_PER_MONTH, last, 0.0,
                      f"history {queue}: {len(volume)} complete weeks, mean {mean:,.0f} per "
                      "week, no log-linear fit (fewer than 4 weeks or a week with 0): flat")
    b, a = np.polyfit(weeks, np.log(volume), 1)
    level = math.exp(a + b * weeks[-1])
    growth = math.exp(52.0 * b) - 1.0
    return Demand(level * WEEKS_PER_MONTH, last, growth,
                  f"history {queue}: log-linear fit over {len(volume)} complete weeks "
                  f"{week_start[0]}..{week_start[-1]}: fitted {level:,.0f} per week at the "
                  f"last week (x 52/12 = {level * WEEKS_PER_MONTH:,.0f} per month), "
                  f"growth {growth:+.1%} per year")
