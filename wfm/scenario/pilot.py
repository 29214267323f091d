"""Pilot plans: one sub-area moved to a vendor for N weeks, and the check of its actuals.

Pure functions, no I/O.  The pilot scenario is the baseline scenario with one
routing rule put first (first match wins): the pilot's queues in its window go
to the vendor.  Figures for the pilot window are the engine's per-year
figures * weeks / 52 (a year is 52 weeks, as in :mod:`wfm.scenario.cost`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from wfm.config.pilot import Pilot, Success
from wfm.config.scenario import Route, Scenario
from wfm.scenario.cost import WEEKS_PER_YEAR


def pilot_scenario(baseline: Scenario, pilot: Pilot) -> Scenario:
    """The baseline with the pilot's route first: ``queues`` in ``when`` to the vendor."""
    route = Route(queues=pilot.queues, when=pilot.when, provider=pilot.vendor)
    return Scenario(name=f"pilot: {pilot.name}", description=f"{baseline.name} + pilot",
                    default=baseline.default, route=(route, *baseline.route))


def window_rows(results: list[Any], weeks: int, transition: float) -> list[dict[str, Any]]:
    """Per scenario and provider (and TOTAL): contacts, paid hours, FTE and run cost during
    the ``weeks`` of the pilot; the pilot's TOTAL carries the transition cost, the extra
    cost against the baseline (pilot run - baseline run + transition: the freed in-house
    hours are not paid, e.g. fewer temps or overtime) and the extra cost if the in-house
    staff stay on the payroll (run cost of the providers new in the pilot + transition)."""
    f = weeks / WEEKS_PER_YEAR
    rows = []
    for r in results:
        for p in [*r.providers, None]:
            src = r if p is None else p
            rows.append({
                "scenario": r.name, "provider": "TOTAL" if p is None else p.provider,
                "contacts": r.contacts * f if p is None else p.contacts * f,
                "paid_hours": (sum(q.paid_hours for q in r.providers) if p is None
                               else p.paid_hours) * f,
                "fte": sum(q.fte for q in r.providers) if p is None else p.fte,
                "run_cost_eur": src.run_per_year * f,
                "transition_eur": 0.0, "extra_cost_eur": None,
                "extra_if_staff_kept_eur": None,
            })
    base = rows[len(results[0].providers)]["run_cost_eur"]
    total = rows[-1]
    total["transition_eur"] = transition
    total["extra_cost_eur"] = total["run_cost_eur"] - base + transition
    before = {p.provider for p in results[0].providers}
    new = sum(p.run_per_year for p in results[1].providers if p.provider not in before)
    total["extra_if_staff_kept_eur"] = new * f + transition
    return rows


def expected(result: Any, vendor: str, fcr: float | None) -> dict[str, float]:
    """The model's values of the pilot vendor: contact-weighted service level, FCR, run cost
    per forecast contact routed to it (EUR)."""
    p = next((q for q in result.providers if q.provider == vendor), None)
    if p is None or p.contacts <= 0:
        return {"service_level": math.nan, "fcr": fcr or math.nan,
                "cost_per_contact": math.nan, "contacts_per_week": 0.0}
    w = np.array([x.contacts for x in p.work if not math.isnan(x.service_level)])
    sl = np.array([x.service_level for x in p.work if not math.isnan(x.service_level)])
    return {"service_level": float(sl @ w / w.sum()) if w.sum() > 0 else math.nan,
            "fcr": fcr if fcr is not None else math.nan,
            "cost_per_contact": p.run_per_year / p.contacts,
            "contacts_per_week": p.contacts / WEEKS_PER_YEAR}


@dataclass(frozen=True)
class CheckRow:
    """One success criterion: the actual value, the target, pass or fail, how computed."""

    criterion: str
    actual: float
    target: float
    bound: str  # "at least" / "at most"
    passed: bool
    how: str


def check_actuals(contacts: np.ndarray, service_level: np.ndarray, fcr: np.ndarray,
                  cost: np.ndarray, success: Success) -> list[CheckRow]:
    """Contact-weighted service level and FCR, cost per contact = total cost / contacts, each
    against its criterion (only the criteria ``success`` sets)."""
    n = float(contacts.sum())
    rows = []
    checks = (("service_level", service_level, success.service_level, "at least"),
              ("fcr", fcr, success.fcr, "at least"))
    for name, values, target, bound in checks:
        if target is None:
            continue
        actual = float(values @ contacts / n)
        rows.append(CheckRow(name, actual, target, bound, actual >= target,
                             f"sum({name} * contacts) / sum(contacts) = "
                             f"{values @ contacts:,.1f} / {n:,.0f}"))
    if success.cost_per_contact is not None:
        actual = float(cost.sum() / n)
        rows.append(CheckRow("cost_per_contact", actual, success.cost_per_contact, "at most",
                             actual <= success.cost_per_contact,
                             f"sum(cost_eur) / sum(contacts) = {cost.sum():,.2f} / {n:,.0f}"))
    return rows
