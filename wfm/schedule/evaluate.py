"""Check a plan independently of the solver that produced it.

Given only the integer shift counts ``y`` (agents per column), recompute on-duty agents
per group and interval, the best integral assignment of agents to the queues they are
skilled for (a transportation LP per interval: vertex solutions are integral), the
shortfall, the paid hours, the cost and the objective, and every rule the plan breaks
(headcount, weekly hours, shifts per week, one shift a day, the block of consecutive
days off every agent needs).  Solver status strings are
never trusted: a plan is what this module says it is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from wfm.schedule.instance import ShiftInstance, off_blocks, rest_window, window_starts
from wfm.schedule.model import needs_headcount

INT_TOL = 1e-6


@dataclass
class Plan:
    """A checked plan.  Arrays: ``y`` per column; (G, T) ``on_duty``; (G, Q, T) ``alloc``
    agents of group g working queue q; (Q, T) ``covered``, ``short`` (missing agents)
    and ``scheduled`` (agents on the queue incl. idle ones parked on their first skill);
    ``headcount`` per group (the smallest that carries the plan, days-off block
    included for every group: the agents to roster); money per week."""

    y: np.ndarray
    on_duty: np.ndarray
    alloc: np.ndarray
    covered: np.ndarray
    short: np.ndarray
    scheduled: np.ndarray
    headcount: np.ndarray
    paid_h: float
    cost: float
    penalty: float
    overstaffing: float
    violations: list[str] = field(default_factory=list)

    @property
    def objective(self) -> float:
        return self.cost + self.penalty + self.overstaffing

    @property
    def feasible(self) -> bool:
        return not self.violations


def to_integer(values: np.ndarray) -> np.ndarray | None:
    """Round solver values to integers, or None when they are not integral (LP values)."""
    v = np.asarray(values, dtype=float)
    if v.size and (not np.all(np.isfinite(v)) or np.abs(v - np.round(v)).max() > INT_TOL):
        return None
    return np.round(v).astype(int).clip(min=0)


def on_duty(inst: ShiftInstance, y: np.ndarray) -> np.ndarray:
    """Agents on duty (not on break) per group and interval, (G, T)."""
    cols = inst.columns
    G = len(inst.config.groups)
    weights = sp.csr_matrix((y.astype(float), (cols.group, np.arange(len(cols)))),
                            shape=(G, len(cols)))
    return np.rint((weights @ cols.duty).toarray()).astype(int)


def allocate(inst: ShiftInstance, duty: np.ndarray) -> np.ndarray:
    """Integral agents per (group, queue, interval) minimising the weighted shortfall."""
    req = inst.required
    G, T = duty.shape
    Q = req.shape[0]
    alloc = np.zeros((G, Q, T), dtype=int)
    gi, qi, ti = [], [], []
    for g in range(G):
        for q in np.flatnonzero(inst.skill[g]):
            ts = np.flatnonzero((req[q] > 0) & (duty[g] > 0))
            gi.append(np.full(len(ts), g))
            qi.append(np.full(len(ts), q))
            ti.append(ts)
    if not gi or sum(len(t) for t in ti) == 0:
        return alloc
    g_, q_, t_ = (np.concatenate(a) for a in (gi, qi, ti))
    K = len(g_)
    # the model's cost of a missing agent (per queue and interval), as the model weighs it
    weight = inst.short_cost[q_, t_] + 1e-3 * (1 + q_)  # + a deterministic tie-break
    # maximise weighted covered agents s.t. per (g,t) supply and per (q,t) demand
    duty_row = g_ * T + t_
    cover_row = G * T + q_ * T + t_
    a = sp.csr_matrix((np.ones(2 * K), (np.concatenate([duty_row, cover_row]),
                                        np.concatenate([np.arange(K)] * 2))),
                      shape=(G * T + Q * T, K))
    b = np.concatenate([duty.ravel(), req.ravel()]).astype(float)
    used = np.unique(np.concatenate([duty_row, cover_row]))
    res = linprog(-weight, A_ub=a[used], b_ub=b[used], bounds=(0, None), method="highs-ds")
    if res.status != 0:  # pragma: no cover - a bounded feasible LP
        raise RuntimeError(f"assignment LP failed: {res.message}")
    xv = np.round(res.x).astype(int)
    if np.abs(res.x - xv).max() > 1e-6:  # pragma: no cover - TU structure
        raise RuntimeError("assignment LP returned a fractional vertex")
    np.add.at(alloc, (g_, q_, t_), xv)
    return alloc


def pattern_need(per_day: np.ndarray, blocks: np.ndarray) -> int:
    """Fewest agents, each off on the days of one row of ``blocks`` (K x days 0/1, see
    :func:`wfm.schedule.instance.off_blocks`) and working at most one shift a day, who
    can work ``per_day[d]`` shifts on every day d: the integer program
    ``min sum_k z_k  s.t.  sum_{k: d not in block k} z_k >= per_day[d], z >= 0 integer``
    (the implicit days-off model, Baker 1974), solved exactly with HiGHS (K variables)."""
    per_day = np.asarray(per_day, dtype=float)
    if not (per_day > 0).any():
        return 0
    return pattern_split(per_day, blocks)[0]


def pattern_split(per_day: np.ndarray, blocks: np.ndarray) -> tuple[int, np.ndarray]:
    """:func:`pattern_need` and one optimal ``z`` (agents per block, integers)."""
    per_day = np.asarray(per_day, dtype=float)
    if not (per_day > 0).any():
        return 0, np.zeros(len(blocks))
    need, z = _pattern_need(tuple(np.rint(per_day).astype(int).tolist()),
                            tuple(map(tuple, np.asarray(blocks, dtype=int).tolist())))
    return need, np.array(z, dtype=float)


@functools.lru_cache(maxsize=65536)
def _pattern_need(per_day: tuple[int, ...],
                  blocks: tuple[tuple[int, ...], ...]) -> tuple[int, tuple[float, ...]]:
    # cached: the fill pass and the repair ask the same day counts many times (one
    # HiGHS solve is about 10 ms)
    works = 1 - np.array(blocks).T  # (days x K): pattern k works day d
    res = milp(np.ones(len(blocks)), integrality=np.ones(len(blocks)),
               bounds=Bounds(0, np.inf),
               constraints=LinearConstraint(works, lb=np.array(per_day, dtype=float),
                                            ub=np.inf))
    if res.status != 0:  # a day no pattern works (block >= horizon)
        return 10**9, tuple([0.0] * len(blocks))
    return int(np.rint(res.fun)), tuple(np.rint(res.x).tolist())


def group_need(inst: ShiftInstance, g: int, y: np.ndarray, model_rows_only: bool = False) -> int:
    """The smallest headcount of group g that carries the integer plan ``y``: weekly
    paid hours, shifts per agent-week (7 - ``days_off``), one shift a day, one start
    per agent in the rest window (``rest_in_aggregate``), a block of consecutive days
    off, and the group's ``min_headcount``.  The days-off block counts for every group
    (the agents to roster); with ``model_rows_only`` only where the model has rows for
    it (groups with a ``max_headcount``): the headcount the model's own rows imply."""
    cols = inst.columns
    rules = inst.config.rules
    grp = inst.config.groups[g]
    mine = cols.group == g
    hours = float((cols.paid_h[mine] * y[mine]).sum())
    shifts = int(y[mine].sum())
    max_shifts = 7 - rules.days_off
    per_day = np.bincount(cols.day_index[mine], weights=y[mine], minlength=len(inst.dates))
    blocks = off_blocks(inst, g, capped_only=model_rows_only)
    return max(
        grp.min_headcount,
        int(np.ceil(hours / (grp.max_weekly_hours / 3600.0) - 1e-9))
        if grp.max_weekly_hours > 0 else (0 if hours == 0 else 10**9),
        int(np.ceil(shifts / max_shifts - 1e-9)) if max_shifts > 0 else shifts * 10**9,
        int(per_day.max()) if per_day.size else 0,
        int(np.rint(window_starts(inst, g, y.astype(float)).max())) if len(y) else 0,
        pattern_need(per_day, blocks) if blocks is not None else 0,
    )


def addable(inst: ShiftInstance, g: int, y: np.ndarray) -> np.ndarray:
    """For every column of group g (in column order), can one more agent work it
    without the group needing more than ``max_headcount`` agents (the rules of
    :func:`group_need`)?  All True for a group without a headcount limit.  Vectorized:
    the days-off need is solved once per day, the rest window by a sliding maximum."""
    cols = inst.columns
    rules = inst.config.rules
    grp = inst.config.groups[g]
    mine = np.flatnonzero(cols.group == g)
    if grp.max_headcount is None:
        return np.ones(len(mine), dtype=bool)
    cap = grp.max_headcount
    y = np.asarray(y, dtype=float)
    hours = float((cols.paid_h[mine] * y[mine]).sum())
    ok = np.ones(len(mine), dtype=bool)
    if grp.max_weekly_hours > 0:
        ok &= np.ceil((hours + cols.paid_h[mine]) / (grp.max_weekly_hours / 3600.0)
                      - 1e-9) <= cap
    else:
        ok[:] = False
    max_shifts = 7 - rules.days_off
    if max_shifts <= 0 or np.ceil((y[mine].sum() + 1) / max_shifts - 1e-9) > cap:
        ok[:] = False
    n_days = len(inst.dates)
    per_day = np.bincount(cols.day_index[mine], weights=y[mine], minlength=n_days)
    day_ok = per_day + 1 <= cap
    blocks = off_blocks(inst, g)
    if blocks is not None:
        for d in np.flatnonzero(day_ok):
            day_ok[d] = pattern_need(per_day + (np.arange(n_days) == d), blocks) <= cap
    ok &= day_ok[cols.day_index[mine]]
    w = rest_window(inst, g)
    if w:
        ws = window_starts(inst, g, y)  # starts in [t, t + w) for every t
        T = inst.T
        back = np.arange(T)[None, :] - np.arange(w)[:, None]  # windows holding start s
        if inst.cyclic:
            worst = ws[back % T].max(axis=0)
        else:
            worst = np.where(back >= 0, ws[back.clip(min=0)], 0.0).max(axis=0)
        ok &= worst[cols.start[mine]] + 1 <= cap + 1e-9
    return ok


def evaluate(inst: ShiftInstance, y: np.ndarray) -> Plan:
    """Check the integer plan ``y``; the result carries every rule violation found."""
    cols = inst.columns
    rules = inst.config.rules
    y = np.asarray(y, dtype=int)
    duty = on_duty(inst, y)
    alloc = allocate(inst, duty)
    covered = alloc.sum(axis=0)
    req = inst.required
    short = req - covered
    violations: list[str] = []
    if (alloc.sum(axis=1) > duty).any():  # pragma: no cover - guarded by the LP
        violations.append("an agent is assigned to two queues at once")
    if (short < 0).any():  # pragma: no cover
        violations.append("assignment above requirement")
    scheduled = covered.copy()
    idle = duty - alloc.sum(axis=1)
    for g in range(duty.shape[0]):
        qs = np.flatnonzero(inst.skill[g])
        if len(qs) and idle[g].any():
            # park idle agents on the skill queue with the largest requirement
            best = qs[np.argmax(req[qs], axis=0)]
            np.add.at(scheduled, (best, np.arange(duty.shape[1])), idle[g])
    headcount = np.zeros(len(inst.config.groups), dtype=int)
    for g, grp in enumerate(inst.config.groups):
        mine = cols.group == g
        hours = float((cols.paid_h[mine] * y[mine]).sum())
        headcount[g] = group_need(inst, g, y)
        if not needs_headcount(inst, g):
            continue
        # the rules are checked as the model states them: a group without a
        # max_headcount has no days-off rows, its minimum hours hold for that need
        need = group_need(inst, g, y, model_rows_only=True)
        if grp.max_headcount is not None and need > grp.max_headcount:
            violations.append(
                f"group {grp.name}: needs {need} agents (hours, shifts, one shift a day or "
                f"days off) but max_headcount is {grp.max_headcount}")
        if grp.min_weekly_hours > 0 and hours < need * grp.min_weekly_hours / 3600.0 - 1e-6:
            violations.append(
                f"group {grp.name}: {hours:.1f} paid h is below {need} agents x "
                f"{grp.min_weekly_hours / 3600:g} h minimum")
    dt_h = inst.dt_h
    return Plan(
        y=y,
        on_duty=duty,
        alloc=alloc,
        covered=covered,
        short=short,
        scheduled=scheduled,
        headcount=headcount,
        paid_h=float((cols.paid_h * y).sum()),
        cost=float((cols.cost * y).sum()),
        penalty=float((inst.short_cost * short).sum() * dt_h),
        overstaffing=float(rules.overstaffing_cost * dt_h * (duty.sum() - covered.sum())),
        violations=violations,
    )


def may_leave_short(inst: ShiftInstance) -> np.ndarray:
    """Per queue: True when its understaffing penalty (money per missing agent-hour) is
    below the base rate (money per paid hour) of every group skilled for it."""
    rates = np.array([g.rate for g in inst.config.groups], dtype=float)
    out = np.zeros(len(inst.queues), dtype=bool)
    for q in range(len(inst.queues)):
        gs = np.flatnonzero(inst.skill[:, q])
        out[q] = bool(len(gs)) and inst.penalty[q] < rates[gs].min()
    return out


def uncovered(inst: ShiftInstance, plan: Plan) -> pd.DataFrame:
    """What the plan leaves uncovered and why, as runs of consecutive intervals.

    Columns: ``queue, from, to, intervals, agent_hours, reason``.  Reasons, in order:
    no group has the skill; no admissible shift is on duty in that interval; no column
    of a group with a shift there fits the group's headcount rules (:func:`addable`);
    otherwise, after the fill pass, the queue's penalty is below the rate of every
    skilled group ("may leave short"); without the fill pass
    (``fill_shortfalls = false``) covering costs more than the penalty, or rounding.
    """
    cols = inst.columns
    req = inst.required
    Q, T = req.shape
    reachable = np.zeros((Q, T), dtype=bool)
    group_reach = np.zeros((len(inst.config.groups), T), dtype=bool)
    for g in range(len(inst.config.groups)):
        mine = np.flatnonzero(cols.group == g)
        if len(mine):
            group_reach[g] = np.asarray(cols.duty[mine].sum(axis=0)).ravel() > 0
    # limited[g, t]: no column of g on duty at t fits the group's headcount rules
    limited = np.zeros((len(inst.config.groups), T), dtype=bool)
    for g, grp in enumerate(inst.config.groups):
        mine = np.flatnonzero(cols.group == g)
        if grp.max_headcount is None or not len(mine):
            continue
        free = cols.duty[mine].T @ addable(inst, g, plan.y).astype(float)
        limited[g] = group_reach[g] & (free == 0)
    low = may_leave_short(inst)
    filled = inst.config.rules.fill_shortfalls
    for q in range(Q):
        gs = np.flatnonzero(inst.skill[:, q])
        if len(gs):
            reachable[q] = group_reach[gs].any(axis=0)
    rows = []
    for q in range(Q):
        gs = np.flatnonzero(inst.skill[:, q])
        reason = np.full(T, "", dtype=object)
        miss = plan.short[q] > 0
        if not len(gs):
            reason[miss] = "skill missing: no group serves this queue"
        else:
            reason[miss & ~reachable[q]] = "no shift covers this interval"
            rest = miss & reachable[q]
            if not filled:
                why = "cheaper to leave short (penalty below shift cost) or rounding"
            elif low[q]:
                why = (f"may leave short: penalty {inst.penalty[q]:g} is below the rate of "
                       "every group with the skill")
            else:  # the fill pass stopped (its time) or a minimum-hours rule refused
                why = "not filled (fill pass stopped or a minimum-hours rule)"
            reason[rest] = why
            for t in np.flatnonzero(rest):
                reach = [g for g in gs if group_reach[g, t]]
                if reach and all(limited[g, t] for g in reach):  # nobody free could come
                    names = ", ".join(inst.config.groups[g].name for g in reach)
                    reason[t] = f"headcount/hours limit ({names})"
        t = 0
        while t < T:
            if not miss[t]:
                t += 1
                continue
            s = t
            while t + 1 < T and miss[t + 1] and reason[t + 1] == reason[s]:
                t += 1
            rows.append({
                "queue": inst.queues[q],
                "from": inst.starts[s].isoformat(),
                "to": (inst.starts[t] + pd.Timedelta(seconds=inst.dt)).isoformat(),
                "intervals": t - s + 1,
                "agent_hours": float(plan.short[q, s:t + 1].sum() * inst.dt_h),
                "reason": reason[s],
            })
            t += 1
    return pd.DataFrame(rows, columns=["queue", "from", "to", "intervals", "agent_hours",
                                       "reason"])
