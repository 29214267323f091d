"""Which timezone a history's UTC offsets come from, when nobody says.

A history with times like ``2024-03-31T08:00:00+02:00`` read without a
timezone used to be read in UTC: a queue opening at 08:00 local time then
opens at 07:00 in winter and 06:00 in summer, and the learned opening hours
and intraday shapes smear over two hours across each DST change.  The
offsets themselves say more:

* one offset throughout (``+01:00``): a fixed-offset zone (``Etc/GMT-1``;
  the tz database writes the sign the other way round), so local times are
  the wall-clock times of the file;
* offsets that change (``+01:00`` in winter, ``+02:00`` in summer): the
  IANA zones whose offset equals the file's at every instant in it; one is
  chosen (a neutral name such as ``CET`` or ``EST5EDT`` where one fits) and
  the others are named in the warning, since over the history they give the
  same local times;
* offsets no zone explains (two offsets for one instant, a switch on dates
  no zone has): UTC as before, with a warning asking for ``--timezone``.

Holidays are not taken from a guessed zone (``CET`` and ``Europe/Paris``
read the same times but not the same holidays): that is ``--country``'s job.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

_OFFSET = r"(Z|[+-]\d{2}:?\d{2})$"
# Names that say "this offset and DST rule" without naming a country.
_NEUTRAL = ("CET", "EET", "WET", "MET", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT")
_AREAS = ("Europe", "America", "Asia", "Australia", "Africa", "Pacific", "Atlantic", "Indian")


@dataclass(frozen=True)
class ZoneGuess:
    """``zone``: the IANA name to read the history in; ``note``: what was assumed and why
    (``None`` when nothing was: no offsets, or UTC offsets only)."""

    zone: str
    note: str | None = None


def guess_timezone(times: pd.Series, source: str) -> ZoneGuess:
    """The timezone of the raw ``interval_start`` cells ``times`` (strings) of ``source``.

    Cells without an offset or that do not parse are left out (the reader's
    own checks locate them).  See the module docstring for the rules.
    """
    raw = times.astype(str).str.strip()
    found = raw.str.extract(_OFFSET, expand=False)
    has = found.notna().to_numpy()
    if not has.any():
        return ZoneGuess("UTC")
    utc = pd.to_datetime(raw[has], utc=True, errors="coerce", format="ISO8601")
    minutes = _offset_minutes(found[has])
    pairs = pd.DataFrame({"utc": utc.to_numpy(), "offset": minutes}).dropna()
    pairs = pairs.drop_duplicates().sort_values("utc", ignore_index=True)
    offsets = sorted(set(pairs["offset"].astype(int)))
    if offsets == [0] or pairs.empty:
        return ZoneGuess("UTC")
    shown = "/".join(_format_offset(m) for m in offsets)
    zone = f"Etc/GMT{-offsets[0] // 60:+d}"
    if len(offsets) == 1 and offsets[0] % 60 == 0 and zone in _available():
        return ZoneGuess(zone, (
            f"{source}: no timezone given; every interval_start has UTC offset {shown}, so "
            f"times are read in {zone} (that fixed offset: the file's wall-clock times). A "
            "DST change after the history is not known: give --timezone (e.g. "
            "Europe/Berlin) or --config"))
    zones = _matching_zones(pairs)
    if not zones:
        return ZoneGuess("UTC", (
            f"{source}: no timezone given and the UTC offsets in interval_start ({shown}) "
            "follow no known timezone; times are read in UTC, so opening hours may shift "
            "by the offset change: give --timezone (e.g. Europe/Berlin) or --config"))
    zone = zones[0]
    others = [z for z in zones[1:] if "/" in z]
    also = (f"; so do {', '.join(others[:4])}{', ...' if len(others) > 4 else ''}"
            if others else "")
    what = (f"UTC offsets in interval_start ({shown}, changing {_changes(pairs)}) follow "
            f"{zone}'s DST rule" if len(offsets) > 1
            else f"UTC offset {shown} in interval_start is {zone}'s")
    return ZoneGuess(zone, (
        f"{source}: no timezone given; the {what}{also}. Local times are read in {zone}; "
        "holidays only with --country. Give --timezone or --config to choose"))


def _offset_minutes(text: pd.Series) -> np.ndarray:
    """``Z`` / ``+01:00`` / ``-0530`` -> minutes east of UTC."""
    t = text.str.upper().str.replace(":", "", regex=False).replace("Z", "+0000")
    sign = np.where(t.str[0] == "-", -1, 1)
    return sign * (t.str[1:3].astype(int) * 60 + t.str[3:5].astype(int)).to_numpy()


def _format_offset(m: int) -> str:
    sign = "-" if m < 0 else "+"
    return f"{sign}{abs(m) // 60:02d}:{abs(m) % 60:02d}"


def _changes(pairs: pd.DataFrame) -> str:
    """The first few dates (UTC) where the file's offset changes."""
    switch = pairs["offset"].diff().fillna(0).to_numpy() != 0
    days = pd.DatetimeIndex(pairs.loc[switch, "utc"]).strftime("%Y-%m-%d").tolist()
    return ", ".join(days[:3]) + (", ..." if len(days) > 3 else "")


def _offsets_in(zone: zoneinfo.ZoneInfo, utc: pd.DatetimeIndex) -> np.ndarray:
    """Minutes east of UTC of ``zone`` at the instants ``utc``."""
    local = utc.tz_convert(zone).tz_localize(None)
    return ((local - utc.tz_localize(None)).total_seconds() // 60).to_numpy()


def _matching_zones(pairs: pd.DataFrame) -> list[str]:
    """IANA zones whose offset equals the file's at every instant, preferred name first.

    Two passes: the first and last instant of each run of one offset weed out
    nearly every zone cheaply, then the survivors are checked at the first and
    last instant of every UTC day of the file (with the run ends, so a zone that
    switches away and back inside a run is caught; no zone switches twice a day).
    """
    if pairs["utc"].duplicated().any():  # one instant, two offsets: no single zone
        return []
    day = pairs["utc"].dt.floor("D")
    run_id = pairs["offset"].diff().fillna(0).ne(0).cumsum()
    keep = ~day.duplicated() | ~day.duplicated(keep="last")
    keep |= ~run_id.duplicated() | ~run_id.duplicated(keep="last")
    pairs = pairs[keep.to_numpy()]
    utc = pd.DatetimeIndex(pairs["utc"])
    want = pairs["offset"].to_numpy()
    run = np.flatnonzero(np.diff(want) != 0)
    ends = np.unique(np.concatenate([[0, len(want) - 1], run, run + 1]))
    probes = [(t.to_pydatetime(), int(m)) for t, m in zip(utc[ends], want[ends], strict=True)]
    found = []
    for zone, info in _candidates():
        if all(t.astimezone(info).utcoffset() == dt.timedelta(minutes=m) for t, m in probes) \
                and np.array_equal(_offsets_in(info, utc), want):
            found.append(zone)
    return found


@lru_cache(maxsize=1)
def _available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def _candidates() -> tuple[tuple[str, zoneinfo.ZoneInfo], ...]:
    """Neutral names first, then the Area/City zones (Europe first, then America, ...;
    alphabetical within an area)."""
    available = _available()
    cities = sorted((z for z in available if z.split("/")[0] in _AREAS),
                    key=lambda z: (_AREAS.index(z.split("/")[0]), z))
    names = (*(z for z in _NEUTRAL if z in available), *cities)
    return tuple((z, zoneinfo.ZoneInfo(z)) for z in names)  # held: ZoneInfo caches weakly
