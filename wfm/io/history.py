"""Read contact history (the input of ``wfm forecast``) with located checks.

Contract: ``interval_start, channel, language, volume`` required; ``aht_s,
handled, abandoned`` optional.  Separators ``,`` ``;`` tab, decimal ``.`` or
``,``, UTF-8 with or without BOM (see :mod:`wfm.io.tables`).  Real ACD exports
are read through a column mapping: a preset (:data:`PRESETS`) or a mapping
given by the user (``{"Offered": "volume", ...}``).

Time: ``interval_start`` with a UTC offset (``Z``, ``+01:00``) is honored and
converted to the center's timezone; a naive time is local time in that
timezone.  On the autumn DST change the local hour 02:00-02:59 occurs twice:
the first row of a queue at such a time is read as summer time, the second as
winter time (file order, as ACD exports write them); a single row there, or a
local time that does not exist (spring change), is an error asking for the
offset.  So a DST day has 23 or 25 hours of intervals and no data is shifted.

Checks (each error names file, line and column): unknown columns, bad times,
times off the interval grid, negative or non-numeric volumes, queues missing
from the config, conflicting duplicate rows (both lines named).  Exact
duplicate rows are dropped with a warning.  A duplicate is a second row of the
same *source*: the export's own channel and language (or queue name) cells.
Rows of different sources that map onto one queue (WhatsApp and Facebook ->
``social``, ``Support_DE`` and ``Billing_DE`` -> ``phone:de``) are parts of
that queue's interval and are summed (:func:`_sum_sources`).

The result is a complete grid per queue from its first to its last interval:
a missing interval inside opening hours is a **gap** (``volume`` NaN, reported
in the warnings, never read as zero); a missing interval outside opening hours
is closed (volume 0).  Opening hours come from the config or, without one, are
learned from the history (a weekday x time-of-day slot with no contact in the
whole history is closed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import CenterConfig, OpeningHours
from wfm.config.channels import EXPORT_CHANNEL_NAMES
from wfm.errors import WfmInputError
from wfm.io.tables import (
    MAX_AHT,
    MAX_HISTORY_ROWS,
    MAX_VOLUME,
    RawTable,
    fail_at_first,
    numeric_column,
    read_raw_table,
)
from wfm.io.zone_guess import guess_timezone

HISTORY_REQUIRED = ("interval_start", "channel", "language", "volume")
HISTORY_OPTIONAL = ("aht_s", "handled", "abandoned")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)

# Channel and language names seen in exports -> our names.
CHANNEL_ALIASES = {
    "voice": "phone",
    "call": "phone",
    "calls": "phone",
    "telephone": "phone",
    "telefon": "phone",
    "e-mail": "email",
    "mail": "email",
    "message": "social",
    "messaging": "social",
    **EXPORT_CHANNEL_NAMES,  # whatsapp/facebook/instagram -> social, post -> letter, ...
}
LANGUAGE_NAMES = {
    "german": "de",
    "deutsch": "de",
    "english": "en",
    "englisch": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "französisch": "fr",
    "turkish": "tr",
    "türkçe": "tr",
    "türkisch": "tr",
    "spanish": "es",
    "italian": "it",
    "dutch": "nl",
    "polish": "pl",
    "portuguese": "pt",
    "arabic": "ar",
    "russian": "ru",
}


@dataclass(frozen=True)
class Preset:
    """How to read one ACD export layout into the history contract.

    ``rename``: source header (lower-case) -> our column; ``ignore``: source
    columns read past; ``handle_parts``: columns of total handle seconds summed
    into ``aht_s = total / handled``; ``language_from_queue``: take the
    language from the last ``_``/``-``/space separated token of a queue-name
    column (for layouts without a language column); ``header``: the column
    names of a layout without a header line; ``date_time``: the date
    (``YYYYMMDD``) and time (``hh:mm``) columns that make ``interval_start``
    (local time); ``channel``: the channel of a layout without one.
    """

    description: str
    rename: dict[str, str]
    ignore: tuple[str, ...] = ()
    handle_parts: tuple[str, ...] = ()
    language_from_queue: bool = False
    header: tuple[str, ...] | None = None
    date_time: tuple[str, str] | None = None
    channel: str | None = None


_CALABRIO = (
    "interval_minutes",
    "date",
    "time",
    "queue_id",
    "queue_name",
    "volume",
    "overflow_in",
    "abandoned",
    "overflow_out",
    "handled",
    "answer_wait_s",
    "abandon_wait_s",
    "talk_s",
    "acw_s",
    "max_wait_answered_s",
    "max_wait_abandoned_s",
    "agents_available",
    "answered_within_sl",
    "idle_s",
    "short_abandoned",
    "abandoned_within_sl",
)


PRESETS: dict[str, Preset] = {
    "genesys": Preset(
        "Genesys Cloud WFM historical data import (acd-formats.md 1a; UTC timestamps)",
        {
            "interval start utc date": "interval_start",
            "media type": "channel",
            "language": "language",
            "offered": "volume",
            "interactions handled": "handled",
            "total handle time (seconds)": "handle_total_s",
        },
        ignore=("queue", "skill set"),
        handle_parts=("handle_total_s",),
    ),
    "amazon-connect": Preset(
        "Amazon Connect forecasting history import (acd-formats.md 4a; language from the "
        "queue name's last token, e.g. Support_DE)",
        {
            "timestamp": "interval_start",
            "channeltype": "channel",
            "incomingcontactvolume": "volume",
            "averagehandletime": "aht_s",
            "contactshandled": "handled",
            "queuename": "queue_name",
        },
        ignore=("queueid", "intervalduration"),
        language_from_queue=True,
    ),
    "calabrio": Preset(
        "Calabrio ONE / Teleopti queue statistics file (acd-formats.md 8: no header, 21 "
        "fields; local date YYYYMMDD + time hh:mm; AHT = (talk + after-call work) / "
        "answered; offered counts transfers in both queues; channel phone; language from "
        "the queue name's last token)",
        {},
        ignore=tuple(
            c
            for c in _CALABRIO
            if c
            not in (
                "date",
                "time",
                "queue_name",
                "volume",
                "abandoned",
                "handled",
                "talk_s",
                "acw_s",
            )
        ),
        handle_parts=("talk_s", "acw_s"),
        language_from_queue=True,
        header=_CALABRIO,
        date_time=("date", "time"),
        channel="phone",
    ),
}


@dataclass(frozen=True)
class History:
    """Validated history on a complete grid.

    ``frame``: one row per queue and interval, sorted by channel, language,
    interval_start; columns ``interval_start`` (tz-aware, center timezone),
    ``channel``, ``language``, ``volume`` (contacts; NaN = gap inside opening
    hours), ``aht_s`` (seconds; NaN where unknown or no contacts), ``handled``,
    ``abandoned`` (NaN where not given), ``open`` (bool: inside opening hours).
    ``interval``: seconds.  ``gaps``: queue key -> number of gap intervals.
    ``timezone_guessed``: the timezone was guessed from the file's UTC offsets
    (no config, no ``--timezone``), so it says nothing about holidays.
    """

    frame: pd.DataFrame
    interval: float
    timezone: str
    warnings: list[str] = field(default_factory=list)
    gaps: dict[str, int] = field(default_factory=dict)
    timezone_guessed: bool = False

    @property
    def queues(self) -> list[str]:
        keys = self.frame["channel"] + ":" + self.frame["language"]
        return list(dict.fromkeys(keys))


def parse_column_mapping(text: str) -> dict[str, str]:
    """``"Offered=volume,Start=interval_start"`` -> ``{"offered": "volume", ...}``."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        source, sep, target = part.partition("=")
        target = target.strip().lower()
        if not sep or not source.strip() or target not in (*HISTORY_REQUIRED, *HISTORY_OPTIONAL):
            raise WfmInputError(
                f"bad column mapping {part!r}: expected SOURCE=TARGET with TARGET one of "
                f"{', '.join((*HISTORY_REQUIRED, *HISTORY_OPTIONAL))}"
            )
        mapping[source.strip().lower()] = target
    return mapping


def read_history(
    path: str | Path,
    *,
    center: CenterConfig | None = None,
    timezone: str | None = None,
    preset: str | None = None,
    columns: dict[str, str] | None = None,
) -> History:
    """Read and check a history CSV; see the module docstring for the rules.

    With ``center`` the timezone, interval, queues and opening hours come from
    it; without, ``timezone`` is used and the rest is inferred.  Without both,
    the timezone is guessed from the UTC offsets in the file
    (:func:`wfm.io.zone_guess.guess_timezone`; UTC when it has none), with a
    warning saying what was assumed.
    """
    tzname = center.timezone if center is not None else (timezone or "UTC")
    tz = _zone(tzname)
    spec = None
    if preset is not None:
        if preset not in PRESETS:
            raise WfmInputError(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
        spec = PRESETS[preset]
    table = _read_history_table(path, spec, columns)
    warnings: list[str] = []
    guessed = center is None and timezone is None
    if guessed:  # the offsets in the file say which zone its local times are in
        guess = guess_timezone(table.frame["interval_start"], str(table.path))
        tzname, tz = guess.zone, _zone(guess.zone)
        warnings += [guess.note] if guess.note else []
        guessed = guess.note is not None
    frame = _history_frame(table, spec, tz, center)
    interval = float(center.interval) if center is not None else _infer_interval(table, frame)
    if center is not None:
        _check_coarser(table, frame, interval)
    _check_alignment(table, frame["interval_start"], interval, inferred=center is None)
    frame = _drop_duplicates(table, frame, warnings)
    frame = _sum_sources(table, frame, warnings)
    hours = None
    if center is not None:
        hours = {q.key: center.hours_for(q) for q in center.queues}
    grid, gaps = _complete_grid(frame, interval, tz, hours)
    warnings += _gap_warnings(table, grid, gaps)
    return History(grid, interval, tzname, warnings, gaps, timezone_guessed=guessed)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise WfmInputError(f"unknown timezone {name!r}; use a name like Europe/Berlin") from None


def _read_history_table(path: str | Path, spec: Preset | None,
                        columns: dict[str, str] | None) -> RawTable:
    """The raw table with the canonical column names (``spec``'s renames, then the
    user's ``columns``); a preset's fixed channel and split date/time columns are
    filled into ``channel`` and ``interval_start``.  No data rows is an error."""
    rename = {**(spec.rename if spec else {}), **(columns or {})}
    required: tuple[str, ...] = HISTORY_REQUIRED
    optional: tuple[str, ...] = HISTORY_OPTIONAL
    if spec:
        optional = (*optional, *spec.handle_parts)
    if spec and spec.language_from_queue:
        required = tuple(c for c in required if c != "language") + ("queue_name",)
    if spec and spec.channel:
        required = tuple(c for c in required if c != "channel")
    if spec and spec.date_time:
        required = tuple(c for c in required if c != "interval_start") + spec.date_time
    table = read_raw_table(
        path,
        required=required,
        optional=optional,
        rename=rename,
        ignore=spec.ignore if spec else (),
        header=spec.header if spec else None,
        max_rows=MAX_HISTORY_ROWS,
    )
    first = 1 if spec and spec.header else 2
    if table.frame.empty:
        raise WfmInputError("no data rows", file=table.path, row=first)
    if spec and spec.channel:
        table.frame["channel"] = spec.channel
    if spec and spec.date_time:
        table.frame["interval_start"] = _join_date_time(table, *spec.date_time)
    return table


def _history_frame(table: RawTable, spec: Preset | None, tz: dt.tzinfo,
                   center: CenterConfig | None) -> pd.DataFrame:
    """One row per file row: ``interval_start`` (tz-aware), ``channel``, ``language``,
    ``volume`` (contacts), ``aht_s`` (s; from a preset's handle-time parts / handled
    where it has them), ``handled``, ``abandoned`` (NaN where blank) and ``_line``."""
    channel = _channel(table)
    language = _language(table, from_queue=bool(spec and spec.language_from_queue))
    if center is not None:
        _check_queues(table, channel, language, center)
    source = _source(table, spec)
    key = (channel + ":" + language + "|" + source).to_numpy()
    starts = parse_times(table, "interval_start", tz, key)
    volume = numeric_column(table, "volume", minimum=0.0, maximum=MAX_VOLUME,
                            what="a volume >= 0 and <= 1e6 (contacts)")
    frame = pd.DataFrame(
        {
            "interval_start": starts,
            "channel": channel.to_numpy(),
            "language": language.to_numpy(),
            "volume": volume,
        }
    )
    for name in ("aht_s", "handled", "abandoned"):
        frame[name] = _optional_numeric(table, name)
    if spec and spec.handle_parts:
        total = sum(_optional_numeric(table, c, MAX_AHT * MAX_VOLUME)
                    for c in spec.handle_parts)
        handled = frame["handled"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["aht_s"] = np.where(handled > 0, total / handled, np.nan)
    frame["_line"] = table.line
    frame["_source"] = source.to_numpy()
    return frame


def _source(table: RawTable, spec: Preset | None) -> pd.Series:
    """The export's own name of each row's queue (channel and language or queue-name
    cells, stripped and lower-cased, before any mapping): rows of one source at one
    time are duplicates, rows of two sources that map onto one queue are summed."""
    lang = "queue_name" if spec and spec.language_from_queue else "language"
    return (table.frame["channel"].astype(str).str.strip().str.lower() + "/"
            + table.frame[lang].astype(str).str.strip().str.lower())


def _gap_warnings(table: RawTable, grid: pd.DataFrame, gaps: dict[str, int]) -> list[str]:
    """One warning per queue with missing intervals inside opening hours, naming the
    first one."""
    warnings = []
    for q, n in gaps.items():
        if n:
            first = grid.loc[
                (grid["channel"] + ":" + grid["language"] == q) & grid["volume"].isna(),
                "interval_start",
            ].iloc[0]
            warnings.append(
                f"{table.path}: {q}: {n} interval(s) missing inside opening hours (first "
                f"{first.isoformat()}); treated as unknown, not as zero"
            )
    return warnings


def _join_date_time(table: RawTable, date: str, time: str) -> pd.Series:
    """``20260323`` + ``08:30`` -> ``2026-03-23T08:30`` (local time)."""
    d = table.frame[date].str.strip()
    t = table.frame[time].str.strip()
    for col, values, pattern, example in (
        (date, d, r"\d{8}", "20260323"),
        (time, t, r"\d{1,2}:\d{2}", "08:30"),
    ):
        fail_at_first(
            table,
            ~values.str.fullmatch(pattern).to_numpy(),
            col,
            lambda i, col=col, values=values, example=example: (
                f"expected a {col} like {example}, found {values.iloc[i]!r}"
            ),
        )
    return d.str[:4] + "-" + d.str[4:6] + "-" + d.str[6:] + "T" + t.str.zfill(5)


def _channel(table: RawTable) -> pd.Series:
    channel = table.frame["channel"].str.strip().str.lower()
    channel = channel.replace(CHANNEL_ALIASES)
    _check_names(table, channel, "channel")
    return channel


def _language(table: RawTable, *, from_queue: bool) -> pd.Series:
    if from_queue:
        col = "queue_name"
        raw = table.frame[col].str.strip().str.lower().str.split(r"[_\-\s]+", regex=True).str[-1]
    else:
        col = "language"
        raw = table.frame[col].str.strip().str.lower()
    language = raw.replace(LANGUAGE_NAMES)
    fail_at_first(
        table,
        ~language.str.fullmatch(r"[a-z]{2,3}").fillna(False).to_numpy(),
        col,
        lambda i: (
            "expected a language code like de or en (or a name like German), found "
            f"{table.frame[col].iloc[i]!r}"
        ),
    )
    return language


def _check_names(table: RawTable, values: pd.Series, column: str) -> None:
    fail_at_first(
        table,
        ~values.str.fullmatch(r"[a-z][a-z0-9_\-]*").fillna(False).to_numpy(),
        column,
        lambda i: (
            f"expected a {column} name like phone, chat or email, found "
            f"{table.frame[column].iloc[i]!r}"
        ),
    )


def _check_queues(
    table: RawTable, channel: pd.Series, language: pd.Series, center: CenterConfig
) -> None:
    known = {q.key for q in center.queues}
    keys = channel + ":" + language
    unknown = ~keys.isin(known).to_numpy()
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        col = "channel" if channel.iloc[i] not in {k.split(":")[0] for k in known} else "language"
        raise WfmInputError(
            f"queue {keys.iloc[i]!r} is not in the config; known queues: "
            f"{', '.join(sorted(known))}",
            file=table.path,
            row=int(table.line[i]),
            column=col if col in table.frame.columns else None,
        )


def _optional_numeric(table: RawTable, column: str, top: float | None = None) -> np.ndarray:
    if column not in table.frame.columns:
        return np.full(len(table.frame), np.nan)
    if top is None:
        top = MAX_AHT if column == "aht_s" else MAX_VOLUME
    values = numeric_column(table, column, minimum=0.0, maximum=top, blank=0.0,
                            what=f"a number >= 0 and <= {top:g}")
    return np.where((table.frame[column] == "").to_numpy(), np.nan, values)


def parse_times(table: RawTable, column: str, tz: dt.tzinfo, key: np.ndarray) -> pd.Series:
    """Parse ``column`` as timezone-aware times in ``tz`` (vectorized); bad cells raise.

    Offsets are honored; naive times are local.  On the autumn DST change, rows
    with the same ``key`` (the queue) and the same repeated local time are read
    in file order: the first as summer time, the second as winter time.
    """
    raw = table.frame[column].astype(str).str.strip()
    shape = raw.str.match(r"(19|20|21)\d\d-\d\d-\d\d").to_numpy(dtype=bool)
    if not shape.all():  # also keeps pandas from years like -1 or 9999 (out of bounds)
        _bad_time(table, column, raw, int(np.flatnonzero(~shape)[0]))
    has_offset = raw.str.contains(_OFFSET).to_numpy()
    out = pd.Series(pd.NaT, index=raw.index, dtype=pd.DatetimeTZDtype("ns", tz))
    if has_offset.any():
        parsed = pd.to_datetime(raw[has_offset], utc=True, errors="coerce", format="ISO8601")
        out[has_offset] = parsed.dt.tz_convert(tz).astype(out.dtype)
    naive = ~has_offset
    if naive.any():
        chosen = _localize_naive(table, column, raw, naive, tz, key)
        out[naive] = chosen.astype(out.dtype).to_numpy()
    bad = out.isna().to_numpy()
    if bad.any():
        _bad_time(table, column, raw, int(np.flatnonzero(bad)[0]))
    return out


def _localize_naive(table: RawTable, column: str, raw: pd.Series, naive: np.ndarray,
                    tz: dt.tzinfo, key: np.ndarray) -> pd.Series:
    """The rows ``naive`` (no UTC offset) of ``raw`` as local times in ``tz``.  A time
    in the spring DST gap raises; a repeated autumn time is summer time for the first
    row of its queue (``key``) and winter time for the second."""
    local = pd.to_datetime(raw[naive], errors="coerce", format="ISO8601")
    bad = local.isna().to_numpy()
    if bad.any():
        _bad_time(table, column, raw, int(np.flatnonzero(naive)[np.flatnonzero(bad)[0]]))
    local = local.astype("datetime64[ns]")
    summer = local.dt.tz_localize(tz, ambiguous=True, nonexistent="NaT")
    winter = local.dt.tz_localize(tz, ambiguous=False, nonexistent="NaT")
    gap = summer.isna().to_numpy()
    if gap.any():
        i = int(np.flatnonzero(naive)[np.flatnonzero(gap)[0]])
        raise WfmInputError(
            f"local time {raw.iloc[i]!r} does not exist in {tz} (clocks jump forward on "
            "the DST change); write it with its UTC offset",
            file=table.path,
            row=int(table.line[i]),
            column=column,
        )
    fold = (summer != winter).to_numpy()
    if not fold.any():
        return summer.copy()
    rows = np.flatnonzero(naive)[fold]
    group = pd.DataFrame({"k": key[rows], "t": local.to_numpy()[fold]})
    order = group.groupby(["k", "t"], sort=False).cumcount().to_numpy()
    count = group.groupby(["k", "t"], sort=False)["t"].transform("size").to_numpy()
    if (count == 1).any():
        i = int(rows[np.flatnonzero(count == 1)[0]])
        raise WfmInputError(
            f"local time {raw.iloc[i]!r} occurs twice on the DST change in {tz} but "
            "this queue has one row for it; write it with its UTC offset "
            "(e.g. 2026-10-25T02:30:00+01:00)",
            file=table.path,
            row=int(table.line[i]),
            column=column,
        )
    pick = np.where(order == 0, summer.to_numpy()[fold], winter.to_numpy()[fold])
    values = summer.copy().to_numpy().copy()
    values[fold] = pick
    return pd.Series(values, index=summer.index).dt.tz_convert(tz)


def _bad_time(table: RawTable, column: str, raw: pd.Series, i: int) -> None:
    raise WfmInputError(
        f"expected an ISO 8601 time like 2026-03-02T08:30:00+01:00, found {raw.iloc[i]!r}",
        file=table.path,
        row=int(table.line[i]),
        column=column,
    )


def _infer_interval(table: RawTable, frame: pd.DataFrame) -> float:
    """Interval length: the longest divisor of the most common step between a queue's
    distinct starts that at least 90 % of the steps are multiples of.

    Not the gcd of all steps: one row at 06:07 in a 30-minute history would make
    that 1 minute and the row would vanish among a grid of closed minutes; this
    way it is a located error (:func:`_check_alignment`).  A 15-minute history
    with many omitted intervals (steps of 15 and 30 minutes) stays 15 minutes.
    """
    utc = frame["interval_start"].dt.tz_convert("UTC").astype("int64") // 10**9
    steps = []
    for _, t in utc.groupby([frame["channel"], frame["language"]]):
        d = np.diff(np.unique(t.to_numpy()))
        steps.append(d[d > 0])
    diffs = np.concatenate(steps) if steps else np.array([], dtype=np.int64)
    if diffs.size == 0:
        raise WfmInputError(
            "cannot infer the interval length from one interval per queue; give --config",
            file=table.path,
        )
    values, counts = np.unique(diffs, return_counts=True)
    mode = int(values[np.argmax(counts)])  # ties: the shorter step
    step = int(reduce(math.gcd, values.tolist()))
    for c in sorted({math.gcd(mode, int(v)) for v in values}, reverse=True):
        if counts[values % c == 0].sum() >= 0.9 * counts.sum():
            step = c
            break
    if step < 60 or step % 60 or 86400 % step:
        raise WfmInputError(
            f"interval starts are {step} s apart, which is not whole minutes dividing a day; "
            "check the interval_start column",
            file=table.path,
            column="interval_start",
        )
    return float(step)


def _check_coarser(table: RawTable, frame: pd.DataFrame, interval: float) -> None:
    """Coarser history than the config's interval would read as every other interval missing.

    Only judged on at least 100 distinct interval starts, so that a few rows of
    a thin queue (exports often omit empty intervals) are not mistaken for it.
    """
    if frame["interval_start"].nunique() < 100:
        return
    try:
        step = _infer_interval(table, frame)
    except WfmInputError:
        return
    if step > interval and step % interval == 0:
        raise WfmInputError(
            f"the history has {int(step) // 60}-minute intervals but the config's interval is "
            f"{int(interval) // 60} minutes; give a history at that interval or change it "
            "in the config",
            file=table.path,
            column="interval_start",
        )


def _check_alignment(
    table: RawTable, starts: pd.Series, interval: float, *, inferred: bool = False
) -> None:
    where = (
        " of the other rows (interval inferred from the history; --config sets it)"
        if inferred
        else " of the config"
    )
    seconds = (starts.dt.hour * 3600 + starts.dt.minute * 60 + starts.dt.second).to_numpy()
    off = (seconds % int(interval) != 0) | (starts.dt.microsecond.to_numpy() != 0)
    fail_at_first(
        table,
        off,
        "interval_start",
        lambda i: (
            f"interval start {table.frame['interval_start'].iloc[i]!r} is not on the "
            f"{int(interval) // 60}-minute grid{where}"
        ),
    )


_VALUES = ["volume", "aht_s", "handled", "abandoned"]


def _drop_duplicates(table: RawTable, frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """Rows of one source (:func:`_source`) at one time: exact copies are dropped with a
    warning, copies with different numbers are a located error naming both lines."""
    key = ["interval_start", "channel", "language", "_source"]
    dup = frame.duplicated(key, keep=False).to_numpy()
    if not dup.any():
        return frame
    sub = frame[dup]
    first = sub.groupby(key, sort=False)[_VALUES].transform("first")
    same = ((sub[_VALUES] == first) | (sub[_VALUES].isna() & first.isna())).all(axis=1)
    if not same.all():
        bad = sub[~same.to_numpy()].iloc[0]
        mates = sub[(sub[key] == bad[key]).all(axis=1)]
        a, b = mates[_VALUES].iloc[0], bad[_VALUES]
        col = next(c for c in _VALUES if not (a[c] == b[c] or (pd.isna(a[c]) and pd.isna(b[c]))))
        raise WfmInputError(
            f"conflicting duplicate rows for {bad['channel']}:{bad['language']} at "
            f"{bad['interval_start'].isoformat()}: line {mates['_line'].iloc[0]} and line "
            f"{bad['_line']} give different {col}",
            file=table.path,
            row=int(bad["_line"]),
            column=col,
        )
    dropped = int(frame.duplicated(key).sum())
    warnings.append(f"{table.path}: dropped {dropped} exact duplicate row(s)")
    return frame.drop_duplicates(key)


def _sum_sources(table: RawTable, frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """One row per queue and time: the rows of the export channels that map onto one
    queue (WhatsApp + Facebook -> ``social``) are summed.

    ``volume`` is summed; ``handled`` and ``abandoned`` are summed where every part
    gives them (else unknown); ``aht_s`` is the mean of the parts that give one,
    weighted by their handled contacts where every such part of the interval gives
    ``handled``, else by their volume (s; unknown when those parts have no contacts).
    One warning per queue names the sources summed.  Drops the ``_source`` column.
    """
    key = ["interval_start", "channel", "language"]
    many = frame.duplicated(key, keep=False).to_numpy()
    if not many.any():
        return frame.drop(columns="_source")
    parts = frame[many]
    known = parts["aht_s"].notna()
    ids = parts.groupby(key, sort=False).ngroup()
    # weights: handled where every part of the interval with an AHT gives it, else volume
    by_handled = (parts["handled"].notna() | ~known).groupby(ids).transform("all")
    weight = parts["handled"].where(by_handled, parts["volume"]).where(known, 0.0)
    parts = parts.assign(_w=weight, _wt=(weight * parts["aht_s"]).where(known, 0.0),
                         _hn=parts["handled"].isna(), _an=parts["abandoned"].isna())
    summed = parts.groupby(key, sort=False).agg(
        volume=("volume", "sum"), handled=("handled", "sum"), abandoned=("abandoned", "sum"),
        _hn=("_hn", "any"), _an=("_an", "any"), _w=("_w", "sum"), _wt=("_wt", "sum"),
        _line=("_line", "first"),
    ).reset_index()
    summed.loc[summed["_hn"], "handled"] = np.nan  # a part without it: the sum is unknown
    summed.loc[summed["_an"], "abandoned"] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        summed["aht_s"] = np.where(summed["_w"] > 0, summed["_wt"] / summed["_w"], np.nan)
    for (channel, language), rows in parts.groupby(["channel", "language"], sort=True):
        names = ", ".join(sorted(set(rows["_source"])))
        warnings.append(
            f"{table.path}: {channel}:{language}: summed the rows of {names} that share an "
            "interval (export channels mapped onto one queue)"
        )
    rest = frame[~many].drop(columns="_source")
    out = pd.concat([rest, summed[rest.columns]], ignore_index=True)
    return out.sort_values("_line", kind="stable", ignore_index=True)


def slot_of_day(starts: pd.Series | pd.DatetimeIndex, interval: float) -> np.ndarray:
    """Index of the local time-of-day slot (0 .. 86400/interval - 1)."""
    idx = pd.DatetimeIndex(starts)
    return ((idx.hour * 3600 + idx.minute * 60 + idx.second) // int(interval)).to_numpy()


def _complete_grid(
    frame: pd.DataFrame,
    interval: float,
    tz: dt.tzinfo,
    hours: dict[str, OpeningHours] | None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    parts, gaps = [], {}
    step = pd.Timedelta(seconds=interval)
    for (channel, language), rows in frame.groupby(["channel", "language"], sort=True):
        q = f"{channel}:{language}"
        utc = rows["interval_start"].dt.tz_convert("UTC")
        grid = pd.date_range(utc.min(), utc.max(), freq=step).tz_convert(tz)
        full = pd.DataFrame({"interval_start": grid})
        full["_utc"] = grid.tz_convert("UTC")
        data = rows.drop(columns=["_line"]).assign(_utc=utc.to_numpy())
        full = full.merge(data.drop(columns="interval_start"), on="_utc", how="left")
        present = full["channel"].notna().to_numpy()
        if hours is not None and q in hours:
            is_open = hours[q].is_open(grid)
        else:
            is_open = _learned_open(grid, rows, interval)
        missing_open = ~present & is_open
        full["volume"] = np.where(present, full["volume"], np.where(is_open, np.nan, 0.0))
        full["channel"], full["language"] = channel, language
        full["open"] = is_open
        gaps[q] = int(missing_open.sum())
        parts.append(full.drop(columns="_utc"))
    out = pd.concat(parts, ignore_index=True)
    return out[["interval_start", "channel", "language", "volume", *_VALUES[1:], "open"]], gaps


def _learned_open(grid: pd.DatetimeIndex, rows: pd.DataFrame, interval: float) -> np.ndarray:
    """A weekday x slot is open when the history has contacts there at least once."""
    nslots = int(86400 // interval)
    seen = np.zeros(7 * nslots, dtype=bool)
    starts = pd.DatetimeIndex(rows["interval_start"])
    cell = starts.day_of_week.to_numpy() * nslots + slot_of_day(starts, interval)
    seen[cell[rows["volume"].to_numpy() > 0]] = True
    return seen[grid.day_of_week.to_numpy() * nslots + slot_of_day(grid, interval)]


RECENT_MARGIN_DAYS = 2  # read this much more than asked: naive times, DST, offsets


def read_recent_history(path: str | Path, center: CenterConfig, since: pd.Timestamp) -> History:
    """The history from ``since`` (tz-aware) on, for a report that shows only its tail.

    Lines whose ``interval_start`` lies more than :data:`RECENT_MARGIN_DAYS` days before
    ``since`` are dropped as text before the full checks of :func:`read_history` run on
    the rest; a file this quick cut cannot read (quoted fields, odd times, a check that
    fails) is read whole, so its errors name the real file and line.
    """
    import os
    import tempfile

    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        sep = max((",", ";", "\t"), key=lines[0].count)
        col = [c.strip().lower() for c in lines[0].split(sep)].index("interval_start")
        if any('"' in line for line in lines[:50]):
            raise ValueError("quoted fields")
        cells = [line.split(sep)[col] if line.strip() else "" for line in lines[1:]]
        starts = pd.to_datetime(cells, utc=True, format="ISO8601", errors="coerce")
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return read_history(path, center=center)
    cut = since.tz_convert("UTC").normalize() - pd.Timedelta(days=RECENT_MARGIN_DAYS)
    keep = ~(starts < cut)  # NaT (blank or odd lines) are kept for the checks
    if keep.all():
        return read_history(path, center=center)
    fd, tmp = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as h:
            h.write("\n".join([lines[0], *np.asarray(lines[1:], dtype=object)[keep]]) + "\n")
        return read_history(tmp, center=center)
    except WfmInputError:
        return read_history(path, center=center)
    finally:
        os.unlink(tmp)
