"""Shift planning: which shifts, for which agent group, cover a weekly requirement.

``config`` (TOML models) -> ``instance`` (columns, arrays) -> ``model`` (PuLP) ->
``solve`` (HiGHS/CBC, LP-guided, checked) -> ``evaluate``/``report`` (tables).
:func:`plan_schedule` runs the chain on a requirements table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from wfm.schedule.config import ScheduleConfig
from wfm.schedule.evaluate import uncovered
from wfm.schedule.instance import ShiftInstance, build_instance
from wfm.schedule.report import coverage_table, shifts_table, summary
from wfm.schedule.solve import Progress, SolveOptions, SolveResult
from wfm.schedule.solve import solve as run_solver  # keeps wfm.schedule.solve the module


@dataclass
class SchedulePlan:
    """Everything ``wfm schedule`` writes and prints."""

    instance: ShiftInstance
    result: SolveResult
    shifts: pd.DataFrame
    coverage: pd.DataFrame
    uncovered: pd.DataFrame
    summary: dict


def plan_schedule(
    starts: pd.DatetimeIndex,
    dt: float,
    queues: tuple[str, ...],
    required,
    config: ScheduleConfig,
    options: SolveOptions | None = None,
    progress: Progress | None = None,
) -> SchedulePlan:
    """Build, solve and tabulate a plan; ``required`` is (queues x intervals) agents,
    ``dt`` the interval in seconds.  Raises ValueError on inadmissible rules."""
    inst = build_instance(starts, dt, queues, required, config)
    result = run_solver(inst, options, progress=progress)
    plan = result.plan
    if plan is None:
        floors = [g.name for g in config.groups if g.min_headcount > 0 or g.min_weekly_hours > 0]
        hint = (
            f": check min_headcount and min_weekly_hours of {', '.join(floors)} against the "
            "shifts those groups may work"
            if floors
            else ": check that every group may work at least one shift"
        )
        raise ValueError(f"no shift plan meets the rules ({result.status}){hint}")
    return SchedulePlan(inst, result, shifts_table(inst, plan), coverage_table(inst, plan),
                        uncovered(inst, plan), summary(inst, result))


__all__ = ["SchedulePlan", "SolveOptions", "plan_schedule"]
