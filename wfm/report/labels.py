"""Human labels, units and number formats of the report's columns (HTML and Excel).

Each column has a kind: ``int`` (counts), ``h`` (hours, 1 decimal), ``num`` (1 decimal),
``eur`` (whole euros), ``eur2`` (euros and cents), ``pct`` (a fraction 0..1 shown as a
percentage, 1 decimal), ``pctchg`` (a percentage already in %), ``x3`` (3 decimals:
weights, scores, criteria), ``text``.
"""

from __future__ import annotations

import math

import pandas as pd

COLUMNS: dict[str, tuple[str, str]] = {
    "queue": ("Queue", "text"),
    "scenario": ("Scenario", "text"),
    "provider": ("Provider", "text"),
    "pricing": ("Pricing", "text"),
    "day": ("Day", "text"),
    "total": ("Total agents", "int"),
    "history_last_7d_contacts": ("Contacts, last 7 days of history", "int"),
    "forecast_contacts": ("Contacts forecast", "int"),
    "forecast_days": ("Days forecast", "int"),
    "change_per_week_pct": ("Change per week (%)", "pctchg"),
    "required_agent_h": ("Required (agent-h)", "h"),
    "scheduled_agent_h": ("Scheduled (agent-h)", "h"),
    "shortfall_agent_h": ("Short (agent-h)", "h"),
    "intervals_short": ("Intervals short", "int"),
    "intervals_with_contacts": ("Intervals with contacts", "int"),
    "min_service_level": ("Lowest SL at required agents", "pct"),
    "weighted_service_level": ("SL at required agents", "pct"),
    "offered_contacts": ("Contacts offered", "int"),
    "service_level_sim": ("SL simulated", "pct"),
    "service_level_erlang_plan": ("SL Erlang at scheduled agents", "pct"),
    "target_sl": ("Target SL", "pct"),
    "intervals_missed": ("Intervals missing target", "int"),
    "paid_hours_per_year": ("Paid hours per year", "int"),
    "fte": ("FTE", "num"),
    "run_cost_per_month_eur": ("Run cost per month (EUR)", "eur"),
    "run_cost_per_year_eur": ("Run cost per year (EUR)", "eur"),
    "cost_per_contact_eur": ("Cost per contact (EUR)", "eur2"),
    "transition_eur": ("Transition (EUR)", "eur"),
    "tco_eur": ("Total cost of ownership (EUR)", "eur"),
    "sl_required": ("SL planned (at required agents)", "pct"),
    "why": ("Why it misses", "text"),
    "status": ("Status", "text"),
    # contact flows of tiered centers (wfm.report.flows)
    "first_contacts": ("First contacts", "int"),
    "repeat_contacts": ("Repeat contacts", "int"),
    "escalated_in": ("Escalated in", "int"),
    "total_contacts": ("Contacts staffed", "int"),
    "fcr": ("FCR", "pct"),
    "escalated_to": ("Escalates to", "text"),
    "escalated_out": ("Escalated on", "int"),
    # optional sections (wfm.report.extras)
    "month": ("Month", "text"),
    "hires": ("Hires (persons)", "int"),
    "first_class_month": ("First class", "text"),
    "first_class_hires": ("First class (persons)", "int"),
    "vendor_fte_peak": ("Vendor FTE, peak", "num"),
    "vendor_peak_month": ("Vendor peak month", "text"),
    "cost_eur": ("Cost (EUR)", "eur"),
    "hiring_cost_eur": ("Hiring cost (EUR)", "eur"),
    "headcount_fte": ("Headcount (FTE)", "num"),
    "rank": ("Rank", "int"),
    "option": ("Option", "text"),
    "score": ("Score (0..1)", "x3"),
    "criterion": ("Criterion", "text"),
    "weight": ("Weight", "x3"),
    "flip_weight": ("Weight that flips the winner", "x3"),
    "delta": ("Change of weight", "x3"),
    "share": ("Share of the weights after the change", "pct"),
    "challenger": ("Ties the winner", "text"),
    "run_cost_eur": ("Run cost over the pilot (EUR)", "eur"),
    "extra_cost_eur": ("Extra vs baseline (EUR)", "eur"),
    "extra_if_staff_kept_eur": ("Extra, in-house staff kept (EUR)", "eur"),
    "paid_hours": ("Paid hours", "int"),
    "contacts": ("Contacts", "int"),
    "bound": ("Bound", "text"),
    "meets": ("Met (model)", "text"),
    "target": ("Target", "x3"),
    "expected": ("Model expects", "x3"),
    "callbacks": ("Callbacks", "int"),
    "callback_agent_h": ("Agent-h making callbacks", "h"),
    "peak_agents_no_callback": ("Peak agents without callbacks", "int"),
    "peak_agents": ("Peak agents with callbacks", "int"),
    "peak_change_pct": ("Peak change (%)", "pctchg"),
    "paid_h_no_callback": ("Paid hours without callbacks", "h"),
    "paid_h": ("Paid hours with callbacks", "h"),
}

EXCEL_FORMATS = {"int": "#,##0", "h": "#,##0.0", "num": "#,##0.0", "eur": "#,##0",
                 "eur2": "#,##0.00", "pct": "0.0%", "pctchg": "0.0", "x3": "#,##0.000",
                 "text": "@"}


def label(column: str) -> str:
    """The column's human label (the column name itself when it has none)."""
    return COLUMNS.get(column, (column, ""))[0]


def kind(column: str, series: pd.Series | None = None) -> str:
    """The column's kind; unknown numeric columns are ``num``, others ``text``."""
    if column in COLUMNS:
        return COLUMNS[column][1]
    if series is not None and pd.api.types.is_integer_dtype(series):
        return "int"
    if series is not None and pd.api.types.is_numeric_dtype(series):
        return "num"
    return "text"


def fmt(value, how: str) -> str:
    """``value`` as the planner reads it: thousands separators, rounding, % (no unit
    text: the unit is in the column label); ``–`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if how == "text" or isinstance(value, str):
        return str(value)
    v = float(value)
    if how == "int" or how == "eur":
        return f"{v:,.0f}"
    if how == "eur2":
        return f"{v:,.2f}"
    if how == "pct":
        return f"{v:.1%}"
    if how == "x3":
        return f"{v:,.3f}"
    return f"{v:,.1f}"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text cell that cannot start a formula in a spreadsheet: user text beginning
    with ``= + - @`` (or tab, CR) gets a leading apostrophe (OWASP's CSV-injection rule);
    numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
