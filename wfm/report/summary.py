"""The report's first screen: what the plan costs, whether it meets its targets, what to
look at (pure: frames in, plain values out).

Hours are agent-hours per planned week, money is EUR, service levels are fractions 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.scenario.scheduled import shift_paid_hours


@dataclass(frozen=True)
class Alert:
    """One line of the alert box: ``level`` ``"miss"`` (a target or hours missed) or
    ``"note"``; ``anchor`` the section id the line links down to."""

    level: str
    text: str
    anchor: str


@dataclass
class Headline:
    """The plan in numbers: paid hours, FTE and shift cost of the planned week."""

    paid_h: float
    fte: float
    fte_hours: float
    cost: float
    shifts: int
    required_h: float
    short_h: float
    gap: float | None = None  # relative MIP gap of the solver (None: not known)
    solver_status: str | None = None
    notes: list[str] = field(default_factory=list)


def headline(shifts: pd.DataFrame, coverage: pd.DataFrame, interval: float,
             fte_hours: float, schedule: dict | None = None) -> Headline:
    """Paid hours (:func:`wfm.scenario.scheduled.shift_paid_hours`) and cost from
    ``shifts.csv``, required and short agent-hours from ``coverage.csv`` (``interval`` in
    seconds), FTE at ``fte_hours`` paid hours a week; the solver's
    gap when ``schedule`` (the ``wfm schedule`` summary) is given."""
    h = interval / 3600.0
    paid = shift_paid_hours(shifts)
    sched = schedule or {}
    return Headline(
        paid_h=paid, fte=paid / fte_hours, fte_hours=fte_hours,
        cost=float(shifts["cost"].sum()) if len(shifts) else 0.0,
        shifts=int(shifts["agents"].sum()) if len(shifts) else 0,
        required_h=float(coverage["agents_required"].sum() * h),
        short_h=float(coverage["shortfall"].sum() * h),
        gap=sched.get("gap"), solver_status=sched.get("status"),
    )


def queue_status(service: pd.DataFrame, coverage: pd.DataFrame,
                 simulation: pd.DataFrame | None, sim_data: pd.DataFrame | None,
                 cov_data: pd.DataFrame, uncovered: pd.DataFrame | None) -> pd.DataFrame:
    """Per queue: service level planned (at the required agents) and simulated (at the
    scheduled agents), the target, intervals missed, short agent-hours and why;
    ``meets_target``: no interval misses and no short hour; ``misses_week``: the
    week's (offered-weighted) simulated service level is below the target.

    ``service``/``coverage``/``simulation`` are the per-queue summaries of
    :mod:`wfm.report.tables`; ``sim_data``/``cov_data`` the per-interval tables.
    """
    out = service[["queue", "weighted_service_level"]].rename(
        columns={"weighted_service_level": "sl_required"})
    out = out.merge(coverage[["queue", "shortfall_agent_h", "intervals_short"]], on="queue",
                    how="left")
    if simulation is not None:
        sim = simulation[["queue", "service_level_erlang_plan", "service_level_sim",
                          "target_sl", "intervals_missed", "intervals_with_contacts"]]
        out = out.merge(sim, on="queue", how="left")
    else:
        for col in ("service_level_erlang_plan", "service_level_sim", "target_sl"):
            out[col] = np.nan
        out["intervals_missed"] = 0
        out["intervals_with_contacts"] = np.nan
    out["intervals_missed"] = out["intervals_missed"].fillna(0).astype(int)
    out["why"] = [_why(row, sim_data, cov_data, uncovered) for row in out.itertuples()]
    out["meets_target"] = (out["intervals_missed"] == 0) & (out["shortfall_agent_h"] <= 0)
    sl = out["service_level_sim"].where(out["service_level_sim"].notna(), out["sl_required"])
    out["misses_week"] = sl < out["target_sl"] - 1e-9
    return out


def _why(row, sim_data, cov_data, uncovered) -> str:
    """A short reason for a queue that misses: short coverage, the solver's limits, or
    randomness/routing the plan's Erlang does not see."""
    reasons = []
    if row.intervals_missed and sim_data is not None:
        missed = sim_data[(sim_data["queue"] == row.queue) & sim_data["misses_target"]]
        cov = cov_data[cov_data["queue"] == row.queue].set_index("interval_start")
        short = int((cov.reindex(missed["interval_start"])["shortfall"] > 0).sum())
        if short:
            some = "all" if short == row.intervals_missed else f"{short} of the"
            reasons.append(f"{some} {_n(row.intervals_missed, 'missed interval')} "
                           "scheduled below the requirement")
        if short < row.intervals_missed:
            reasons.append(f"{_n(row.intervals_missed - short, 'interval')} missed with the "
                           "required agents scheduled (lost to routing, breaks and shift "
                           "ends in the simulation)")
    if row.shortfall_agent_h and row.shortfall_agent_h > 0:
        why = ""
        if uncovered is not None and len(uncovered):
            mine = uncovered[uncovered["queue"] == row.queue]["reason"].dropna().unique()
            why = f" ({'; '.join(map(str, mine))})" if len(mine) else ""
        reasons.append(f"{row.shortfall_agent_h:,.1f} agent-h scheduled below the "
                       f"requirement in {_n(int(row.intervals_short), 'interval')}{why}")
    return "; ".join(reasons)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def alerts(head: Headline, status: pd.DataFrame, requested_gap: float | None = None,
           simulated: bool = True) -> list[Alert]:
    """The alert lines, misses first: queues missing their target in the simulation,
    uncovered hours, a solver gap above ``requested_gap`` (relative)."""
    out = []
    for row in status.sort_values("intervals_missed", ascending=False).itertuples():
        if row.intervals_missed:
            week = "below" if row.misses_week else "above"
            out.append(Alert("miss", f"{row.queue} misses its service-level target in "
                             f"{row.intervals_missed} of {int(row.intervals_with_contacts)} "
                             f"intervals (the week: {row.service_level_sim:.1%}, {week} the "
                             f"target {row.target_sl:.0%}): {row.why}", "simulation"))
    short = status[status["shortfall_agent_h"] > 0]
    if len(short):
        names = ", ".join(f"{q} {h:,.1f} h" for q, h in
                          short[["queue", "shortfall_agent_h"]].itertuples(index=False))
        out.append(Alert("miss", f"{head.short_h:,.1f} required agent-hours not covered by "
                         f"shifts: {names}", "coverage"))
    if head.gap is not None and (requested_gap is None or head.gap > requested_gap):
        out.append(Alert("note", f"the shift plan is proven within {head.gap:.2%} of the "
                         f"cheapest possible (solver: {head.solver_status or 'unknown'})",
                         "shifts"))
    if not simulated:
        out.append(Alert("note", "the plan was not simulated (wfm plan --simulate N): the "
                         "service levels are Erlang at the required agents only",
                         "service-level"))
    return out


def scenario_answer(scenarios: pd.DataFrame,
                    queues: pd.DataFrame | None) -> dict[str, object] | None:
    """Cheapest scenario (run cost per year and total cost of ownership), best service
    (contact-weighted service level of ``scenarios.queues.csv``) and the efficient
    scenarios (no other is both cheaper per year and better served)."""
    tot = scenarios[scenarios["provider"] == "TOTAL"].set_index("scenario")
    if tot.empty:
        return None
    out: dict[str, object] = {
        "cheapest_run": str(tot["run_cost_per_year_eur"].idxmin()),
        "cheapest_run_eur": float(tot["run_cost_per_year_eur"].min()),
        "cheapest_tco": str(tot["tco_eur"].idxmin()) if "tco_eur" in tot else None,
    }
    if queues is None or "service_level" not in queues:
        return out
    q = queues.dropna(subset=["service_level"])
    w = q["contacts_per_year"]
    sl = (q["service_level"] * w).groupby(q["scenario"]).sum() / w.groupby(q["scenario"]).sum()
    sl = sl.reindex(tot.index)
    out["best_service"] = str(sl.idxmax())
    out["best_service_sl"] = float(sl.max())
    cost = tot["run_cost_per_year_eur"]
    out["efficient"] = [s for s in tot.index
                        if not ((cost < cost[s]) & (sl >= sl[s])
                                | (cost <= cost[s]) & (sl > sl[s])).any()]
    out["service_level"] = {str(k): float(v) for k, v in sl.items()}
    return out
