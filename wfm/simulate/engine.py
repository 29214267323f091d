"""A multi-skill, time-varying discrete-event simulation of a contact center.

Pure: arrays and dataclasses in, arrays out; no pandas, no I/O.  Units: seconds for
every time, one interval = ``dt`` seconds, volumes are contacts per interval.

Model (one replication):

* Arrivals: for queue ``q`` and interval ``t`` a Poisson(``volume[q, t]``) number of
  contacts, uniformly spread over the interval (a piecewise-constant Poisson process).
* Handle time: ``aht[q, t]`` (of the arrival interval) times a unit-mean draw,
  exponential or lognormal with coefficient of variation ``cv``.
* Patience: exponential with mean ``patience[q]`` (``inf``: nobody abandons).
* Agents: ``on_duty[g, t]`` agents of group ``g`` are available in interval ``t``
  (breaks and shift ends are already in the counts).  When the count drops, idle agents
  leave first; a busy agent whose shift (or break) starts finishes the contact in hand
  and then leaves.  After the last interval the last counts stay until the queues are
  empty, so contacts offered late in the horizon are still resolved.
* Routing: an arriving contact goes to a free agent of the first group, in
  ``group_order``, skilled for its queue (default: groups with fewer skills first, i.e.
  specialists before generalists); ``routing="longest_idle"`` instead picks the
  longest-idle free agent over all skilled groups.  A freed agent takes the
  longest-waiting contact (earliest arrival) among the queues of its skills.
  Within a group agents are exchangeable, so the engine keeps one FIFO of idle-since
  times per group rather than agent identities.
* The simulation starts empty at the first interval (no backlog, nobody busy).

The event loop is a hand-written ``heapq`` loop; see the README ("Simulating a plan")
for the measured comparison with ciw and SimPy that motivated it.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

HandleDistribution = Literal["exponential", "lognormal"]
Routing = Literal["specialist", "longest_idle"]

_WAITING, _SERVED, _ABANDONED = 0, 1, 2


@dataclass(frozen=True)
class SimInput:
    """One horizon to simulate.  Shapes: Q queues, G groups, T intervals.

    ``volume[q, t]`` contacts per interval; ``aht[q, t]`` seconds; ``patience[q]``
    seconds (``inf`` = no abandonment); ``target_time[q]`` seconds (service-level
    threshold); ``skill[g, q]`` bool; ``on_duty[g, t]`` agents (integers); ``dt``
    interval length in seconds.  ``group_order`` is the routing priority of the
    groups (default: fewer skills first, then input order).
    """

    volume: np.ndarray
    aht: np.ndarray
    patience: np.ndarray
    target_time: np.ndarray
    skill: np.ndarray
    on_duty: np.ndarray
    dt: float
    handle: HandleDistribution = "exponential"
    cv: float = 1.0
    routing: Routing = "specialist"
    group_order: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        Q, T = np.shape(self.volume)
        G = np.shape(self.on_duty)[0]
        if np.shape(self.aht) != (Q, T) or np.shape(self.on_duty) != (G, T):
            raise ValueError("volume, aht (Q x T) and on_duty (G x T) must share T")
        if np.shape(self.skill) != (G, Q):
            raise ValueError("skill must be (groups x queues)")
        if np.shape(self.patience) != (Q,) or np.shape(self.target_time) != (Q,):
            raise ValueError("patience and target_time need one value per queue")
        if np.any(np.asarray(self.volume) < 0) or np.any(np.asarray(self.on_duty) < 0):
            raise ValueError("volume and on_duty must be >= 0")
        if self.handle not in ("exponential", "lognormal"):
            raise ValueError("handle must be exponential or lognormal")
        if self.routing not in ("specialist", "longest_idle"):
            raise ValueError("routing must be specialist or longest_idle")
        if not self.cv > 0:
            raise ValueError("cv must be > 0")

    @property
    def shape(self) -> tuple[int, int, int]:
        """(Q, G, T)."""
        return (np.shape(self.volume)[0], np.shape(self.on_duty)[0], np.shape(self.volume)[1])

    def order(self) -> tuple[int, ...]:
        """Routing priority of the groups."""
        if self.group_order is not None:
            return tuple(self.group_order)
        n_skills = np.asarray(self.skill).sum(axis=1)
        return tuple(int(g) for g in np.argsort(n_skills, kind="stable"))


@dataclass
class Replication:
    """Per-interval tallies of one replication, by arrival interval of the contacts.

    (Q, T) counts: ``offered``, ``answered``, ``within`` (answered within the target
    time), ``abandoned``; ``wait_sum`` seconds summed over answered contacts;
    (G, T) ``busy`` agent-seconds handling contacts and ``duty`` agent-seconds on duty
    (as scheduled, ``on_duty * dt``).  ``events`` counts processed events.
    """

    offered: np.ndarray
    answered: np.ndarray
    within: np.ndarray
    abandoned: np.ndarray
    wait_sum: np.ndarray
    busy: np.ndarray
    duty: np.ndarray
    events: int = 0


def _unit_handle(rng: np.random.Generator, n: int, dist: str, cv: float) -> np.ndarray:
    """``n`` unit-mean handle-time multipliers."""
    if dist == "exponential":
        return rng.exponential(1.0, n)
    sigma2 = np.log1p(cv * cv)
    return rng.lognormal(-0.5 * sigma2, np.sqrt(sigma2), n)


def _busy_per_interval(start: np.ndarray, end: np.ndarray, T: int, dt: float) -> np.ndarray:
    """Seconds of [start_i, end_i) falling in each interval [k dt, (k+1) dt), summed."""
    grid = dt * np.arange(T + 1)

    def cum(x: np.ndarray) -> np.ndarray:  # sum_i min(x_i, grid)
        xs = np.sort(x)
        pre = np.concatenate([[0.0], np.cumsum(xs)])
        idx = np.searchsorted(xs, grid, side="right")
        return pre[idx] + (len(xs) - idx) * grid

    if len(start) == 0:
        return np.zeros(T)
    return np.diff(cum(end) - cum(start))


def simulate_once(inp: SimInput, rng: np.random.Generator) -> Replication:
    """Simulate the horizon once with the generator ``rng``; see the module docstring."""
    Q, G, T = inp.shape
    dt = float(inp.dt)
    volume = np.asarray(inp.volume, dtype=float)
    counts = rng.poisson(volume)
    n = int(counts.sum())
    q_of = np.repeat(np.arange(Q * T) // T, counts.ravel())
    t_of = np.repeat(np.arange(Q * T) % T, counts.ravel())
    arrive = (t_of + rng.random(n)) * dt
    order = np.argsort(arrive, kind="stable")
    q_of, t_of, arrive = q_of[order], t_of[order], arrive[order]
    handle = np.asarray(inp.aht, dtype=float)[q_of, t_of] * _unit_handle(rng, n, inp.handle,
                                                                            inp.cv)
    pat = np.asarray(inp.patience, dtype=float)[q_of] * rng.exponential(1.0, n)

    skill = np.asarray(inp.skill, dtype=bool)
    prio = inp.order()
    groups_for = [[g for g in prio if skill[g, q]] for q in range(Q)]
    queues_of = [[q for q in range(Q) if skill[g, q]] for g in range(G)]
    duty = np.asarray(inp.on_duty).astype(int)
    longest = inp.routing == "longest_idle"

    idle: list[deque[float]] = [deque() for _ in range(G)]  # idle-since times, FIFO
    busy_n = [0] * G
    leave = [0] * G  # busy agents who leave when they finish
    waiting: list[deque[int]] = [deque() for _ in range(Q)]
    status = [_WAITING] * n
    start_of = [0.0] * n
    group_of = [-1] * n
    arr = arrive.tolist()
    hnd = handle.tolist()
    pat_l = pat.tolist()
    qq = q_of.tolist()
    heap: list[tuple[float, int, int]] = []  # (time, kind, index); kind 0 done, 1 abandon
    events = 0

    def serve(i: int, g: int, now: float) -> None:
        status[i] = _SERVED
        start_of[i] = now
        group_of[i] = g
        busy_n[g] += 1
        heapq.heappush(heap, (now + hnd[i], 0, i))

    def next_waiting(g: int) -> int:
        best, best_t = -1, np.inf
        for q in queues_of[g]:
            w = waiting[q]
            while w and status[w[0]] != _WAITING:
                w.popleft()
            if w and arr[w[0]] < best_t:
                best, best_t = q, arr[w[0]]
        return waiting[best].popleft() if best >= 0 else -1

    def agent_free(g: int, now: float) -> None:
        """An agent of g becomes available at ``now``: take work or go idle."""
        i = next_waiting(g)
        if i >= 0:
            serve(i, g, now)
        else:
            idle[g].append(now)

    def set_staff(t: int, now: float) -> None:
        for g in range(G):
            target = int(duty[g, t])
            present = len(idle[g]) + busy_n[g] - leave[g]
            if target < present:
                drop = present - target
                while drop and idle[g]:
                    idle[g].pop()
                    drop -= 1
                leave[g] += drop
            elif target > present:
                add = target - present
                back = min(add, leave[g])
                leave[g] -= back
                for _ in range(add - back):
                    agent_free(g, now)

    a = 0  # next arrival
    t_next = 0  # next interval boundary
    inf = float("inf")
    while True:
        t_arr = arr[a] if a < n else inf
        t_bnd = t_next * dt if t_next < T else inf
        t_heap = heap[0][0] if heap else inf
        if t_bnd <= t_arr and t_bnd <= t_heap:
            if t_bnd == inf:
                break
            set_staff(t_next, t_bnd)
            t_next += 1
            continue
        events += 1
        if t_arr <= t_heap:
            i = a
            a += 1
            q = qq[i]
            gs = groups_for[q]
            pick = -1
            if longest:
                since = inf
                for g in gs:
                    if idle[g] and idle[g][0] < since:
                        pick, since = g, idle[g][0]
            else:
                for g in gs:
                    if idle[g]:
                        pick = g
                        break
            if pick >= 0:
                idle[pick].popleft()
                serve(i, pick, t_arr)
            else:
                waiting[q].append(i)
                if pat_l[i] < inf:
                    heapq.heappush(heap, (t_arr + pat_l[i], 1, i))
            continue
        now, kind, i = heapq.heappop(heap)
        if kind == 1:
            if status[i] == _WAITING:
                status[i] = _ABANDONED
            continue
        g = group_of[i]
        busy_n[g] -= 1
        if leave[g]:
            leave[g] -= 1
        else:
            agent_free(g, now)

    st = np.asarray(status, dtype=np.int8)
    start = np.asarray(start_of)
    grp = np.asarray(group_of)
    served = st == _SERVED
    wait = np.where(served, start - arrive, 0.0)
    target = np.asarray(inp.target_time, dtype=float)[q_of]
    flat = q_of * T + t_of

    def tally(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(flat, weights=w, minlength=Q * T).reshape(Q, T)

    busy = np.zeros((G, T))
    end = start + handle
    for g in range(G):
        m = served & (grp == g)
        busy[g] = _busy_per_interval(start[m], end[m], T, dt)
    return Replication(
        offered=counts.astype(float),
        answered=tally(served),
        within=tally(served & (wait <= target + 1e-9)),
        abandoned=tally(st == _ABANDONED),
        wait_sum=tally(served, wait),
        busy=busy,
        duty=duty * dt,
        events=events,
    )


@dataclass
class SimResult:
    """Replication statistics.  Per (Q, T) and per queue over the horizon: the mean over
    replications and the half-width of its 95 % interval (Student t) of

    * ``service_level``: answered within target / offered (abandons are misses),
    * ``asa``: mean wait of answered contacts, seconds,
    * ``abandon``: abandoned / offered,
    * ``occupancy``: busy / on-duty agent time of the groups skilled for the queue.

    Per-replication ratios are taken over that replication's contacts; intervals (or
    replications) without contacts are left out of the mean (NaN when all are).
    ``events`` total processed events, ``replications`` their number.
    """

    mean: dict[str, np.ndarray]
    half: dict[str, np.ndarray]
    total_mean: dict[str, np.ndarray]
    total_half: dict[str, np.ndarray]
    offered: np.ndarray
    replications: int
    events: int
    per_replication: list[Replication] = field(default_factory=list, repr=False)


METRICS = ("service_level", "asa", "abandon", "occupancy")


def _ratios(r: Replication, skill: np.ndarray, axis: int | None) -> dict[str, np.ndarray]:
    def s(x: np.ndarray) -> np.ndarray:
        return x if axis is None else x.sum(axis=axis)

    with np.errstate(invalid="ignore", divide="ignore"):
        off, ans = s(r.offered), s(r.answered)
        occ_num = skill.T.astype(float) @ r.busy
        occ_den = skill.T.astype(float) @ r.duty
        return {
            "service_level": np.where(off > 0, s(r.within) / off, np.nan),
            "asa": np.where(ans > 0, s(r.wait_sum) / ans, np.nan),
            "abandon": np.where(off > 0, s(r.abandoned) / off, np.nan),
            "occupancy": np.where(s(occ_den) > 0, s(occ_num) / s(occ_den), np.nan),
        }


def _mean_half(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95 % half-width over axis 0, ignoring NaN."""
    from scipy.stats import t as student

    ok = ~np.isnan(values)
    k = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(k > 0, np.nansum(values, axis=0) / np.maximum(k, 1), np.nan)
        dev = np.where(ok, values - mean, 0.0)
        var = (dev**2).sum(axis=0) / np.maximum(k - 1, 1)
        half = np.where(k > 1, student.ppf(0.975, np.maximum(k - 1, 1)) * np.sqrt(var / k),
                        np.nan)
    return mean, half


def _replicate(inp: SimInput, seed: int, r: int) -> Replication:
    return simulate_once(inp, np.random.default_rng([seed, r]))


def simulate(inp: SimInput, replications: int = 20, seed: int = 1, keep: bool = False,
             workers: int = 1, cluster: str | None = None) -> SimResult:
    """Run ``replications`` independent replications; replication ``r`` uses
    ``numpy.random.default_rng([seed, r])``, so results do not depend on ``workers``
    (Dask worker processes; 1 runs in this process) or ``cluster`` (the address of a
    running Dask scheduler), and any replication reproduces on its own."""
    if replications < 1:
        raise ValueError("replications must be >= 1")
    from functools import partial

    from wfm.parallel import map_tasks

    reps = map_tasks(partial(_replicate, inp, seed), range(replications), workers=workers,
                     cluster=cluster)
    skill = np.asarray(inp.skill, dtype=bool)
    per = [_ratios(r, skill, None) for r in reps]
    tot = [_ratios(r, skill, 1) for r in reps]
    mean, half, tmean, thalf = {}, {}, {}, {}
    for m in METRICS:
        mean[m], half[m] = _mean_half(np.stack([p[m] for p in per]))
        tmean[m], thalf[m] = _mean_half(np.stack([p[m] for p in tot]))
    return SimResult(mean, half, tmean, thalf,
                     offered=np.mean([r.offered for r in reps], axis=0),
                     replications=replications, events=sum(r.events for r in reps),
                     per_replication=reps if keep else [])
