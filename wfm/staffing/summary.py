"""Summaries of result tables for the terminal and JSON output."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from wfm.config import CenterConfig


def summarize_requirements(table: pd.DataFrame, center: CenterConfig) -> list[dict[str, Any]]:
    """Per queue: intervals, contacts, peak and paid hours of required agents, lowest SL."""
    hours = center.interval / 3600.0
    out = []
    for (channel, language), rows in table.groupby(["channel", "language"], sort=True):
        queue = center.queue(f"{channel}:{language}")
        staffed = rows[rows["agents_on_duty"] > 0]
        sl = staffed["service_level"].to_numpy(float)
        sl = sl[np.isfinite(sl)]
        out.append(
            {
                "queue": queue.key,
                "model": queue.model,
                "intervals": int(len(rows)),
                "contacts": float(rows["volume"].sum()),
                "peak_agents": int(rows["agents_required"].max()),
                "paid_hours": float(rows["agents_required"].sum() * hours),
                "min_service_level": float(sl.min()) if sl.size else None,
            }
        )
    return out
