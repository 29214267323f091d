"""Make examples/forecast.csv: one week of 30-minute forecasts for examples/center.toml.

Seeded and deterministic: ``python examples/make_forecast.py`` re-makes the file.
The week (Mon 2026-03-23 .. Sun 2026-03-29) includes the spring DST change in
Europe/Berlin, so Sunday has 46 half-hour intervals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

# contacts per average day, AHT seconds, intraday shape
QUEUES = {
    ("phone", "de"): (5200, 300, "phone"),
    ("phone", "en"): (800, 330, "phone"),
    ("phone", "fr"): (350, 340, "phone"),
    ("phone", "tr"): (220, 360, "phone"),
    ("chat", "de"): (1400, 420, "chat"),
    ("chat", "en"): (260, 450, "chat"),
    ("email", "de"): (2300, 480, "email"),
    ("email", "en"): (380, 510, "email"),
    ("email", "fr"): (110, 540, "email"),
    ("email", "tr"): (70, 540, "email"),
}
WEEKDAY = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.25])  # Mon..Sun


def intraday(hour: np.ndarray, shape: str) -> np.ndarray:
    """Relative arrival intensity by local hour of day (floats 0..24)."""
    bump = lambda mu, sd, h: np.exp(-0.5 * ((hour - mu) / sd) ** 2) * h  # noqa: E731
    base = 0.03 + 0.02 * ((hour >= 6) & (hour < 23))
    if shape == "phone":
        return base + bump(10.5, 1.6, 1.0) + bump(15.0, 2.0, 0.8) + bump(19.5, 1.5, 0.3)
    if shape == "chat":
        return base + bump(11.0, 2.0, 0.6) + bump(20.0, 2.0, 0.9)
    return base + bump(9.0, 2.5, 0.7) + bump(14.0, 3.0, 0.6) + bump(21.0, 2.0, 0.4)


def make(seed: int = 20260323) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tz = "Europe/Berlin"
    start = pd.Timestamp("2026-03-23 00:00", tz=tz).tz_convert("UTC")
    end = pd.Timestamp("2026-03-30 00:00", tz=tz).tz_convert("UTC")
    grid = pd.date_range(start, end, freq="30min", inclusive="left").tz_convert(tz)
    hour = (grid.hour + grid.minute / 60 + 0.25).to_numpy()
    day_factor = WEEKDAY[grid.day_of_week.to_numpy()]
    rows = []
    for (channel, language), (daily, aht, shape) in QUEUES.items():
        profile = intraday(hour, shape)
        day = grid.normalize()
        share = profile / pd.Series(profile).groupby(day).transform("sum").to_numpy()
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
    out = Path(__file__).with_name("forecast.csv")
    make().to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out}")
