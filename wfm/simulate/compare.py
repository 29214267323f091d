"""Two plans of the same demand simulated with the same seeds: the week's service level
of each and their paired difference (pure; no I/O).

Used for ``[schedule] service_level_over = "day" | "week"``: the plan staffed for the
week's service level against the interval-by-interval plan of the same requirements.
Replication ``r`` of both plans draws from ``default_rng([seed, r])`` (common random
numbers), so the difference is estimated per replication and its 95 % interval
(Student t over the replications) is narrower than the two intervals side by side.

Service levels are fractions 0..1, over the horizon: contacts answered within the
target time / contacts offered (answered, for a queue on the answered basis) summed
over the queue's intervals; the ``all`` row sums over the compared queues.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

COMPARE_COLUMNS = ("queue", "target", "sl_week", "sl_week_ci95", "sl_week_interval_plan",
                   "sl_week_interval_plan_ci95", "difference", "difference_ci95",
                   "meets_target", "interval_plan_meets_target")


def week_levels(reps: Sequence, rows: Sequence[int], answered: Sequence[bool]) -> np.ndarray:
    """(R, len(rows) + 1) service level over the horizon per replication and queue
    ``rows[i]`` of the simulation (a ``wfm.simulate.engine.Replication`` list), the last
    column over all of them together; ``answered[q]``: queue q is on the answered
    basis (abandons out of the denominator).  NaN where nothing counted."""
    rows = list(rows)
    pick = np.asarray([bool(answered[q]) for q in rows])[:, None]
    out = np.full((len(reps), len(rows) + 1), np.nan)
    for r, rep in enumerate(reps):
        within = np.asarray(rep.within, float)[rows].sum(axis=1)
        due = np.asarray(rep.offered if rep.due is None else rep.due, float)[rows]
        ans = np.asarray(rep.answered if rep.answered_due is None else rep.answered_due,
                         float)[rows]
        den = np.where(pick, ans, due).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[r, :-1] = np.where(den > 0, within / den, np.nan)
        out[r, -1] = within.sum() / den.sum() if den.sum() > 0 else np.nan
    return out


def mean_half(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and the half-width of its 95 % interval (Student t), ignoring
    NaN; NaN where no value (mean) or fewer than two (half-width)."""
    from scipy.stats import t as student

    v = np.asarray(values, float)
    ok = ~np.isnan(v)
    k = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.where(ok, v, 0.0).sum(axis=0) / np.maximum(k, 1), np.nan)
        var = (np.where(ok, v - mean, 0.0) ** 2).sum(axis=0) / np.maximum(k - 1, 1)
        half = np.where(k > 1, student.ppf(0.975, np.maximum(k - 1, 1)) *
                        np.sqrt(var / np.maximum(k, 1)), np.nan)
    return mean, half


def compare_weeks(names: Sequence[str], targets: Sequence[float], levels: np.ndarray,
                  levels_interval: np.ndarray) -> pd.DataFrame:
    """One row per queue (``names``, then ``all``) of :data:`COMPARE_COLUMNS` from the
    per-replication levels of the plan (``levels``) and of the interval-by-interval plan
    (``levels_interval``), same shape (R, Q + 1), replication r of both with the same
    seed.  ``meets_target``: the upper end of the 95 % interval reaches the target (the
    test ``wfm simulate`` applies); the ``all`` row's target is the lowest of the queues'."""
    if levels.shape != levels_interval.shape:
        raise ValueError("both plans need the same replications and queues")
    a, ha = mean_half(levels)
    b, hb = mean_half(levels_interval)
    d, hd = mean_half(levels - levels_interval)
    tgt = np.array([*targets, min(targets) if len(targets) else np.nan], float)
    return pd.DataFrame({
        "queue": [*names, "all"], "target": tgt,
        "sl_week": a, "sl_week_ci95": ha, "sl_week_interval_plan": b,
        "sl_week_interval_plan_ci95": hb, "difference": d, "difference_ci95": hd,
        "meets_target": a + np.nan_to_num(ha) >= tgt - 1e-12,
        "interval_plan_meets_target": b + np.nan_to_num(hb) >= tgt - 1e-12,
    }, columns=list(COMPARE_COLUMNS))
