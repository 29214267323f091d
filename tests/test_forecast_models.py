"""The day-level models added for real call data: profile, combo, auto per horizon.

Expected values come from the construction of the data (known level, known AR(1)
coefficient, shares set by hand), not from the code under test.
"""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_forecast import TZ, WEEKDAY, deterministic, no_kinds, shape, simulated_history

from wfm.forecast.models import QueueData, make_model, smoothed_profile
from wfm.forecast.pipeline import (
    Pick,
    _combine,
    _dispersions,
    _pick,
    _wape,
    backtest,
    make_forecast,
    poisson_floor,
    prepare,
)


def test_profile_recovers_weekday_totals_and_shape():
    data = deterministic()
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=14)
    pred = make_model("profile").fit(data).predict(future, no_kinds(14))
    np.testing.assert_allclose(pred.sum(axis=1), 1000 * WEEKDAY[future.day_of_week], rtol=0.02)
    np.testing.assert_allclose(pred[3] / pred[3].sum(), shape(), atol=1e-3)


def test_smoothed_profile_weights_recent_weeks_by_hand():
    days = pd.date_range("2026-01-05", periods=14)  # two Mondays: 0 and 7
    volume = np.zeros((14, 2))
    volume[:, 0] = volume[:, 1] = 50.0
    volume[0] = [100.0, 0.0]  # older Monday: all in slot 0
    volume[7] = [0.0, 300.0]  # recent Monday: all in slot 1 (the volume does not matter)
    weekday = days.day_of_week.to_numpy()
    prof = smoothed_profile(volume, weekday, np.ones(14, bool), weeks=16, decay=0.5)
    # shares weighted 0.5 (a week older) and 1.0: slot 0 = 0.5 / 1.5
    np.testing.assert_allclose(prof[0], [1 / 3, 2 / 3])
    np.testing.assert_allclose(prof[1], [0.5, 0.5])


def ar1_days(phi, weeks=40, sd=0.05, seed=3):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-05", periods=7 * weeks)
    dev = np.zeros(len(days))
    for i in range(1, len(days)):  # AR(1) deviation from a constant level
        dev[i] = phi * dev[i - 1] + rng.normal(0, sd)
    totals = 5000 * WEEKDAY[days.day_of_week] * np.exp(dev)
    return QueueData(days, totals[:, None] * shape()[None, :], no_kinds(len(days))), dev


@pytest.mark.parametrize("phi", [0.2, 0.7])
def test_profile_estimates_the_ar1_coefficient(phi):
    data, _ = ar1_days(phi)
    model = make_model("profile").fit(data)
    assert model.phi == pytest.approx(phi, abs=0.15)


def test_profile_lets_a_busy_day_fade_where_ets_carries_it_on():
    data, _ = ar1_days(0.5, sd=0.01)
    data.volume[-1] *= 1.3  # the last day was 30 % busier than its level
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    level = 5000 * WEEKDAY[future.day_of_week]
    prof = make_model("profile").fit(data).predict(future, no_kinds(7)).sum(axis=1)
    ets = make_model("ets").fit(data).predict(future, no_kinds(7)).sum(axis=1)
    # a week later the deviation has decayed (0.5 ** 6); what is left is the slow level
    # and season taking in 5 % of the spike each: profile is back within 5 % of the level
    assert abs(prof[-1] / level[-1] - 1) < abs(ets[-1] / level[-1] - 1)
    assert abs(prof[-1] / level[-1] - 1) < 0.05


def test_combo_is_the_mean_of_its_parts():
    data = deterministic()
    data.volume[-7:] *= 1.2
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    parts = [make_model(m).fit(data).predict(future, no_kinds(7)) for m in ("snaive", "mean4")]
    combo = make_model("combo", parts=("snaive", "mean4")).fit(data).predict(future, no_kinds(7))
    np.testing.assert_allclose(combo, (parts[0] + parts[1]) / 2)


def test_combine_finds_the_pair_whose_mean_is_right():
    rng = np.random.default_rng(0)
    actual = rng.uniform(50, 150, (6, 7, 4))
    noise = rng.normal(0, 20, actual.shape)
    preds = {  # a and b err in opposite directions, c is worse than either
        "a": actual + noise,
        "b": actual - noise,
        "c": actual + 3 * noise,
        "combo": np.zeros_like(actual),
    }
    parts = _combine(preds, actual[:3], list(preds))
    assert parts == ("a", "b")
    np.testing.assert_allclose(preds["combo"], actual)


def test_auto_uses_the_day_ahead_pick_on_day_one_only():
    frame = simulated_history(weeks=10, queues=(("phone", "de", 2000.0),))
    p = prepare(frame, 1800, TZ)
    result = backtest(p, origins=14)
    bt = replace(result.queues["phone:de"], final=(Pick("snaive"), Pick("mean4")))
    result = replace(result, queues={"phone:de": bt})
    fc, _ = make_forecast(p, 7, result=result)
    day = fc["interval_start"].dt.tz_localize(None).dt.normalize()
    first = day == day.min()
    assert set(fc.loc[first, "model"]) == {"snaive"}
    assert set(fc.loc[~first, "model"]) == {"mean4"}
    for method, pick in (("snaive", first), ("mean4", ~first)):
        alone, _ = make_forecast(p, 7, method=method, result=result)
        np.testing.assert_allclose(fc.loc[pick, "volume"], alone.loc[pick, "volume"])
    # a blend: 0.25 x profile + 0.75 x mean4, row by row
    bt = replace(bt, final=(Pick("profile", 0.25), Pick("profile", 0.25)))
    blend, _ = make_forecast(p, 7, result=replace(result, queues={"phone:de": bt}))
    prof, _ = make_forecast(p, 7, method="profile", result=result)
    mean4, _ = make_forecast(p, 7, method="mean4", result=result)
    np.testing.assert_allclose(blend["volume"], 0.25 * prof["volume"] + 0.75 * mean4["volume"])
    assert set(blend["model"]) == {"0.25 profile + 0.75 mean4"}


def test_backtest_reports_picks_per_horizon():
    frame = simulated_history(weeks=10, queues=(("phone", "de", 2000.0),))
    result = backtest(prepare(frame, 1800, TZ), origins=14)
    auto = result.table.set_index("method").loc["auto"]
    assert {"combo", "profile"} <= set(result.queues["phone:de"].preds)
    assert auto["pick_day"] in result.queues["phone:de"].preds
    assert auto["pick_week"] in result.queues["phone:de"].preds
    # auto never does worse than mean4 on the calibration origins it chose on
    bt = result.queues["phone:de"]
    cal = slice(0, bt.n_calib)
    err = {m: np.nansum(np.abs(bt.actual[cal] - p[cal])) for m, p in bt.preds.items()}
    assert err[bt.chosen] <= err["mean4"]



def test_poisson_floor_is_the_poisson_mean_absolute_deviation():
    # E|Y - mu| for Y ~ Poisson(mu), summed by hand over k (independent of the closed form)
    from math import exp, lgamma, log

    for mu in (0.5, 3.0, 40.0):
        mad = sum(abs(k - mu) * exp(k * log(mu) - mu - lgamma(k + 1)) for k in range(300))
        assert poisson_floor(np.array([[mu, np.nan]])) == pytest.approx(mad / mu, rel=1e-9)
    # and by simulation for a mixed array
    rng = np.random.default_rng(3)
    mu = rng.uniform(5, 50, 400)
    y = rng.poisson(np.repeat(mu[:, None], 2000, axis=1))
    sim = np.abs(y - mu[:, None]).mean(axis=1).sum() / mu.sum()
    assert poisson_floor(mu) == pytest.approx(sim, rel=0.01)


def test_pick_blends_the_best_with_mean4_by_inverse_squared_excess_wape():
    actual = np.full((2, 7, 3), 1000.0)
    preds = {"mean4": actual + 100, "profile": actual - 50, "snaive": actual + 300}
    # WAPE 10 %, 5 %, 30 %; the floor at 1000 contacts: 2 x 1000 x P(Y = 1000) / 1000
    floor = 2 * np.exp(1000 * np.log(1000) - 1000 - np.sum(np.log(np.arange(1, 1001))))
    assert 0.02 < floor < 0.03
    e4, em = 0.10 - floor, 0.05 - floor
    pick = _pick(preds, actual, list(preds), slice(None))
    assert pick.method == "profile"
    assert pick.weight == pytest.approx(e4**2 / (e4**2 + em**2))
    w = pick.weight
    np.testing.assert_allclose(pick.mix(preds), w * 950 + (1 - w) * 1100)
    assert pick.label() == f"{w:.2f} profile + {1 - w:.2f} mean4"
    # a method worse than mean4 is never used
    worse = {"mean4": actual + 10, "profile": actual - 20}
    assert _pick(worse, actual, list(worse), slice(None)) == Pick("mean4")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 3.0))
def test_auto_pick_is_never_worse_than_mean4_where_it_chose(seed, spread):
    rng = np.random.default_rng(seed)
    actual = rng.gamma(2.0, 50.0, (4, 7, 5))
    actual[rng.random(actual.shape) < 0.1] = np.nan  # unknown intervals are not scored
    preds = {m: actual * rng.lognormal(0, 0.1 + spread * rng.random(), actual.shape)
             for m in ("mean4", "ets", "profile", "snaive")}
    preds = {m: np.nan_to_num(p, nan=1.0) for m, p in preds.items()}
    for horizon in (slice(0, 1), slice(None)):
        pick = _pick(preds, actual[:, horizon], list(preds), horizon)
        blend = pick.mix(preds)[:, horizon]
        assert _wape(actual[:, horizon], blend) <= _wape(
            actual[:, horizon], preds["mean4"][:, horizon]) + 1e-12


def test_holiday_errors_widen_only_the_special_days_bands():
    # Poisson days around a known mean; holidays (and the days either side) 50 % off
    rng = np.random.default_rng(5)
    special = np.zeros((40, 7), bool)
    special[::8, 2] = True
    mu = np.full((40, 7, 10), 200.0)
    actual = rng.poisson(mu * np.where(special, 1.5, 1.0)[:, :, None]).astype(float)
    bands = _dispersions(actual, mu, special)
    for h in range(7):
        phi, alpha = bands.ordinary[h]
        assert phi == pytest.approx(1.0, abs=0.25) and alpha < 0.002  # Poisson
    assert bands.special[2][1] > 0.01  # 0.5² on 1 row in 8: alpha ~ 0.03
    assert bands.at(2, special=False) == bands.ordinary[2]
    assert bands.at(9, special=True) == bands.special[6]  # beyond a week: the 7th day's
