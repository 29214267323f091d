"""Rostering: assign the planned shifts to named agents, one week at a time.

Pure: planned shifts (counts per group, day and shift type) + agents + rules in, an
assignment out.  One small PuLP MIP per group (solved with HiGHS through PuLP, one thread,
fixed seed, a time limit; HiGHS solved DE_TR of the example in 0.9 s where CBC hit a
20-s limit)::

    x[a,k] in {0,1}   agent a works shift type k (a (day, start, end, break) of the plan)
    w[a,d] in {0,1}   agent a works on day d;   u[k] >= 0  planned shifts left unassigned

    sum_a x[a,k] + u[k] = count[k]                          every planned shift once
    sum_{k on d} x[a,k] = w[a,d]                            one shift a day
    sum_d w[a,d] <= n_days - days_off                       days off per week
    o[a,d] <= 1 - w[a,d+j] (j < B), sum_d o[a,d] >= 1       a block of B consecutive days off
    sum_{d..d+M} w[a,.] <= M                                at most M days in a row
    x[a,k] + sum_{k' on d', rest(k,k') < min_rest} x[a,k'] <= 1     rest between shifts
    h_min[a] - s[a] <= sum_k paid_h[k] x[a,k] <= h_max[a]   weekly hours (s: shortfall)
    x[a,k] = 0 when a is unavailable during k

Days are the local start dates of the horizon; with a cyclic week (``wrap_week``) the
day after Sunday is Monday of the same week for days off, days in a row and rest.
Objective: ``1000 * unassigned + 10 * hours shortfall + 5 * (max nights + max weekend
shifts)`` per group + ``0.01 * (nights + weekend shifts) spread`` — planned shifts first,
then contract minimums, then fairness.  Times are hours from the horizon start, paid
hours in hours.  Every roster is re-checked by :func:`check_roster` from the
assignment alone.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp

from wfm.config import DAYS
from wfm.schedule.report import SITE_COLUMNS, column_times, site_times
from wfm.schedule.solve import _quiet_stdout

ROSTER_COLUMNS = ["agent_id", "group", "day", "start", "end", "breaks"]
UNASSIGNED_COLUMNS = ["group", "day", "start", "end", "breaks", "agents", "reason"]
FAIRNESS_COLUMNS = ["agent_id", "group", "shifts", "paid_h", "nights", "weekends",
                    "max_hours", "hours_short"]


@dataclass(frozen=True)
class RosterShift:
    """One planned shift type on one day and how many agents work it.

    ``day`` is the index of the local start date in the horizon, ``date`` that date
    (ISO), ``start``/``end``/``breaks`` local ``HH:MM`` strings as in ``shifts.csv``;
    ``start_h`` hours from the horizon start, ``length_h`` hours start to end (breaks
    included), ``paid_h`` paid hours; ``local_start`` the naive local start time;
    ``night``: more than 2 h inside the night window; ``weekend``: starts Sat/Sun
    (``local_start``, ``night`` and ``weekend`` on the clock of the group's site, with the
    site's night window: an agent's unavailable hours are the site's clock times).  ``site``: the
    :data:`wfm.schedule.report.SITE_COLUMNS` values when the config has ``[[site]]``
    tables (empty otherwise).
    """

    group: str
    day: int
    date: str
    start: str
    end: str
    breaks: str
    start_h: float
    length_h: float
    paid_h: float
    local_start: dt.datetime
    night: bool
    weekend: bool
    count: int
    site: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Unavailable:
    """A window an agent cannot work: on ``weekday`` (0 = Monday) or ``date``, local
    minutes ``[start_min, end_min)`` of that day (``0, 1440``: the whole day)."""

    weekday: int | None
    date: dt.date | None
    start_min: int = 0
    end_min: int = 1440

    def blocks(self, start: dt.datetime, length_h: float) -> bool:
        """True when the shift from the naive local ``start`` overlaps this window."""
        end = start + dt.timedelta(hours=length_h)
        day = start.date() - dt.timedelta(days=1)
        while day <= end.date():
            if (self.date == day) or (self.weekday is not None and day.weekday() == self.weekday):
                midnight = dt.datetime.combine(day, dt.time())
                w0 = midnight + dt.timedelta(minutes=self.start_min)
                w1 = midnight + dt.timedelta(minutes=self.end_min)
                if start < w1 and w0 < end:
                    return True
            day += dt.timedelta(days=1)
        return False


@dataclass(frozen=True)
class Agent:
    """A named agent of ``group``; ``max_hours`` weekly paid hours of the contract
    (None: the group's ``max_weekly_hours``), ``unavailable`` windows."""

    agent_id: str
    group: str
    max_hours: float | None = None
    unavailable: tuple[Unavailable, ...] = ()


@dataclass(frozen=True)
class RosterRules:
    """Per-agent weekly rules.  ``n_days`` days in the horizon, ``cyclic`` week wrap,
    ``horizon_h`` its length in hours; ``consecutive_days_off`` the length of the
    block of days off every agent gets (0: no block required); ``min_rest_h`` hours;
    ``min_hours``/``max_hours`` weekly paid hours per group name."""

    n_days: int = 7
    cyclic: bool = True
    horizon_h: float = 168.0
    days_off: int = 2
    consecutive_days_off: int = 0
    max_days_in_row: int = 6
    min_rest_h: float = 11.0
    min_hours: dict[str, float] = field(default_factory=dict)
    max_hours: dict[str, float] = field(default_factory=dict)


@dataclass
class Roster:
    """The assignment: ``assigned`` (agent_id, shift index) pairs, ``unassigned`` shift
    index -> (count, reason), ``violations`` found by :func:`check_roster` (empty when
    every rule holds), ``status`` per group, ``elapsed_s`` seconds."""

    shifts: list[RosterShift]
    agents: list[Agent]
    assigned: list[tuple[str, int]]
    unassigned: dict[int, tuple[int, str]]
    violations: list[str]
    status: dict[str, str]
    elapsed_s: float


def rest_gap(a: RosterShift, b: RosterShift, rules: RosterRules) -> float:
    """Hours between the end of one shift and the start of the other, the smaller of
    the two orders (negative when they overlap); across the week wrap when cyclic."""
    if rules.cyclic:
        h = rules.horizon_h
        ab = (b.start_h - a.start_h) % h - a.length_h
        ba = (a.start_h - b.start_h) % h - b.length_h
        return min(ab, ba)
    if b.start_h >= a.start_h:
        return b.start_h - (a.start_h + a.length_h)
    return a.start_h - (b.start_h + b.length_h)


def _days_window(start: int, n: int, rules: RosterRules) -> list[int] | None:
    days = [start + j for j in range(n)]
    if days[-1] >= rules.n_days:
        if not rules.cyclic:
            return None
        days = [d % rules.n_days for d in days]
    return days


def _max_hours(agent: Agent, rules: RosterRules) -> float:
    if agent.max_hours is not None:
        return agent.max_hours
    return rules.max_hours.get(agent.group, 40.0)


def _min_hours(agent: Agent, rules: RosterRules) -> float:
    return min(rules.min_hours.get(agent.group, 0.0), _max_hours(agent, rules))


def _agent_violations(shifts: Sequence[RosterShift], a: Agent, ks: list[int],
                      rules: RosterRules) -> list[str]:
    """The rules agent ``a`` breaks working the shift types ``ks`` (:func:`check_roster`
    for one agent, without the planned counts)."""
    aid = a.agent_id
    out: list[str] = []
    days = [shifts[k].day for k in ks]
    if len(set(days)) < len(days):
        out.append(f"{aid}: two shifts on one day")
    if any(shifts[k].group != a.group for k in ks):
        out.append(f"{aid}: shift of another group")
    work = np.zeros(rules.n_days, dtype=bool)
    work[days] = True
    if rules.n_days - work.sum() < rules.days_off:
        out.append(f"{aid}: fewer than {rules.days_off} days off")
    b = rules.consecutive_days_off
    if b > 0 and not any(
        (w := _days_window(d, b, rules)) is not None and not work[w].any()
        for d in range(rules.n_days)
    ):
        out.append(f"{aid}: no {b} consecutive days off")
    m = rules.max_days_in_row
    for d in range(rules.n_days):
        w = _days_window(d, m + 1, rules)
        if w is not None and len(w) <= rules.n_days and work[w].all():
            out.append(f"{aid}: more than {m} days in a row")
            break
    hours = sum(shifts[k].paid_h for k in ks)
    if hours > _max_hours(a, rules) + 1e-6:
        out.append(f"{aid}: {hours:g} h above the {_max_hours(a, rules):g} h contract")
    for i, k in enumerate(ks):
        if any(u.blocks(shifts[k].local_start, shifts[k].length_h) for u in a.unavailable):
            out.append(f"{aid}: works {shifts[k].date} {shifts[k].start} while unavailable")
        for k2 in ks[i + 1:]:
            if rest_gap(shifts[k], shifts[k2], rules) < rules.min_rest_h - 1e-9:
                out.append(f"{aid}: less than {rules.min_rest_h:g} h rest between "
                           f"{shifts[k].date} {shifts[k].start} and "
                           f"{shifts[k2].date} {shifts[k2].start}")
    return out


def check_roster(shifts: Sequence[RosterShift], agents: Sequence[Agent],
                 assigned: Iterable[tuple[str, int]], rules: RosterRules) -> list[str]:
    """Every hard rule the assignment breaks (independent of the solver)."""
    by_agent: dict[str, list[int]] = {a.agent_id: [] for a in agents}
    info = {a.agent_id: a for a in agents}
    count = np.zeros(len(shifts), dtype=int)
    out: list[str] = []
    for aid, k in assigned:
        by_agent[aid].append(k)
        count[k] += 1
    for k, s in enumerate(shifts):
        if count[k] > s.count:
            out.append(f"{s.group} {s.date} {s.start}-{s.end}: {count[k]} assigned, "
                       f"{s.count} planned")
    for aid, ks in by_agent.items():
        out.extend(_agent_violations(shifts, info[aid], ks, rules))
    return out


def _conflicts(shifts: Sequence[RosterShift], ks: list[int],
               rules: RosterRules) -> dict[int, dict[int, list[int]]]:
    """For shift type k: other day -> shift types on that day too close to k (rest)."""
    out: dict[int, dict[int, list[int]]] = {k: {} for k in ks}
    for i, k in enumerate(ks):
        for k2 in ks[i + 1:]:
            if shifts[k].day == shifts[k2].day:
                continue
            if rest_gap(shifts[k], shifts[k2], rules) < rules.min_rest_h - 1e-9:
                out[k].setdefault(shifts[k2].day, []).append(k2)
                out[k2].setdefault(shifts[k].day, []).append(k)
    return out


def _solve_group(shifts: Sequence[RosterShift], ks: list[int], agents: list[Agent],
                 rules: RosterRules, time_limit: float) -> tuple[list[tuple[str, int]], str]:
    """The MIP of one group; returns (assignments, status)."""
    prob = pulp.LpProblem("roster", pulp.LpMinimize)
    nd = rules.n_days
    ok = {(a, k): not any(u.blocks(shifts[k].local_start, shifts[k].length_h)
                          for u in agents[a].unavailable)
          and shifts[k].paid_h <= _max_hours(agents[a], rules) + 1e-9
          for a in range(len(agents)) for k in ks}
    x = {(a, k): pulp.LpVariable(f"x_{a}_{k}", cat="Binary") for (a, k), v in ok.items() if v}
    w = {(a, d): pulp.LpVariable(f"w_{a}_{d}", cat="Binary")
         for a in range(len(agents)) for d in range(nd)}
    u = {k: pulp.LpVariable(f"u_{k}", lowBound=0) for k in ks}
    short = {a: pulp.LpVariable(f"short_{a}", lowBound=0) for a in range(len(agents))}
    max_n = pulp.LpVariable("max_nights", lowBound=0)
    max_w = pulp.LpVariable("max_weekends", lowBound=0)
    min_n = pulp.LpVariable("min_nights", lowBound=0)
    min_w = pulp.LpVariable("min_weekends", lowBound=0)
    prob += (1000 * pulp.lpSum(u.values()) + 10 * pulp.lpSum(short.values())
             + 5 * (max_n + max_w) + 0.01 * (max_n - min_n + max_w - min_w))
    on_day: dict[int, list[int]] = {}
    for k in ks:
        on_day.setdefault(shifts[k].day, []).append(k)
        prob += pulp.lpSum(x[a, k] for a in range(len(agents)) if (a, k) in x) + u[k] \
            == shifts[k].count, f"cover_{k}"
    conf = _conflicts(shifts, ks, rules)
    b = rules.consecutive_days_off
    for a, agent in enumerate(agents):
        mine = [k for k in ks if (a, k) in x]
        for d in range(nd):
            prob += pulp.lpSum(x[a, k] for k in on_day.get(d, []) if (a, k) in x) == w[a, d], \
                f"day_{a}_{d}"
        prob += pulp.lpSum(w[a, d] for d in range(nd)) <= nd - rules.days_off, f"off_{a}"
        if b > 0:
            blocks = []
            for d in range(nd):
                win = _days_window(d, b, rules)
                if win is None:
                    continue
                o = pulp.LpVariable(f"o_{a}_{d}", cat="Binary")
                blocks.append(o)
                for e in win:
                    prob += o <= 1 - w[a, e], f"blk_{a}_{d}_{e}"
            prob += pulp.lpSum(blocks) >= 1, f"block_{a}"
        m = rules.max_days_in_row
        for d in range(nd):
            win = _days_window(d, m + 1, rules)
            if win is not None and m + 1 <= nd:
                prob += pulp.lpSum(w[a, e] for e in win) <= m, f"row_{a}_{d}"
        for k in mine:
            for d2, others in conf[k].items():
                near = [x[a, k2] for k2 in others if (a, k2) in x]
                if near and shifts[k].day < d2:  # one row per pair of days
                    prob += x[a, k] + pulp.lpSum(near) <= 1, f"rest_{a}_{k}_{d2}"
        hours = pulp.lpSum(shifts[k].paid_h * x[a, k] for k in mine)
        prob += hours <= _max_hours(agent, rules), f"hmax_{a}"
        if _min_hours(agent, rules) > 0:
            prob += hours + short[a] >= _min_hours(agent, rules), f"hmin_{a}"
        nights = pulp.lpSum(x[a, k] for k in mine if shifts[k].night)
        wkend = pulp.lpSum(x[a, k] for k in mine if shifts[k].weekend)
        prob += nights <= max_n, f"maxn_{a}"
        prob += wkend <= max_w, f"maxw_{a}"
        prob += nights >= min_n, f"minn_{a}"
        prob += wkend >= min_w, f"minw_{a}"
    # HiGHS (one thread, fixed seed): 0.9 s on DE_TR of the example where CBC hit a 20-s limit
    solver = pulp.HiGHS(msg=False, timeLimit=max(time_limit, 1.0), threads=1, gapRel=0.01,
                        random_seed=1)
    t0 = time.perf_counter()
    with _quiet_stdout():
        prob.solve(solver)
    took = time.perf_counter() - t0
    out = [(agents[a].agent_id, k) for (a, k), v in sorted(x.items())
           if v.varValue is not None and v.varValue > 0.5]
    status = "time limit" if took >= 0.95 * max(time_limit, 1.0) else "solved (gap <= 1 %)"
    return out, f"{status}, {took:.1f} s"


def _reason(k: int, shifts: Sequence[RosterShift], agents: list[Agent],
            mine: dict[str, list[int]], rules: RosterRules) -> str:
    """Why shift type k could not be given to one more agent of its group."""
    s = shifts[k]
    group = [a for a in agents if a.group == s.group]
    if not group:
        return "no agent in the group"
    counts: dict[str, int] = {}
    for a in group:
        ks = mine.get(a.agent_id, [])
        if any(u.blocks(s.local_start, s.length_h) for u in a.unavailable):
            why = "unavailable"
        elif any(shifts[j].day == s.day for j in ks):
            why = "already working that day"
        elif trial := _agent_violations(shifts, a, [*ks, k], rules):
            text = trial[0]
            why = ("rest rule" if "rest" in text
                   else "consecutive days off" if "consecutive" in text
                   else "days off" if "days off" in text
                   else "days in a row" if "in a row" in text
                   else "weekly hours" if " h above" in text else "other rule")
        else:
            why = "free (solver stopped at its time limit)"
        counts[why] = counts.get(why, 0) + 1
    if counts.get("unavailable", 0) == len(group):
        return "not enough agents available (all unavailable)"
    parts = ", ".join(f"{v} {k_}" for k_, v in sorted(counts.items(), key=lambda t: -t[1]))
    return f"not enough agents: of {len(group)} agents {parts}"


def roster(shifts: Sequence[RosterShift], agents: Sequence[Agent], rules: RosterRules,
           time_limit: float = 60.0, spare: dict[str, int] | None = None) -> Roster:
    """Assign ``shifts`` to ``agents`` group by group.  ``time_limit`` wall-clock seconds
    for the group MIPs, smallest group first, each taking its share (by agents x shift
    types, at least 2 s) of the time left, so time a group does not use passes on.

    Then a greedy repair offers every shift left over (by a MIP stopped at its time
    limit) to the agents in order, keeping it where :func:`check_roster` finds no
    broken rule.  ``spare`` (anonymous agents only): per group, how many agents may be
    added for what is still left; they are named after the last agent of the group and
    rostered by one more MIP on the leftover shifts (a quarter of ``time_limit``)."""
    t0 = time.perf_counter()
    shifts = list(shifts)
    agents = list(agents)
    groups = sorted({s.group for s in shifts} | {a.group for a in agents})
    assigned: list[tuple[str, int]] = []
    status: dict[str, str] = {}
    size = {g: sum(a.group == g for a in agents) * sum(s.group == g for s in shifts)
            for g in groups}
    left_size = sum(size.values())
    end = t0 + time_limit
    for i, g in enumerate(sorted(groups, key=lambda g: (size[g], g))):  # small first
        # this group's share of the time left; what a group does not use passes on
        left_t = end - time.perf_counter()
        share = max(left_t * size[g] / max(1, left_size), min(10.0, left_t / (len(groups) - i)))
        left_size -= size[g]
        ks = [k for k, s in enumerate(shifts) if s.group == g and s.count > 0]
        members = [a for a in agents if a.group == g]
        if not ks:
            continue
        if not members:
            status[g] = "no agents"
            continue
        got, st = _solve_group(shifts, ks, members, rules, max(2.0, share))
        assigned.extend(got)
        status[g] = st
    assigned = _repair(shifts, agents, assigned, rules)
    if spare:
        assigned, agents = _add_agents(shifts, agents, assigned, rules, spare,
                                       max(2.0, time_limit / 4))
        assigned = _repair(shifts, agents, assigned, rules)
    count = np.zeros(len(shifts), dtype=int)
    mine: dict[str, list[int]] = {}
    for aid, k in assigned:
        count[k] += 1
        mine.setdefault(aid, []).append(k)
    unassigned = {}
    for k, s in enumerate(shifts):
        if s.count > count[k]:
            unassigned[k] = (s.count - int(count[k]), _reason(k, shifts, agents, mine, rules))
    violations = check_roster(shifts, agents, assigned, rules)
    return Roster(shifts, agents, assigned, unassigned, violations, status,
                  time.perf_counter() - t0)


# ---------------------------------------------------------------- tables


def _repair(shifts: Sequence[RosterShift], agents: Sequence[Agent],
            assigned: list[tuple[str, int]], rules: RosterRules) -> list[tuple[str, int]]:
    """Greedy: give each leftover planned shift to the first agent (fewest paid hours
    first, then file order) who can take it without breaking a rule."""
    out = list(assigned)
    count = np.zeros(len(shifts), dtype=int)
    mine: dict[str, list[int]] = {a.agent_id: [] for a in agents}
    for aid, k in out:
        count[k] += 1
        mine[aid].append(k)
    for k, s in enumerate(shifts):
        for _ in range(s.count - int(count[k])):
            group = [a for a in agents if a.group == s.group]
            group.sort(key=lambda a: sum(shifts[j].paid_h for j in mine[a.agent_id]))
            for a in group:
                # check_roster of the agent alone: the same rules (the day first, cheaply)
                ks = mine[a.agent_id]
                if (all(shifts[j].day != s.day for j in ks)
                        and not _agent_violations(shifts, a, [*ks, k], rules)):
                    out.append((a.agent_id, k))
                    mine[a.agent_id].append(k)
                    count[k] += 1
                    break
            else:
                break
    return out


def _add_agents(shifts: Sequence[RosterShift], agents: list[Agent],
                assigned: list[tuple[str, int]], rules: RosterRules, spare: dict[str, int],
                time_limit: float) -> tuple[list[tuple[str, int]], list[Agent]]:
    """Add up to ``spare[group]`` anonymous agents for the shifts still left (as many as
    the left-over shifts need at ``n_days - days_off`` shifts each, and at least the
    most left on one day) and roster them."""
    import dataclasses

    count = np.zeros(len(shifts), dtype=int)
    for _, k in assigned:
        count[k] += 1
    out, staff = list(assigned), list(agents)
    for g in sorted(spare):
        left = [k for k, s in enumerate(shifts) if s.group == g and s.count > count[k]]
        n_left = sum(shifts[k].count - int(count[k]) for k in left)
        per = max(1, rules.n_days - rules.days_off)
        per_day = np.bincount([shifts[k].day for k in left],
                              weights=[shifts[k].count - int(count[k]) for k in left],
                              minlength=1)
        n_new = min(spare[g], max(-(-n_left // per), int(per_day.max()) if left else 0))
        if n_new <= 0:
            continue
        have = sum(a.group == g for a in staff)
        new = [Agent(f"{g}-{have + i + 1:03d}", g) for i in range(n_new)]
        sub = [dataclasses.replace(shifts[k], count=shifts[k].count - int(count[k]))
               for k in left]
        got, _ = _solve_group(sub, list(range(len(sub))), new, rules, time_limit)
        used = {aid for aid, _ in got}
        out.extend((aid, left[j]) for aid, j in got)
        staff.extend(a for a in new if a.agent_id in used)
    return out, staff


def roster_table(r: Roster) -> pd.DataFrame:
    """``roster.csv``: one row per agent and shift, sorted by agent and day."""
    rows = [{"agent_id": aid, "group": r.shifts[k].group, "day": r.shifts[k].date,
             "start": r.shifts[k].start, "end": r.shifts[k].end, "breaks": r.shifts[k].breaks,
             **dict(r.shifts[k].site)}
            for aid, k in r.assigned]
    sites = any(sh.site for sh in r.shifts)
    frame = pd.DataFrame(rows, columns=ROSTER_COLUMNS + (SITE_COLUMNS if sites else []))
    return frame.sort_values(["group", "agent_id", "day", "start"], kind="stable") \
        .reset_index(drop=True)


def unassigned_table(r: Roster) -> pd.DataFrame:
    """Planned shifts no agent works: ``group, day, start, end, breaks, agents, reason``."""
    rows = [{"group": r.shifts[k].group, "day": r.shifts[k].date, "start": r.shifts[k].start,
             "end": r.shifts[k].end, "breaks": r.shifts[k].breaks, "agents": n, "reason": why}
            for k, (n, why) in sorted(r.unassigned.items())]
    return pd.DataFrame(rows, columns=UNASSIGNED_COLUMNS)


def fairness_table(r: Roster, rules: RosterRules) -> pd.DataFrame:
    """Per agent: shifts, paid hours, night and weekend shifts, contract max, hours short
    of the group minimum."""
    per: dict[str, list[int]] = {a.agent_id: [] for a in r.agents}
    for aid, k in r.assigned:
        per[aid].append(k)
    rows = []
    for a in r.agents:
        ks = per[a.agent_id]
        hours = float(sum(r.shifts[k].paid_h for k in ks))
        rows.append({
            "agent_id": a.agent_id, "group": a.group, "shifts": len(ks), "paid_h": hours,
            "nights": sum(r.shifts[k].night for k in ks),
            "weekends": sum(r.shifts[k].weekend for k in ks),
            "max_hours": _max_hours(a, rules),
            "hours_short": max(0.0, _min_hours(a, rules) - hours),
        })
    return pd.DataFrame(rows, columns=FAIRNESS_COLUMNS)


def fairness_summary(table: pd.DataFrame) -> list[dict]:
    """Per group: agents and min/max of shifts, paid hours, nights and weekend shifts."""
    out = []
    for g, sub in table.groupby("group", sort=True):
        row: dict = {"group": str(g), "agents": int(len(sub))}
        for col in ("shifts", "paid_h", "nights", "weekends"):
            row[f"{col}_min"] = float(sub[col].min())
            row[f"{col}_max"] = float(sub[col].max())
        out.append(row)
    return out


# ---------------------------------------------------------------- from a plan


def night_hours(start: dt.datetime, length_h: float, window: tuple[int, int]) -> float:
    """Hours of ``[start, start + length_h)`` (naive local) inside the night window
    ``(from, to)`` minutes of the clock (``to`` below ``from``: past midnight)."""
    a, b = window
    minutes = start.hour * 60 + start.minute + np.arange(int(round(length_h * 60)))
    clock = minutes % 1440
    inside = (clock >= a) & (clock < b) if a < b else (clock >= a) | (clock < b % 1440)
    return float(inside.sum()) / 60.0


def shifts_from_plan(inst, plan) -> list[RosterShift]:
    """The planned shifts of a solved instance (``ShiftInstance`` and ``Plan`` of
    ``wfm.schedule``), one :class:`RosterShift` per used column, in column order."""
    cols = inst.columns
    utc = inst.starts.tz_convert("UTC")
    t0 = utc[0]
    cfg = inst.config
    out = []
    for c in np.flatnonzero(plan.y > 0):
        s = utc[cols.start[c]]
        length_s = inst.dt * int(cols.length[c])
        local, end, brk = column_times(inst, int(c))
        place = cfg.site(cfg.groups[cols.group[c]].site)
        # nights and weekends on the group's own clock (a Manila day shift in the German
        # night is day work), with its site's night window
        own = local if place is None else local.tz_convert(place.timezone)
        window = (cfg.rules.premiums if place is None else place.premiums).night_hours
        naive = own.tz_localize(None).to_pydatetime()
        out.append(RosterShift(
            group=inst.config.groups[cols.group[c]].name,
            day=int(cols.day_index[c]),
            date=f"{local:%Y-%m-%d}",
            start=f"{local:%H:%M}",
            end=f"{end:%H:%M}",
            breaks=brk,
            start_h=(s - t0).total_seconds() / 3600.0,
            length_h=length_s / 3600.0,
            paid_h=float(cols.paid_h[c]),
            local_start=naive,
            night=night_hours(naive, length_s / 3600.0, window) > 2.0,
            weekend=own.day_of_week >= 5,
            count=int(plan.y[c]),
            site=tuple(site_times(inst, int(c)).items()) if cfg.sites else (),
        ))
    return out


def rules_from_instance(inst) -> RosterRules:
    """The per-agent rules of the center TOML for the horizon of ``inst``; on a horizon
    shorter than a week the days outside it count as days off (and no block is asked)."""
    r = inst.config.rules
    n_days = len(inst.dates)
    short = max(0, 7 - n_days)  # days of the week outside a shorter horizon may be off
    return RosterRules(
        n_days=n_days,
        cyclic=bool(inst.cyclic),
        horizon_h=inst.T * inst.dt / 3600.0,
        days_off=max(0, r.days_off - short),
        consecutive_days_off=r.consecutive_days_off if not short else 0,
        max_days_in_row=r.max_days_in_row,
        min_rest_h=r.min_rest / 3600.0,
        min_hours={g.name: g.min_weekly_hours / 3600.0 for g in inst.config.groups},
        max_hours={g.name: g.max_weekly_hours / 3600.0 for g in inst.config.groups},
    )


def anonymous_agents(inst, plan) -> list[Agent]:
    """``DE-001``, ... per group: as many as the plan needs (its headcount per group)."""
    out = []
    for g, grp in enumerate(inst.config.groups):
        n = int(plan.headcount[g]) if (plan.y[inst.columns.group == g] > 0).any() else 0
        out.extend(Agent(f"{grp.name}-{i + 1:03d}", grp.name) for i in range(n))
    return out


# ---------------------------------------------------------------- the agents file

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def parse_unavailable(text: str) -> tuple[Unavailable, ...]:
    """``"sat;sun"``, ``"2026-03-25"``, ``"mon 00:00-12:00"``, ``"fri-sun"``: items
    separated by ``;``, each a weekday (or range) or an ISO date, optionally followed by
    a local clock window ``HH:MM-HH:MM`` (default the whole day; ``24:00`` allowed).
    Raises ValueError naming the bad item."""
    out: list[Unavailable] = []
    for item in (p.strip() for p in str(text).split(";")):
        if not item:
            continue
        parts = item.split()
        if len(parts) > 2:
            raise ValueError(f"cannot read {item!r}: expected DAY or DATE [HH:MM-HH:MM]")
        lo, hi = 0, 1440
        if len(parts) == 2:
            m = _WINDOW.match(parts[1])
            if not m:
                raise ValueError(f"cannot read time window {parts[1]!r}: expected HH:MM-HH:MM")
            lo = int(m.group(1)) * 60 + int(m.group(2))
            hi = int(m.group(3)) * 60 + int(m.group(4))
            if int(m.group(2)) >= 60 or int(m.group(4)) >= 60 or hi > 1440 or lo >= hi:
                raise ValueError(f"time window {parts[1]!r} must be within one day, "
                                 "start before end")
        head = parts[0].lower()
        if _DATE.match(head):
            try:
                day = dt.date.fromisoformat(head)
            except ValueError:
                raise ValueError(f"{head!r} is not a valid date") from None
            out.append(Unavailable(None, day, lo, hi))
            continue
        from wfm.config.center import _day_range

        try:
            days = _day_range(head)
        except ValueError:
            raise ValueError(f"cannot read {head!r}: use a weekday ({', '.join(DAYS)}), "
                             "a range like sat-sun or a date YYYY-MM-DD") from None
        out.extend(Unavailable(d, None, lo, hi) for d in days)
    return tuple(out)


def read_agents(path, group_names: Sequence[str]) -> list[Agent]:
    """Read an agents CSV: ``agent_id, group`` and optional ``contract_hours`` (weekly
    paid hours, the agent's maximum) and ``unavailable`` (see :func:`parse_unavailable`).
    Errors raise :class:`wfm.errors.WfmInputError` with file, line and column."""
    import csv
    from pathlib import Path

    from wfm.errors import WfmInputError

    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise WfmInputError("agents file not found", file=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WfmInputError(f"cannot read agents file: {exc}", file=name) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise WfmInputError("empty agents file; expected a header agent_id,group", file=name,
                            row=1)
    header = [h.strip().lower() for h in rows[0]]
    known = ("agent_id", "group", "contract_hours", "unavailable")
    for h in header:
        if h not in known:
            raise WfmInputError(f"unknown column; expected {', '.join(known)}", file=name,
                                row=1, column=h)
    for need in ("agent_id", "group"):
        if need not in header:
            raise WfmInputError("missing column", file=name, row=1, column=need)
    out: list[Agent] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            col = header[len(row)] if len(row) < len(header) else None
            raise WfmInputError(f"{len(row)} fields, the header has {len(header)}", file=name,
                                row=line, column=col)
        rec = {h: c.strip() for h, c in zip(header, row, strict=True)}
        aid = rec["agent_id"]
        if not aid:
            raise WfmInputError("empty agent_id", file=name, row=line, column="agent_id")
        if aid in seen:
            raise WfmInputError(f"agent {aid!r} already given on line {seen[aid]}", file=name,
                                row=line, column="agent_id")
        seen[aid] = line
        if rec["group"] not in group_names:
            raise WfmInputError(f"no [[group]] named {rec['group']!r}; known: "
                                f"{', '.join(group_names)}", file=name, row=line,
                                column="group")
        hours = None
        if rec.get("contract_hours"):
            try:
                hours = float(rec["contract_hours"].replace(",", "."))
            except ValueError:
                hours = -1.0
            if not 0 < hours <= 168:
                raise WfmInputError(f"expected weekly hours above 0 and at most 168, got "
                                    f"{rec['contract_hours']!r}", file=name, row=line,
                                    column="contract_hours")
        try:
            unav = parse_unavailable(rec.get("unavailable", ""))
        except ValueError as exc:
            raise WfmInputError(str(exc), file=name, row=line, column="unavailable") from None
        out.append(Agent(aid, rec["group"], hours, unav))
    if not out:
        raise WfmInputError("no agents in the file", file=name, row=2)
    return out
