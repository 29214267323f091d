"""Calendar effects: public holidays and the planner's events, as arrays per day or interval.

* Holidays: a set of dates (from the ``holidays`` package, see
  :func:`wfm.io.events.public_holidays`).  Three day kinds carry their own
  effect in the day-level model: the holiday itself, the day **before** a
  holiday (not itself a holiday), and the first **working day after** one
  (Mon-Fri, not a holiday), where deferred contacts arrive.
* Events (campaigns, outages) from the events file, per queue and interval:
  ``multiply`` by ``value`` (a campaign at 1.3, an outage at 0): in history the
  volume is divided by it before learning (so the campaign does not leak into
  the baseline), in the forecast the volume is multiplied by it;
  ``exclude``: history in the window is treated as unknown (never learned
  from); no effect on the forecast.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def day_kinds(days: pd.DatetimeIndex, holidays: Iterable) -> dict[str, np.ndarray]:
    """Boolean arrays ``holiday``, ``before``, ``after`` over naive local ``days``."""
    hol_dates = {pd.Timestamp(h).normalize() for h in holidays}
    # look one week past both ends so that edges are classified correctly
    wide = pd.date_range(days[0] - pd.Timedelta(days=7), days[-1] + pd.Timedelta(days=7))
    is_hol = wide.isin(list(hol_dates))
    before = np.zeros(len(wide), bool)
    before[:-1] = is_hol[1:] & ~is_hol[:-1]
    working = (wide.day_of_week < 5) & ~is_hol
    after = np.zeros(len(wide), bool)
    # first working day after a holiday: working, and the previous working day lies
    # before a holiday (some non-working holiday in between)
    last_was_holiday = False
    for i in range(len(wide)):  # a loop over days, not intervals
        if is_hol[i]:
            last_was_holiday = True
        elif working[i]:
            after[i] = last_was_holiday
            last_was_holiday = False
    pos = wide.get_indexer(days)
    return {"holiday": is_hol[pos], "before": before[pos], "after": after[pos]}


def event_effects(
    events: pd.DataFrame | None, queue: str, starts: pd.DatetimeIndex
) -> tuple[np.ndarray, np.ndarray]:
    """Per-interval multiplier and exclusion mask of the events for one queue.

    ``events`` columns: ``start``, ``end`` (tz-aware, end exclusive),
    ``channel``, ``language`` ("" = every), ``effect`` (multiply/exclude),
    ``value``.  Overlapping multipliers multiply.
    """
    mult = np.ones(len(starts))
    exclude = np.zeros(len(starts), bool)
    if events is None or events.empty:
        return mult, exclude
    channel, language = queue.split(":")
    utc = starts.tz_convert("UTC")
    for ev in events.itertuples(index=False):  # a loop over events
        if ev.channel not in ("", channel) or ev.language not in ("", language):
            continue
        inside = np.asarray((utc >= ev.start) & (utc < ev.end))
        if ev.effect == "multiply":
            mult = np.where(inside, mult * float(ev.value), mult)
        else:
            exclude |= inside
    return mult, exclude
