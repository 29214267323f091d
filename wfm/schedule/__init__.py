"""Shift planning: which shifts, for which agent group, cover a weekly requirement.

``config`` (TOML models) -> ``instance`` (columns, arrays) -> ``model`` (PuLP) ->
``solve`` (HiGHS/CBC, LP-guided, checked) -> ``evaluate``/``report`` (tables).
:func:`plan_schedule` runs the chain on a requirements table; :func:`plan_and_roster`
adds the roster (``roster``) and one feedback round for groups the roster could not
staff.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.evaluate import uncovered
from wfm.schedule.instance import ShiftInstance, build_instance, carry_plan
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
    start: SchedulePlan | None = None,
) -> SchedulePlan:
    """Build, solve and tabulate a plan; ``required`` is (queues x intervals) agents,
    ``dt`` the interval in seconds.  ``start``: a plan of the same horizon and config
    (e.g. the last round of ``--verify``) to repair rather than plan afresh: its shifts
    are kept and shifts added for the new requirement (``solve``'s ``start``).
    Raises ValueError on inadmissible rules."""
    inst = build_instance(starts, dt, queues, required, config)
    y0 = None
    if start is not None and start.result.plan is not None:
        try:
            y0 = carry_plan(start.instance, start.result.plan.y, inst)
        except ValueError:  # a column vanished: plan afresh
            y0 = None
    result = run_solver(inst, options, progress=progress, start=y0)
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


@dataclass
class RosteredPlan:
    """The kept plan and its roster, and one summary row per round (see
    :func:`plan_and_roster`)."""

    plan: SchedulePlan
    roster: Any  # wfm.schedule.roster.Roster
    rounds: list[dict] = field(default_factory=list)


def roster_plan(plan: SchedulePlan, staff: list | None, time_limit: float,
                caps: dict[str, int | None]):
    """Roster ``plan``: the named ``staff``, or anonymous agents (as many per group as
    the plan needs, then spare ones for what is left, up to ``caps[group]``, the
    group's real ``max_headcount``; twice the plan's need when unlimited).
    ``time_limit`` wall-clock seconds for the roster MIPs."""
    from wfm.schedule import roster as R

    inst, solved = plan.instance, plan.result.plan
    rules = R.rules_from_instance(inst)
    shifts = R.shifts_from_plan(inst, solved)
    agents = staff if staff is not None else R.anonymous_agents(inst, solved)
    spare = None
    if staff is None:
        spare = {}
        for grp in inst.config.groups:
            have = sum(a.group == grp.name for a in agents)
            cap = caps.get(grp.name)
            spare[grp.name] = max(0, (cap if cap is not None else 2 * have) - have)
    return R.roster(shifts, agents, rules, time_limit, spare)


def _unassigned_h(r) -> float:
    """Paid hours of the planned shifts the roster left unassigned: the coverage the
    plan counts on that no agent delivers (an upper bound; breaks are unpaid)."""
    return float(sum(n * r.shifts[k].paid_h for k, (n, _why) in r.unassigned.items()))


def _name_lowered(frame: pd.DataFrame, eff: dict[str, int],
                  caps: dict[str, int | None]) -> pd.DataFrame:
    """Round 2's ``uncovered`` reasons: a headcount limit of a group whose headcount
    the feedback round lowered says so (the config's ``max_headcount`` is higher)."""
    out = frame.copy()
    head = "headcount/hours limit ("
    reasons = []
    for why in out["reason"]:
        names = why[len(head):-1].split(", ") if why.startswith(head) and why.endswith(")") else []
        low = [f"{g} to {eff[g]} agents (max_headcount {caps.get(g)})" for g in names if g in eff]
        reasons.append(f"{why}; round 2 lowered {', '.join(low)} to what the roster could "
                       "staff" if low else why)
    out["reason"] = reasons
    return out


def _unassigned_by_group(r) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, (n, _why) in r.unassigned.items():
        out[r.shifts[k].group] = out.get(r.shifts[k].group, 0) + n
    return out


# The feedback round's plan gets this share of ``options.time_limit`` (at least
# ROUND2_MIN_S, never more than the limit); round 1 keeps the whole limit.  On the
# example (docs/commands/schedule.md "Time of the feedback round") round 2 planned in
# 10-20 s left 15.75-87.75 agent-h uncovered once rostered, in 60 s 87.75; a shared
# 60-s budget (40 s + 20 s) left 106.5, and starting round 2 from round 1's plan minus
# the unassigned shifts (instead of the LP dive) 273.
ROUND2_SHARE = 1 / 3
ROUND2_MIN_S = 10.0


def round2_time_limit(time_limit: float) -> float:
    """Seconds for the feedback round's plan when round 1 had ``time_limit`` seconds."""
    return min(time_limit, max(ROUND2_SHARE * time_limit, ROUND2_MIN_S))


def _lowered(config: ScheduleConfig, plan: SchedulePlan, r, by: dict[str, int],
             named: bool) -> dict[str, int]:
    """Round 2's headcount per group whose shifts the roster ``r`` left unassigned (``by``
    per group): the plan's need minus ceil(unassigned / (7 - days_off)) agents."""
    days_off_shifts = max(1, 7 - config.rules.days_off)
    eff: dict[str, int] = {}
    for g, grp in enumerate(config.groups):
        n = by.get(grp.name, 0)
        staffed = sum(a.group == grp.name for a in r.agents)
        # anonymous agents: only groups the roster filled up to max_headcount; below it
        # the roster could add agents, and what is left is its time limit, not the plan
        full = named or staffed >= (grp.max_headcount or 0)
        if n and grp.max_headcount is not None and full:
            need = int(plan.result.plan.headcount[g])
            eff[grp.name] = max(0, min(grp.max_headcount, need) - math.ceil(n / days_off_shifts))
    return eff


def plan_and_roster(
    starts: pd.DatetimeIndex,
    dt: float,
    queues: tuple[str, ...],
    required,
    config: ScheduleConfig,
    options: SolveOptions | None = None,
    staff: list | None = None,
    roster_time_limit: float = 30.0,
    progress: Progress | None = None,
) -> RosteredPlan:
    """Plan, roster, and when the roster leaves shifts of a group with a
    ``max_headcount`` unassigned (anonymous agents: a group rostered up to that limit),
    plan once more with that group's headcount lowered
    to what the roster could staff -- the plan's need minus ceil(unassigned / (7 -
    days_off)) agents -- and roster again (spare anonymous agents still up to the real
    ``max_headcount``, which leaves the roster slack for rest and days-off
    conflicts the aggregate plan cannot see).  Round 1 plans within
    ``options.time_limit``, round 2 (from scratch) within :func:`round2_time_limit` of
    it (a third).  The round that leaves less uncovered
    once rostered is kept: the plan's shortfall plus the paid hours of the shifts the
    roster left unassigned (agent-hours; round 2 plans fewer shifts, so counting
    unassigned shifts alone favours it), then fewer unassigned shifts, then the
    first.  Round 2's ``uncovered`` reasons name a lowered headcount.  ``rounds``: per
    round the effective headcounts, the plan's time limit (``time_limit_s``), unassigned
    shifts and their paid hours (``unassigned_paid_h``), paid hours, cost, shortfall,
    objective, bound, gap, the fill pass note and seconds."""
    say = progress or (lambda _m: None)
    caps = {g.name: g.max_headcount for g in config.groups}
    opts = options or SolveOptions()

    def one(cfg: ScheduleConfig, n: int, eff: dict[str, int],
            limit: float) -> tuple[SchedulePlan, Any, dict]:
        t0 = time.perf_counter()
        plan = plan_schedule(starts, dt, queues, required, cfg,
                             dataclasses.replace(opts, time_limit=limit), progress)
        t1 = time.perf_counter()
        say(f"round {n}: rostering")
        r = roster_plan(plan, staff, roster_time_limit, caps)
        by = _unassigned_by_group(r)
        s = plan.summary
        return plan, r, {
            "round": n, "effective_headcount": eff, "time_limit_s": limit,
            "shifts_unassigned": sum(by.values()),
            "unassigned_by_group": by, "unassigned_paid_h": _unassigned_h(r),
            "paid_h": s["paid_h"], "cost": s["cost"],
            "understaffed_h": sum(q["understaffed_h"] for q in s["queues"]),
            "objective": s["objective"], "bound": s["bound"], "gap": s["gap"],
            "fill": next((n for n in s["notes"] if n.startswith("fill pass")), None),
            "plan_s": t1 - t0,
            "roster_s": time.perf_counter() - t1,
        }

    plan, r, row = one(config, 1, {}, opts.time_limit)
    rounds = [row]
    eff = _lowered(config, plan, r, row["unassigned_by_group"], staff is not None)
    row["kept"] = True
    if not eff:
        return RosteredPlan(plan, r, rounds)
    groups = tuple(
        grp.model_copy(update={"max_headcount": eff[grp.name],
                               "min_headcount": min(grp.min_headcount, eff[grp.name])})
        if grp.name in eff else grp for grp in config.groups)
    try:
        plan2, r2, row2 = one(config.model_copy(update={"groups": groups}), 2, eff,
                              round2_time_limit(opts.time_limit))
    except ValueError as exc:  # e.g. a minimum the lowered headcount cannot meet
        rounds.append({"round": 2, "effective_headcount": eff, "error": str(exc),
                       "kept": False})
        return RosteredPlan(plan, r, rounds)
    rounds.append(row2)
    plan2.uncovered = _name_lowered(plan2.uncovered, eff, caps)

    def missing(x: dict) -> tuple[float, int]:  # what no rostered agent covers
        return round(x["understaffed_h"] + x["unassigned_paid_h"], 6), x["shifts_unassigned"]

    second = missing(row2) < missing(row)
    row["kept"], row2["kept"] = not second, second
    return RosteredPlan(plan2, r2, rounds) if second else RosteredPlan(plan, r, rounds)


__all__ = ["RosteredPlan", "SchedulePlan", "SolveOptions", "plan_and_roster", "plan_schedule",
           "roster_plan"]
