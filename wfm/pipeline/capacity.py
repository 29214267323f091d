"""``wfm capacity``'s step: capacity file (+ history, + center) to the monthly FTE plan CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def capacity_file(config: Path, output: Path | None, history: Path | None = None,
                  center: Path | None = None) -> Any:
    """Load and check every input, plan every queue, then write ``output`` atomically.

    Returns the :class:`wfm.capacity.CapacityPlan`.  Contract hours per week:
    the capacity file's, else the center file's ``contract_hours_per_week``
    (when the center model has that key), else 40.
    """
    from wfm.capacity import build_plan
    from wfm.config.capacity import DEFAULT_CONTRACT_HOURS_PER_WEEK, load_capacity
    from wfm.io.atomic import write_csv

    cap = load_capacity(config)
    hours, source = cap.horizon.contract_hours_per_week, f"{config} [capacity]"
    center_cfg = None
    if center is not None:
        from wfm.config import load_center

        center_cfg = load_center(center)
    if hours is None and center_cfg is not None:
        hours = getattr(center_cfg, "contract_hours_per_week", None)
        source = f"{center} [center]"
    if hours is None:
        hours, source = DEFAULT_CONTRACT_HOURS_PER_WEEK, "default (no contract_hours_per_week set)"
    demand = _demand(cap, history, center_cfg)
    plan = build_plan(cap, demand, float(hours), source)
    if output is not None:
        write_csv(output, plan.table)
    return plan


def _demand(cap: Any, history: Path | None, center_cfg: Any) -> dict[str, Any]:
    """Queue -> Demand: volume and growth from the capacity file, the rest from the history."""
    from wfm.capacity import Demand, fit_trend, weekly_totals
    from wfm.capacity.trend import month_mid
    from wfm.errors import WfmInputError

    fitted: dict[str, Demand] = {}
    if history is not None:
        from wfm.io.history import read_history

        hist = read_history(history, center=center_cfg)
        weekly = weekly_totals(hist.frame)
        for queue, g in weekly.groupby("queue", sort=False):
            fitted[str(queue)] = fit_trend(list(g["week_start"]), g["volume"].to_numpy(),
                                           str(queue))
    out = {}
    start = month_mid(cap.horizon.first)
    for i, q in enumerate(cap.queues):
        fit = fitted.get(q.name)
        if fit is None and (q.volume is None or q.growth is None):
            why = "not in the history" if history is not None else "no --history given"
            raise WfmInputError(f"queue[{i + 1}] ({q.name}).volume: give volume and growth "
                                f"({why})", file=cap.path)
        if q.volume is not None:
            growth = q.growth if q.growth is not None else fit.growth
            src = "capacity file" if q.growth is not None else f"volume: capacity file; " \
                  f"growth: {fit.source}"
            out[q.name] = Demand(q.volume, start, growth, src)
        else:
            growth = q.growth if q.growth is not None else fit.growth
            out[q.name] = Demand(fit.base, fit.base_date, growth, fit.source + (
                f"; growth {growth:+.1%} from the capacity file" if q.growth is not None else ""))
    return out
