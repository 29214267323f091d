"""Reading a pilot's actuals CSV: one row per week and queue.

Columns: ``week_start`` (date, ``2027-03-01``), ``queue`` (``channel:language``),
``contacts`` (>= 0), ``service_level`` and ``fcr`` (fractions 0..1),
``cost_eur`` (what the pilot cost that week for that queue, EUR >= 0).
Errors name the file, the line and the column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import WfmInputError
from wfm.io.tables import fail_at_first, numeric_column, read_raw_table

ACTUALS_COLUMNS = ("week_start", "queue", "contacts", "service_level", "fcr", "cost_eur")


@dataclass(frozen=True)
class Actuals:
    """Parsed actuals; ``line`` is the file line of each row (for messages)."""

    path: str
    week_start: list[dt.date]
    queue: list[str]
    contacts: np.ndarray
    service_level: np.ndarray
    fcr: np.ndarray
    cost: np.ndarray
    line: np.ndarray


def read_actuals(path: str | Path) -> Actuals:
    """Read and check a pilot actuals CSV (``,`` ``;`` or tab; decimal ``.`` or ``,``)."""
    t = read_raw_table(path, required=ACTUALS_COLUMNS)
    if t.frame.empty:
        raise WfmInputError("no data rows", file=t.path, row=2)
    dates = pd.to_datetime(t.frame["week_start"], format="%Y-%m-%d", errors="coerce")
    fail_at_first(t, dates.isna().to_numpy(), "week_start",
                  lambda i: f"expected a date like 2027-03-01, found "
                            f"{t.frame['week_start'].iloc[i]!r}")
    queues = t.frame["queue"].astype(str)
    fail_at_first(t, ~queues.str.fullmatch(r"[a-z]+:[a-z]{2,3}").to_numpy(), "queue",
                  lambda i: f"expected channel:language like email:en, found "
                            f"{queues.iloc[i]!r}")
    contacts = numeric_column(t, "contacts", minimum=0.0)
    sl = numeric_column(t, "service_level", minimum=0.0, what="a fraction 0..1")
    fcr = numeric_column(t, "fcr", minimum=0.0, what="a fraction 0..1")
    for name, values in (("service_level", sl), ("fcr", fcr)):
        fail_at_first(t, values > 1.0, name, lambda i, v=values: f"expected a fraction 0..1, "
                      f"found {v[i]:g} (write 0.8, not 80)")
    cost = numeric_column(t, "cost_eur", minimum=0.0)
    return Actuals(t.path, [d.date() for d in dates], list(queues), contacts, sl, fcr, cost,
                   t.line)
