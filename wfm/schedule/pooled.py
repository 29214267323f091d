"""Service level over the day or the week (Koole & van der Sluis 2003): staff each
Erlang queue so that its *period's* service level meets the target at least cost,
instead of every interval's.

Pure numpy on top of the vectorised Erlang kernels (:func:`wfm.erlang.service_level`);
no I/O.  Units: ``dt`` seconds, volumes in contacts per interval, AHT, target time
and patience in seconds, costs in money per scheduled agent-interval.

The period service level is offered-weighted:
``SL_period = sum_t volume_t SL_t(k_t) / sum_t volume_t`` over the queue's open
intervals (those with a positive interval requirement), ``k_t`` agents on duty.
``SL_t(k)`` is the exact Erlang C / A service level at integer ``k``.  The scheduled
(paid) requirement is ``ceil(k_t / (1 - shrinkage))``, the conversion ``wfm staff``
uses, so raising ``k_t`` by one costs 0, 1 or 2 scheduled agents.

:func:`pooled_on_duty` chooses the ``k_t``: every interval starts at its *floor*
(``min_agents``, and the fewest agents whose service level reaches
``floor_share`` x the target: a planner does not accept an interval with SL near 0),
then one agent at a time goes to the interval with the largest gain in answered-in-time
contacts per unit of cost, until the period's target is met.  With concave gains and
equal costs this greedy is exact (the k largest marginal gains are the best k
agents); gains that are not concave (counted in ``PooledResult.nonconcave``) and
unequal costs make it a heuristic, followed by a pass that takes back the dearest
agents the target can spare.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from wfm.erlang import service_level


@dataclass(frozen=True)
class PooledResult:
    """``on_duty[t]`` agents chosen (0 where closed); ``floor[t]`` their floor;
    ``sl[t]`` Erlang service level at ``on_duty``; ``nonconcave`` intervals whose
    marginal gains above the floor are not decreasing (beyond 1e-9 contacts)."""

    on_duty: np.ndarray
    floor: np.ndarray
    sl: np.ndarray
    nonconcave: int


def sl_table(volume: np.ndarray, aht: np.ndarray, dt: float, target_time: float,
             patience: float | None, k_max: int) -> np.ndarray:
    """(T, k_max + 1) service level (offered basis) at k = 0..k_max agents on duty."""
    load = np.asarray(volume, float) * np.asarray(aht, float) / dt
    k = np.arange(k_max + 1, dtype=float)
    out = np.asarray(service_level(k[None, :], load[:, None], np.asarray(aht, float)[:, None],
                                   target_time, patience), dtype=float)
    out = np.nan_to_num(out, nan=0.0)
    out[:, 0] = np.where(load > 0, 0.0, 1.0)
    return np.maximum.accumulate(np.clip(out, 0.0, 1.0), axis=1)


def scheduled(on_duty: np.ndarray, shrinkage: float) -> np.ndarray:
    """Scheduled agents for ``on_duty`` agents: ceil(k / (1 - shrinkage)), as wfm staff."""
    return np.ceil(np.asarray(on_duty, float) / (1.0 - shrinkage) - 1e-9).astype(int)


def pooled_on_duty(volume: np.ndarray, aht: np.ndarray, open_: np.ndarray, period: np.ndarray,
                   *, dt: float, target: float, target_time: float, patience: float | None,
                   min_agents: int, shrinkage: float, cost: np.ndarray,
                   floor_share: float = 0.5) -> PooledResult:
    """Agents on duty per interval meeting ``target`` per period label ``period[t]``
    (see the module docstring).  ``cost[t]`` money per scheduled agent in interval t."""
    volume = np.where(open_, np.asarray(volume, float), 0.0)
    load = volume * np.asarray(aht, float) / dt
    k_max = int(np.ceil(load.max(initial=0.0) + 10 * np.sqrt(load.max(initial=0.0)) + 20))
    sl = sl_table(volume, aht, dt, target_time, patience, k_max)
    reach = sl >= floor_share * target - 1e-12
    floor = np.where(reach.any(axis=1), reach.argmax(axis=1), k_max)
    floor = np.where(open_, np.maximum(floor, min_agents), 0).astype(int)
    gains = volume[:, None] * np.diff(sl, axis=1)  # gain of agent k+1 at column k
    above = np.arange(k_max)[None, :] >= floor[:, None]
    d = np.diff(gains, axis=1)
    nonconcave = int(((d > 1e-9) & above[:, :-1]).any(axis=1).sum())
    k = floor.copy()
    step = lambda t: int(scheduled(k[t] + 1, shrinkage) - scheduled(k[t], shrinkage))  # noqa: E731
    for p in np.unique(period[open_]):
        ts = np.flatnonzero(open_ & (period == p))
        need = target * volume[ts].sum() - (volume[ts] * sl[ts, k[ts]]).sum()
        heap = [(-_ratio(gains[t, k[t]], step(t), cost[t]), int(t)) for t in ts if k[t] < k_max]
        heapq.heapify(heap)
        while need > 1e-9 and heap:
            _, t = heapq.heappop(heap)
            need -= gains[t, k[t]]
            k[t] += 1
            if k[t] < k_max:
                heapq.heappush(heap, (-_ratio(gains[t, k[t]], step(t), cost[t]), t))
        _trim(k, floor, ts, gains, -need, shrinkage, cost)
    return PooledResult(k, floor, sl[np.arange(len(k)), k], nonconcave)


def _ratio(gain: float, steps: int, cost: float) -> float:
    return gain / (steps * cost) if steps > 0 else gain * 1e12  # a free agent first


def _trim(k: np.ndarray, floor: np.ndarray, ts: np.ndarray, gains: np.ndarray, spare: float,
          shrinkage: float, cost: np.ndarray) -> None:
    """Take back agents (dearest scheduled saving first) while the target allows."""
    while True:
        kt = k[ts]
        last_gain = gains[ts, np.maximum(kt - 1, 0)]
        removable = (kt > floor[ts]) & (last_gain <= spare + 1e-12)
        save = np.where(removable,
                        (scheduled(kt, shrinkage) - scheduled(kt - 1, shrinkage)) * cost[ts], 0.0)
        i = int(np.argmax(save)) if len(ts) else 0
        if not len(ts) or save[i] <= 0.0:
            return
        t = ts[i]
        k[t] -= 1
        spare -= gains[t, k[t]]


def period_sl(volume: np.ndarray, sl: np.ndarray, open_: np.ndarray) -> float:
    """Offered-weighted service level over the open intervals (NaN without volume)."""
    v = np.where(open_, volume, 0.0)
    return float((v * sl).sum() / v.sum()) if v.sum() > 0 else float("nan")


ERLANG_MODELS = ("erlang_c", "erlang_a")


def pooled_requirement(starts, dt: float, queues: tuple[str, ...], required: np.ndarray,
                       volume: np.ndarray, aht: np.ndarray, center, sched,
                       ) -> tuple[np.ndarray, dict]:
    """The requirement (queues x intervals, scheduled agents) with every Erlang queue
    staffed for its period's service level (``sched.rules.service_level_over``: ``day``
    or ``week``), and a summary per queue: the interval and pooled requirement in agent-
    hours and their Erlang service level over the period (worst period for ``day``).
    ``center`` is the :class:`wfm.config.CenterConfig`, ``sched`` the ScheduleConfig."""
    from wfm.schedule.instance import premium_factors

    over = sched.rules.service_level_over
    out = np.array(required, dtype=float)
    cfg = {q.key: q for q in center.queues}
    factor = premium_factors(starts, sched)
    day = np.unique(np.asarray(starts.strftime("%Y-%m-%d")), return_inverse=True)[1]
    period = day if over == "day" else np.zeros(len(starts), dtype=int)
    info: dict = {"over": over, "floor_share": 0.5, "queues": {}}
    dt_h = dt / 3600.0
    for i, key in enumerate(queues):
        q = cfg.get(key)
        if q is None or q.model not in ERLANG_MODELS or q.service_level is None:
            continue
        rates = [g.rate for g in sched.groups if key in g.skills]
        open_ = np.asarray(required[i]) > 0
        if not rates or not open_.any():
            continue
        shrink = center.shrinkage_for(q)
        patience = q.patience if q.model == "erlang_a" else None
        res = pooled_on_duty(volume[i], aht[i], open_, period, dt=dt, target=q.service_level,
                             target_time=q.target_time, patience=patience,
                             min_agents=q.min_agents, shrinkage=shrink,
                             cost=min(rates) * factor * dt_h)
        out[i] = np.where(open_, scheduled(res.on_duty, shrink), 0)
        before = predicted_sl(volume[i], aht[i], open_, required[i], period, dt=dt,
                              target_time=q.target_time, patience=patience, shrinkage=shrink)
        info["queues"][key] = {
            "target": q.service_level,
            "required_interval_h": float(np.asarray(required[i]).sum() * dt_h),
            "required_pooled_h": float(out[i].sum() * dt_h),
            "sl_interval_requirement": before,
            "sl_pooled_requirement": period_min(volume[i], res.sl, open_, period),
            "floor_intervals": int((open_ & (res.on_duty == res.floor)).sum()),
            "nonconcave_intervals": res.nonconcave,
        }
    return out, info


def period_min(volume, sl, open_, period) -> float:
    """The worst period's offered-weighted service level."""
    return min(period_sl(volume[period == p], sl[period == p], open_[period == p])
               for p in np.unique(period[open_]))


def predicted_sl(volume, aht, open_, agents_scheduled, period, *, dt: float,
                 target_time: float, patience: float | None, shrinkage: float) -> float:
    """Erlang service level of the worst period at ``agents_scheduled`` per interval,
    on duty = round(scheduled x (1 - shrinkage)) (as ``wfm simulate`` counts them)."""
    k = np.rint(np.asarray(agents_scheduled, float) * (1.0 - shrinkage)).astype(int)
    k_max = int(max(k.max(initial=0), 1))
    sl = sl_table(np.where(open_, volume, 0.0), aht, dt, target_time, patience, k_max)
    return period_min(volume, sl[np.arange(len(k)), np.clip(k, 0, k_max)], open_, period)


def plan_service_levels(info: dict, starts, dt: float, queues, scheduled_qt: np.ndarray,
                        required: np.ndarray, volume, aht, center) -> None:
    """Add ``sl_plan`` (worst period, Erlang at the plan's agents per queue) to ``info``."""
    over = info["over"]
    day = np.unique(np.asarray(starts.strftime("%Y-%m-%d")), return_inverse=True)[1]
    period = day if over == "day" else np.zeros(len(starts), dtype=int)
    cfg = {q.key: q for q in center.queues}
    for key, row in info["queues"].items():
        i = list(queues).index(key)
        q = cfg[key]
        row["sl_plan"] = predicted_sl(
            volume[i], aht[i], np.asarray(required[i]) > 0, scheduled_qt[i], period, dt=dt,
            target_time=q.target_time, patience=q.patience if q.model == "erlang_a" else None,
            shrinkage=center.shrinkage_for(q))
