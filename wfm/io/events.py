"""Calendar inputs of the forecast: the planner's events file and public holidays.

Events file (CSV, same dialects as every reader): one row per event.

| column | meaning |
| --- | --- |
| ``start`` | first day (``2026-09-14``) or time (``2026-09-14T08:00``, offsets honored) |
| ``end`` | end, exclusive (a date means midnight starting that day) |
| ``channel``, ``language`` | the queue; blank means every channel / language |
| ``effect`` | ``multiply`` (campaign, outage at 0) or ``exclude`` (learn nothing from it) |
| ``value`` | the factor for ``multiply`` (>= 0); blank for ``exclude`` |
| ``name`` | optional label |

Holidays come from the ``holidays`` package for a country code (``DE``) or a
country and subdivision (``DE-BY``); the country defaults to the one of the
center's timezone (``Europe/Berlin`` -> ``DE``, from the tz database's
``zone.tab``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import WfmInputError
from wfm.io.history import parse_times
from wfm.io.tables import fail_at_first, numeric_column, read_raw_table

EVENTS_REQUIRED = ("start", "end", "effect")
EVENTS_OPTIONAL = ("channel", "language", "value", "name")


def read_events(
    path: str | Path, timezone: str, queues: Collection[str] | None = None
) -> pd.DataFrame:
    """Events: ``start``, ``end`` (UTC), ``channel``, ``language``, ``effect``, ``value``.

    With ``queues`` (``channel:language`` keys of the history) a channel or
    language that matches no queue is an error: a typo would otherwise make
    the event silently apply to nothing.
    """
    tz = zoneinfo.ZoneInfo(timezone)
    table = read_raw_table(path, required=EVENTS_REQUIRED, optional=EVENTS_OPTIONAL)
    f = table.frame
    for col in ("channel", "language", "value", "name"):
        if col not in f.columns:
            f[col] = ""
    times = _event_times(table, tz)
    fail_at_first(
        table,
        (times["end"] <= times["start"]).to_numpy(),
        "end",
        "end must be after start (end is exclusive)",
    )
    effect = f["effect"].str.strip().str.lower()
    fail_at_first(
        table,
        ~effect.isin(["multiply", "exclude"]).to_numpy(),
        "effect",
        lambda i: f"expected multiply or exclude, found {f['effect'].iloc[i]!r}",
    )
    if queues is not None:
        _check_queues(table, queues)
    return pd.DataFrame(
        {
            "start": times["start"].to_numpy(),
            "end": times["end"].to_numpy(),
            "channel": f["channel"].str.strip().str.lower().to_numpy(),
            "language": f["language"].str.strip().str.lower().to_numpy(),
            "effect": effect.to_numpy(),
            "value": _multipliers(table, (effect == "multiply").to_numpy()),
            "name": f["name"].to_numpy(),
        }
    )


def _event_times(table, tz: zoneinfo.ZoneInfo) -> dict[str, pd.Series]:
    """``start`` and ``end`` per row as UTC times; a bare date is midnight local time
    (the table's cells are rewritten to it)."""
    f = table.frame
    n = len(f)
    times = {}
    for col in ("start", "end"):
        raw = f[col].str.strip()
        f[col] = raw.where(raw.str.len() > 10, raw + "T00:00")
        times[col] = parse_times(table, col, tz, np.arange(n).astype(str) + col).dt.tz_convert(
            "UTC"
        )
    return times


def _multipliers(table, mult: np.ndarray) -> np.ndarray:
    """The volume factor per row: ``value`` (>= 0, required) where ``mult``, else 1."""
    f = table.frame
    if not mult.any():
        return np.ones(len(f))
    parsed = numeric_column(table, "value", blank=1.0, what="a factor >= 0")
    empty = (f["value"].str.strip() == "").to_numpy()
    fail_at_first(
        table, mult & empty, "value", "effect multiply needs a value (e.g. 1.3 for +30 %)"
    )
    fail_at_first(
        table, mult & (parsed < 0), "value", "expected a factor >= 0 (0 = outage, 1.3 = +30 %)"
    )
    return np.where(mult, parsed, 1.0)


def _check_queues(table, queues: Collection[str]) -> None:
    """Every non-blank channel, language and channel:language pair names a queue."""
    f = table.frame
    channel = f["channel"].str.strip().str.lower()
    language = f["language"].str.strip().str.lower()
    pairs = {tuple(q.split(":", 1)) for q in queues}
    channels, languages = {c for c, _ in pairs}, {lang for _, lang in pairs}
    known = ", ".join(sorted(queues))
    fail_at_first(
        table,
        ((channel != "") & ~channel.isin(channels)).to_numpy(),
        "channel",
        lambda i: f"no queue has channel {channel.iloc[i]!r} (queues: {known})",
    )
    fail_at_first(
        table,
        ((language != "") & ~language.isin(languages)).to_numpy(),
        "language",
        lambda i: f"no queue has language {language.iloc[i]!r} (queues: {known})",
    )
    both = (channel != "") & (language != "")
    pair = channel + ":" + language
    fail_at_first(
        table,
        (both & ~pair.isin(list(queues))).to_numpy(),
        "language",
        lambda i: f"no queue {pair.iloc[i]} (queues: {known})",
    )


def country_for_timezone(timezone: str) -> str | None:
    """ISO 3166 country of an IANA timezone from the tz database's zone.tab, or None."""
    candidates = []
    try:
        import importlib.resources as resources

        candidates.append(resources.files("tzdata").joinpath("zoneinfo", "zone.tab"))
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    candidates.append(Path("/usr/share/zoneinfo/zone.tab"))
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, FileNotFoundError):
            continue
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#") and parts[2] == timezone:
                return parts[0]
    return None


def public_holidays(country: str | None, years: range | list[int]) -> set[dt.date]:
    """Public holidays of ``country`` (``DE`` or ``DE-BY``) in ``years``; empty if None."""
    if not country:
        return set()
    import holidays

    code, _, subdiv = country.upper().partition("-")
    try:
        days = holidays.country_holidays(code, subdiv=subdiv or None, years=list(years))
    except (NotImplementedError, KeyError, ValueError):
        raise WfmInputError(
            f"no public holidays known for country {country!r}; use an ISO code like DE "
            "or DE-BY, or --country none"
        ) from None
    return set(days.keys())
