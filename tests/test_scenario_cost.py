"""Pricing formulas against hand-worked numbers.

Where bpo-economics.md (shared/reference) works a number, the test uses the
document's figure (section noted); elsewhere the arithmetic is in the test.
"""

from __future__ import annotations

import pytest

from wfm.config.scenario import InhouseCost, VendorPrice
from wfm.scenario.cost import (
    QueueWork,
    break_even_occupancy,
    cost_per_resolved_issue,
    inhouse_cost,
    repeat_factor,
    tco,
    vendor_cost,
)

YEAR_H = 39 * 52  # 2,028 contract hours per FTE-year


def by_name(items):
    return {i.name: i.value for i in items}


def test_repeat_contacts_reproduce_section_5_2():
    # bpo-economics 5.2: baseline FCR 78 %, q = 1; B at 75 % -> +4.0 %, C at 72 % -> +8.3 %
    assert repeat_factor(0.78, 0.75) - 1 == pytest.approx(0.040, abs=5e-4)
    assert repeat_factor(0.78, 0.72) - 1 == pytest.approx(0.083, abs=5e-4)
    assert repeat_factor(0.78, None) == 1.0
    # q < 1: V = I / (1 - q (1 - f)); I = 100 * (1 - 0.5 * 0.22) = 89; V = 89 / (1 - 0.5 * 0.3)
    assert 100 * repeat_factor(0.78, 0.70, 0.5) == pytest.approx(89 / 0.85)


def test_unit_conversions_section_1_4():
    assert break_even_occupancy(28.0, 0.75) == pytest.approx(0.62, abs=0.005)  # "rho* = 62 %"
    assert cost_per_resolved_issue(5.0, 0.80) == pytest.approx(6.25)  # Taylor Reach example


@pytest.mark.parametrize(
    ("run", "transition", "doc_tco"),
    [(6.45, 0.0, 19.35), (5.08, 0.45, 15.68), (3.25, 0.60, 10.36), (4.39, 0.35, 13.53)],
)
def test_three_year_tco_section_5_2(run, transition, doc_tco):
    # the table's run costs are rounded to 0.01 M, so the TCO agrees to 0.01 M
    assert tco(run, 3, 0.0, transition) == pytest.approx(doc_tco, abs=0.011)


def test_tco_with_inflation():
    assert tco(100.0, 3, 0.10, 50.0) == pytest.approx(100 + 110 + 121 + 50)


def test_inhouse_overheads_reproduce_section_5_2():
    # scenario A: 100.9 FTE, peak concurrency 28.5; TL 1:12 at 65 k, support 1:35 at 75 k,
    # tech 3,000 per FTE, seat 5,500 with 15 % reserve; attrition 25 % at 9,000 per leaver
    work = [QueueWork("phone:de", "de", paid_hours=100.9 * YEAR_H)]
    cost = InhouseCost(annual_salary=36_000, attrition=0.25)
    items = by_name(inhouse_cost(cost, work, peak_on_duty=28.5, hours_per_week=39))
    assert items["team leaders"] / 1e6 == pytest.approx(0.55, abs=0.005)
    assert items["support (WFM, QA, training, ops)"] / 1e6 == pytest.approx(0.22, abs=0.005)
    assert items["technology"] / 1e6 == pytest.approx(0.30, abs=0.005)
    assert items["facilities"] / 1e6 == pytest.approx(0.18, abs=0.005)
    assert items["attrition"] / 1e6 == pytest.approx(0.23, abs=0.005)


def test_inhouse_wages_and_premiums_by_hand():
    cost = InhouseCost(annual_salary=36_000, wage_uplift={"en": 0.10})
    work = [
        QueueWork(
            "phone:de",
            "de",
            paid_hours=10 * YEAR_H,
            night_hours=100.0,
            sunday_hours=10.0,
            holiday_hours=8.0,
        ),
        QueueWork("phone:en", "en", paid_hours=5 * YEAR_H),
    ]
    items = by_name(inhouse_cost(cost, work, peak_on_duty=0.0, hours_per_week=39))
    assert items["wages de"] == pytest.approx(10 * 36_000 * 1.21)  # 435,600
    assert items["wages en"] == pytest.approx(5 * 39_600 * 1.21)  # 239,580
    w_h = 36_000 / YEAR_H  # 17.75 EUR per hour
    assert items["premiums de"] == pytest.approx(w_h * (0.25 * 100 + 0.50 * 10 + 1.25 * 8))
    assert items["premiums en"] == 0.0
    hourly = InhouseCost(hourly_wage=17.0)
    items = by_name(inhouse_cost(hourly, work[:1], 0.0, 39))
    assert items["wages de"] == pytest.approx(10 * 17.0 * YEAR_H * 1.21)


def test_per_logged_hour_night_team_section_5_2():
    # D: nearshore dedicated DE team nights and Sundays, 21.8 k h at 17 EUR + 15 % -> 0.43 M
    price = VendorPrice(model="per_logged_hour", price=17.0, off_hours_surcharge=0.15)
    work = [QueueWork("phone:de", "de", on_duty_hours=21_800, off_on_duty_hours=21_800)]
    assert by_name(vendor_cost(price, work, 40))["invoice phone:de"] / 1e6 == pytest.approx(
        0.43, abs=0.005
    )


def test_per_handled_minute_section_5_2_and_5_3():
    pool = VendorPrice(model="per_handled_minute", price=1.10)  # D: 871 k min -> 0.96 M
    items = by_name(vendor_cost(pool, [QueueWork("phone:en", "en", handled_minutes=871e3)], 40))
    assert items["invoice phone:en"] / 1e6 == pytest.approx(0.96, abs=0.005)
    phone = VendorPrice(model="per_handled_minute", price=0.75)  # 5.3: 2.15 M min -> 1.62 M
    items = by_name(vendor_cost(phone, [QueueWork("phone:de", "de", handled_minutes=2.15e6)], 40))
    assert items["invoice phone:de"] / 1e6 == pytest.approx(1.62, abs=0.01)


def test_language_surcharge_per_productive_hour_and_contact_by_hand():
    work = [
        QueueWork(
            "phone:en",
            "en",
            on_duty_hours=1000,
            off_on_duty_hours=200,
            handled_contacts=1000,
            off_contacts=200,
        )
    ]
    prod = VendorPrice(
        model="per_productive_hour",
        price=25.0,
        productive_share=0.8,
        language_surcharge={"en": 0.08},
        off_hours_surcharge=0.2,
    )
    # 25 * 1.08 * (800 + 0.2 * 160)
    assert by_name(vendor_cost(prod, work, 40))["invoice phone:en"] == pytest.approx(27.0 * 832)
    contact = VendorPrice(
        model="per_contact", price=4.0, language_surcharge={"en": 0.10}, off_hours_surcharge=0.2
    )
    assert by_name(vendor_cost(contact, work, 40))["invoice phone:en"] == pytest.approx(
        4.4 * (1000 + 40)
    )


def test_per_fte_month_and_retained_organisation_by_hand():
    price = VendorPrice(
        model="per_fte_month",
        price=3_000.0,
        retained_span=30,
        retained_cost=75_000,
        licences_per_fte=1_100,
    )
    work = [QueueWork("phone:de", "de", paid_hours=60 * 40 * 52)]  # 60 FTE at 40 h
    items = by_name(vendor_cost(price, work, 40))
    assert items["invoice phone:de"] == pytest.approx(60 * 3_000 * 12)  # 2.16 M
    assert items["retained organisation"] == pytest.approx(60 / 30 * 75_000)
    assert items["client licences"] == pytest.approx(60 * 1_100)


def test_baseline_band_with_marginal_rates_by_hand():
    price = VendorPrice(
        model="baseline", baseline_fee=40_000, band=(8_000, 10_000), rate_above=3.0, rate_below=2.0
    )
    above = [QueueWork("phone:de", "de", handled_contacts=12_000 * 12)]
    assert by_name(vendor_cost(price, above, 40))["invoice baseline"] == pytest.approx(
        12 * (40_000 + 2_000 * 3.0)
    )
    below = [QueueWork("phone:de", "de", handled_contacts=6_000 * 12)]
    assert by_name(vendor_cost(price, below, 40))["invoice baseline"] == pytest.approx(
        12 * (40_000 - 2_000 * 2.0)
    )
    inside = [QueueWork("phone:de", "de", handled_contacts=9_000 * 12)]
    assert by_name(vendor_cost(price, inside, 40))["invoice baseline"] == 480_000


def test_minimum_commitment_and_sla_credit_by_hand():
    price = VendorPrice(
        model="per_contact",
        price=1.0,
        minimum_monthly=5_000,
        sla_target=0.8,
        sla_credit=0.05,
        sla_bonus=0.02,
    )
    work = [QueueWork("phone:de", "de", handled_contacts=12_000, service_level=0.75)]
    items = by_name(vendor_cost(price, work, 40))
    assert items["minimum commitment"] == pytest.approx(60_000 - 12_000)
    assert items["SLA credit"] == pytest.approx(-0.05 * 60_000)
    ok = [QueueWork("phone:de", "de", handled_contacts=120_000, service_level=0.85)]
    assert by_name(vendor_cost(price, ok, 40))["SLA bonus"] == pytest.approx(0.02 * 120_000)
