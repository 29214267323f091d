"""Make examples/forecast_sites.csv: the English phone queue of examples/forecast.csv.

examples/center_sites.toml plans that one queue follow-the-sun from Berlin and Manila;
``python examples/make_sites_forecast.py`` re-makes the file (the same week, 23-29
March 2026, with Berlin's change to summer time on the Sunday).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    forecast = pd.read_csv(HERE / "forecast.csv", dtype=str)
    mine = forecast[(forecast["channel"] == "phone") & (forecast["language"] == "en")]
    mine.to_csv(HERE / "forecast_sites.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
