"""Tables and summary figures of a checked plan (pure: plan in, DataFrames/dicts out)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wfm.schedule.evaluate import Plan
from wfm.schedule.instance import ShiftInstance
from wfm.schedule.solve import SolveResult
from wfm.units import fte

SHIFT_COLUMNS = ["group", "day", "start", "end", "breaks", "agents", "cost"]
COVERAGE_COLUMNS = ["interval_start", "channel", "language", "agents_required",
                    "agents_scheduled", "shortfall"]


def column_times(inst: ShiftInstance, c: int) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """Local start and end of shift column ``c`` and its unpaid break ``HH:MM-HH:MM``
    ("" without one); times step in UTC, so a shift over a DST change keeps its length."""
    cols = inst.columns
    tz = inst.starts.tz
    s = inst.starts[cols.start[c]].tz_convert("UTC")
    end = (s + pd.Timedelta(seconds=inst.dt * int(cols.length[c]))).tz_convert(tz)
    brk = ""
    if cols.brk[c] >= 0:
        b0 = s + pd.Timedelta(seconds=inst.dt * int(cols.brk[c]))
        b1 = b0 + pd.Timedelta(seconds=float(cols.brk_seconds[c]))
        brk = f"{b0.tz_convert(tz):%H:%M}-{b1.tz_convert(tz):%H:%M}"
    return s.tz_convert(tz), end, brk


def shifts_table(inst: ShiftInstance, plan: Plan) -> pd.DataFrame:
    """One row per used shift column: ``group, day`` (local start date), ``start``/``end``
    local ``HH:MM`` (an end below the start runs past midnight), ``breaks``
    ``HH:MM-HH:MM`` (unpaid), ``agents``, ``cost`` (money per week for these agents);
    local means the center's time.  With ``[[site]]`` tables, also the site columns of
    :func:`with_site_times`."""
    cols = inst.columns
    used = np.flatnonzero(plan.y > 0)
    rows = []
    for c in used:
        local, end, brk = column_times(inst, int(c))
        rows.append({
            "group": inst.config.groups[cols.group[c]].name,
            "day": f"{local:%Y-%m-%d}",
            "start": f"{local:%H:%M}",
            "end": f"{end:%H:%M}",
            "breaks": brk,
            "agents": int(plan.y[c]),
            "cost": round(float(cols.cost[c] * plan.y[c]), 2),
        })
    frame = pd.DataFrame(rows, columns=SHIFT_COLUMNS)
    if inst.config.sites:
        frame = with_site_times(frame, inst, used)
    return frame.sort_values(["day", "start", "group", "end"], kind="stable").reset_index(drop=True)


SITE_COLUMNS = ["site", "site_day", "site_start", "site_end", "site_timezone"]


def site_times(inst: ShiftInstance, c: int) -> dict[str, str]:
    """Shift column ``c`` on its group's clock: ``site`` (the group's site, the center's
    name for groups at the center), ``site_day``, ``site_start``, ``site_end``
    (``HH:MM``, an end below the start runs past midnight) and ``site_timezone`` (IANA
    name; the center's for groups at the center)."""
    grp = inst.config.groups[inst.columns.group[c]]
    local, stop, _ = column_times(inst, int(c))
    site = inst.config.site(grp.site)
    tz = site.timezone if site is not None else inst.config.center_timezone or str(local.tz)
    a, b = local.tz_convert(tz), stop.tz_convert(tz)
    return {"site": grp.site or inst.config.center_name, "site_day": f"{a:%Y-%m-%d}",
            "site_start": f"{a:%H:%M}", "site_end": f"{b:%H:%M}", "site_timezone": tz}


def with_site_times(frame: pd.DataFrame, inst: ShiftInstance, used: np.ndarray) -> pd.DataFrame:
    """``frame`` (rows of the columns ``used``) with the :data:`SITE_COLUMNS` of
    :func:`site_times`; ``day``/``start``/``end`` stay in the center's time (what
    ``wfm simulate`` and the report read)."""
    out = frame.copy()
    rows = [site_times(inst, int(c)) for c in used]
    for name in SITE_COLUMNS:
        out[name] = pd.Series([r[name] for r in rows], index=out.index, dtype=object)
    return out


def coverage_table(inst: ShiftInstance, plan: Plan) -> pd.DataFrame:
    """One row per interval and queue: required, scheduled (agents working the queue,
    idle on-duty agents counted on their busiest skill queue) and shortfall."""
    Q, T = inst.required.shape
    chan = [q.split(":")[0] for q in inst.queues]
    lang = [q.split(":")[1] for q in inst.queues]
    times = [t.isoformat() for t in inst.starts]
    frame = pd.DataFrame({
        "interval_start": np.tile(times, Q),
        "channel": np.repeat(chan, T),
        "language": np.repeat(lang, T),
        "agents_required": inst.required.ravel(),
        "agents_scheduled": plan.scheduled.ravel(),
        "shortfall": plan.short.ravel(),
    })
    order = np.lexsort((frame["language"], frame["channel"], np.tile(np.arange(T), Q)))
    return frame.iloc[order].reset_index(drop=True)


def summary(inst: ShiftInstance, result: SolveResult) -> dict[str, Any]:
    """Figures for the terminal and ``--json``: hours, FTE, money, per queue and group.
    ``gap`` is the written plan's (after the fill pass) against the bound,
    ``gap_before_fill`` the solver's own plan's (``objective_before_fill``);
    ``fill_shifts``/``fill_paid_h``/``fill_cost`` what the fill pass added (a safety net:
    the model itself costs a shortfall above the shift that covers it, see
    :func:`wfm.schedule.instance.coverage_costs`).  ``understaffing_penalty`` is the
    shortfall as the model costs it (part of ``objective``),
    ``understaffing_penalty_configured`` the same shortfall at the configured penalties;
    ``shortfall_cost_in_model`` says whether the model raised them
    (``fill_shortfalls``)."""
    plan = result.plan
    assert plan is not None
    dt_h = inst.dt_h
    rules = inst.config.rules
    cols = inst.columns
    queues = []
    for q, key in enumerate(inst.queues):
        required = float(inst.required[q].sum() * dt_h)
        scheduled = float(plan.scheduled[q].sum() * dt_h)
        queues.append({
            "queue": key,
            "required_h": required,
            "scheduled_h": scheduled,
            "understaffed_h": float(plan.short[q].sum() * dt_h),
            "over_required_h": scheduled - required,
            "over_required_pct": (scheduled - required) / required if required else 0.0,
        })
    groups = []
    for g, grp in enumerate(inst.config.groups):
        mine = cols.group == g
        groups.append({
            "group": grp.name,
            "shifts": int(plan.y[mine].sum()),
            "paid_h": float((cols.paid_h[mine] * plan.y[mine]).sum()),
            "cost": float((cols.cost[mine] * plan.y[mine]).sum()),
            "headcount": int(plan.headcount[g]),
            "max_headcount": grp.max_headcount,
        })
    extra = {"sites": site_summary(inst, plan)} if inst.config.sites else {}
    return {
        "paid_h": plan.paid_h,
        "fte": fte(plan.paid_h, rules.fte_hours),  # a week's plan: FTE per week
        "required_h": float(inst.required.sum() * dt_h),
        "on_duty_h": float(plan.on_duty.sum() * dt_h),
        "cost": plan.cost,
        "understaffing_penalty": plan.penalty,
        "understaffing_penalty_configured": float(
            (inst.penalty[:, None] * plan.short).sum() * dt_h),
        "shortfall_cost_in_model": bool(rules.fill_shortfalls),
        "overstaffing_term": plan.overstaffing,
        "objective": result.objective,
        "bound": result.bound,
        "lp_bound": result.lp_bound,
        "gap": result.gap,
        "objective_before_fill": (result.objective_before_fill
                                  if result.objective_before_fill is not None
                                  else result.objective),
        "gap_before_fill": result.gap_before_fill,
        "fill_shifts": result.fill_shifts,
        "fill_paid_h": result.fill_paid_h,
        "fill_cost": result.fill_cost,
        "solver": result.solver,
        "status": result.status,
        "first_plan_s": result.first_plan_s,
        "elapsed_s": result.elapsed_s,
        "cyclic": inst.cyclic,
        "queues": queues,
        "groups": groups,
        "notes": [*result.notes, _weekly_note(inst)],
        **extra,
    }


def site_summary(inst: ShiftInstance, plan: Plan) -> list[dict[str, Any]]:
    """Per site (the center first, under its name): ``groups``, ``shifts``, ``paid_h``,
    ``cost`` (money per week) and ``premium_cost``: the part of ``cost`` above the
    groups' base rates (night, Sunday, holiday premiums judged on the site's clock)."""
    cols = inst.columns
    names = [inst.config.center_name, *(s.name for s in inst.config.sites)]
    out = []
    for name in names:
        gs = [g for g, grp in enumerate(inst.config.groups)
              if (grp.site or inst.config.center_name) == name]
        mine = np.isin(cols.group, gs)
        rate = np.array([inst.config.groups[g].rate for g in cols.group[mine]])
        paid = cols.paid_h[mine] * plan.y[mine]
        cost = float((cols.cost[mine] * plan.y[mine]).sum())
        out.append({
            "site": name,
            "groups": [inst.config.groups[g].name for g in gs],
            "shifts": int(plan.y[mine].sum()),
            "paid_h": float(paid.sum()),
            "cost": cost,
            "premium_cost": cost - float((rate * paid).sum()),
        })
    return out


def _weekly_note(inst: ShiftInstance) -> str:
    rules = inst.config.rules
    parts = [f"at most {7 - rules.days_off} shifts per agent-week", "one shift a day"]
    if rules.rest_in_aggregate:
        parts.append(f"one start per agent within shortest shift + "
                     f"{rules.min_rest / 3600:g} h rest")
    if rules.consecutive_days_off and len(inst.dates) >= 7:
        parts.append(f"a block of {rules.consecutive_days_off} consecutive days off per agent "
                     "(groups with max_headcount)")
    return (f"weekly rules are applied per group in aggregate: {', '.join(parts)}; the exact "
            f"{rules.min_rest / 3600:g} h rest and {rules.max_days_in_row} days in a row "
            "need rostering, which is not done")
