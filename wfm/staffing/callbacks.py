"""Callback work placed in the troughs of a live queue's requirement.

A callback is deferred work with a short deadline: an accepted callback from
interval s must be made by the end of interval s + d - 1 (d = deadline in
intervals), and only in open intervals; a callback whose window holds no open
interval is due in the next open interval.  The agents making callbacks are
the live queue's agents when it has room (shared/reference/channel-models.md
sections 3 and 4: callbacks shave the peak and fill the troughs).

:func:`fill_troughs` makes the callbacks at a level L: in interval t at most
``max(L - live_t, 0)`` agents work callbacks, oldest first (FIFO, which is
earliest-deadline-first since every callback has the same deadline length).
L is the lowest level at which every callback is made in time (bisection;
feasibility is monotone in L).  So the on-duty total ``live + callbacks``
never exceeds ``max(live_t, L)``: where the live queue already needs more
than L, no callback is made, and the peak of the total is the smallest any
schedule meeting the deadlines can reach (min-max of the fluid model).

The horizon is planned as a repeating week (two repeats, the second kept):
callbacks of Sunday night are made on Monday morning.  Units: agents
(on duty, unrounded) and agent-intervals of work.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.erlang.deferred import fifo_backlog


@dataclass(frozen=True)
class TroughFill:
    """``agents`` working callbacks per interval; ``level`` L; ``late`` the share of
    work whose window has no open interval (made in the next open interval)."""

    agents: np.ndarray
    level: float
    late: float


def due_intervals(open_mask: np.ndarray, d: int) -> np.ndarray:
    """Due interval of work arriving in each interval: s + d - 1, or the next open
    interval at or after s if the window [s, s + d) has none (nondecreasing)."""
    is_open = np.asarray(open_mask, dtype=bool)
    size = is_open.size
    idx = np.arange(size)
    nxt = np.where(is_open, idx, size)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]  # first open index >= s (size: none)
    return np.maximum(idx + d - 1, nxt)


def _on_time(work: np.ndarray, capacity: np.ndarray, due: np.ndarray) -> bool:
    processed, _ = fifo_backlog(work, capacity)
    done = np.cumsum(processed)
    arrived = np.cumsum(work)
    known = due < work.size
    return bool(np.all(done[due[known]] >= arrived[known] - 1e-9 * (1.0 + arrived[known])))


def fill_troughs(
    live: np.ndarray, work: np.ndarray, open_mask: np.ndarray, d: int, tol: float = 1e-6
) -> TroughFill:
    """Callback agents per interval at the lowest feasible level (see module doc).

    ``live`` on-duty agents of the live queue, ``work`` callback work arriving
    per interval in agent-intervals, ``d`` deadline in whole intervals (>= 1).
    """
    live = np.asarray(live, dtype=float)
    work = np.asarray(work, dtype=float)
    is_open = np.asarray(open_mask, dtype=bool)
    size = live.size
    if size == 0 or work.sum() <= 0:
        return TroughFill(np.zeros(size), 0.0, 0.0)
    live2, work2, open2 = np.tile(live, 2), np.tile(work, 2), np.tile(is_open, 2)
    due = due_intervals(open2, d)
    late = float(work[due[:size] > np.arange(size) + d - 1].sum() / work.sum())

    def capacity(level: float) -> np.ndarray:
        return np.where(open2, np.maximum(level - live2, 0.0), 0.0)

    lo, hi = 0.0, float(live.max() + work.sum()) + 1.0
    while hi - lo > tol * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        if _on_time(work2, capacity(mid), due):
            hi = mid
        else:
            lo = mid
    processed, _ = fifo_backlog(work2, capacity(hi))
    return TroughFill(agents=processed[size:], level=hi, late=late)
