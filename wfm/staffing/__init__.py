"""Staffing: a forecast (volume and AHT per interval and queue) to required agents.

``requirements`` applies each queue's model (Erlang C/A, chat, deferred work) from the
center configuration, then shrinkage and rounding; ``calculator`` is the one-interval
table of ``wfm erlang``; ``summary`` the per-queue totals that ``wfm staff`` prints.
"""

from wfm.staffing.requirements import (
    REQUIREMENT_COLUMNS,
    QueueRequirement,
    apply_floor,
    apply_shrinkage,
    format_requirements,
    full_grid,
    model_requirement,
    queue_requirement,
    round_requirement,
    staff_forecast,
)

__all__ = [
    "REQUIREMENT_COLUMNS",
    "QueueRequirement",
    "apply_floor",
    "apply_shrinkage",
    "format_requirements",
    "full_grid",
    "model_requirement",
    "queue_requirement",
    "round_requirement",
    "staff_forecast",
]
