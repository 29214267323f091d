"""Read a requirements file (output of ``wfm staff``, input of ``wfm schedule``).

Columns: ``interval_start, channel, language, volume, aht_s, agents_required``
required; the other columns ``wfm staff`` writes are accepted and ignored.  The
horizon is every interval from the first to the last start (elapsed time, so a DST
day has 46 or 50 half-hours); (interval, queue) pairs missing from the file need 0
agents.  Fractional requirements are rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import CenterConfig
from wfm.errors import WfmInputError
from wfm.io.forecast import parse_interval_starts
from wfm.io.tables import (
    MAX_AGENTS,
    MAX_AHT,
    MAX_PLAN_ROWS,
    MAX_VOLUME,
    numeric_column,
    read_raw_table,
)

REQUIRED = ("interval_start", "channel", "language", "volume", "aht_s", "agents_required")
OPTIONAL = ("agents_unrounded", "agents_on_duty", "service_level", "asa_s", "abandon_rate",
            "occupancy", "binding_target",
            "callback_volume", "callback_agents", "agents_required_no_callback",
            # contact flows (wfm.staffing.flows): forecast, escalations in, repeats added
            "forecast_volume", "escalated_volume", "repeat_volume")
MAX_INTERVALS = 5 * 7 * 96  # five weeks of 15-minute intervals


@dataclass(frozen=True)
class Requirements:
    """``required[q, t]`` agents for ``queues[q]`` in the interval starting ``starts[t]``."""

    starts: pd.DatetimeIndex
    queues: tuple[str, ...]
    required: np.ndarray
    warnings: list[str] = field(default_factory=list)
    # contacts per interval and mean handle time (s), (queues x intervals); 0 where missing
    volume: np.ndarray | None = None
    aht: np.ndarray | None = None


def read_requirements(path: str | Path, center: CenterConfig) -> Requirements:
    """Read and validate a requirements CSV against the center (queues, interval grid)."""
    table = read_raw_table(path, required=REQUIRED, optional=OPTIONAL,
                           max_rows=MAX_PLAN_ROWS)
    if table.frame.empty:
        raise WfmInputError("no data rows", file=table.path, row=2)
    starts = parse_interval_starts(table, "interval_start", center.tz)
    keys = (table.frame["channel"].str.strip().str.lower() + ":"
            + table.frame["language"].str.strip().str.lower())
    known = [q.key for q in center.queues]
    bad = ~keys.isin(known)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise WfmInputError(
            f"queue {keys.iloc[i]!r} is not in the config; known queues: {', '.join(known)}",
            file=table.path, row=int(table.line[i]), column="channel")
    agents = numeric_column(table, "agents_required", minimum=0.0, maximum=MAX_AGENTS,
                            what="agents >= 0 and <= 1e5")
    volume = numeric_column(table, "volume", minimum=0.0, maximum=MAX_VOLUME, blank=0.0,
                            what="volume >= 0 and <= 1e6")
    aht = numeric_column(table, "aht_s", minimum=0.0, maximum=MAX_AHT, blank=0.0,
                         what="aht_s >= 0 and <= 86400")
    dt = pd.Timedelta(seconds=center.interval)
    utc = starts.tz_convert("UTC")
    origin = utc.min()
    offset = (utc - origin) / dt
    off_grid = np.abs(offset - np.round(offset)) > 1e-9
    local_sec = (starts.hour * 3600 + starts.minute * 60 + starts.second).to_numpy()
    off_grid |= local_sec % int(center.interval) != 0
    if off_grid.any():
        i = int(np.flatnonzero(off_grid)[0])
        raise WfmInputError(
            f"interval start {starts[i].isoformat()} is not on the "
            f"{center.interval / 60:g}-minute grid", file=table.path, row=int(table.line[i]),
            column="interval_start")
    t_idx = np.round(offset).astype(int)
    T = int(t_idx.max()) + 1
    if T > MAX_INTERVALS:
        raise WfmInputError(
            f"the file spans {T} intervals; plan at most five weeks at a time",
            file=table.path)
    queues = tuple(k for k in known if k in set(keys))
    q_idx = np.array([queues.index(k) for k in keys])
    flat = q_idx * T + t_idx
    uniq, first, counts = np.unique(flat, return_index=True, return_counts=True)
    warnings: list[str] = []
    if (counts > 1).any():
        for f in uniq[counts > 1]:
            rows = np.flatnonzero(flat == f)
            if len(set(agents[rows])) > 1:
                raise WfmInputError(
                    f"conflicting duplicate of line {table.line[rows[0]]} (same interval and "
                    "queue, different agents_required)", file=table.path,
                    row=int(table.line[rows[1]]))
        warnings.append(f"{table.path}: dropped {int((counts - 1).sum())} duplicate row(s)")
    required = np.zeros((len(queues), T))
    required.flat[flat] = agents
    vol = np.zeros((len(queues), T))
    vol.flat[flat] = volume
    handle = np.zeros((len(queues), T))
    handle.flat[flat] = aht
    grid = pd.DatetimeIndex(origin + dt * np.arange(T)).tz_convert(center.tz)
    missing = len(queues) * T - len(uniq)
    if missing:
        warnings.append(f"{table.path}: {missing} interval x queue row(s) missing; read as 0")
    return Requirements(grid, queues, np.ceil(required - 1e-9), warnings, vol, handle)
