"""Pricing formulas of bpo-economics.md sections 1.1-1.6: pure functions, no I/O.

Every cost is returned as :class:`LineItem` rows carrying the formula name,
the formula text and its inputs, so each figure can be traced (``--explain``).
Units: EUR per year unless a name says otherwise; hours are agent hours per
year; a year is :data:`wfm.units.WEEKS_PER_YEAR` (52) weeks and a month 52/12
weeks; FTE = paid hours per year / (contract hours per week * 52)
(:func:`wfm.units.fte`, the same definition as the schedule's per week).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from wfm.config.scenario import InhouseCost, VendorPrice
from wfm.units import WEEKS_PER_YEAR
from wfm.units import fte as _fte

MONTHS_PER_YEAR = 12.0


@dataclass(frozen=True)
class QueueWork:
    """What one provider does for one queue, per year.

    ``contacts``: forecast contacts routed to the provider (before repeats);
    ``handled_contacts``: with the provider's repeat contacts;
    ``handled_minutes``: handled_contacts * AHT_provider / 60;
    ``paid_hours``: paid agent hours the cost is based on: the required paid
    hours (after shrinkage), times the scheduling overhead of a shift plan for
    in-house providers with ``--schedule``; ``required_hours``: the required
    paid hours from staffing (NaN: same as ``paid_hours``);
    ``on_duty_hours``: on-duty (logged-in) agent hours;
    ``night_hours``/``sunday_hours``/``holiday_hours``: paid hours in those
    windows (Sunday excludes holidays); ``off_*``: the part of on-duty hours,
    minutes and contacts in nights, Sundays or holidays;
    ``service_level``: contact-weighted over intervals with a target (NaN if none).
    """

    queue: str
    language: str
    contacts: float = 0.0
    handled_contacts: float = 0.0
    handled_minutes: float = 0.0
    paid_hours: float = 0.0
    required_hours: float = math.nan
    on_duty_hours: float = 0.0
    night_hours: float = 0.0
    sunday_hours: float = 0.0
    holiday_hours: float = 0.0
    off_on_duty_hours: float = 0.0
    off_minutes: float = 0.0
    off_contacts: float = 0.0
    service_level: float = math.nan


@dataclass(frozen=True)
class LineItem:
    """One cost item: ``value`` EUR per year = ``formula`` evaluated on ``inputs``."""

    name: str
    formula: str
    inputs: dict[str, float] = field(default_factory=dict)
    value: float = 0.0


def repeat_factor(baseline_fcr: float | None, fcr: float | None, recontact: float = 1.0) -> float:
    """Contacts handled by a provider per forecast contact (section 1.1).

    Issues I = V_forecast * (1 - q (1 - f_base)); contacts at the provider
    V = I / (1 - q (1 - f_provider)).  With q = 1: V / V_forecast = f_base / f_provider
    (78 % -> 75 % FCR: +4.0 % contacts).  1.0 when the provider keeps the baseline.
    """
    if fcr is None or baseline_fcr is None:
        return 1.0
    return (1.0 - recontact * (1.0 - baseline_fcr)) / (1.0 - recontact * (1.0 - fcr))


def contract_hours_per_year(hours_per_week: float) -> float:
    """Contract (paid) hours of one FTE per year: hours per week * 52."""
    return hours_per_week * WEEKS_PER_YEAR


def fte(paid_hours: float, hours_per_week: float) -> float:
    """FTE = paid hours per year / contract hours per year (:func:`wfm.units.fte`)."""
    return _fte(paid_hours, hours_per_week, WEEKS_PER_YEAR)


def break_even_occupancy(price_per_hour: float, price_per_minute: float) -> float:
    """rho* = p_h / (60 p_min): per-minute billing is cheaper below this occupancy."""
    return price_per_hour / (60.0 * price_per_minute)


def cost_per_resolved_issue(cost_per_contact: float, fcr: float) -> float:
    """c_issue = c_contact / FCR (EUR per resolved issue)."""
    return cost_per_contact / fcr


def tco(run_per_year: float, years: int, inflation: float = 0.0, one_off: float = 0.0) -> float:
    """TCO_n = sum_{y=1..n} run * (1 + inflation)^(y-1) + one-off (transition, exit), EUR."""
    return sum(run_per_year * (1.0 + inflation) ** (y - 1) for y in range(1, years + 1)) + one_off


def inhouse_cost(
    cost: InhouseCost, work: Sequence[QueueWork], peak_on_duty: float, hours_per_week: float
) -> list[LineItem]:
    """In-house run cost per year (section 1.2) as line items.

    ``peak_on_duty``: highest number of agents on duty at once over all the
    provider's queues (persons), for the seats.  Wages and premiums per language
    (:func:`_language_items`), then the overheads (:func:`_overhead_items`).
    """
    by_language: dict[str, list[QueueWork]] = {}
    for w in work:
        by_language.setdefault(w.language, []).append(w)
    items: list[LineItem] = []
    for language, ws in sorted(by_language.items()):
        items += _language_items(cost, language, ws, hours_per_week)
    total_fte = fte(sum(w.paid_hours for w in work), hours_per_week)
    return items + _overhead_items(cost, total_fte, peak_on_duty)


def _language_items(
    cost: InhouseCost, language: str, ws: Sequence[QueueWork], hours_per_week: float
) -> list[LineItem]:
    """Wages and premiums of the agents of one language (EUR per year)."""
    year_h = contract_hours_per_year(hours_per_week)
    uplift = cost.wage_uplift.get(language, 0.0)
    gross = cost.annual_salary if cost.annual_salary is not None else cost.hourly_wage * year_h
    gross *= 1.0 + uplift
    hours = sum(w.paid_hours for w in ws)
    f = fte(hours, hours_per_week)
    wages = LineItem(
        f"wages {language}",
        "FTE * gross * (1 + employer_oncost); FTE = paid_hours / contract_hours",
        {
            "paid_hours": hours,
            "contract_hours": year_h,
            "FTE": f,
            "gross": gross,
            "employer_oncost": cost.employer_oncost,
        },
        f * gross * (1.0 + cost.employer_oncost),
    )
    w_h = gross / year_h
    night = sum(w.night_hours for w in ws)
    sunday = sum(w.sunday_hours for w in ws)
    holiday = sum(w.holiday_hours for w in ws)
    premiums = LineItem(
        f"premiums {language}",
        "w_h * (night_premium * H_night + sunday_premium * H_sunday "
        "+ holiday_premium * H_holiday)",
        {
            "w_h": w_h,
            "H_night": night,
            "H_sunday": sunday,
            "H_holiday": holiday,
            "night_premium": cost.night_premium,
            "sunday_premium": cost.sunday_premium,
            "holiday_premium": cost.holiday_premium,
        },
        w_h * (
            cost.night_premium * night
            + cost.sunday_premium * sunday
            + cost.holiday_premium * holiday
        ),
    )
    return [wages, premiums]


def _overhead_items(cost: InhouseCost, total_fte: float, peak_on_duty: float) -> list[LineItem]:
    """Team leaders, support, technology, seats and attrition (EUR per year)."""
    seats = peak_on_duty * (1.0 + cost.seat_reserve) * (1.0 - cost.home_office)
    return [
        LineItem(
            "team leaders",
            "FTE / team_leader_span * team_leader_cost",
            {
                "FTE": total_fte,
                "team_leader_span": cost.team_leader_span,
                "team_leader_cost": cost.team_leader_cost,
            },
            total_fte / cost.team_leader_span * cost.team_leader_cost,
        ),
        LineItem(
            "support (WFM, QA, training, ops)",
            "FTE / support_span * support_cost",
            {
                "FTE": total_fte,
                "support_span": cost.support_span,
                "support_cost": cost.support_cost,
            },
            total_fte / cost.support_span * cost.support_cost,
        ),
        LineItem(
            "technology",
            "FTE * tech_per_fte + platform_fixed",
            {
                "FTE": total_fte,
                "tech_per_fte": cost.tech_per_fte,
                "platform_fixed": cost.platform_fixed,
            },
            total_fte * cost.tech_per_fte + cost.platform_fixed,
        ),
        LineItem(
            "facilities",
            "peak_on_duty * (1 + seat_reserve) * (1 - home_office) * seat_cost",
            {
                "peak_on_duty": peak_on_duty,
                "seat_reserve": cost.seat_reserve,
                "home_office": cost.home_office,
                "seats": seats,
                "seat_cost": cost.seat_cost,
            },
            seats * cost.seat_cost,
        ),
        LineItem(
            "attrition",
            "FTE * attrition * replacement_cost",
            {
                "FTE": total_fte,
                "attrition": cost.attrition,
                "replacement_cost": cost.replacement_cost,
            },
            total_fte * cost.attrition * cost.replacement_cost,
        ),
    ]


_UNIT_MODELS = {
    # model: (QueueWork fields of the quantity and of its off-hours part, input names, formula)
    "per_logged_hour": ("on_duty_hours", "off_on_duty_hours", ("H", "H_off"),
                        "price * (1 + u_lang) * (H + sigma * H_off)"),
    "per_productive_hour": ("on_duty_hours", "off_on_duty_hours", ("H", "H_off"),
                            "price * (1 + u_lang) * (H + sigma * H_off)"),
    "per_handled_minute": ("handled_minutes", "off_minutes", ("minutes", "minutes_off"),
                           "price * (1 + u_lang) * (minutes + sigma * minutes_off)"),
    "per_contact": ("handled_contacts", "off_contacts", ("contacts", "contacts_off"),
                    "price * (1 + u_lang) * (contacts + sigma * contacts_off)"),
}


def vendor_cost(
    price: VendorPrice, work: Sequence[QueueWork], hours_per_week: float
) -> list[LineItem]:
    """Vendor cost per year (section 1.3): invoice, floor, SLA, retained organisation.

    Steps: the invoice per queue (:func:`_unit_invoice`) or the baseline fee
    (:func:`_baseline_invoice`), the minimum commitment and the SLA credit or bonus
    (:func:`_floor_and_sla`), the retained organisation and licences per vendor FTE
    (:func:`_retained_items`).
    """
    if price.model == "baseline":
        items = [_baseline_invoice(price, work)]
    else:
        items = [_unit_invoice(price, w, hours_per_week) for w in work]
    invoice = sum(i.value for i in items)
    items += _floor_and_sla(price, work, invoice)
    return items + _retained_items(price, fte(sum(w.paid_hours for w in work), hours_per_week))


def _unit_invoice(price: VendorPrice, w: QueueWork, hours_per_week: float) -> LineItem:
    """One queue's invoice at a unit price: hours, minutes, contacts or FTE-months."""
    u = price.language_surcharge.get(w.language, 0.0)
    unit = price.price * (1.0 + u)
    sigma = price.off_hours_surcharge
    if price.model == "per_fte_month":
        qty = w.paid_hours / contract_hours_per_year(hours_per_week)
        inputs = {"price": price.price, "u_lang": u, "sigma": sigma, "FTE": qty}
        formula = "FTE * price * 12 * (1 + u_lang); FTE = paid_hours / contract_hours"
        return LineItem(f"invoice {w.queue}", formula, inputs,
                        unit * MONTHS_PER_YEAR * (qty + sigma * 0.0))
    qty_field, off_field, names, formula = _UNIT_MODELS[price.model]
    share = price.productive_share if price.model == "per_productive_hour" else 1.0
    qty, off = getattr(w, qty_field) * share, getattr(w, off_field) * share
    inputs = {"price": price.price, "u_lang": u, "sigma": sigma, names[0]: qty, names[1]: off}
    return LineItem(f"invoice {w.queue}", formula, inputs, unit * (qty + sigma * off))


def _baseline_invoice(price: VendorPrice, work: Sequence[QueueWork]) -> LineItem:
    """A monthly fee for a band of contacts, with rates above and below it."""
    lo, hi = price.band or (0.0, 0.0)
    monthly = sum(w.handled_contacts for w in work) / MONTHS_PER_YEAR
    fee = (
        price.baseline_fee
        + price.rate_above * max(0.0, monthly - hi)
        - price.rate_below * max(0.0, lo - monthly)
    )
    return LineItem(
        "invoice baseline",
        "12 * (baseline_fee + rate_above * max(0, V_month - high) "
        "- rate_below * max(0, low - V_month))",
        {
            "V_month": monthly,
            "low": lo,
            "high": hi,
            "baseline_fee": price.baseline_fee,
            "rate_above": price.rate_above,
            "rate_below": price.rate_below,
        },
        fee * MONTHS_PER_YEAR,
    )


def _floor_and_sla(
    price: VendorPrice, work: Sequence[QueueWork], invoice: float
) -> list[LineItem]:
    """The minimum commitment up to the floor, then the SLA credit or bonus on the
    invoice after it."""
    items: list[LineItem] = []
    floor = price.minimum_monthly * MONTHS_PER_YEAR
    if floor > invoice:
        items.append(
            LineItem(
                "minimum commitment",
                "12 * minimum_monthly - invoice",
                {"minimum_monthly": price.minimum_monthly, "invoice": invoice},
                floor - invoice,
            )
        )
        invoice = floor
    sl = _weighted_sl(work) if price.sla_target is not None else math.nan
    if math.isfinite(sl):
        met = sl >= price.sla_target
        rate = price.sla_bonus if met else -price.sla_credit
        items.append(
            LineItem(
                "SLA bonus" if met else "SLA credit",
                "invoice * (sla_bonus if SL >= sla_target else -sla_credit)",
                {
                    "invoice": invoice,
                    "SL": sl,
                    "sla_target": price.sla_target,
                    "sla_bonus": price.sla_bonus,
                    "sla_credit": price.sla_credit,
                },
                invoice * rate,
            )
        )
    return items


def _retained_items(price: VendorPrice, vendor_fte: float) -> list[LineItem]:
    """The client's retained organisation and licences per vendor FTE."""
    items: list[LineItem] = []
    if price.retained_cost:
        items.append(
            LineItem(
                "retained organisation",
                "FTE / retained_span * retained_cost",
                {
                    "FTE": vendor_fte,
                    "retained_span": price.retained_span,
                    "retained_cost": price.retained_cost,
                },
                vendor_fte / price.retained_span * price.retained_cost,
            )
        )
    if price.licences_per_fte:
        items.append(
            LineItem(
                "client licences",
                "FTE * licences_per_fte",
                {"FTE": vendor_fte, "licences_per_fte": price.licences_per_fte},
                vendor_fte * price.licences_per_fte,
            )
        )
    return items


def _weighted_sl(work: Sequence[QueueWork]) -> float:
    pairs = [(w.service_level, w.handled_contacts) for w in work if math.isfinite(w.service_level)]
    total = sum(c for _, c in pairs)
    return sum(s * c for s, c in pairs) / total if total > 0 else math.nan
