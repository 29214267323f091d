"""Forecast models on synthetic series whose right answer is known."""

import numpy as np
import pandas as pd
import pytest

from wfm.forecast.aht import aht_profile
from wfm.forecast.calendar import day_kinds, event_effects
from wfm.forecast.intervals import bounds, coverage, estimate_dispersion, quantile
from wfm.forecast.matrix import day_grid, fill_gaps, from_matrix, to_matrix
from wfm.forecast.models import KINDS, QueueData, make_model
from wfm.forecast.pipeline import backtest, make_forecast, pooled, prepare

TZ = "Europe/Berlin"
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])


def shape(n_slots=48):
    hour = (np.arange(n_slots) + 0.5) * 24 / n_slots
    p = 0.05 + np.exp(-0.5 * ((hour - 11) / 2.5) ** 2) + 0.6 * np.exp(-0.5 * ((hour - 16) / 2) ** 2)
    return p / p.sum()


def no_kinds(n):
    return {k: np.zeros(n, bool) for k in KINDS}


def test_matrix_keeps_dst_days_without_shifting():
    days = pd.date_range("2026-03-28", "2026-03-30")  # Sat, Sun (23 h), Mon
    grid = day_grid(days[0], days[-1], TZ, 1800)
    assert len(grid) == 48 + 46 + 48
    values = np.arange(len(grid), dtype=float)
    m = to_matrix(grid, values, 1800, days, TZ)
    # Sunday 02:00 and 02:30 do not exist; 03:00 (slot 6) holds the interval after 01:30
    assert not m.exists[1, 4] and not m.exists[1, 5] and m.exists[1, 6]
    assert m.values[1, 3] + 1 == m.values[1, 6]
    assert np.array_equal(from_matrix(m.values, days, grid, 1800), values)


def test_matrix_autumn_day_repeated_slots_hold_the_mean():
    days = pd.date_range("2026-10-25", "2026-10-25")
    grid = day_grid(days[0], days[-1], TZ, 1800)
    assert len(grid) == 50
    values = np.ones(50)
    values[4], values[6] = 10.0, 20.0  # 02:00 summer time, 02:00 winter time
    m = to_matrix(grid, values, 1800, days, TZ)
    assert m.values[0, 4] == 15.0
    back = from_matrix(m.values, days, grid, 1800)
    assert back[4] == back[6] == 15.0 and len(back) == 50


def test_fill_gaps_uses_same_weekday():
    v = np.tile(np.arange(7.0)[:, None], (5, 3))  # value = weekday index
    v[15, 1] = np.nan
    v[20] = np.nan
    filled = fill_gaps(v)
    assert filled[15, 1] == 1.0 and np.all(filled[20] == 6.0)


def deterministic(weeks=12, level=1000.0):
    days = pd.date_range("2026-01-05", periods=7 * weeks)  # a Monday
    totals = level * WEEKDAY[days.day_of_week]
    return QueueData(days, totals[:, None] * shape()[None, :], no_kinds(len(days)))


@pytest.mark.parametrize("method", ["snaive", "mean4"])
def test_baselines_repeat_a_stable_week(method):
    data = deterministic()
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    pred = make_model(method).fit(data).predict(future, no_kinds(7))
    expected = 1000 * WEEKDAY[future.day_of_week][:, None] * shape()[None, :]
    np.testing.assert_allclose(pred, expected, rtol=1e-9)


def test_seasonal_naive_is_last_week_not_the_average():
    data = deterministic()
    data.volume[-7:] *= 2.0  # last week doubled
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    sn = make_model("snaive").fit(data).predict(future, no_kinds(7))
    m4 = make_model("mean4").fit(data).predict(future, no_kinds(7))
    np.testing.assert_allclose(sn.sum(), 2 * 1000 * WEEKDAY.sum(), rtol=1e-9)
    np.testing.assert_allclose(m4.sum(), 1.25 * 1000 * WEEKDAY.sum(), rtol=1e-9)


def test_ets_recovers_weekday_totals_and_profile():
    data = deterministic()
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=14)
    pred = make_model("ets").fit(data).predict(future, no_kinds(14))
    np.testing.assert_allclose(pred.sum(axis=1), 1000 * WEEKDAY[future.day_of_week], rtol=0.02)
    np.testing.assert_allclose(pred[0] / pred[0].sum(), shape(), atol=1e-3)


def test_ets_follows_a_level_shift():
    data = deterministic(weeks=14)
    data.volume[-21:] *= 1.5  # the level rose three weeks ago
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    pred = make_model("ets").fit(data).predict(future, no_kinds(7))
    ratio = pred.sum() / (1000 * WEEKDAY.sum())
    assert 1.4 < ratio < 1.6


def test_ets_learns_holiday_factor_and_closed_weekday():
    data = deterministic(weeks=16)
    kinds = no_kinds(len(data.days))
    for i in (17, 38, 66, 80):  # four past holidays on weekdays at 40 %
        kinds["holiday"][i] = True
        data.volume[i] *= 0.4
    sunday = data.days.day_of_week == 6
    data.volume[sunday] = 0.0
    data = QueueData(data.days, data.volume, kinds)
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    fk = no_kinds(7)
    fk["holiday"][2] = True  # a Wednesday holiday ahead
    pred = make_model("ets").fit(data).predict(future, fk).sum(axis=1)
    assert pred[future.day_of_week == 6][0] == 0.0
    assert pred[2] / (1000 * WEEKDAY[2]) == pytest.approx(0.4, abs=0.04)
    assert pred[1] / (1000 * WEEKDAY[1]) == pytest.approx(1.0, abs=0.04)


def test_split_uses_channel_total_and_share():
    data = deterministic()
    channel = data.volume * 20.0  # the queue is 5 % of its channel
    data = QueueData(data.days, data.volume, data.kinds, channel)
    future = pd.date_range(data.days[-1] + pd.Timedelta(days=1), periods=7)
    pred = make_model("split").fit(data).predict(future, no_kinds(7))
    np.testing.assert_allclose(pred.sum(axis=1), 1000 * WEEKDAY[future.day_of_week], rtol=0.02)


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        make_model("prophet")


def test_aht_profile_is_volume_weighted_by_day_type():
    days = pd.date_range("2026-01-05", periods=56)
    weekday = days.day_of_week.to_numpy()
    volume = np.full((56, 48), 10.0)
    aht = np.where((weekday == 6)[:, None], 400.0, 300.0) * np.ones((56, 48))
    prof = aht_profile(aht, volume, weekday)
    # each value pulled towards the overall volume-weighted mean by the 20-contact
    # prior; the 1-2-3-2-1 smoothing sums 9 slots' worth of contacts
    overall = (6 * 300 + 400) / 7
    weekdays = 9 * 10 * 40  # Mon-Fri over 8 weeks
    sundays = 9 * 10 * 8
    np.testing.assert_allclose(prof[0], (weekdays * 300 + 20 * overall) / (weekdays + 20))
    np.testing.assert_allclose(prof[2], (sundays * 400 + 20 * overall) / (sundays + 20))
    # an unknown AHT (no contacts) does not count
    aht2 = aht.copy()
    aht2[weekday == 0] = np.nan
    assert np.isfinite(aht_profile(aht2, volume, weekday)).all()


def test_day_kinds_easter_and_may_day():
    days = pd.date_range("2026-03-30", "2026-05-10")
    hol = [pd.Timestamp(d) for d in ("2026-04-03", "2026-04-06", "2026-05-01")]
    k = day_kinds(days, hol)
    at = {d.strftime("%m-%d"): i for i, d in enumerate(days)}
    assert k["holiday"][at["04-03"]] and k["holiday"][at["04-06"]]
    assert k["before"][at["04-02"]] and k["before"][at["04-30"]]
    assert k["after"][at["04-07"]]  # Tuesday after Easter Monday
    assert k["after"][at["05-04"]]  # Monday after Friday 1 May
    assert not k["after"][at["04-04"]]  # Saturday is not a working day
    assert k["holiday"].sum() == 3 and k["after"].sum() == 2


def test_event_effects_multiply_and_exclude():
    grid = day_grid(pd.Timestamp("2026-09-14"), pd.Timestamp("2026-09-14"), TZ, 1800)
    ev = pd.DataFrame(
        {
            "start": [pd.Timestamp("2026-09-14 08:00", tz=TZ).tz_convert("UTC")] * 2,
            "end": [pd.Timestamp("2026-09-14 10:00", tz=TZ).tz_convert("UTC")] * 2,
            "channel": ["phone", ""],
            "language": ["de", ""],
            "effect": ["multiply", "exclude"],
            "value": [1.5, 1.0],
        }
    )
    mult, excl = event_effects(ev, "phone:de", grid)
    assert mult.sum() == 48 + 4 * 0.5 and excl.sum() == 4
    mult, excl = event_effects(ev, "chat:en", grid)
    assert (mult == 1).all() and excl.sum() == 4


@pytest.mark.parametrize("mu", [0.3, 3.0, 40.0])
def test_poisson_bands_cover_nominal(mu):
    rng = np.random.default_rng(7)
    y = rng.poisson(mu, 40000).astype(float)
    m = np.full_like(y, mu)
    for level in (0.8, 0.95):
        lo, hi = bounds(m, (1.0, 0.0), level, clip=False)
        assert coverage(y, lo, hi, seed=1) == pytest.approx(level, abs=0.01)


def test_negative_binomial_dispersion_recovered_and_covered():
    rng = np.random.default_rng(3)
    mu = rng.uniform(1, 80, 60000)
    alpha = 0.05
    y = rng.poisson(mu * rng.gamma(1 / alpha, alpha, mu.size)).astype(float)
    phi, a = estimate_dispersion(y, mu)
    assert a == pytest.approx(alpha, abs=0.01) and phi == pytest.approx(1.0, abs=0.15)
    lo, hi = bounds(mu, (phi, a), 0.8, clip=False)
    assert coverage(y, lo, hi) == pytest.approx(0.8, abs=0.02)
    # Poisson bands would be far too narrow here
    lo, hi = bounds(mu, (1.0, 0.0), 0.8, clip=False)
    assert coverage(y, lo, hi) < 0.7


def test_quantiles_are_monotone_and_clipped():
    mu = np.array([0.0, 0.2, 5.0, 50.0])
    q10, q90 = quantile(mu, (1.2, 0.01), 0.1), quantile(mu, (1.2, 0.01), 0.9)
    assert (q10 >= 0).all() and (q90 >= q10).all() and q10[0] == q90[0] == 0.0


def simulated_history(weeks=14, seed=5, queues=(("phone", "de", 2000.0),)):
    """Poisson arrivals around a weekly x intraday pattern with a log-AR(1) daily level."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-01-05", periods=7 * weeks)
    grid = day_grid(days[0], days[-1], TZ, 1800)
    d = ((grid.tz_localize(None).normalize() - days[0]) // pd.Timedelta(days=1)).to_numpy()
    slot = (grid.hour * 2 + grid.minute // 30).to_numpy()
    parts = []
    for channel, language, daily in queues:
        level = np.zeros(len(days))
        for i in range(1, len(days)):
            level[i] = 0.8 * level[i - 1] + rng.normal(0, 0.03)
        rate = daily * WEEKDAY[days.day_of_week][d] * np.exp(level)[d] * shape()[slot]
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": grid,
                    "channel": channel,
                    "language": language,
                    "volume": rng.poisson(rate).astype(float),
                    "aht_s": 300.0,
                    "handled": np.nan,
                    "abandoned": np.nan,
                    "open": True,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_backtest_on_simulated_poisson_data():
    frame = simulated_history()
    p = prepare(frame, 1800, TZ)
    result = backtest(p, origins=28)
    t = result.table.set_index("method")
    auto = t.loc["auto"]
    # the day-level model averages out the Poisson noise that seasonal naive copies
    assert auto["wape_day"] <= 0.8 * t.loc["snaive", "wape_day"]
    assert auto["wape_week"] <= t.loc["mean4", "wape_week"] * 1.02
    assert abs(auto["bias_week"]) < 0.05
    for level in (80, 95):
        assert auto[f"cov{level}_week"] == pytest.approx(level / 100, abs=0.05)
    agg = pooled(result.table)
    assert set(agg.index) >= {"auto", "snaive", "mean4", "ets"}


def test_sparse_queue_gets_split_candidate_and_forecast_contract():
    frame = simulated_history(weeks=10, queues=(("email", "de", 1500.0), ("email", "tr", 12.0)))
    p = prepare(frame, 1800, TZ)
    assert p.queues["email:tr"].sparse and not p.queues["email:de"].sparse
    result = backtest(p, origins=14)
    assert "split" in result.queues["email:tr"].preds
    fc, warnings = make_forecast(p, 7, result=result)
    assert len(fc) == 2 * 7 * 48 and not warnings
    tr = fc[fc["language"] == "tr"]
    assert tr["volume"].sum() / 7 == pytest.approx(12.0, rel=0.35)
    assert (fc["volume_lo95"] <= fc["volume_lo80"]).all()
    assert (fc["volume_lo80"] <= fc["volume"] + 1e-9).all()
    assert (fc["volume_hi80"] <= fc["volume_hi95"]).all()
    assert (fc["aht_s"] == 300.0).all()


def test_forecast_honors_closed_hours_and_events():
    frame = simulated_history(weeks=8)
    hour = frame["interval_start"].dt.hour
    frame["open"] = (hour >= 8) & (hour < 20)
    frame.loc[~frame["open"], "volume"] = 0.0
    start = frame["interval_start"].max() + pd.Timedelta(minutes=30)
    ev = pd.DataFrame(
        {
            "start": [start.tz_convert("UTC")],
            "end": [(start + pd.Timedelta(days=1)).tz_convert("UTC")],
            "channel": [""],
            "language": [""],
            "effect": ["multiply"],
            "value": [0.0],
        }
    )
    p = prepare(frame, 1800, TZ, events=ev)
    fc, _ = make_forecast(p, 3, method="mean4", events=ev)
    h = fc["interval_start"].dt.hour
    assert (fc.loc[(h < 8) | (h >= 20), "volume"] == 0).all()
    first_day = fc["interval_start"] < start + pd.Timedelta(days=1)
    assert (fc.loc[first_day, "volume"] == 0).all()  # outage at x0
    assert fc.loc[~first_day, "volume"].sum() > 0


def test_forecast_over_autumn_dst_day_has_50_intervals():
    frame = simulated_history(weeks=7)
    # move the history so that the forecast starts on Saturday 2026-10-24
    shift = pd.Timestamp("2026-10-24") - pd.Timestamp("2026-01-05") - pd.Timedelta(days=49)
    local = frame["interval_start"].dt.tz_localize(None) + shift
    frame = frame.assign(interval_start=local.dt.tz_localize(TZ))  # no DST change inside
    p = prepare(frame, 1800, TZ)
    assert p.days[-1] == pd.Timestamp("2026-10-23")
    fc, _ = make_forecast(p, 3, method="mean4")
    per_day = fc.groupby(fc["interval_start"].dt.tz_localize(None).dt.normalize()).size()
    assert per_day.tolist() == [48, 50, 48]
    sunday = fc[fc["interval_start"].dt.day == 25].reset_index(drop=True)
    # both 02:00 intervals (summer and winter time) get the 02:00 slot's rate
    offsets = [t.utcoffset() for t in sunday["interval_start"].iloc[[4, 6]]]
    assert offsets[0] != offsets[1]
    assert sunday["volume"].iloc[4] == sunday["volume"].iloc[6]


@pytest.mark.parametrize("method", ["snaive", "mean4", "ets"])
def test_weekday_never_seen_is_not_closed(method):
    frame = simulated_history(weeks=1).iloc[: 3 * 48].copy()  # Mon-Wed only
    frame["volume"] = 5.0
    p = prepare(frame, 1800, TZ)
    fc, _ = make_forecast(p, 1, method=method)  # a Thursday
    np.testing.assert_allclose(fc["volume"], 5.0)


def test_weekday_closed_in_history_stays_closed():
    frame = simulated_history(weeks=6)
    sunday = frame["interval_start"].dt.day_of_week == 6
    frame.loc[sunday, "volume"] = 0.0
    p = prepare(frame, 1800, TZ)
    fc, _ = make_forecast(p, 7, method="ets")
    sun = fc["interval_start"].dt.day_of_week == 6
    assert (fc.loc[sun, "volume"] == 0).all() and (fc.loc[~sun, "volume"] > 0).any()


def test_aht_weighted_by_handled_when_given():
    frame = simulated_history(weeks=2)
    slot = frame["interval_start"].dt.minute == 0
    # on the hour: AHT 200 s over 1 handled contact; on the half hour 400 s over 9
    frame["aht_s"] = np.where(slot, 200.0, 400.0)
    frame["handled"] = np.where(slot, 1.0, 9.0)
    p = prepare(frame, 1800, TZ)
    aht = p.queues["phone:de"].aht
    mean = aht[0].mean()  # across slots the smoothing mixes both kinds of slot
    assert mean == pytest.approx((200 * 1 + 400 * 9) / 10, rel=0.02)


@pytest.mark.parametrize("method", ["snaive", "mean4"])
def test_hour_skipped_at_spring_dst_is_not_learned_as_zero(method):
    """29 March 2026 has no 02:00-03:00; a flat 24/7 queue must still get its
    flat volume at 02:00-03:00 a week later (snaive looked up the missing
    hour and forecast 0, mean4 came out a quarter low)."""
    days = pd.date_range("2026-03-02", "2026-04-03")  # Mon 2 Mar .. Fri 3 Apr
    grid = day_grid(days[0], days[-1], TZ, 1800)
    frame = pd.DataFrame(
        {
            "interval_start": grid,
            "channel": "phone",
            "language": "de",
            "volume": 5.0,
            "aht_s": 300.0,
            "handled": np.nan,
            "abandoned": np.nan,
            "open": True,
        }
    )
    p = prepare(frame, 1800, TZ)
    fc, _ = make_forecast(p, 3, method=method)  # Sat 4 .. Mon 6 April
    local = fc["interval_start"].dt.tz_localize(None)
    night = fc[(local.dt.day == 5) & (local.dt.hour == 2)]
    assert len(night) == 2
    np.testing.assert_allclose(night["volume"], 5.0)
