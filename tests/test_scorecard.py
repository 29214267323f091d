"""Vendor scorecard: normalisation, ranking, weight flips, quality cost, CLI and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from wfm.config.scorecard import scorecard_from_dict
from wfm.errors import WfmInputError
from wfm.scenario.scorecard import quality_cost, rank, weight_flips

ROOT = Path(__file__).resolve().parents[1]


def _card(weights, options, **extra):
    return scorecard_from_dict({"weights": weights, "option": options, **extra}, "s.toml")


def test_two_options_by_hand():
    """cost (lower better) weight 3, csat weight 1 -> shares 0.75, 0.25.
    A: cost 100, csat 2; B: cost 120, csat 5.  Min-max: cost A 1, B 0; csat A 0, B 1.
    Scores A 0.75, B 0.25.  Flip via cost: d = (0.75 - 0.25) / (0 - 1) = -0.5 (weight
    0.75 -> 0.25 ties); via csat: d = 0.5 / (1 - 0) = +0.5 (0.25 -> 0.75)."""
    r = rank(_card({"cost": 3, "csat": 1}, [
        {"name": "A", "cost": 100, "csat": 2}, {"name": "B", "cost": 120, "csat": 5}]))
    assert r.winner == "A"
    np.testing.assert_allclose(r.scores, [0.75, 0.25])
    flips = {f.criterion: f for f in r.flips}
    assert flips["cost"].delta == pytest.approx(-0.5)
    assert flips["cost"].weight == pytest.approx(0.25)
    assert flips["csat"].delta == pytest.approx(0.5)
    assert flips["csat"].share == pytest.approx(0.75 / 1.5)
    assert all(f.challenger == "B" for f in r.flips)


def test_three_options_with_fixed_scale_by_hand():
    """Weights cost 0.6, csat 0.4; csat scale [1, 5].
    A cost 100 csat 3, B 150/5, C 200/4 -> cost n: 1, 0.5, 0; csat n: 0.5, 1, 0.75.
    Scores: A 0.6 + 0.2 = 0.8, B 0.3 + 0.4 = 0.7, C 0 + 0.3 = 0.3.
    csat up: vs B (0.8 - 0.7) / (1 - 0.5) = 0.2, vs C 0.5 / 0.25 = 2 -> 0.2 (B).
    cost down: vs B 0.1 / (0.5 - 1) = -0.2, vs C 0.5 / (0 - 1) = -0.5 -> -0.2 (B)."""
    r = rank(_card({"cost": 0.6, "csat": 0.4}, [
        {"name": "A", "cost": 100, "csat": 3}, {"name": "B", "cost": 150, "csat": 5},
        {"name": "C", "cost": 200, "csat": 4}], scale={"csat": [1, 5]}))
    np.testing.assert_allclose(r.scores, [0.8, 0.7, 0.3])
    assert [r.names[i] for i in r.order] == ["A", "B", "C"]
    flips = {(f.criterion, f.delta > 0): f for f in r.flips}
    assert flips[("csat", True)].delta == pytest.approx(0.2)
    assert flips[("cost", False)].delta == pytest.approx(-0.2)
    assert flips[("csat", True)].challenger == "B"
    assert r.closest_flip is not None and abs(r.closest_flip.delta) == pytest.approx(0.2)


def test_cheaper_vendor_loses_on_total_cost():
    """Run cost in-house 10.0 M/yr at FCR 0.80, vendor 9.5 M/yr at FCR 0.70; 1 M issues,
    churn 5 % of unresolved, CLV 200 EUR: quality cost 1M*0.2*0.05*200 = 2.0 M vs
    1M*0.3*0.05*200 = 3.0 M -> totals 12.0 M vs 12.5 M: the cheaper vendor loses.
    Repeats at FCR 0.8: 1M * (1/0.8 - 1) = 250,000; at 2 EUR effort: 0.5 M more."""
    assert quality_cost(1e6, 0.8, 0.05, 200, 0) == pytest.approx(2.0e6)
    assert quality_cost(1e6, 0.8, 0.0, 0, 2.0) == pytest.approx(0.5e6)
    opts = [{"name": "inhouse", "cost": 10.0e6, "fcr": 0.80},
            {"name": "vendor", "cost": 9.5e6, "fcr": 0.70}]
    q = {"issues_per_year": 1e6, "churn_unresolved": 0.05, "clv": 200}
    without = rank(_card({"cost": 1}, opts, scorecard={"cost": "run_per_year"}))
    assert without.winner == "vendor"
    r = rank(_card({"cost": 1}, opts, scorecard={"cost": "run_per_year"}, quality=q))
    assert r.winner == "inhouse"
    np.testing.assert_allclose(r.raw[:, 0], [12.0e6, 12.5e6])


def test_cost_from_scenario_results():
    card = _card({"cost": 1, "csat": 1}, [
        {"name": "A", "scenario": "S1", "csat": 3}, {"name": "B", "cost": 5.0, "csat": 4}])
    r = rank(card, {"S1": 4.0})
    np.testing.assert_allclose(r.raw[:, 0], [4.0, 5.0])
    with pytest.raises(WfmInputError, match=r"option\[1\] \(A\)\.cost: missing"):
        rank(card)


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3),
    st.lists(st.lists(st.floats(0, 1), min_size=3, max_size=3), min_size=n, max_size=n))))
def test_closest_flip_really_flips(data):
    """Just past the closest flip another option wins; just before it the winner holds
    (checked with plain weighted sums, not with weight_flips)."""
    w, norm = data
    w = np.array(w) / sum(w)
    norm = np.array(norm)
    names = [f"o{i}" for i in range(len(norm))]
    s = norm @ w
    best = int(np.argmax(s))
    assume(np.sort(s)[-1] - np.sort(s)[-2] > 1e-6)
    flips = weight_flips(w, norm, names, ["a", "b", "c"])
    if not flips:
        return
    f = min(flips, key=lambda f: abs(f.delta))
    c = ["a", "b", "c"].index(f.criterion)
    for factor, same in ((0.999, True), (1.001, False)):
        w2 = w.copy()
        w2[c] = max(0.0, w[c] + f.delta * factor)
        s2 = norm @ w2
        if same:
            assert int(np.argmax(s2)) == best
        elif w[c] + f.delta * factor >= 0:
            assert s2[names.index(f.challenger)] > s2[best] - 1e-12


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"weights": {"cost": 0, "csat": 0}}, "weights: the weights must sum to more than 0"),
        ({"weights": {"cost": 1, "qualty": 1}}, "weights.qualty: unknown criterion"),
        ({"weights": {"cost": -1}}, "weights.cost"),
        ({"weights": {"csat": 1}, "option": [{"name": "a", "csat": 1, "color": 2},
                                            {"name": "b", "csat": 2}]},
         "option[1] (a).color: unknown criterion"),
        ({"weights": {"csat": 1}, "option": [{"name": "a"}, {"name": "b", "csat": 2}]},
         "option[1] (a).csat: missing"),
        ({"weights": {"csat": 1}, "scale": {"csat": [1, 5]},
          "option": [{"name": "a", "csat": 7}, {"name": "b", "csat": 2}]},
         "option[1] (a).csat: 7 is outside"),
        ({"weights": {"cost": 1}, "scorecard": {"cost": "per_hour"},
          "option": [{"name": "a", "cost": 1}, {"name": "b", "cost": 2}]}, "scorecard.cost"),
        ({"weights": {"cost": 1}, "quality": {"issues_per_year": 1},
          "option": [{"name": "a", "cost": 1}, {"name": "b", "cost": 2, "fcr": 0.7}]},
         "option[1] (a).fcr: missing"),
    ],
)
def test_bad_scorecards_are_located(data, where):
    data = {"option": [{"name": "a", "cost": 1}, {"name": "b", "cost": 2}], **data}
    with pytest.raises(WfmInputError) as err:
        scorecard_from_dict(data, "s.toml")
    assert str(err.value).startswith("s.toml: ") and where in str(err.value)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wfm", *args], capture_output=True,
                          text=True, cwd=cwd, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_example_scorecard_standalone(tmp_path):
    r = _cli("scenario", "scorecard", str(ROOT / "examples/scorecard.toml"), "--json",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["ranking"]) == 4 and d["flips"]
    r = _cli("scenario", "scorecard", str(ROOT / "examples/scorecard.toml"), "--explain",
             cwd=tmp_path)
    assert r.returncode == 0 and "normalised cost" in r.stdout


def test_compare_rejects_unknown_scenario_before_writing(tmp_path):
    text = (ROOT / "examples/scorecard.toml").read_text(encoding="utf-8")
    (tmp_path / "card.toml").write_text(text.replace('"B onshore"', '"B onshor"'),
                                        encoding="utf-8")
    r = _cli("scenario", "compare", str(ROOT / "examples/scenarios.toml"), "--forecast",
             str(ROOT / "examples/forecast.csv"), "--config", str(ROOT / "examples/center.toml"),
             "--scorecard", "card.toml", "-o", "out.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert "option[2] (onshore vendor).scenario: unknown scenario 'B onshor'" in r.stderr
    assert not (tmp_path / "out.csv").exists()
