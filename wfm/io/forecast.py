"""Read a forecast file (the contract of ``wfm forecast`` / input of ``wfm staff``).

Columns: ``interval_start, channel, language, volume, aht_s`` required;
``volume_lo80, volume_hi80, volume_lo95, volume_hi95, model`` optional and
ignored by staffing.  ``interval_start`` is ISO 8601; times with a UTC offset
are converted to the center's timezone, naive times are read as local time
in that timezone (a time that does not exist or occurs twice on a DST day is
an error asking for the offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import CenterConfig
from wfm.errors import WfmInputError
from wfm.io.history import parse_times
from wfm.io.tables import (
    MAX_AHT,
    MAX_PLAN_ROWS,
    MAX_VOLUME,
    RawTable,
    numeric_column,
    read_raw_table,
)

FORECAST_REQUIRED = ("interval_start", "channel", "language", "volume", "aht_s")
FORECAST_OPTIONAL = ("volume_lo80", "volume_hi80", "volume_lo95", "volume_hi95", "model")


@dataclass(frozen=True)
class Forecast:
    """A validated forecast: one row per interval and queue, sorted."""

    frame: pd.DataFrame  # interval_start (tz-aware), channel, language, volume, aht_s
    warnings: list[str] = field(default_factory=list)


def parse_interval_starts(table: RawTable, column: str, tz) -> pd.DatetimeIndex:
    """Timezone-aware interval starts in ``tz``; the first bad cell raises.

    The history reader's rules (:func:`wfm.io.history.parse_times`): offsets
    honored, naive times local, a repeated autumn hour read in file order per
    queue, a spring time that does not exist an error.
    """
    f = table.frame
    key = (f["channel"].str.strip().str.lower() + ":" + f["language"].str.strip().str.lower())
    return pd.DatetimeIndex(parse_times(table, column, tz, key.to_numpy()))


def read_forecast(path: str | Path, center: CenterConfig) -> Forecast:
    """Read and validate a forecast CSV against the center configuration."""
    table = read_raw_table(path, required=FORECAST_REQUIRED, optional=FORECAST_OPTIONAL,
                           max_rows=MAX_PLAN_ROWS)
    if table.frame.empty:
        raise WfmInputError("no data rows", file=table.path, row=2)
    starts = parse_interval_starts(table, "interval_start", center.tz)
    channel = table.frame["channel"].str.strip().str.lower()
    language = table.frame["language"].str.strip().str.lower()
    known = {q.key for q in center.queues}
    keys = channel + ":" + language
    unknown = ~keys.isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise WfmInputError(
            f"queue {keys.iloc[i]!r} is not in the config; "
            f"known queues: {', '.join(sorted(known))}",
            file=table.path,
            row=int(table.line[i]),
            column="channel"
            if channel.iloc[i] not in {k.split(":")[0] for k in known}
            else "language",
        )
    volume = numeric_column(table, "volume", minimum=0.0, maximum=MAX_VOLUME,
                            what="a volume >= 0 and <= 1e6")
    aht = numeric_column(table, "aht_s", minimum=0.0, maximum=MAX_AHT, blank=0.0,
                         what="a handle time >= 0 and <= 86400 s")
    no_aht = (volume > 0) & (aht <= 0)
    if no_aht.any():
        i = int(np.flatnonzero(no_aht)[0])
        raise WfmInputError(
            f"handle time must be above 0 s where volume is {volume[i]:g}",
            file=table.path,
            row=int(table.line[i]),
            column="aht_s",
        )
    _check_alignment(table, starts, center.interval)
    frame = pd.DataFrame(
        {
            "interval_start": starts,
            "channel": channel.to_numpy(),
            "language": language.to_numpy(),
            "volume": volume,
            "aht_s": aht,
            "_line": table.line,
        }
    )
    warnings: list[str] = []
    frame = _drop_duplicates(table, frame, warnings)
    frame = frame.sort_values(["channel", "language", "interval_start"], kind="stable")
    return Forecast(frame.drop(columns="_line").reset_index(drop=True), warnings)


def _check_alignment(table: RawTable, starts: pd.DatetimeIndex, interval: float) -> None:
    seconds = (starts.hour * 3600 + starts.minute * 60 + starts.second).to_numpy()
    off = (seconds % int(interval) != 0) | (starts.microsecond.to_numpy() != 0)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise WfmInputError(
            f"interval start {starts[i].isoformat()} is not on the {int(interval) // 60}-minute "
            "grid of the config",
            file=table.path,
            row=int(table.line[i]),
            column="interval_start",
        )


def _drop_duplicates(table: RawTable, frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    key = ["interval_start", "channel", "language"]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame
    group = frame[dup].groupby(key, sort=False)
    for _, rows in group:
        first = rows.iloc[0]
        for _, other in rows.iloc[1:].iterrows():
            if (other["volume"], other["aht_s"]) != (first["volume"], first["aht_s"]):
                raise WfmInputError(
                    f"conflicting duplicate of line {first['_line']} (same interval and queue, "
                    f"different values)",
                    file=table.path,
                    row=int(other["_line"]),
                )
    dropped = int(frame.duplicated(key).sum())
    warnings.append(f"{table.path}: dropped {dropped} exact duplicate row(s)")
    return frame.drop_duplicates(key)
