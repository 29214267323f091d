"""Make examples/forecast_channels.csv: one week for examples/center_channels.toml.

Phone (German, with callbacks in the config), letters arriving with the morning
mail run on weekdays, web forms, fax and social media (WhatsApp, Facebook,
Instagram under one ``social`` channel) and callback requests sent from the app.
Same week and seed convention as make_forecast.py:
``python examples/make_channels_forecast.py`` re-makes the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# contacts per average day, AHT seconds, intraday shape
QUEUES = {
    ("phone", "de"): (5200, 300, "phone"),
    ("letter", "de"): (420, 600, "mail_run"),
    ("fax", "de"): (25, 420, "office"),
    ("webform", "de"): (520, 420, "office"),
    ("social", "de"): (640, 240, "evening"),
    ("callback", "de"): (180, 420, "office"),  # "call me back" requests from the app
}
WEEKDAY = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.25])  # Mon..Sun


def intraday(hour: np.ndarray, weekday: np.ndarray, shape: str) -> np.ndarray:
    """Relative arrival intensity by local hour of day (floats 0..24)."""
    bump = lambda mu, sd, h: np.exp(-0.5 * ((hour - mu) / sd) ** 2) * h  # noqa: E731
    base = 0.03 + 0.02 * ((hour >= 6) & (hour < 23))
    if shape == "phone":
        return base + bump(10.5, 1.6, 1.0) + bump(15.0, 2.0, 0.8) + bump(19.5, 1.5, 0.3)
    if shape == "mail_run":  # scanned post arrives at 08:00 on weekdays, nothing else
        return np.where((weekday < 5) & (hour >= 8.0) & (hour < 8.5), 1.0, 0.0) + 1e-12
    if shape == "evening":
        return base + bump(12.5, 2.0, 0.5) + bump(20.5, 2.0, 1.0)
    return base + bump(10.0, 2.5, 0.8) + bump(15.0, 2.5, 0.6)


def make(seed: int = 20260323) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tz = "Europe/Berlin"
    start = pd.Timestamp("2026-03-23 00:00", tz=tz).tz_convert("UTC")
    end = pd.Timestamp("2026-03-30 00:00", tz=tz).tz_convert("UTC")
    grid = pd.date_range(start, end, freq="30min", inclusive="left").tz_convert(tz)
    hour = (grid.hour + grid.minute / 60 + 0.25).to_numpy()
    weekday = grid.day_of_week.to_numpy()
    day_factor = WEEKDAY[weekday]
    rows = []
    for (channel, language), (daily, aht, shape) in QUEUES.items():
        profile = intraday(hour, weekday, shape)
        day = grid.normalize()
        share = profile / pd.Series(profile).groupby(day).transform("sum").to_numpy()
        if shape == "mail_run":  # a week's letters over the five mail runs
            share = np.where(weekday < 5, share, 0.0) * WEEKDAY.sum() / 5 / day_factor
        volume = daily * day_factor * share * rng.lognormal(0.0, 0.04, len(grid))
        aht_s = aht * (1 + 0.08 * np.sin(2 * np.pi * hour / 24)) * rng.normal(1, 0.02, len(grid))
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": [t.isoformat() for t in grid],
                    "channel": channel,
                    "language": language,
                    "volume": np.round(volume, 2),
                    "aht_s": np.round(aht_s, 1),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    out = Path(__file__).with_name("forecast_channels.csv")
    make().to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out}")
