"""Overflow routing: a capped in-house team, the blocked contacts (Erlang B) to a vendor."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from test_scenario_compare import CENTER, EXAMPLES, PROVIDERS, forecast

from wfm.config import load_center
from wfm.config.scenario import check_against_center, scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare, overflow_split


def erlang_b_exact(n: int, a: Fraction) -> float:
    """B(n, A) = (A^n / n!) / sum_k A^k / k!, in exact rational arithmetic."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return float(terms[-1] / sum(terms))


@pytest.mark.parametrize(
    ("n", "a"),
    [
        (1, Fraction(1)),
        (2, Fraction(1)),
        (5, Fraction(5, 3)),
        (10, Fraction(5)),
        (30, Fraction(25)),
    ],
)
def test_overflow_share_is_erlang_b(n, a):
    # volume per interval * aht / interval = A: 3,600 s intervals, AHT 360 s -> volume 10 A
    got = overflow_split(np.array([n]), np.array([float(a) * 10]), np.array([360.0]), 3600.0)
    assert got[0] == pytest.approx(erlang_b_exact(n, a), rel=1e-10)


def test_published_erlang_b_table_values():
    # classic table: B(1, 1) = 0.5, B(2, 1) = 0.2, B(10, 5) = 0.01838
    got = overflow_split(np.array([1, 2, 10]), np.array([1.0, 1.0, 5.0]), np.ones(3), 1.0)
    assert got == pytest.approx([0.5, 0.2, 0.01838], abs=5e-6)


def scen(overflow, *, queues=("phone:de",), providers=PROVIDERS):
    return scenarios_from_dict(
        {
            "settings": {"baseline_fcr": 0.78},
            "provider": list(providers),
            "scenario": [
                {
                    "name": "o",
                    "default": "inhouse",
                    "route": [
                        {"queues": list(queues), "provider": "inhouse", "overflow": overflow}
                    ],
                }
            ],
        }
    )


def test_fixed_cap_splits_contacts_by_erlang_b_and_pays_the_cap():
    # phone:de 20 calls/h, AHT 300 s: A = 20 * 300 / 3600 = 5/3 Erlang, 5 in-house agents
    s = scen({"provider": "vendor", "agents": 5})
    (r,) = compare(s, CENTER, forecast())
    b = erlang_b_exact(5, Fraction(5, 3))  # 0.0213...
    week = 20.0 * 168 * 52  # contacts per year in the queue
    work = {(p.provider, w.queue): w for p in r.providers for w in p.work}
    ih, v = work["inhouse", "phone:de"], work["vendor", "phone:de"]
    assert ih.contacts == pytest.approx(week * (1 - b))
    assert v.contacts == pytest.approx(week * b)
    assert v.handled_contacts == pytest.approx(week * b * 0.78 / 0.72)  # the vendor's repeats
    # 5 on duty / (1 - 0.2 shrinkage) = 6.25 -> 7 paid agents, every hour of the year
    assert ih.paid_hours == pytest.approx(7 * 168 * 52)
    assert ih.on_duty_hours == pytest.approx(5 * 168 * 52)
    assert ih.service_level == 1.0  # a loss system answers its contacts at once
    assert 0.0 < v.service_level < 1.0
    assert sum(p.contacts for p in r.providers) == pytest.approx(r.contacts)
    # phone:fr is not on the route: all in-house, staffed to target
    assert ("vendor", "phone:fr") not in work


def test_more_agents_overflow_less():
    shares = []
    for n in (1, 3, 5, 8):
        (r,) = compare(scen({"provider": "vendor", "agents": n}), CENTER, forecast())
        vendor = next(p for p in r.providers if p.provider == "vendor")
        shares.append(vendor.contacts)
    assert all(a > b for a, b in zip(shares[:-1], shares[1:], strict=True))


def test_cap_above_a_fraction_of_the_requirement():
    from wfm.staffing import staff_forecast

    table, _ = staff_forecast(forecast(), CENTER)
    need = table[table["language"] == "de"]["agents_on_duty"].iloc[0]  # same every hour
    cap = math.floor(0.5 * need)
    (r,) = compare(scen({"provider": "vendor", "above": 0.5}), CENTER, forecast())
    ih = next(
        w for p in r.providers if p.provider == "inhouse" for w in p.work if w.queue == "phone:de"
    )
    assert ih.on_duty_hours == pytest.approx(cap * 168 * 52)
    b = erlang_b_exact(int(cap), Fraction(5, 3))
    assert ih.contacts == pytest.approx(20.0 * 168 * 52 * (1 - b))


@pytest.mark.parametrize(
    ("overflow", "extra", "message"),
    [
        ({"provider": "vendor"}, {}, "exactly one of agents or above"),
        ({"provider": "vendor", "agents": 3, "above": 0.9}, {}, "exactly one of agents or above"),
        ({"provider": "vendor", "above": 1.5}, {}, "above"),
        ({"provider": "inhouse", "agents": 3}, {}, "must differ"),
    ],
)
def test_bad_overflow_tables(overflow, extra, message):
    with pytest.raises(ValueError, match=message):
        scen(overflow, **extra)


def test_overflow_needs_a_provider_not_shares():
    with pytest.raises(ValueError, match="overflow needs provider"):
        scenarios_from_dict(
            {
                "provider": PROVIDERS,
                "scenario": [
                    {
                        "name": "o",
                        "route": [
                            {
                                "shares": {"inhouse": 0.5, "vendor": 0.5},
                                "overflow": {"provider": "vendor", "agents": 2},
                            }
                        ],
                    }
                ],
                "settings": {"baseline_fcr": 0.78},
            }
        )


def test_overflow_cross_checks_name_the_key():
    center = load_center(EXAMPLES / "center.toml")
    narrow = {**PROVIDERS[1], "queues": ["phone:fr"]}
    s = scen({"provider": "vendor", "agents": 2}, providers=[PROVIDERS[0], narrow])
    with pytest.raises(
        WfmInputError,
        match=r"route\[1\]\.overflow\.provider: provider 'vendor' "
        "does not serve queue phone:de",
    ):
        check_against_center(s, center)
    s = scen({"provider": "ghost", "agents": 2})
    with pytest.raises(WfmInputError, match=r"overflow\.provider: unknown provider 'ghost'"):
        check_against_center(s, center)
    s = scen({"provider": "vendor", "agents": 2}, queues=("*:de",))
    with pytest.raises(
        WfmInputError,
        match=r"route\[1\]\.overflow: overflow needs Erlang C or A "
        "queues; chat:de is chat",
    ):
        check_against_center(s, center)


def test_a_plan_overhead_leaves_the_capped_team_alone():
    # 5 agents on duty, 7 paid (5 / 0.8 rounded up) every hour: a plan overhead of 1.5 on
    # phone:de must not change the capped team (the Erlang B split used N = 5), while
    # phone:fr, staffed to target in-house, is scaled by its own factor
    s = scen({"provider": "vendor", "agents": 5})
    (plain,) = compare(s, CENTER, forecast())
    (sched,) = compare(s, CENTER, forecast(), overhead={"phone:de": 1.5, "phone:fr": 1.25})

    def inhouse(r, q):
        return next(w for p in r.providers if p.provider == "inhouse" for w in p.work
                    if w.queue == q)

    de = inhouse(sched, "phone:de")
    assert de.paid_hours == pytest.approx(7 * 168 * 52)
    assert de.on_duty_hours == pytest.approx(5 * 168 * 52)
    fr, fr0 = inhouse(sched, "phone:fr"), inhouse(plain, "phone:fr")
    assert fr.paid_hours == pytest.approx(1.25 * fr0.paid_hours)


def test_a_fraction_cap_keeps_at_least_one_agent():
    # 1 call/h, AHT 300 s: A = 1/12 Erlang, the target needs k = 1 agent on duty;
    # floor(0.5 * 1) = 0 would overflow every call.  The cap is max(1, floor(0.5 k)) = 1,
    # so B(1, A) = A / (1 + A) = 1/13 of the calls overflow
    from wfm.staffing import staff_forecast

    fc = forecast()
    fc["volume"] = 1.0
    table, _ = staff_forecast(fc, CENTER)
    assert set(table[table["language"] == "de"]["agents_on_duty"]) == {1}  # the premise
    (r,) = compare(scen({"provider": "vendor", "above": 0.5}), CENTER, fc)
    work = {(p.provider, w.queue): w for p in r.providers for w in p.work}
    week = 1.0 * 168 * 52
    assert work["inhouse", "phone:de"].on_duty_hours == pytest.approx(168 * 52)
    assert work["inhouse", "phone:de"].contacts == pytest.approx(week * 12 / 13)
    assert work["vendor", "phone:de"].contacts == pytest.approx(week / 13)
