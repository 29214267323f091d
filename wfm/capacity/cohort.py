"""Cohort arithmetic of the long-range capacity plan: pure functions, no I/O.

Conventions (months are calendar months, index 0 = the first planned month):

* A hiring class starts on the first day of month ``s``; its members have
  tenure ``k = t - s`` in month ``t`` (0 in the first month).
* Headcount of a month is counted on its first day.  At the end of a month a
  fraction ``rate(k)`` of a cohort with tenure ``k`` leaves (attrition by
  tenure band), so survival from tenure ``k0`` to ``k`` is
  ``prod_{j=k0}^{k-1} (1 - rate(j))``.
* Productivity by tenure: 0 while ``k < training_months`` (in class), then
  ``ramp[k - training_months]`` for the ramp months, then 1.0.
* Productive FTE = sum over cohorts of FTE * productivity; it is compared with
  the required FTE of fully productive staff.  The part of the requirement
  in-house staff do not cover is the vendor's (or overtime's) FTE.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

WEEKS_PER_MONTH = 52.0 / 12.0
# the hiring programme stops within 1 % of the optimum (an exact proof can take minutes
# on knapsack-like ties); the time limit per stage is a safety net only: the example's
# queues take well under a second each
_MILP_OPTIONS = {"mip_rel_gap": 1e-2, "time_limit": 20.0}


@dataclass(frozen=True)
class Cohort:
    """``fte`` on the first day of month ``max(start, 0)``, hired in month ``start``.

    Starting staff with tenure ``tau`` months have ``start = -tau``.
    """

    start: int
    fte: float
    persons: int = 0  # hires of a class (0 for starting staff given in FTE)


@dataclass(frozen=True)
class Policy:
    """Hiring and attrition rules (see :mod:`wfm.config.capacity` for the keys).

    ``attrition``: ``(tenure_from, monthly_rate)`` bands, the first from 0.
    """

    attrition: tuple[tuple[int, float], ...]
    training_months: int
    ramp: tuple[float, ...]
    max_class_size: int
    first_hire_month: int = 0
    hire_fte: float = 1.0
    # what the hiring plan weighs (EUR or any one unit): an in-house FTE-month of
    # headcount, a vendor FTE-month before the classes can be fully productive, a hire
    inhouse_month_cost: float = 1.0
    vendor_month_cost: float = 0.0
    hire_cost: float = 0.0


@dataclass
class QueuePlan:
    """Monthly arrays of one queue's plan (FTE unless named otherwise)."""

    required: np.ndarray
    target: np.ndarray
    productive: np.ndarray
    headcount: np.ndarray
    in_training: np.ndarray
    ramping: np.ndarray
    leavers: np.ndarray
    hires: np.ndarray  # persons starting a class in the month
    vendor: np.ndarray
    surplus: np.ndarray
    cohorts: list[Cohort] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)


def attrition_rate(tenure: int, bands: Sequence[tuple[int, float]]) -> float:
    """Monthly leaving rate of staff with ``tenure`` months (the last band that starts at or
    below it)."""
    rate = bands[0][1]
    for start, r in bands:
        if tenure >= start:
            rate = r
    return rate


def survival(k0: int, k: int, bands: Sequence[tuple[int, float]]) -> float:
    """Share of a cohort with tenure ``k0`` still there at tenure ``k`` (>= ``k0``)."""
    return math.prod(1.0 - attrition_rate(j, bands) for j in range(k0, k))


def productivity(tenure: int, training_months: int, ramp: Sequence[float]) -> float:
    """0 in class, ``ramp[i]`` in production month i+1, 1.0 after the ramp."""
    if tenure < training_months:
        return 0.0
    i = tenure - training_months
    return ramp[i] if i < len(ramp) else 1.0


def cohort_fte(c: Cohort, t: int, bands: Sequence[tuple[int, float]]) -> float:
    """FTE of cohort ``c`` on the first day of month ``t`` (0 before it starts)."""
    if t < c.start:
        return 0.0
    ref = max(c.start, 0)
    return c.fte * survival(ref - c.start, t - c.start, bands)


def required_fte(
    volume: float, aht_s: float, occupancy: float, shrinkage: float,
    hours_per_week: float, min_fte: float = 0.0,
) -> float:
    """Required FTE of fully productive staff in a month.

    workload hours = volume * AHT / 3600; productive hours of one FTE-month =
    hours_per_week * 52/12 * (1 - shrinkage); FTE = workload / occupancy /
    productive hours, at least ``min_fte``.
    """
    hours = hours_per_week * WEEKS_PER_MONTH * (1.0 - shrinkage)
    return max(min_fte, volume * aht_s / 3600.0 / occupancy / hours)


def productive_fte(cohorts: Sequence[Cohort], t: int, policy: Policy) -> float:
    """Sum over cohorts of FTE(t) * productivity(tenure)."""
    return sum(
        cohort_fte(c, t, policy.attrition)
        * productivity(t - c.start, policy.training_months, policy.ramp)
        for c in cohorts
        if t >= c.start
    )


def plan_hires(target: np.ndarray, staff: Sequence[Cohort], policy: Policy) -> list[Cohort]:
    """Hiring classes that cover ``target`` productive FTE at the least cost.

    One class may start in each month ``s >= first_hire_month``, of ``n_s`` whole
    persons (at most ``max_class_size``).  A month ``t`` is *reachable* when a class
    can be fully productive in it: ``t >= first_hire_month + lead`` with ``lead =
    training_months + len(ramp)``.  In every reachable month the productive FTE
    (starting staff + every class, ramping ones included) must reach the target; the
    earlier months' gap is the vendor's (or overtime's), as is what the class-size
    limit leaves open.  The classes solve the integer programme

    1. minimise the total shortfall ``sum_t max(0, target_t - productive_t)`` over
       the reachable months (zero unless the class limit binds), then
    2. at that shortfall, minimise ``inhouse_month_cost`` x headcount-months (each
       hire's headcount until the end, attrition included) + ``hire_cost`` x hires +
       ``vendor_month_cost`` x the earlier months' shortfall that ramping classes could
       cover.

    Counting the ramp output of the younger classes avoids the buffer a month-by-month
    rule builds (sizing each class for its fully productive month alone leaves about
    ``hires x sum(ramp)`` FTE above target in steady hiring); counting each hire's
    headcount to the end keeps the plan from hiring for a ramp month and carrying the
    surplus for good (nobody is laid off) unless the vendor months it saves are worth
    more.  Solved by HiGHS through :func:`scipy.optimize.milp` (a few dozen variables
    per queue) to within 1 % of the optimum.
    """
    h = len(target)
    lead = policy.training_months + len(policy.ramp)
    starts = np.arange(policy.first_hire_month, h)
    months = np.arange(policy.first_hire_month + policy.training_months, h)
    if starts.size == 0 or months.size == 0 or policy.max_class_size <= 0:
        return list(staff)
    headcount = _class_headcount(starts, h, policy)  # per hire, (month, start)
    output = _class_output(headcount, starts, policy)[months]  # productive FTE per hire
    stay = headcount.sum(axis=0)  # headcount-months per hire
    need = np.asarray(target, float)[months] - [productive_fte(staff, t, policy)
                                                 for t in months]
    reachable = months >= policy.first_hire_month + lead
    hires = _solve_classes(output, np.maximum(need, 0.0), reachable,
                           policy.inhouse_month_cost * stay + policy.hire_cost,
                           policy.vendor_month_cost, policy.max_class_size)
    cohorts = [*staff, *(Cohort(start=int(s), fte=n * policy.hire_fte, persons=int(n))
                         for s, n in zip(starts, hires, strict=True) if n > 0)]
    return _merge(cohorts, len(staff))


def _class_headcount(starts: np.ndarray, h: int, policy: Policy) -> np.ndarray:
    """(month, start) headcount FTE of one hire of the class starting at ``start``."""
    out = np.zeros((h, starts.size))
    for j, s in enumerate(starts):
        for t in range(s, h):
            out[t, j] = policy.hire_fte * survival(0, t - s, policy.attrition)
    return out


def _class_output(headcount: np.ndarray, starts: np.ndarray, policy: Policy) -> np.ndarray:
    """(month, start) productive FTE of one hire: its headcount x productivity(tenure)."""
    tenure = np.arange(headcount.shape[0])[:, None] - starts[None, :]
    prod = np.vectorize(lambda k: productivity(k, policy.training_months, policy.ramp)
                        if k >= 0 else 0.0, otypes=[float])(tenure)
    return headcount * prod


def _solve_classes(output: np.ndarray, need: np.ndarray, reachable: np.ndarray,
                   class_cost: np.ndarray, vendor_cost: float, max_class: int) -> np.ndarray:
    """Whole class sizes ``n`` (0..max_class) with ``output @ n + short >= need``.

    Lexicographic: least shortfall in the ``reachable`` months, then least
    ``class_cost @ n + vendor_cost * (shortfall in the other months)``.  Variables:
    the class sizes, then one shortfall per month.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, k = output.shape
    rows = LinearConstraint(np.hstack([output, np.eye(m)]), lb=need, ub=np.inf)
    bounds = Bounds(np.zeros(k + m), np.r_[np.full(k, float(max_class)), need])
    kinds = np.r_[np.ones(k), np.zeros(m)]
    late = np.r_[np.zeros(k), reachable.astype(float)]
    first = milp(late, constraints=rows, integrality=kinds, bounds=bounds,
                 options=_MILP_OPTIONS)
    if first.x is None:  # no plan within the time limit: no class, the vendor covers
        return np.zeros(k, dtype=int)
    cap = LinearConstraint(late[None, :], lb=-np.inf,
                           ub=first.fun + 1e-7 * (1.0 + abs(first.fun)))
    cost = np.r_[class_cost, np.where(reachable, 0.0, vendor_cost)]
    second = milp(cost, constraints=[rows, cap], integrality=kinds, bounds=bounds,
                  options=_MILP_OPTIONS)
    best = second if second.x is not None else first  # a time limit with no better plan
    return np.round(best.x[:k]).astype(int)


def _merge(cohorts: list[Cohort], n_staff: int) -> list[Cohort]:
    """Starting staff as given, then one class per month (additions to a month merged)."""
    classes: dict[int, Cohort] = {}
    for c in cohorts[n_staff:]:
        old = classes.get(c.start)
        classes[c.start] = c if old is None else Cohort(
            c.start, old.fte + c.fte, old.persons + c.persons)
    return [*cohorts[:n_staff], *(classes[s] for s in sorted(classes))]


def evaluate(
    required: np.ndarray, target: np.ndarray, cohorts: Sequence[Cohort], policy: Policy
) -> QueuePlan:
    """Monthly headcount, productive FTE, leavers, vendor and surplus FTE of ``cohorts``."""
    h = len(required)
    out = {k: np.zeros(h) for k in ("productive", "headcount", "in_training", "ramping",
                                      "leavers", "hires")}
    t_end = policy.training_months + len(policy.ramp)
    for t in range(h):
        for c in cohorts:
            if t < c.start:
                continue
            k = t - c.start
            f = cohort_fte(c, t, policy.attrition)
            out["headcount"][t] += f
            out["productive"][t] += f * productivity(k, policy.training_months, policy.ramp)
            out["leavers"][t] += f * attrition_rate(k, policy.attrition)
            if k < policy.training_months:
                out["in_training"][t] += f
            elif k < t_end:
                out["ramping"][t] += f
            if k == 0 and c.persons:
                out["hires"][t] += c.persons
    vendor = np.maximum(0.0, required - out["productive"])
    surplus = np.maximum(0.0, out["productive"] - target)
    return QueuePlan(required=required, target=target, vendor=vendor, surplus=surplus,
                     cohorts=list(cohorts), **out)


def plan_queue(required: np.ndarray, vendor_share: float, staff: Sequence[Cohort],
               policy: Policy) -> QueuePlan:
    """Plan one queue: in-house target = required * (1 - vendor_share), hire, evaluate."""
    required = np.asarray(required, dtype=float)
    target = required * (1.0 - vendor_share)
    cohorts = plan_hires(target, staff, policy)
    return evaluate(required, target, cohorts, policy)
