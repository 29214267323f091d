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
                **_callback_summary(rows, queue, hours),
                **_flow_summary(rows),
            }
        )
    return out


def _callback_summary(rows: pd.DataFrame, queue, hours: float) -> dict[str, Any]:
    """For a queue with callbacks: callbacks, their on-duty hours, the peak without them."""
    if queue.callback is None or "callback_volume" not in rows:
        return {}
    return {
        "callbacks": float(rows["callback_volume"].sum()),
        "callback_hours": float(rows["callback_agents"].sum() * hours),
        "peak_agents_no_callback": int(rows["agents_required_no_callback"].max()),
        "paid_hours_no_callback": float(rows["agents_required_no_callback"].sum() * hours),
    }


def _flow_summary(rows: pd.DataFrame) -> dict[str, Any]:
    """With contact flows: the queue's own forecast, escalations in and repeats added."""
    if "repeat_volume" not in rows:
        return {}
    return {
        "forecast_contacts": float(rows["forecast_volume"].sum()),
        "escalated_in": float(rows["escalated_volume"].sum()),
        "repeats_added": float(rows["repeat_volume"].sum()),
    }
