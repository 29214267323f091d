"""``--frontier``: cost against service level over in-house/vendor splits."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from test_scenario_compare import CENTER, PROVIDERS, forecast

from wfm.config.scenario import scenarios_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.compare import compare, prepare
from wfm.scenario.frontier import (
    frontier,
    frontier_case,
    frontier_point,
    frontier_tasks,
    pareto_efficient,
)

FREE_INHOUSE = {  # costs nothing: the run cost is the vendor's alone
    "name": "inhouse",
    "kind": "inhouse",
    "cost": {
        "hourly_wage": 0.0,
        "team_leader_cost": 0.0,
        "support_cost": 0.0,
        "tech_per_fte": 0.0,
        "seat_cost": 0.0,
        "replacement_cost": 0.0,
    },
}
PLAIN_VENDOR = {  # in-house AHT and FCR, 1 EUR per handled minute
    "name": "vendor",
    "kind": "vendor",
    "price": {"model": "per_handled_minute", "price": 1.0},
}


def pairs(xs):
    return zip(xs[:-1], xs[1:], strict=True)


def scen_file(providers, *scenarios):
    return scenarios_from_dict(
        {"settings": {"baseline_fcr": 0.78}, "provider": providers, "scenario": list(scenarios)}
    )


def test_endpoints_are_the_all_vendor_and_all_inhouse_scenarios():
    s = scen_file(
        PROVIDERS,
        {"name": "split", "route": [{"shares": {"inhouse": 0.7, "vendor": 0.3}}]},
        {"name": "all vendor", "default": "vendor"},
        {"name": "all inhouse", "default": "inhouse"},
    )
    fc = forecast()
    direct = {r.name: r for r in compare(s, CENTER, fc)}
    case = frontier_case(s, prepare(s, CENTER, fc), "split")
    points = {round(p.inhouse_share, 6): p for p in frontier(case, 11)}
    assert sorted(points) == pytest.approx([i / 10 for i in range(11)])
    for share, name in ((0.0, "all vendor"), (1.0, "all inhouse"), (0.7, "split")):
        p, r = points[share], direct[name]
        assert p.run_per_year == pytest.approx(r.run_per_year, rel=1e-12)
        assert p.tco == pytest.approx(r.tco, rel=1e-12)
        assert p.service_level == pytest.approx(r.service_level_total, rel=1e-12)
        assert p.service_levels == pytest.approx(r.service_level)
    assert points[0.0].inhouse_hours == 0.0 and points[1.0].vendor_hours == 0.0
    assert points[1.0].transition == 0.0  # the vendor is not used: no transition


def test_cost_is_linear_in_the_vendor_share_when_inhouse_is_free():
    # vendor invoice = (1 - s) * handled minutes: 2 queues * 20 calls/h * 168 h * 300 s / 60
    # = 33,600 minutes a week, * 52 weeks * 1 EUR = 1,747,200 EUR at s = 0
    s = scen_file([FREE_INHOUSE, PLAIN_VENDOR], {"name": "b", "default": "vendor"})
    case = frontier_case(s, prepare(s, CENTER, forecast()), None)
    points = frontier(case, 5)
    for p in points:
        assert p.run_per_year == pytest.approx((1 - p.inhouse_share) * 1_747_200.0)
    costs = [p.run_per_year for p in points]
    assert all(a > b for a, b in pairs(costs))
    # every point is Pareto-efficient or dominated by a cheaper one with SL at least as high
    assert points[-1].pareto  # the free all-in-house point costs nothing


def test_inhouse_hours_grow_and_vendor_hours_shrink_with_the_inhouse_share():
    # staffing is monotone in volume: more in-house volume never needs fewer agents
    s = scen_file(PROVIDERS, {"name": "b", "default": "vendor"})
    case = frontier_case(s, prepare(s, CENTER, forecast()), "b")
    points = frontier(case, 6)
    ih = [p.inhouse_hours for p in points]
    vh = [p.vendor_hours for p in points]
    assert all(a <= b for a, b in pairs(ih))
    assert all(a >= b for a, b in pairs(vh))
    # a costly in-house, a near-free vendor: the cost rises with the in-house share
    cheap = {**PROVIDERS[1], "price": {"model": "per_handled_minute", "price": 1e-6}}
    s = scen_file([PROVIDERS[0], cheap], {"name": "b", "default": "vendor"})
    costs = [
        p.run_per_year for p in frontier(frontier_case(s, prepare(s, CENTER, forecast()), "b"), 6)
    ]
    # the in-house part never falls; the vendor part (at most costs[0], 2 EUR) may
    assert costs[0] < 10.0
    assert all(b >= a - costs[0] for a, b in pairs(costs))
    assert costs[-1] > 1e6 + costs[1]


def test_time_window_routing_splits_only_the_vendor_cells():
    s = scen_file(
        PROVIDERS,
        {
            "name": "nights",
            "default": "inhouse",
            "route": [{"queues": ["phone:de"], "when": "nights", "provider": "vendor"}],
        },
        {"name": "all inhouse", "default": "inhouse"},
    )
    fc = forecast()
    case = frontier_case(s, prepare(s, CENTER, fc), "nights")
    p0, p1 = frontier(case, 2)
    direct = {r.name: r for r in compare(s, CENTER, fc)}
    assert p0.run_per_year == pytest.approx(direct["nights"].run_per_year)
    assert p1.run_per_year == pytest.approx(direct["all inhouse"].run_per_year)


def test_pareto_efficient_by_hand():
    cost = [1.0, 2.0, 3.0, 2.0, 0.5]
    sl = [0.80, 0.90, 0.85, 0.90, np.nan]
    # 3 (cost 3, SL .85) is dominated by 2; the two (2, .90) tie and both stay;
    # NaN SL counts as the worst, but nothing is cheaper than 0.5
    assert list(pareto_efficient(cost, sl)) == [True, True, False, True, True]


def test_points_are_independent_and_picklable():
    s = scen_file(PROVIDERS, {"name": "b", "default": "vendor"})
    case = frontier_case(s, prepare(s, CENTER, forecast()), "b")
    tasks = frontier_tasks(case, 3)
    middle = pickle.loads(pickle.dumps(tasks[1]))
    assert frontier_point(middle) == frontier_point(tasks[1])
    # order does not matter: evaluated alone, a point is the same as in the sweep
    assert frontier_point(tasks[2]).tco == pytest.approx(frontier(case, 3)[2].tco)


def test_bad_frontier_scenarios_name_file_and_option():
    s = scen_file(PROVIDERS, {"name": "a", "default": "inhouse"})
    s = s.model_copy(update={"path": "s.toml"})
    ctx = prepare(s, CENTER, forecast())
    with pytest.raises(WfmInputError, match="no scenario routes work to a vendor"):
        frontier_case(s, ctx, None)
    with pytest.raises(WfmInputError, match="routes nothing to a vendor"):
        frontier_case(s, ctx, "a")
    with pytest.raises(WfmInputError, match="unknown scenario 'zz'; known: a"):
        frontier_case(s, ctx, "zz")
    narrow = {**PROVIDERS[0], "queues": ["phone:de"]}
    s = scen_file(
        [narrow, PROVIDERS[1]],
        {"name": "v", "default": "vendor"},
    )
    with pytest.raises(WfmInputError, match="does not serve queue phone:fr"):
        frontier_case(s, prepare(s, CENTER, forecast()), "v")


def test_holiday_routed_scenario_endpoints_match_compare():
    # holidays count as the year's share of days in compare; the frontier must agree
    s = scen_file(
        PROVIDERS,
        {
            "name": "hol",
            "default": "inhouse",
            "route": [{"when": "off_hours", "provider": "vendor"}],
        },
        {"name": "all inhouse", "default": "inhouse"},
    )
    fc = forecast()
    direct = {r.name: r for r in compare(s, CENTER, fc)}
    p0, p1 = frontier(frontier_case(s, prepare(s, CENTER, fc), "hol"), 2)
    assert p0.run_per_year == pytest.approx(direct["hol"].run_per_year, rel=1e-12)
    assert p0.service_level == pytest.approx(direct["hol"].service_level_total, rel=1e-12)
    assert p1.run_per_year == pytest.approx(direct["all inhouse"].run_per_year, rel=1e-12)
