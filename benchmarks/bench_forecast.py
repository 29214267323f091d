"""Benchmark: speed on generated history, accuracy on real call-center history.

Speed: prepare, backtest (56 origins), auto choice and a 14-day forecast for
16 queues (4 channels x 4 languages) x 1 year of 30-minute history, generated
with Poisson arrivals around weekly x intraday patterns and a daily AR(1)
level (four sparse queues take the channel-split candidate too).

Accuracy: the held-back protocol (:func:`wfm.forecast.evaluate.holdout`) on
``tests/data/calls_fpp2_30min.csv`` -- real calls of a North American bank
(R's fpp2 ``calls``, 30-minute, weekdays 07:00-21:00, no handle times): at
each of the last 10 open days, history cut there, backtest + auto + forecast
7 days, scored on the held-back days; WAPE day- and week-ahead for seasonal
naive, the mean of the last 4 same weekdays and auto.

    python benchmarks/bench_forecast.py            # both
    python benchmarks/bench_forecast.py --speed    # or --real: one of them
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wfm.forecast.evaluate import holdout  # noqa: E402
from wfm.forecast.matrix import day_grid  # noqa: E402
from wfm.forecast.pipeline import backtest, make_forecast, prepare  # noqa: E402
from wfm.io.events import public_holidays  # noqa: E402

TZ = "Europe/Berlin"
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3])


def history(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = pd.date_range("2025-11-03", periods=364)
    grid = day_grid(days[0], days[-1], TZ, 1800)
    d = ((grid.tz_localize(None).normalize() - days[0]) // pd.Timedelta(days=1)).to_numpy()
    slot = (grid.hour * 2 + grid.minute // 30).to_numpy()
    slot_hour = np.arange(48) / 2 + 0.25
    parts = []
    for c, channel in enumerate(("phone", "chat", "email", "social")):
        profile = 0.05 + np.exp(-0.5 * ((slot_hour - 10 - c) / 2.5) ** 2)
        profile /= profile.sum()
        for language, daily in (("de", 4000), ("en", 700), ("fr", 40), ("tr", 15)):
            level = np.zeros(len(days))
            for i in range(1, len(days)):  # AR(1) over days
                level[i] = 0.9 * level[i - 1] + rng.normal(0, 0.03)
            rate = daily * WEEKDAY[days.day_of_week][d] * np.exp(level)[d] * profile[slot]
            parts.append(
                pd.DataFrame(
                    {
                        "interval_start": grid,
                        "channel": channel,
                        "language": language,
                        "volume": rng.poisson(rate).astype(float),
                        "aht_s": rng.normal(300, 20, len(grid)),
                        "handled": np.nan,
                        "abandoned": np.nan,
                        "open": True,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "calls_fpp2_30min.csv"


def real(origins: int = 10) -> None:
    """The held-back protocol on the fpp2 bank calls (see module doc)."""
    from wfm.io.history import read_history

    hist = read_history(REAL, timezone="America/New_York")
    t0 = time.perf_counter()
    table = holdout(
        hist.frame, hist.interval, "America/New_York",
        holidays=public_holidays("US", [2002, 2003, 2004]), origins=origins,
    )
    print(f"{REAL.name}: held-back WAPE over the last {origins} open days "
          f"({time.perf_counter() - t0:.0f} s)")
    for r in table.itertuples(index=False):
        picks = f"  (picks {r.picks})" if r.picks else ""
        print(f"  {r.method:7s} day-ahead {100 * r.wape_day:5.2f} %   "
              f"week-ahead {100 * r.wape_week:5.2f} %   band coverage 80 % "
              f"{100 * r.cov80_week:4.1f}, 95 % {100 * r.cov95_week:4.1f}{picks}")


def speed() -> None:
    frame = history()
    print(
        f"{frame.groupby(['channel', 'language']).ngroups} queues x "
        f"{frame['interval_start'].dt.date.nunique()} days = {len(frame)} intervals"
    )
    t0 = time.perf_counter()
    holidays = public_holidays("DE", [2025, 2026, 2027])
    p = prepare(frame, 1800, TZ, holidays=holidays)
    t1 = time.perf_counter()
    result = backtest(p, origins=56)
    t2 = time.perf_counter()
    fc, _ = make_forecast(p, 14, result=result)
    t3 = time.perf_counter()
    print(
        f"prepare {t1 - t0:.1f} s, backtest {t2 - t1:.1f} s, forecast {t3 - t2:.1f} s, "
        f"total {t3 - t0:.1f} s (target < 60 s)"
    )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )


def main() -> None:
    load = os.getloadavg()[0]
    if "--real" not in sys.argv:
        speed()
    if "--speed" not in sys.argv:
        real(int(os.environ.get("BENCH_ORIGINS", "10")))
    print(f"load average (1 min) at start: {load:.1f}")


if __name__ == "__main__":
    main()
