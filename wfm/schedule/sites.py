"""Groups at sites: shift starts in the site's local time and premiums judged there.

The planning grid is the center's: interval starts in the center's timezone.  A group
at a ``[[site]]`` reads its shift templates on the site's clock (docs/concepts/sites.md):

* **Start rule.**  A center interval ``[t, t + dt)`` is an allowed start of a template
  for a site group when an allowed site-local start time (the template's ``starts``
  windows on its ``step`` grid) falls inside the interval as read on the site's clock,
  and the site-local weekday of ``t`` is one of the template's ``days``.  When the
  site's offset to the center is a multiple of the interval this is an exact match;
  otherwise the start is moved back to the center interval that contains it.  A site
  start inside the site's missing DST hour falls in no interval and is dropped; one in
  the repeated hour is allowed twice (both wall-clock times exist).
* **Premiums.**  Night, Sunday and holiday premiums of a site group's intervals are
  judged on the site's clock, with the site's night window and premium rates and the
  site's public holidays (:meth:`wfm.config.sites.SiteConfig.holiday_dates`).

Pure numpy/pandas; no I/O.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wfm.config.center import Premiums
from wfm.config.schedule import ScheduleConfig, ShiftTemplate
from wfm.config.sites import SiteConfig


def pay_factors(local: pd.DatetimeIndex, premiums: Premiums,
                holidays: set[dt.date]) -> np.ndarray:
    """Pay factor 1 + night + max(Sunday, holiday) per interval of the naive local
    starts ``local`` (a share of the base rate per paid hour)."""
    night = premiums.night_mask(local)
    sunday = local.day_of_week.to_numpy() == 6
    hol = {d.isoformat() for d in holidays}
    holiday = np.isin(np.asarray(local.strftime("%Y-%m-%d")), list(hol))
    return 1.0 + premiums.night * night + np.maximum(premiums.sunday * sunday,
                                                     premiums.holiday * holiday)


def aware(starts: pd.DatetimeIndex, config: ScheduleConfig) -> pd.DatetimeIndex:
    """``starts`` as tz-aware center times (naive ones are read in the center's zone)."""
    if starts.tz is not None:
        return starts
    if config.center_timezone is None:
        raise ValueError("groups at sites need interval starts with a timezone")
    return starts.tz_localize(config.center_timezone, ambiguous="infer")


def site_local(starts: pd.DatetimeIndex, site: SiteConfig,
               config: ScheduleConfig) -> pd.DatetimeIndex:
    """The interval starts read on ``site``'s clock (naive local times)."""
    return aware(starts, config).tz_convert(site.timezone).tz_localize(None)


def site_factors(starts: pd.DatetimeIndex, site: SiteConfig,
                 config: ScheduleConfig) -> np.ndarray:
    """Pay factors of the horizon and of the week after (2 T values, as
    :func:`wfm.schedule.instance.build_instance` uses them) on the site's clock; the
    week after is the horizon's site wall-clock times plus 7 days, as the center's."""
    local = site_local(starts, site, config)
    # the wrapped part of a cyclic week is the same site wall-clock time a week later,
    # as for the center's groups (build_instance)
    nxt = local + pd.Timedelta(days=7)
    years = set(local.year) | set(nxt.year)
    hol = site.holiday_dates(years)
    assert site.premiums is not None  # merged by sites_from_dict
    return np.concatenate([pay_factors(local, site.premiums, hol),
                           pay_factors(nxt, site.premiums, hol)])


def site_start_mask(starts: pd.DatetimeIndex, tpl: ShiftTemplate, site: SiteConfig,
                    config: ScheduleConfig, interval: float) -> np.ndarray:
    """Boolean mask over the intervals: may a shift of ``tpl`` start there for a group
    at ``site``?  (The start rule of the module docstring.)"""
    local = site_local(starts, site, config)
    minute = (local.hour * 60 + local.minute).to_numpy()
    width = int(interval // 60)
    allowed = np.asarray(tpl.start_minutes())
    # minutes from the interval's site-local start to each allowed start, modulo a day
    ahead = (allowed[None, :] - minute[:, None]) % 1440
    hit = (ahead < width).any(axis=1)
    return hit & np.isin(local.day_of_week.to_numpy(), tpl.days)


def group_sites(config: ScheduleConfig) -> list[SiteConfig | None]:
    """The site of every group (None: the center)."""
    return [config.site(g.site) for g in config.groups]


__all__ = ["group_sites", "pay_factors", "site_factors", "site_local", "site_start_mask"]
