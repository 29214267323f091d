"""Make examples/history.csv: 35 weeks of 30-minute contact history for examples/center.toml.

Seeded and deterministic: ``python examples/make_history.py`` re-makes the file
(and ``examples/events.csv``).  Mon 2026-03-16 .. Sun 2026-11-15 in
Europe/Berlin, so both DST changes are inside (46- and 50-interval days).

Structure, so that forecasts can be judged against something known:

* per queue a mean daily volume, a weekday pattern per channel and an intraday
  shape per channel and weekday group (Mon-Fri, Sat, Sun);
* day-to-day dynamics: a log-AR(1) level per queue (phi 0.9, sd 0.035) on top of
  a slow drift and a summer dip;
* German public holidays (``holidays`` package, national ones): volume x 0.35
  on the day, x 1.15 on the working day after;
* a letter campaign 2026-09-14 .. 2026-09-27 lifting phone:de and chat:de by
  30 % (listed in ``examples/events.csv`` with a future campaign);
* Poisson arrivals per interval; arrivals only inside each queue's opening
  hours (closed intervals are not written);
* ``aht_s``: the mean handle time of the interval's contacts (longer at
  night), blank when there were none;
* ``email:tr`` is a rare-language queue (about 12 e-mails a day).
"""

from __future__ import annotations

import sys
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wfm.config import load_center  # noqa: E402

HERE = Path(__file__).resolve().parent
START, END = "2026-03-16", "2026-11-16"  # END exclusive
CAMPAIGN = ("2026-09-14", "2026-09-28", ("phone:de", "chat:de"), 1.3)
FUTURE_CAMPAIGN = ("2026-11-23", "2026-11-28", ("phone:de",), 1.25)

# mean contacts per day (on an average weekday), AHT seconds
QUEUES = {
    "phone:de": (5200, 300),
    "phone:en": (800, 330),
    "phone:fr": (350, 340),
    "phone:tr": (160, 360),
    "chat:de": (1400, 420),
    "chat:en": (260, 450),
    "email:de": (2300, 480),
    "email:en": (380, 510),
    "email:fr": (110, 540),
    "email:tr": (12, 560),
}
WEEKDAY = {
    "phone": np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.25]),
    "chat": np.array([1.1, 1.05, 1.0, 1.0, 1.0, 0.75, 0.6]),
    "email": np.array([1.4, 1.1, 1.0, 0.95, 0.9, 0.4, 0.3]),
}


def intraday(hour: np.ndarray, channel: str, weekday: np.ndarray) -> np.ndarray:
    """Relative arrival intensity by local hour of day (floats 0..24)."""

    def bump(mu, sd, h):
        return np.exp(-0.5 * ((hour - mu) / sd) ** 2) * h

    late = np.where(weekday >= 5, 1.5, 0.0)  # weekends start later
    base = 0.03 + 0.02 * ((hour >= 6) & (hour < 23))
    if channel == "phone":
        return base + bump(10.5 + late, 1.6, 1.0) + bump(15.0, 2.0, 0.8) + bump(19.5, 1.5, 0.3)
    if channel == "chat":
        return base + bump(11.0 + late, 2.0, 0.6) + bump(20.0, 2.0, 0.9)
    return base + bump(9.0 + late, 2.5, 0.7) + bump(14.0, 3.0, 0.6) + bump(21.0, 2.0, 0.4)


def make(seed: int = 20261115) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    center = load_center(HERE / "center.toml")
    tz = center.timezone
    grid = pd.date_range(
        pd.Timestamp(START, tz=tz).tz_convert("UTC"),
        pd.Timestamp(END, tz=tz).tz_convert("UTC"),
        freq="30min",
        inclusive="left",
    ).tz_convert(tz)
    day = grid.normalize().tz_localize(None)
    days = pd.date_range(START, END, freq="D", inclusive="left")
    di = ((day - days[0]) / pd.Timedelta(days=1)).astype(int).to_numpy()
    weekday = grid.day_of_week.to_numpy()
    hour = (grid.hour + grid.minute / 60 + 0.25).to_numpy()
    de = holidays.Germany(years=sorted({d.year for d in days}))
    is_hol = np.array([d.date() in de for d in days])
    after = np.zeros(len(days), bool)
    for i in np.flatnonzero(is_hol):  # the next working day after a holiday
        j = i + 1
        while j < len(days) and (days[j].day_of_week >= 5 or is_hol[j]):
            j += 1
        if j < len(days):
            after[j] = True
    calendar = np.where(is_hol, 0.35, 1.0) * np.where(after, 1.15, 1.0)
    t = np.arange(len(days)) / len(days)
    season = (1 + 0.06 * t) * (1 - 0.08 * np.exp(-0.5 * ((days.day_of_year - 215) / 20) ** 2))
    rows = []
    for key, (daily, aht) in QUEUES.items():
        channel, language = key.split(":")
        queue = center.queue(key)
        level = np.zeros(len(days))
        eps = rng.normal(0, 0.035, len(days))
        for i in range(1, len(days)):  # AR(1) over days (a loop over 245 days)
            level[i] = 0.9 * level[i - 1] + eps[i]
        day_factor = season * calendar * np.exp(level)
        if key in CAMPAIGN[2]:
            lift = (days >= CAMPAIGN[0]) & (days < CAMPAIGN[1])
            day_factor = day_factor * np.where(lift, CAMPAIGN[3], 1.0)
        profile = intraday(hour, channel, weekday)
        is_open = center.hours_for(queue).is_open(grid)
        profile = np.where(is_open, profile, 0.0)
        # share of an ordinary (24-hour) day of that weekday: a DST day keeps the
        # per-hour intensity, so it has about 1/24 less or more volume
        ref = pd.date_range("2026-06-01", periods=7 * 48, freq="30min", tz=tz)  # a Monday
        ref_hour = (ref.hour + ref.minute / 60 + 0.25).to_numpy()
        ref_day = ref.day_of_week.to_numpy()
        ref_profile = intraday(ref_hour, channel, ref_day) * center.hours_for(queue).is_open(ref)
        norm = np.bincount(ref_day, weights=ref_profile, minlength=7)
        share = np.divide(profile, norm[weekday], out=np.zeros_like(profile), where=profile > 0)
        rate = daily * WEEKDAY[channel][weekday] * day_factor[di] * share
        volume = rng.poisson(rate)
        night = 1 + 0.12 * np.cos(2 * np.pi * (hour - 3) / 24)
        mean_aht = aht * night * (1 + 0.04 * (weekday >= 5))
        sampled = mean_aht * rng.gamma(np.maximum(volume, 1) * 2.0, 0.5) / np.maximum(volume, 1)
        aht_s = np.where(volume > 0, np.round(sampled, 1), np.nan)
        keep = is_open
        rows.append(
            pd.DataFrame(
                {
                    "interval_start": grid[keep],
                    "channel": channel,
                    "language": language,
                    "volume": volume[keep],
                    "aht_s": aht_s[keep],
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["interval_start"] = out["interval_start"].map(lambda ts: ts.isoformat())
    return out


def events() -> pd.DataFrame:
    """The planner's events file: the past campaign (to clean history) and a future one."""
    rows = []
    for start, end, queues, lift in (CAMPAIGN, FUTURE_CAMPAIGN):
        for q in queues:
            channel, language = q.split(":")
            rows.append(
                {
                    "start": start,
                    "end": end,
                    "channel": channel,
                    "language": language,
                    "effect": "multiply",
                    "value": lift,
                    "name": "letter campaign",
                }
            )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    frame = make()
    frame.to_csv(HERE / "history.csv", index=False, lineterminator="\n")
    events().to_csv(HERE / "events.csv", index=False, lineterminator="\n")
    print(f"wrote {len(frame)} rows to {HERE / 'history.csv'}")
