"""The issue's acceptance thresholds on the realistic example history (a subset, for time)."""

from pathlib import Path

import pytest

from wfm.config import load_center
from wfm.forecast.pipeline import backtest, pooled, prepare
from wfm.io.events import public_holidays, read_events
from wfm.io.history import read_history

ROOT = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def scores():
    center = load_center(ROOT / "center.toml")
    hist = read_history(ROOT / "history.csv", center=center)
    events = read_events(ROOT / "events.csv", center.timezone)
    keep = {"phone:de", "chat:en", "email:de", "phone:tr", "email:tr"}
    frame = hist.frame[(hist.frame["channel"] + ":" + hist.frame["language"]).isin(keep)]
    p = prepare(
        frame, hist.interval, hist.timezone, holidays=public_holidays("DE", [2026]), events=events
    )
    return pooled(backtest(p, origins=28).table)


def test_auto_beats_seasonal_naive_day_ahead_by_20_percent(scores):
    assert scores.loc["auto", "wape_day"] <= 0.8 * scores.loc["snaive", "wape_day"]


def test_auto_no_worse_than_mean4_week_ahead(scores):
    assert scores.loc["auto", "wape_week"] <= scores.loc["mean4", "wape_week"]


@pytest.mark.parametrize("level", [80, 95])
def test_coverage_within_5_points(scores, level):
    assert scores.loc["auto", f"cov{level}_week"] == pytest.approx(level / 100, abs=0.05)
    assert scores.loc["auto", f"cov{level}_day"] == pytest.approx(level / 100, abs=0.05)
