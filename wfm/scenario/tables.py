"""Scenario results as table rows: the rows of ``scenarios.csv``, ``NAME.queues.csv``,
``NAME.explain.csv`` and ``NAME.frontier.csv`` (EUR, hours per year)."""

from __future__ import annotations

import math
from typing import Any

from wfm.scenario.compare import per_month

SUMMARY_COLUMNS = (
    "scenario",
    "provider",
    "kind",
    "pricing",
    "contacts_per_year",
    "handled_contacts_per_year",
    "paid_hours_per_year",
    "required_hours_per_year",
    "scheduled_hours_per_year",
    "fte",
    "run_cost_per_month_eur",
    "run_cost_per_year_eur",
    "cost_per_contact_eur",
    "transition_eur",
    "tco_eur",
    "years",
    "service_level",
    "site",
)


def summary_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider plus a ``TOTAL`` row per scenario (EUR, hours/year).

    ``paid_hours_per_year``: the hours the cost is based on; ``required_hours_per_year``:
    from staffing; ``scheduled_hours_per_year``: in-house hours of a shift plan's
    overhead (``--schedule``; empty otherwise and for vendors); ``service_level``: the
    provider's (the scenario's on the TOTAL row), weighted by handled contacts;
    ``site``: the ``[[site]]`` of an in-house provider at one (empty otherwise).
    """
    rows = []
    for r in results:
        for p in [*r.providers, None]:
            run = r.run_per_year if p is None else p.run_per_year
            contacts = r.contacts if p is None else p.contacts
            rows.append(
                {
                    "scenario": r.name,
                    "provider": "TOTAL" if p is None else p.provider,
                    "kind": "" if p is None else p.kind,
                    "pricing": "" if p is None else p.pricing,
                    "contacts_per_year": round(contacts, 1),
                    "handled_contacts_per_year": round(
                        sum(w.handled_contacts for q in r.providers for w in q.work)
                        if p is None
                        else sum(w.handled_contacts for w in p.work),
                        1,
                    ),
                    "paid_hours_per_year": round(
                        sum(q.paid_hours for q in r.providers) if p is None else p.paid_hours, 1
                    ),
                    "required_hours_per_year": round(
                        sum(q.required_hours for q in r.providers)
                        if p is None
                        else p.required_hours,
                        1,
                    ),
                    "scheduled_hours_per_year": _scheduled(r, p),
                    "fte": round(sum(q.fte for q in r.providers) if p is None else p.fte, 2),
                    "run_cost_per_month_eur": round(per_month(run), 2),
                    "run_cost_per_year_eur": round(run, 2),
                    "cost_per_contact_eur": round(run / contacts, 4) if contacts > 0 else None,
                    "transition_eur": round(r.transition if p is None else p.transition, 2),
                    "tco_eur": round(r.tco if p is None else p.tco, 2),
                    "years": r.years,
                    "service_level": _rounded_sl(
                        r.service_level_total if p is None else p.service_level),
                    "site": (p.site or "") if p is not None else "",
                }
            )
    return rows


def _rounded_sl(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def _scheduled(result, provider) -> float | None:
    """Scheduled in-house hours per year (None without a plan, for vendors and totals)."""
    if not result.scheduled or provider is None or provider.kind != "inhouse":
        return None
    return round(provider.paid_hours, 1)


def queue_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider x queue: contacts, hours, service level achieved."""
    rows = []
    for r in results:
        for p in r.providers:
            for w in p.work:
                rows.append(
                    {
                        "scenario": r.name,
                        "provider": p.provider,
                        "queue": w.queue,
                        "contacts_per_year": round(w.contacts, 1),
                        "handled_contacts_per_year": round(w.handled_contacts, 1),
                        "handled_minutes_per_year": round(w.handled_minutes, 1),
                        "paid_hours_per_year": round(w.paid_hours, 1),
                        "required_hours_per_year": round(w.required_hours, 1),
                        "on_duty_hours_per_year": round(w.on_duty_hours, 1),
                        "service_level": None
                        if math.isnan(w.service_level)
                        else round(w.service_level, 4),
                    }
                )
    return rows


def explain_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider x cost item: formula, inputs, EUR per year."""
    rows = []
    for r in results:
        for p in r.providers:
            for item in p.items:
                rows.append(
                    {
                        "scenario": r.name,
                        "provider": p.provider,
                        "item": item.name,
                        "formula": item.formula,
                        "inputs": "; ".join(f"{k}={v:.6g}" for k, v in item.inputs.items()),
                        "eur_per_year": round(item.value, 2),
                    }
                )
    return rows


def frontier_rows(name: str, points) -> list[dict[str, Any]]:
    """One row per frontier point: in-house share, cost, hours, service level (total, per queue)."""
    rows = []
    for p in points:
        row = {
            "scenario": name,
            "inhouse_share": round(p.inhouse_share, 6),
            "run_cost_per_year_eur": round(p.run_per_year, 2),
            "transition_eur": round(p.transition, 2),
            "tco_eur": round(p.tco, 2),
            "cost_per_contact_eur": round(p.run_per_year / p.contacts, 4)
            if p.contacts > 0
            else None,
            "inhouse_paid_hours_per_year": round(p.inhouse_hours, 1),
            "vendor_paid_hours_per_year": round(p.vendor_hours, 1),
            "service_level": None if math.isnan(p.service_level) else round(p.service_level, 4),
            "pareto": p.pareto,
        }
        for queue, sl in sorted(p.service_levels.items()):
            row[f"service_level_{queue}"] = round(sl, 4)
        rows.append(row)
    return rows
