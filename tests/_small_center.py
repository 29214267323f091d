"""A small, valid center (two queues, three shifts, one group) and its inputs, written
by the bad-input corpus and the interrupted-run tests: fast to forecast and plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CENTER = """\
[center]
name = "Small"
timezone = "Europe/Berlin"
interval = "30m"
shrinkage = 0.30
opening_hours = { "mon-fri" = "08:00-18:00", sat = "09:00-13:00", sun = "closed" }

[defaults]
max_occupancy = 0.85

[[queue]]
channel = "phone"
language = "de"
model = "erlang_a"
target = "80/20s"
patience = "120s"

[[queue]]
channel = "email"
language = "de"
model = "deferred"
deadline = "24h"
within = 0.9

[schedule]
fte_hours = 40
days_off = 2

[[shift]]
name = "early"
lengths = ["8h"]
starts = "07:00-09:00"

[[shift]]
name = "late"
lengths = ["6h", "8h"]
starts = "10:00-12:00"

[[group]]
name = "DE"
skills = ["phone:de", "email:de"]
max_headcount = 40
rate = 20.0
"""

SCENARIOS = """\
[settings]
years = 1

[[provider]]
name = "inhouse"
kind = "inhouse"
[provider.cost]
annual_salary = 36000

[[provider]]
name = "vendor"
kind = "vendor"
[provider.price]
model = "per_logged_hour"
price = 25.0

[[scenario]]
name = "all-inhouse"
[[scenario.route]]
queues = ["*"]
provider = "inhouse"

[[scenario]]
name = "split"
[[scenario.route]]
queues = ["*"]
shares = { inhouse = 0.6, vendor = 0.4 }
"""

EVENTS = "start,end,channel,language,effect,value,name\n" \
         "2026-03-02,2026-03-04,phone,de,multiply,1.2,campaign\n"


def history(days: int = 63, seed: int = 7) -> pd.DataFrame:
    """``days`` days of 30-minute history for both queues, open hours only (Mon 2026-01-05)."""
    rng = np.random.default_rng(seed)
    t = pd.date_range("2026-01-05", periods=days * 48, freq="30min", tz="Europe/Berlin")
    hour = t.hour + t.minute / 60
    weekday = t.day_of_week
    open_ = ((weekday < 5) & (hour >= 8) & (hour < 18)) | ((weekday == 5) & (hour >= 9)
                                                          & (hour < 13))
    t = t[open_]
    hour = hour[open_]
    shape = 1 + np.sin((hour - 8) / 10 * np.pi)
    rows = []
    for channel, scale, aht in (("phone", 20, 300), ("email", 6, 600)):
        rows.append(pd.DataFrame({
            "interval_start": t.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
                r"(\d\d)(\d\d)$", r"\1:\2", regex=True),
            "channel": channel, "language": "de",
            "volume": rng.poisson(scale * shape), "aht_s": np.round(aht + rng.normal(0, 20,
                                                                               len(t)), 1)}))
    return pd.concat(rows, ignore_index=True)


def write_inputs(d: Path, days: int = 63, seed: int = 7) -> dict[str, Path]:
    """The center, scenarios, events and history files in ``d``; their paths by name."""
    d.mkdir(parents=True, exist_ok=True)
    paths = {"center": d / "center.toml", "scenarios": d / "scenarios.toml",
             "events": d / "events.csv", "history": d / "history.csv"}
    paths["center"].write_text(CENTER, encoding="utf-8")
    paths["scenarios"].write_text(SCENARIOS, encoding="utf-8")
    paths["events"].write_text(EVENTS, encoding="utf-8")
    history(days, seed).to_csv(paths["history"], index=False)
    return paths
