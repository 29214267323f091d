"""A shift-planning instance: the horizon, the requirement per queue and interval, and
every admissible shift column (group x template x start x length x break position).

Pure data preparation, vectorised with numpy; no solver here.  Units: the interval
``dt`` in seconds, hours where a name says ``_h``, money per paid hour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.sites import group_sites, site_factors, site_start_mask

MAX_WORK_STRETCH = 6 * 3600.0  # ArbZG section 4: no more than 6 h of work without a break


@dataclass(frozen=True)
class Columns:
    """Admissible shifts, one entry per column ``c`` (all groups stacked).

    ``start`` is the interval index of the shift start, ``length`` and ``brk_len`` are
    in intervals, ``brk`` the break start offset in intervals from the shift start
    (-1: no break), ``paid_h`` paid hours (breaks unpaid), ``cost`` money per agent
    on this column, ``duty`` a sparse 0/1 (columns x intervals) matrix of on-duty
    intervals (breaks excluded), ``day`` the local weekday index (0 = Monday) of the
    start and ``day_index`` the index of its local date in the horizon.
    """

    group: np.ndarray
    template: np.ndarray
    start: np.ndarray
    length: np.ndarray
    brk: np.ndarray
    brk_len: np.ndarray
    brk_seconds: np.ndarray
    paid_h: np.ndarray
    cost: np.ndarray
    day_index: np.ndarray
    duty: sp.csr_matrix

    def __len__(self) -> int:
        return len(self.group)


@dataclass(frozen=True)
class ShiftInstance:
    """Everything the model needs, in arrays.

    ``required[q, t]`` agents (integers) for queue ``queues[q]`` in interval ``t``;
    ``penalty[q]`` money per missing agent-hour as configured; ``short_cost[q, t]``
    money per missing agent-hour in the model (:func:`coverage_costs`: at least
    ``penalty[q]``, raised where a shift is cheaper than leaving the interval short);
    ``skill[g, q]`` True when group g serves queue q; ``dt`` interval length in
    seconds; ``cyclic`` True when the horizon wraps (a Sunday-night shift continues
    into Monday of the same week).
    """

    starts: pd.DatetimeIndex
    dt: float
    cyclic: bool
    queues: tuple[str, ...]
    required: np.ndarray
    penalty: np.ndarray
    skill: np.ndarray
    config: ScheduleConfig
    columns: Columns
    dates: tuple[str, ...]
    short_cost: np.ndarray

    @property
    def dt_h(self) -> float:
        return self.dt / 3600.0

    @property
    def T(self) -> int:  # noqa: N802 - the usual symbol
        return len(self.starts)

    def group_names(self) -> list[str]:
        return [g.name for g in self.config.groups]


def premium_factors(starts: pd.DatetimeIndex, config: ScheduleConfig) -> np.ndarray:
    """Pay factor 1 + premium per interval (night + max(Sunday, holiday)), local time."""
    p = config.rules.premiums
    minute = (starts.hour * 60 + starts.minute).to_numpy()
    a, b = p.night_hours
    night = (minute >= a) & (minute < b) if a < b else (minute >= a) | (minute < b % 1440)
    sunday = starts.day_of_week.to_numpy() == 6
    hol_dates = {d.isoformat() for d in config.rules.holiday_dates(set(starts.year))}
    holiday = np.isin(np.asarray(starts.strftime("%Y-%m-%d")), list(hol_dates))
    return 1.0 + p.night * night + np.maximum(p.sunday * sunday, p.holiday * holiday)


def is_week(starts: pd.DatetimeIndex, dt: float) -> bool:
    """True when the horizon spans one week of wall-clock time (167-169 h with DST)."""
    span = len(starts) * dt
    return abs(span - 7 * 86400) <= 3600 + 1e-6


def check_week_start(starts: pd.DatetimeIndex, dt: float) -> None:
    """Raise ValueError when a one-week horizon (:func:`is_week`) does not start at
    00:00 local time: its intervals then fall on 8 local calendar dates, and the
    weekly rules (days off, the days-off block, shifts per week, the roster's days)
    are counted per local date, so they would see an 8-day week."""
    if not len(starts) or not is_week(starts, dt):
        return
    n_dates = len(np.unique(np.asarray(starts.strftime("%Y-%m-%d"))))
    if n_dates > 7:
        first = starts[0]
        raise ValueError(
            f"the requirements week starts at {first:%Y-%m-%d %H:%M} local time and so "
            f"spans {n_dates} calendar dates; start the week at 00:00 local (e.g. "
            f"{first:%Y-%m-%d} 00:00) so the weekly rules see 7 days")


def break_offsets(length: float, config: ScheduleConfig, dt: float) -> tuple[list[int], int, float]:
    """Break start offsets (intervals), break length (intervals), break seconds.

    ``([-1], 0, 0.0)`` when the shift needs no break.  Raises ValueError when the
    rule leaves no admissible break position.
    """
    rule = config.rules.break_for(length)
    if rule is None:
        return [-1], 0, 0.0
    n_brk = int(np.ceil(rule.minutes / dt - 1e-9))
    step = rule.step or dt
    if rule.earliest is not None or rule.latest is not None:
        lo = rule.earliest if rule.earliest is not None else dt
        hi = rule.latest if rule.latest is not None else length - n_brk * dt - dt
    else:
        mid = (length - rule.minutes) / 2
        lo = max(mid - rule.slack, length - MAX_WORK_STRETCH - rule.minutes, dt)
        hi = min(mid + rule.slack, MAX_WORK_STRETCH, length - n_brk * dt - dt)
    offsets = [int(round(o / dt)) for o in np.arange(0.0, length, step) if lo - 1e-9 <= o <= hi]
    offsets = [o for o in offsets if o >= 1 and o + n_brk <= int(round(length / dt)) - 1]
    if not offsets:
        raise ValueError(
            f"no admissible break position for a {length / 3600:g} h shift "
            f"({rule.minutes / 60:g} min break); widen schedule.break_rule earliest/latest"
        )
    return offsets, n_brk, float(rule.minutes)


def weighted_hours(factor: np.ndarray, worked: np.ndarray, s_ok: np.ndarray,
                   brk_at: tuple[int, int, float], dt: float) -> np.ndarray:
    """Paid hours weighted by the pay factor, per start in ``s_ok``: the on-duty
    intervals ``worked`` (starts x intervals, unwrapped) plus, with a break
    ``brk_at = (offset, intervals, seconds)`` (offset -1: none) rounded up to the grid,
    its paid remainder at the break's interval."""
    o, n_brk, brk_s = brk_at
    w_h = (factor[worked].sum(axis=1)) * dt / 3600.0
    if o >= 0:  # a break rounded up to the grid: its paid remainder
        w_h = w_h + (n_brk * dt - brk_s) / 3600.0 * factor[s_ok + o]
    return w_h


def build_instance(
    starts: pd.DatetimeIndex,
    dt: float,
    queues: tuple[str, ...],
    required: np.ndarray,
    config: ScheduleConfig,
    *,
    cyclic: bool | None = None,
) -> ShiftInstance:
    """Enumerate all shift columns for the horizon ``starts`` (local, tz-aware).

    ``required`` is (queues x intervals), rounded up to integers here.  ``cyclic``
    defaults to ``rules.wrap_week`` when the horizon is one week long.  Columns whose
    on-duty intervals meet no requirement of the group's queues are dropped unless the
    group has minimum hours or headcount (they could never be chosen otherwise).
    Raises ValueError when a one-week horizon does not start at 00:00 local
    (:func:`check_week_start`).
    """
    check_week_start(starts, dt)
    T = len(starts)
    req = np.ceil(np.asarray(required, dtype=float) - 1e-9).clip(min=0).astype(int)
    if cyclic is None:
        cyclic = config.rules.wrap_week and is_week(starts, dt)
    # A shift that wraps past the end of the week is paid for the days it really
    # works (the next week's Monday, not this week's, which may be a holiday): the
    # factors run on over a second week of wall-clock times.
    local = starts.tz_localize(None) if starts.tz is not None else starts
    factor = np.concatenate(
        [premium_factors(local, config), premium_factors(local + pd.Timedelta(days=7), config)]
    )
    minute = (starts.hour * 60 + starts.minute).to_numpy()
    weekday = starts.day_of_week.to_numpy()
    date_str = np.asarray(starts.strftime("%Y-%m-%d"))
    dates, day_index = np.unique(date_str, return_inverse=True)
    qpos = {q: i for i, q in enumerate(queues)}
    skill = np.zeros((len(config.groups), len(queues)), dtype=bool)
    for g, grp in enumerate(config.groups):
        for s in grp.skills:
            if s in qpos:
                skill[g, qpos[s]] = True
    penalty = np.array([config.rules.penalty(*q.split(":")) for q in queues], dtype=float)

    # one pattern = (template, length, break offset): on-duty offsets; candidates per template
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "group", "template", "start", "length", "brk", "brk_len", "brk_s", "paid_h", "cost",
        "day")}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    n_done = 0
    sites = group_sites(config)  # groups at a [[site]]: starts and premiums on its clock
    factors = {s.name: site_factors(starts, s, config) for s in config.sites}
    for tpl_i, tpl in enumerate(config.shifts):
        allowed = np.isin(minute, tpl.start_minutes()) & np.isin(weekday, tpl.days)
        at_site = {s.name: site_start_mask(starts, tpl, s, config, dt) for s in config.sites}
        cand = np.flatnonzero(np.logical_or.reduce([allowed, *at_site.values()]))
        for length in tpl.lengths:
            n = int(round(length / dt))
            s_ok = cand if cyclic else cand[cand + n <= T]
            if len(s_ok) == 0:
                continue
            offsets, n_brk, brk_s = break_offsets(length, config, dt)
            for o in offsets:
                k_on = np.arange(n)
                if o >= 0:
                    k_on = k_on[(k_on < o) | (k_on >= o + n_brk)]
                idx = (s_ok[:, None] + k_on[None, :]) % T  # (starts x on-duty intervals)
                worked = s_ok[:, None] + k_on[None, :]  # unwrapped: may run into next week
                paid = (n * dt - brk_s) / 3600.0
                brk_at = (o, n_brk, brk_s)
                w_h = weighted_hours(factor, worked, s_ok, brk_at, dt)
                for g, grp in enumerate(config.groups):
                    if grp.shifts is not None and tpl.name not in grp.shifts:
                        continue
                    site = sites[g]
                    keep = (allowed if site is None else at_site[site.name])[s_ok]
                    g_h = (w_h if site is None
                           else weighted_hours(factors[site.name], worked, s_ok, brk_at, dt))
                    if grp.min_weekly_hours <= 0 and grp.min_headcount == 0:
                        useful = req[skill[g]].sum(axis=0) > 0
                        keep = keep & useful[idx].any(axis=1)
                    m = int(keep.sum())
                    if m == 0:
                        continue
                    parts["group"].append(np.full(m, g))
                    parts["template"].append(np.full(m, tpl_i))
                    parts["start"].append(s_ok[keep])
                    parts["length"].append(np.full(m, n))
                    parts["brk"].append(np.full(m, o))
                    parts["brk_len"].append(np.full(m, n_brk if o >= 0 else 0))
                    parts["brk_s"].append(np.full(m, brk_s))
                    parts["paid_h"].append(np.full(m, paid))
                    parts["cost"].append(grp.rate * g_h[keep])
                    parts["day"].append(day_index[s_ok[keep]])
                    sub = idx[keep]
                    rows.append(np.repeat(np.arange(n_done, n_done + m), sub.shape[1]))
                    cols.append(sub.ravel())
                    n_done += m

    def cat(key: str, dtype) -> np.ndarray:
        return np.concatenate(parts[key]).astype(dtype) if parts[key] else np.zeros(0, dtype)

    duty = sp.csr_matrix(
        (np.ones(sum(len(r) for r in rows)), (np.concatenate(rows or [np.zeros(0, int)]),
                                              np.concatenate(cols or [np.zeros(0, int)]))),
        shape=(n_done, T),
    )
    columns = Columns(
        group=cat("group", int),
        template=cat("template", int),
        start=cat("start", int),
        length=cat("length", int),
        brk=cat("brk", int),
        brk_len=cat("brk_len", int),
        brk_seconds=cat("brk_s", float),
        paid_h=cat("paid_h", float),
        cost=cat("cost", float),
        day_index=cat("day", int),
        duty=duty,
    )
    return ShiftInstance(
        starts=starts,
        dt=float(dt),
        cyclic=bool(cyclic),
        queues=tuple(queues),
        required=req,
        penalty=penalty,
        skill=skill,
        config=config,
        columns=columns,
        dates=tuple(str(d) for d in dates),
        short_cost=coverage_costs(columns, skill, penalty, T, float(dt), config),
    )


COVER_MARGIN = 1.05  # a raised shortfall cost is 5 % above the shift it stands against


def coverage_costs(cols: Columns, skill: np.ndarray, penalty: np.ndarray, T: int, dt: float,
                   config: ScheduleConfig) -> np.ndarray:
    """Money per missing agent-hour of queue q in interval t, (Q, T): coverage inside
    the optimisation.  With ``fill_shortfalls`` (the default) every queue that must be
    filled (its penalty is not below the rate of every skilled group, see
    :func:`wfm.schedule.evaluate.may_leave_short`) gets, per interval, its penalty plus
    ``COVER_MARGIN`` x the cost of one whole shift on duty there, divided by the interval
    in hours: the cheapest column of each skilled group on duty at t, the dearest of
    those groups (so that a group at its headcount limit does not make short coverage
    cheaper than the next group's shift).  Leaving one agent-interval short then never
    costs less than a shift that covers it, so the optimum covers what the fill pass
    would add afterwards, and the gap to the LP bound is the gap of the plan written out;
    the configured penalties still rank the queues of a group at its limit (phone 200
    before e-mail 60: the shift part is the same for both).  Elsewhere (no shift on
    duty, "may leave short" queues, ``fill_shortfalls = false``) the configured
    penalty."""
    Q, G = len(penalty), skill.shape[0]
    out = np.repeat(penalty[:, None].astype(float), T, axis=1)
    if not config.rules.fill_shortfalls or len(cols) == 0:
        return out
    coo = cols.duty.tocoo()
    cheapest = np.full(G * T, np.inf)
    np.minimum.at(cheapest, cols.group[coo.row] * T + coo.col, cols.cost[coo.row])
    cheapest = cheapest.reshape(G, T)
    rates = np.array([g.rate for g in config.groups], dtype=float)
    dt_h = dt / 3600.0
    for q in range(Q):
        gs = np.flatnonzero(skill[:, q])
        if not len(gs) or penalty[q] < rates[gs].min():
            continue
        c = cheapest[gs]
        worst = np.where(np.isfinite(c), c, -np.inf).max(axis=0)
        out[q] += np.where(np.isfinite(worst), COVER_MARGIN * worst / dt_h, 0.0)
    return out


def rest_window(inst: ShiftInstance, g: int) -> int:
    """Intervals within which one agent of group g can start at most one shift:
    shortest shift of the group + ``min_rest`` (0 when the rule is off)."""
    rules = inst.config.rules
    mine = inst.columns.group == g
    if not rules.rest_in_aggregate or rules.min_rest <= 0 or not mine.any():
        return 0
    shortest = int(inst.columns.length[mine].min())
    return shortest + int(np.ceil(rules.min_rest / inst.dt - 1e-9))


def window_starts(inst: ShiftInstance, g: int, y: np.ndarray) -> np.ndarray:
    """Shifts of group g starting in the window [t, t + rest_window) for every t."""
    w = rest_window(inst, g)
    T = inst.T
    if w == 0:
        return np.zeros(T)
    mine = inst.columns.group == g
    starts = np.bincount(inst.columns.start[mine], weights=y[mine], minlength=T)
    ext = np.concatenate([starts, starts[: w - 1] if inst.cyclic else np.zeros(w - 1)])
    csum = np.concatenate([[0.0], np.cumsum(ext)])
    return csum[w: w + T] - csum[:T]


def off_blocks(inst: ShiftInstance, g: int, capped_only: bool = True) -> np.ndarray | None:
    """Days-off patterns of group g for the aggregate days-off rows: a (K x days) 0/1
    array, row k the days of the k-th block of ``consecutive_days_off`` days off
    (starting on day k; with a cyclic week the block wraps from Sunday into Monday,
    otherwise blocks running past the horizon are left out).

    None when the rule does not apply: no block is asked (``consecutive_days_off =
    0``), the horizon is shorter than a week (the roster asks no block then), or, with
    ``capped_only`` (the model's rows), the group has no ``max_headcount`` (it can
    always hire one more, so the model needs no rows for it; its headcount still
    needs the block: ``capped_only=False``)."""
    rules = inst.config.rules
    b = rules.consecutive_days_off
    n_days = len(inst.dates)
    if b <= 0 or n_days < 7 or (capped_only and inst.config.groups[g].max_headcount is None):
        return None
    k = np.arange(n_days)[:, None] + np.arange(b)[None, :]  # (K x b) days of block k
    k = k % n_days if inst.cyclic else k[k[:, -1] < n_days]
    out = np.zeros((len(k), n_days), dtype=int)
    np.put_along_axis(out, k, 1, axis=1)
    return out


def column_keys(inst: ShiftInstance) -> list[tuple[int, int, int, int, int]]:
    """One key per column, (group, template, start, length, break offset): the same
    shift has the same key in two instances of one horizon and config, whatever
    requirement dropped or kept other columns."""
    c = inst.columns
    return list(zip(c.group.tolist(), c.template.tolist(), c.start.tolist(),
                    c.length.tolist(), c.brk.tolist(), strict=True))


def carry_plan(prev: ShiftInstance, y: np.ndarray, inst: ShiftInstance) -> np.ndarray:
    """The integer plan ``y`` of ``prev`` as counts on the columns of ``inst`` (same
    horizon and config, e.g. a raised requirement).  Raises ValueError when a planned
    shift has no column in ``inst``."""
    pos = {k: i for i, k in enumerate(column_keys(inst))}
    out = np.zeros(len(inst.columns), dtype=int)
    for k, n in zip(column_keys(prev), np.asarray(y, dtype=int).tolist(), strict=True):
        if n:
            if k not in pos:
                raise ValueError(f"the previous plan's shift {k} is not a column any more")
            out[pos[k]] += n
    return out
