"""Scheduled hours from a shift plan (``--schedule PLAN_DIR``): the scheduling overhead.

Staffing gives *required* paid agents per interval; real shifts cover them
with whole shifts of fixed length, so a plan pays more hours (or, where it
leaves intervals short, fewer).  From a ``wfm schedule`` output directory:

* ``coverage.csv``: per interval and queue the required paid agents and the
  agents the plan puts on the queue (each on-duty agent counted once);
* ``shifts.csv``: the shifts, whose paid hours (length minus unpaid break)
  are the plan's paid hours.

The overhead of queue q is

    f_q = (sum_t scheduled_q / sum_t required_q) * (H_shifts / (sum_q,t scheduled * interval))

the queue's scheduled over required agent-intervals, times the ratio of the
shifts' paid hours to the hours ``coverage.csv`` counts (1 when the two files
agree).  The in-house part of every scenario is paid ``max(f_q, 1)`` times
its required hours: an approximation (a scenario's in-house share is a
different requirement from the one the plan covered).  A plan short of its
requirement (f_q < 1) does not make the requirement cheaper (the service
level is computed from the full requirement; the shortfall shows in the
plan's ``uncovered.csv``): such queues, and forecast queues the plan does
not cover (f_q = 1), are reported as notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import WfmInputError


@dataclass(frozen=True)
class ScheduleOverhead:
    """Scheduled / required paid hours per queue of one plan (a week as planned).

    ``factors``: queue -> f_q; ``required_hours``, ``scheduled_hours``: the
    plan's totals in agent hours (coverage.csv); ``shift_hours``: paid hours of
    shifts.csv; ``notes``: what to tell the user.
    """

    factors: dict[str, float]
    required_hours: float
    scheduled_hours: float
    shift_hours: float
    notes: tuple[str, ...] = field(default_factory=tuple)


def overhead_factors(
    queues: np.ndarray,
    required: np.ndarray,
    scheduled: np.ndarray,
    interval: float,
    shift_hours: float,
) -> ScheduleOverhead:
    """f_q from coverage rows (queue key, required and scheduled agents) and the shifts' hours.

    ``interval`` in seconds; a queue with no required agents gets f_q = 1.
    """
    frame = pd.DataFrame({"q": queues, "r": required, "s": scheduled})
    sums = frame.groupby("q", sort=True)[["r", "s"]].sum()
    h = interval / 3600.0
    req_h, sched_h = float(sums["r"].sum()) * h, float(sums["s"].sum()) * h
    scale = shift_hours / sched_h if sched_h > 0 else 1.0
    factors = {
        str(q): float(row.s / row.r) * scale if row.r > 0 else 1.0 for q, row in sums.iterrows()
    }
    return ScheduleOverhead(factors, req_h, sched_h, float(shift_hours))


def shift_paid_hours(shifts: pd.DataFrame) -> float:
    """Paid hours of ``shifts.csv`` rows: agents * (end - start - unpaid break), hours.

    ``start``/``end``/``breaks`` local ``HH:MM`` (an end at or before the start
    runs past midnight; ``breaks`` ``HH:MM-HH:MM`` or empty).
    """

    if shifts.empty:
        return 0.0

    def minutes(text: pd.Series) -> np.ndarray:
        parts = text.str.split(":", expand=True).astype(int)
        return (parts[0] * 60 + parts[1]).to_numpy()

    start, end = minutes(shifts["start"].astype(str)), minutes(shifts["end"].astype(str))
    length = (end - start) % (24 * 60)
    length = np.where(length == 0, 24 * 60, length)
    brk = shifts["breaks"].fillna("").astype(str)
    has = brk.str.contains("-")
    pause = np.zeros(len(shifts))
    if has.any():
        b = brk[has].str.split("-", expand=True)
        pause[has.to_numpy()] = (minutes(b[1]) - minutes(b[0])) % (24 * 60)
    return float((shifts["agents"].to_numpy(float) * (length - pause)).sum() / 60.0)


_PLAN_FILES = (
    ("coverage.csv",
     ("interval_start", "channel", "language", "agents_required", "agents_scheduled")),
    ("shifts.csv", ("start", "end", "breaks", "agents")),
)


def read_schedule_overhead(plan_dir: str | Path, interval: float,
                           name: str | None = None) -> ScheduleOverhead:
    """Read ``coverage.csv`` and ``shifts.csv`` of a ``wfm schedule`` output directory.

    ``name``: how the notes call the directory (default: its path; ``wfm plan`` reads
    its staging directory and names the output directory).
    Raises :class:`WfmInputError` naming the file for a missing or malformed one.
    """
    plan_dir = Path(plan_dir)
    label = name or str(plan_dir)
    if not plan_dir.is_dir():
        raise WfmInputError(
            "--schedule: not a directory written by wfm schedule", file=str(plan_dir)
        )
    cov, shifts = (_read_plan_file(plan_dir / f, cols) for f, cols in _PLAN_FILES)
    try:
        required = pd.to_numeric(cov["agents_required"], errors="raise").to_numpy(float)
        scheduled = pd.to_numeric(cov["agents_scheduled"], errors="raise").to_numpy(float)
    except (ValueError, TypeError) as exc:
        raise WfmInputError(
            f"agents columns must be numbers ({exc})", file=str(plan_dir / "coverage.csv")
        ) from None
    try:
        hours = shift_paid_hours(shifts)
    except (ValueError, TypeError, KeyError) as exc:
        raise WfmInputError(
            f"start, end, breaks must be HH:MM and agents a number ({exc})",
            file=str(plan_dir / "shifts.csv"),
        ) from None
    keys = (cov["channel"].str.lower() + ":" + cov["language"].str.lower()).to_numpy()
    result = overhead_factors(keys, required, scheduled, interval, hours)
    if result.scheduled_hours <= 0 or hours <= 0:
        note = f"{label}: the plan schedules no agents; in-house hours stay required hours"
        return ScheduleOverhead({}, result.required_hours, result.scheduled_hours, hours, (note,))
    return ScheduleOverhead(
        result.factors,
        result.required_hours,
        result.scheduled_hours,
        result.shift_hours,
        _overhead_notes(label, result, hours),
    )


def _read_plan_file(path: Path, cols: tuple[str, ...]) -> pd.DataFrame:
    """One CSV of a ``wfm schedule`` directory with its columns ``cols`` checked."""
    if not path.exists():
        raise WfmInputError(
            f"no {path.name}; is this a directory written by wfm schedule?", file=str(path)
        )
    try:
        frame = pd.read_csv(
            path,
            dtype={"channel": str, "language": str, "start": str, "end": str, "breaks": str},
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise WfmInputError(f"cannot read it ({exc})", file=str(path)) from None
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise WfmInputError(
            f"missing column(s) {', '.join(missing)}; expected a {path.name} written by "
            "wfm schedule",
            file=str(path),
        )
    return frame


def _overhead_notes(label: str, result: ScheduleOverhead, hours: float) -> tuple[str, ...]:
    """Queues the plan leaves short (kept at f = 1), and shifts.csv against coverage.csv."""
    notes = []
    short = {q: f for q, f in result.factors.items() if f < 1.0 - 1e-9}
    if short:
        listed = ", ".join(f"{q} {f:.3f}" for q, f in short.items())
        notes.append(
            f"{label}: the plan schedules fewer hours than required on {listed}; "
            "their in-house hours stay required hours (f = 1; see the plan's uncovered.csv)"
        )
    if result.scheduled_hours > 0 and abs(hours / result.scheduled_hours - 1.0) > 0.01:
        notes.append(
            f"{label}: shifts.csv pays {hours:,.0f} h, coverage.csv counts "
            f"{result.scheduled_hours:,.0f} h; the overheads are scaled to shifts.csv"
        )
    return tuple(notes)


def coverage_notes(plan: ScheduleOverhead, queues: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A note naming the forecast ``queues`` (keys) that the plan has no factor for (f = 1)."""
    if not plan.factors:
        return ()
    missing = [q for q in queues if q not in plan.factors]
    if not missing:
        return ()
    return (
        f"the plan's coverage.csv has no rows for {', '.join(missing)}; "
        "their in-house hours stay required hours (f = 1)",
    )
