"""Deferred work (e-mail, letters, web forms, social posts): staff to a deadline.

Items do not wait on the line; they wait in a backlog that carries over from
interval to interval and must be answered within a deadline D (e.g. 90 %
within 24 h), worked only in opening hours.  The model is the fluid FIFO
queue of shared/reference/channel-models.md section 2 (Turnella, ccPlanning):

* **profile**: each interval's workload (items x AHT) is spread evenly over
  the open intervals of its deadline window [s, s + d), d = ceil(D / interval);
  work whose window holds no open interval goes to the next open interval
  (it will be late).  If every item's work is done inside its window, FIFO
  meets every deadline (FIFO is optimal for a common deadline).
* **percentile**: a target below 100 % lets work spread over a longer
  window: the profile is built with the longest planning window d' >= d
  (bisection, up to 8 d) whose FIFO run still answers the share ``within``
  inside the real deadline d.  All work is always done (total capacity never
  falls below the workload, so no backlog builds up over the weeks).
* **FIFO run**: backlog B_t = max(0, B_(t-1) + a_t - c_t), in closed form
  B_t = X_t - min(0, min_(s<=t) X_s) with X = cumsum(a - c) + B_0 (Lindley);
  an item arriving in interval s is on time if the cumulative processed work
  reaches it by the end of interval s + d - 1 (a conservative reading: items
  arriving late in interval s get up to one interval more in reality).

Agents = work per interval / (interval x occupancy), where ``occupancy`` is
the productive share of on-duty time for deferred work (default 0.9).
Everything is vectorised over intervals with cumulative sums; no Python loop
runs per interval.  Units: items per interval, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class DeferredRequirement:
    """Result of :func:`deferred_requirement` for one queue.

    ``agents``: unrounded on-duty agents per interval; ``achieved``: share of
    items (incl. the opening backlog) answered within the deadline with those
    agents; ``achieved_rounded``: the same with agents rounded up per
    interval; ``backlog``: items waiting at the end of each interval (with
    ``agents``); ``feasible``: whether ``within`` can be met at all with these
    opening hours.
    """

    agents: np.ndarray
    achieved: float
    achieved_rounded: float
    backlog: np.ndarray
    feasible: bool


def deadline_intervals(deadline: float, interval: float) -> int:
    """Number of whole intervals in the deadline window (at least 1)."""
    return max(1, int(np.ceil(deadline / interval - 1e-9)))


def spread_workload(
    arrivals: ArrayLike,
    aht: ArrayLike,
    interval: float,
    deadline: float,
    open_mask: ArrayLike,
    backlog: float = 0.0,
) -> np.ndarray:
    """Agent-seconds of work per interval that keep every item inside its deadline.

    ``arrivals`` items per interval (1-D), ``aht`` seconds per item (scalar or
    per interval), ``open_mask`` True where the queue is worked.  The opening
    ``backlog`` (items, at the AHT of the first interval) is spread over the
    first window.  Closed intervals get 0.
    """
    a = np.asarray(arrivals, dtype=float)
    work = a * np.broadcast_to(np.asarray(aht, dtype=float), a.shape)
    work = work.copy()
    if work.size == 0:
        return work
    work[0] += backlog * float(np.broadcast_to(np.asarray(aht, dtype=float), a.shape)[0])
    size = work.size
    d = deadline_intervals(deadline, interval)
    # Windows running past the horizon see the opening pattern repeat from its
    # start (a horizon of whole weeks continues into the next week); the share
    # of work falling after the horizon is carried over, not staffed here.
    is_open = np.resize(np.asarray(open_mask, dtype=bool), size + d)
    opened = np.concatenate([[0], np.cumsum(is_open)])  # opened[i] = open count before i
    windows = opened[np.arange(size) + d] - opened[:size]
    share = np.where(windows > 0, work / np.maximum(windows, 1), 0.0)
    cum = np.concatenate([[0.0], np.cumsum(share)])
    first = np.maximum(np.arange(size) - d + 1, 0)
    spread = np.where(is_open[:size], cum[1:] - cum[first], 0.0)
    # work with no open interval in its window: to the next open interval
    stranded = (windows == 0) & (work > 0)
    if stranded.any():
        open_idx = np.flatnonzero(is_open[:size])
        pos = np.searchsorted(open_idx, np.flatnonzero(stranded))
        has_next = pos < open_idx.size
        np.add.at(spread, open_idx[pos[has_next]], work[stranded][has_next])
    return spread


def fifo_backlog(
    arrivals: ArrayLike, capacity: ArrayLike, backlog: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Fluid FIFO queue: (processed, backlog at the end) per interval, in items.

    ``capacity`` items per interval; capacity not used in an interval is lost.
    """
    a = np.asarray(arrivals, dtype=float)
    c = np.asarray(capacity, dtype=float)
    x = backlog + np.cumsum(a - c)
    level = x - np.minimum(0.0, np.minimum.accumulate(x))
    before = np.concatenate([[backlog], level[:-1]])
    processed = before + a - level
    return processed, level


def within_deadline_share(
    arrivals: ArrayLike, processed: ArrayLike, deadline_intervals: int, backlog: float = 0.0
) -> float:
    """Share of items answered on time under FIFO (the opening backlog first).

    An item arriving in interval s is on time when the cumulative processed
    count reaches it by the end of interval s + d - 1; the opening backlog is
    due by the end of interval d - 1.  Items falling due after the last
    interval are not yet due and are left out (unless already answered).
    """
    a = np.asarray(arrivals, dtype=float)
    size = a.size
    if size == 0:
        return 1.0
    done = np.cumsum(np.asarray(processed, dtype=float))
    due = np.arange(size) + deadline_intervals - 1
    known = due < size
    before = backlog + np.concatenate([[0.0], np.cumsum(a)[:-1]])  # queued ahead of interval s
    reached = done[np.minimum(due, size - 1)]  # processed by each arrival's due time
    on_time_items = np.clip(reached - before, 0.0, a)
    on_time = on_time_items[known].sum()
    total = a[known].sum() + on_time_items[~known].sum()
    on_time += on_time_items[~known].sum()
    if backlog > 0:
        backlog_done = min(backlog, done[min(deadline_intervals, size) - 1])
        on_time += backlog_done
        total += backlog if deadline_intervals <= size else backlog_done
    return float(on_time / total) if total > 0 else 1.0


def _on_time(arrivals: np.ndarray, done: np.ndarray, d: int) -> float:
    """Share of ``arrivals`` (queued first, nothing ahead) finished by their due
    interval, given cumulative processed counts ``done`` from their start."""
    before = np.concatenate([[0.0], np.cumsum(arrivals)[:-1]])
    due = np.minimum(np.arange(arrivals.size) + d - 1, done.size - 1)
    total = arrivals.sum()
    if total <= 0:
        return 1.0
    return float(np.clip(done[due] - before, 0.0, arrivals).sum() / total)


def deferred_requirement(
    arrivals: ArrayLike,
    aht: ArrayLike,
    interval: float,
    deadline: float,
    open_mask: ArrayLike,
    *,
    within: float = 0.9,
    occupancy: float = 0.9,
    backlog: float = 0.0,
    cyclic: bool = True,
) -> DeferredRequirement:
    """On-duty agents per interval so that ``within`` of items meet ``deadline``.

    Parameters
    ----------
    arrivals : items arriving per interval (1-D, consecutive intervals).
    aht : handle time per item, seconds (scalar or per interval).
    interval : interval length, seconds.
    deadline : response-time target, seconds (e.g. 86400 for 24 h).
    open_mask : True where the queue is worked.
    within : share of items to answer within the deadline (0..1].
    occupancy : productive share of on-duty time spent on items (0..1].
    backlog : items already waiting at the start (``cyclic=False`` only).
    cyclic : plan the steady state in which the horizon repeats (a typical
        week): work from its last days carries into its first days, so
        neither end is distorted.  ``False`` plans a one-off horizon that
        starts with ``backlog`` and leaves what falls due later to the next.
    """
    a = np.asarray(arrivals, dtype=float)
    h = np.broadcast_to(np.asarray(aht, dtype=float), a.shape)
    mean_aht = float(np.average(h, weights=a)) if a.sum() > 0 else float(np.mean(h) or 1.0)
    safe_h = np.where(h > 0, h, mean_aht if mean_aht > 0 else 1.0)
    reps = 3 if cyclic else 1  # steady state: the middle of three repeats
    hz = _Horizon(a=a, a_rep=np.tile(a, reps), h_rep=np.tile(safe_h, reps),
                  mask_rep=np.tile(np.asarray(open_mask, dtype=bool), reps),
                  interval=interval, per_agent=interval * occupancy,
                  d=deadline_intervals(deadline, interval), backlog=backlog, cyclic=cyclic)
    d = hz.d
    best, agents, level = _run_window(hz, d)
    feasible = best >= within - 1e-12
    window = d
    if feasible and within < 1.0:
        window = _widest_window(hz, within)
        best, agents, level = _run_window(hz, window)
    rounded = _run_window(hz, window, round_up=True)[0]
    return DeferredRequirement(
        agents=agents,
        achieved=best,
        achieved_rounded=rounded,
        backlog=level,
        feasible=bool(feasible),
    )


@dataclass(frozen=True)
class _Horizon:
    """The planned horizon of :func:`deferred_requirement`: arrivals ``a`` (items per
    interval), and arrivals, handle times (s, never 0) and open mask repeated three
    times (``cyclic``: the middle repeat is planned) or once; ``per_agent``: productive
    agent-seconds per interval; ``d``: deadline in intervals."""

    a: np.ndarray
    a_rep: np.ndarray
    h_rep: np.ndarray
    mask_rep: np.ndarray
    interval: float
    per_agent: float
    d: int
    backlog: float
    cyclic: bool

    @property
    def reps(self) -> int:
        return 3 if self.cyclic else 1

    @property
    def middle(self) -> slice:
        size = self.a.size
        return slice(size, 2 * size) if self.cyclic else slice(0, size)


def _run_window(hz: _Horizon, window: int,
                round_up: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
    """Spread the work over ``window`` intervals: (share on time, agents per interval,
    backlog in items per interval) of the planned horizon; ``round_up`` rounds the
    agents up to whole agents first."""
    size = hz.a.size
    start_backlog = 0.0 if hz.cyclic else hz.backlog
    profile = spread_workload(
        hz.a_rep, hz.h_rep, hz.interval, window * hz.interval, hz.mask_rep, start_backlog
    )[hz.middle]
    agents = profile / hz.per_agent
    if round_up:
        agents = np.ceil(agents - 1e-9)
    capacity = np.tile(agents, hz.reps) * hz.per_agent / hz.h_rep  # items per interval
    processed, level = fifo_backlog(hz.a_rep, capacity, start_backlog)
    if hz.cyclic:  # items of the middle repeat, judged with everything after them
        arrivals = np.concatenate([np.zeros(size), hz.a_rep[size:]])
        ahead = np.concatenate([[0.0], np.cumsum(hz.a_rep)[:-1]])[size]
        done = np.cumsum(processed) - ahead
        shares = _on_time(arrivals[size : 2 * size], done[size:], hz.d)
        return shares, agents, level[hz.middle]
    return within_deadline_share(hz.a, processed, hz.d, hz.backlog), agents, level


def _widest_window(hz: _Horizon, within: float) -> int:
    """The longest spreading window (intervals, from the deadline to 8 deadlines or
    the horizon) that still meets ``within`` (bisection; the deadline's window
    meets it)."""
    d = hz.d
    lo, hi = d, max(d, min(8 * d, hz.a.size))  # lo meets the target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _run_window(hz, mid)[0] >= within - 1e-12:
            lo = mid
        else:
            hi = mid
    if hi != lo and _run_window(hz, hi)[0] >= within - 1e-12:
        lo = hi
    return lo
