"""The monthly capacity plan of every queue: demand -> required FTE -> hiring classes ->
headcount, productive FTE, vendor FTE and cost, with an explanation of each figure.

Units: FTE (paid hours / contract hours), contacts per month, EUR per month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.capacity.cohort import WEEKS_PER_MONTH, Cohort, Policy, QueuePlan, plan_queue
from wfm.capacity.cohort import required_fte as required_fte_of
from wfm.capacity.trend import Demand, add_months
from wfm.config.capacity import CapacityFile, CapacityQueue
from wfm.errors import WfmInputError

COLUMNS = (
    "month", "queue", "volume", "aht_s", "workload_hours", "required_fte", "inhouse_target_fte",
    "headcount_fte", "in_training_fte", "ramping_fte", "productive_fte", "hires", "leavers_fte",
    "vendor_fte", "surplus_fte", "inhouse_cost_eur", "vendor_cost_eur", "hiring_cost_eur",
)


@dataclass
class CapacityPlan:
    """``table``: one row per month and queue (:data:`COLUMNS`); ``explain``: rows of
    ``queue, month, figure, value, how``; ``hours_per_week`` and where it came from."""

    table: pd.DataFrame
    explain: list[dict[str, object]]
    hours_per_week: float
    hours_source: str
    plans: dict[str, QueuePlan] = field(default_factory=dict)


def policy_of(cap: CapacityFile) -> Policy:
    h = cap.hiring
    return Policy(
        attrition=tuple((b.tenure_from, b.monthly_rate) for b in cap.attrition),
        training_months=h.training_months, ramp=tuple(h.ramp),
        max_class_size=h.max_class_size, first_hire_month=h.first_hire_month,
        hire_fte=h.hire_fte, **_weights(cap),
    )


def _weights(cap: CapacityFile) -> dict[str, float]:
    """What the hiring plan weighs: the file's EUR when it prices in-house FTE-months,
    else in-house headcount-months alone."""
    c = cap.cost
    if c.inhouse_fte_month <= 0:
        return {}
    return {"inhouse_month_cost": c.inhouse_fte_month, "vendor_month_cost": c.vendor_fte_month,
            "hire_cost": cap.hiring.cost_per_hire}


def build_plan(cap: CapacityFile, demand: dict[str, Demand], hours_per_week: float,
               hours_source: str) -> CapacityPlan:
    """Plan every queue of ``cap`` on its ``demand`` (queue name -> :class:`Demand`)."""
    policy = policy_of(cap)
    h = cap.horizon.months
    # classes for the last months' needs start inside the horizon: plan `lead` months
    # further on the same trend and report the horizon only
    lead = policy.training_months + len(policy.ramp)
    months = [add_months(cap.horizon.first, i) for i in range(h + lead)]
    frames, explain, plans = [], [], {}
    for i, q in enumerate(cap.queues):
        d = demand[q.name]
        with np.errstate(over="ignore", invalid="ignore"):
            volume = np.array([d.volume(m) for m in months])
            required = np.array([
                required_fte_of(v, q.aht, q.occupancy, q.shrinkage, hours_per_week, q.min_fte)
                for v in volume])
        _check_finite(cap, i, d, months, volume, required)
        staff = [Cohort(start=-c.tenure_months, fte=c.fte) for c in q.staff]
        p = _cut(plan_queue(required, q.vendor_share, staff, policy), h)
        plans[q.name] = p
        frames.append(_frame(q, months[:h], volume[:h], p, cap))
        explain += _explain(q, d, months[:h], volume[:h], p, cap, policy, hours_per_week)
    return CapacityPlan(pd.concat(frames, ignore_index=True), explain, hours_per_week,
                        hours_source, plans)


def _check_finite(cap: CapacityFile, i: int, d: Demand, months: list[dt.date],
                  volume: np.ndarray, required: np.ndarray) -> None:
    """A :class:`WfmInputError` naming the capacity file and ``queue[i]`` when the
    volume or the required FTE of a month overflows (a huge ``volume``, ``aht`` or
    ``growth`` (file or history trend) can make them infinite)."""
    bad = ~(np.isfinite(volume) & np.isfinite(required))
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        q = cap.queues[i]
        what = "volume" if not np.isfinite(volume[t]) else "required FTE"
        src = "the --history trend" if "history" in d.source else "the capacity file"
        raise WfmInputError(
            f"queue[{i + 1}] ({q.name}): the {what} of {months[t]:%Y-%m} is not a finite "
            f"number ({d.base:.4g} contacts a month, growth {d.growth:+.4g} a year from "
            f"{src}, aht {q.aht:g} s): check volume, growth and aht (give growth in the "
            "file to override the trend)", file=cap.path)


def _cut(p: QueuePlan, h: int) -> QueuePlan:
    """The first ``h`` months of a plan."""
    arrays = {k: v[:h] for k, v in vars(p).items() if isinstance(v, np.ndarray)}
    return QueuePlan(**arrays, cohorts=p.cohorts, unmet=p.unmet)


def _frame(q: CapacityQueue, months: list[dt.date], volume: np.ndarray, p: QueuePlan,
           cap: CapacityFile) -> pd.DataFrame:
    workload = volume * q.aht / 3600.0
    return pd.DataFrame({
        "month": [m.strftime("%Y-%m") for m in months], "queue": q.name,
        "volume": volume, "aht_s": q.aht, "workload_hours": workload,
        "required_fte": p.required, "inhouse_target_fte": p.target,
        "headcount_fte": p.headcount, "in_training_fte": p.in_training,
        "ramping_fte": p.ramping, "productive_fte": p.productive,
        "hires": p.hires.astype(int), "leavers_fte": p.leavers,
        "vendor_fte": p.vendor, "surplus_fte": p.surplus,
        "inhouse_cost_eur": p.headcount * cap.cost.inhouse_fte_month,
        "vendor_cost_eur": p.vendor * cap.cost.vendor_fte_month,
        "hiring_cost_eur": p.hires * cap.hiring.cost_per_hire,
    })[list(COLUMNS)]


def _explain(q: CapacityQueue, d: Demand, months: list[dt.date], volume: np.ndarray,
             p: QueuePlan, cap: CapacityFile, policy: Policy, hpw: float) -> list[dict]:
    rows = []
    prod_h = hpw * WEEKS_PER_MONTH * (1.0 - q.shrinkage)
    for t, m in enumerate(months):
        label = m.strftime("%Y-%m")
        years = (m.replace(day=15) - d.base_date).days / 365.25

        def add(figure: str, value: float, how: str, _label: str = label) -> None:
            rows.append({"queue": q.name, "month": _label, "figure": figure,
                         "value": float(value), "how": how})

        add("volume", volume[t], f"{d.base:,.0f} * (1{d.growth:+.4f})^{years:.3f} years "
            f"[{d.source}]")
        work = volume[t] * q.aht / 3600.0
        add("required_fte", p.required[t],
            f"max(min_fte {q.min_fte:g}, workload {work:,.1f} h / occupancy {q.occupancy:g} / "
            f"({hpw:g} h/week * 52/12 * (1 - shrinkage {q.shrinkage:g}) = {prod_h:,.1f} h "
            "per FTE-month))")
        add("inhouse_target_fte", p.target[t],
            f"required {p.required[t]:.2f} * (1 - vendor_share {q.vendor_share:g})")
        add("productive_fte", p.productive[t], _cohort_text(p.cohorts, t, policy, months[0]))
        add("headcount_fte", p.headcount[t],
            f"FTE on the first day: {p.in_training[t]:.2f} in training + {p.ramping[t]:.2f} "
            f"ramping + {p.headcount[t] - p.in_training[t] - p.ramping[t]:.2f} fully productive")
        add("hires", p.hires[t], _hire_text(p, t, policy, months[0]))
        add("vendor_fte", p.vendor[t],
            f"max(0, required {p.required[t]:.2f} - productive in-house {p.productive[t]:.2f})")
        add("inhouse_cost_eur", p.headcount[t] * cap.cost.inhouse_fte_month,
            f"headcount {p.headcount[t]:.2f} FTE * {cap.cost.inhouse_fte_month:,.0f} EUR")
        add("vendor_cost_eur", p.vendor[t] * cap.cost.vendor_fte_month,
            f"vendor {p.vendor[t]:.2f} FTE * {cap.cost.vendor_fte_month:,.0f} EUR")
    return rows


def _cohort_text(cohorts: list[Cohort], t: int, policy: Policy, first: dt.date) -> str:
    from wfm.capacity.cohort import cohort_fte, productivity

    parts = []
    for c in cohorts:
        if t < c.start:
            continue
        k = t - c.start
        f = cohort_fte(c, t, policy.attrition)
        who = (f"class of {add_months(first, c.start):%Y-%m}" if c.persons
               else f"starting staff (tenure {-c.start} mo on day 1)")
        prod = productivity(k, policy.training_months, policy.ramp)
        parts.append(f"{who}: {f:.2f} FTE at tenure {k} * productivity {prod:g}")
    return "sum of " + "; ".join(parts) if parts else "no staff"


def _hire_text(p: QueuePlan, t: int, policy: Policy, first: dt.date) -> str:
    lead = policy.training_months + len(policy.ramp)
    if not p.hires[t]:
        return "no class starts this month"
    return (f"class of {int(p.hires[t])} starts: {policy.training_months} months training, "
            f"ramp {list(policy.ramp)}, fully productive in {add_months(first, t + lead):%Y-%m}; "
            f"sized to close that month's gap: ceil(gap / (hire_fte {policy.hire_fte:g} * "
            f"survival over {lead} months)), at most {policy.max_class_size} per month")
