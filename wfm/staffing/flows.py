"""Contact flows between queues: escalations to experts, repeat contacts from FCR.

Before staffing, each queue's offered contacts per interval are

    offered = own forecast + escalations in + repeat contacts

**Repeats.**  With first-contact resolution f, every contact is unresolved with
probability 1 - f, and the customer comes back after one of the delays of
``repeat_delay`` (shares w_k, delay s_k intervals), again resolved with
probability f.  Offered contacts O solve O = F + (1 - f) K * O, where F are the
first contacts and K * O shifts O by each delay with its share.  In steady state
the forecast horizon is treated as repeating (the repeats of the last days come
back at its start; a circular convolution), so the solution is exact in one FFT:

    O = F / (1 - (1 - f) K^)      (per frequency; K^ the transform of the kernel)

Its total is sum(F) / f: the repeats add F (1/f - 1), the geometric series
1 + (1 - f) + (1 - f)^2 + ..., which is :func:`wfm.scenario.cost.repeat_factor`
with q = 1 between FCR f and FCR 1.  Each repeat carries the handle time of the
contact it repeats (the same operator applied to workload, volume x AHT).

``fcr_in_forecast`` (the default) says the queue's forecast already holds its
repeats (a history of offered contacts does): then F is recovered from the
forecast, F = O (1 - (1 - f) K^), and only another FCR (a scenario) changes the
volume.  Escalations into a queue are never in its forecast, so their repeats are
always added.

**Escalations.**  A share of a queue's offered contacts (repeats included) goes
on to the ``escalate.to`` queue, ``delay`` later (circular, as the repeats), at
the target's ``escalate.aht``.  Queues are processed in escalation order (the
config rejects cycles).

Pure functions over numpy arrays; :func:`apply_flows` is the frame-level driver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.config import CenterConfig, QueueConfig

FLOW_COLUMNS = ("forecast_volume", "escalated_volume", "repeat_volume")
"""Per interval: the forecast's contacts, escalations in, and repeats added by the flows."""


def repeat_kernel(delays: tuple[tuple[float, float], ...], interval: float, n: int) -> np.ndarray:
    """The return pattern as a length-``n`` array: share of repeats ``k`` intervals later.

    ``delays``: (seconds, share) pairs, rounded to whole intervals, wrapped modulo ``n``.
    """
    kernel = np.zeros(n)
    for seconds, share in delays:
        kernel[int(round(seconds / interval)) % n] += share
    return kernel


def with_repeats(first: np.ndarray, fcr: float, kernel: np.ndarray) -> np.ndarray:
    """Offered contacts (or workload) per interval from first contacts ``first``:
    the steady-state solution of O = F + (1 - fcr) K * O on a circular horizon."""
    first = np.asarray(first, float)
    if fcr >= 1.0 or first.size == 0:
        return first.copy()
    out = np.fft.irfft(np.fft.rfft(first) / (1.0 - (1.0 - fcr) * np.fft.rfft(kernel)),
                       n=first.size)
    # a positive series of non-negative terms: what falls below 0 is rounding of the FFT
    return np.where(out < 1e-9 * max(float(np.abs(first).max()), 1.0), 0.0, out)


def first_contacts(offered: np.ndarray, fcr: float, kernel: np.ndarray) -> np.ndarray:
    """The inverse of :func:`with_repeats`: first contacts in a forecast holding repeats."""
    offered = np.asarray(offered, float)
    if fcr >= 1.0 or offered.size == 0:
        return offered.copy()
    return np.fft.irfft(np.fft.rfft(offered) * (1.0 - (1.0 - fcr) * np.fft.rfft(kernel)),
                        n=offered.size)


@dataclass(frozen=True)
class QueueFlows:
    """One queue's contacts per interval after the flows (arrays on a common grid).

    ``volume``/``workload`` (contact-seconds): offered in total; ``forecast``: the
    queue's own forecast; ``escalated``: escalations in; ``repeats``: repeat
    contacts added (may be negative in a scenario whose FCR beats the forecast's).
    """

    volume: np.ndarray
    workload: np.ndarray
    forecast: np.ndarray
    escalated: np.ndarray
    repeats: np.ndarray

    @property
    def aht(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.volume > 0, self.workload / self.volume, 0.0)


def escalation_order(queues: tuple[QueueConfig, ...]) -> list[QueueConfig]:
    """The queues with every escalation source before its target (no cycles, by config)."""
    by_key = {q.key: q for q in queues}
    depth: dict[str, int] = {}

    def level(q: QueueConfig) -> int:  # longest chain of sources above q
        if q.key not in depth:
            depth[q.key] = 0
            sources = [s for s in queues if s.escalate is not None and s.escalate.to == q.key]
            depth[q.key] = max((level(s) + 1 for s in sources), default=0)
        return depth[q.key]

    return sorted(by_key.values(), key=level)


def queue_flows(
    queues: tuple[QueueConfig, ...],
    series: dict[str, tuple[np.ndarray, np.ndarray]],
    interval: float,
    fcr: dict[str, float] | None = None,
) -> dict[str, QueueFlows]:
    """Offered contacts of every queue after escalations and repeats.

    ``series``: per queue key, (volume, AHT seconds) of its forecast on one common grid
    (queues without a forecast may be left out: zero); ``fcr``: per queue key, an FCR
    replacing the queue's own (a scenario); the forecast keeps the queue's ``fcr``.
    """
    n = len(next(iter(series.values()))[0])
    zero = np.zeros(n)
    incoming = {q.key: (zero.copy(), zero.copy()) for q in queues}  # volume, workload
    out: dict[str, QueueFlows] = {}
    for q in escalation_order(queues):
        v, a = series.get(q.key, (zero, zero))
        v, w = np.asarray(v, float), np.asarray(v, float) * np.asarray(a, float)
        ev, ew = incoming[q.key]
        base = q.fcr if q.fcr is not None else 1.0
        new = (fcr or {}).get(q.key, base)
        k = repeat_kernel(q.repeat_delay, interval, n)
        if q.fcr_in_forecast and new == base:  # the forecast holds its repeats already
            tv, tw = v + with_repeats(ev, new, k), w + with_repeats(ew, new, k)
        else:
            v1, w1 = v, w
            if q.fcr_in_forecast:  # back to first contacts, forward at the new FCR
                v1, w1 = first_contacts(v, base, k), first_contacts(w, base, k)
            tv = np.clip(with_repeats(v1 + ev, new, k), 0.0, None)
            tw = np.clip(with_repeats(w1 + ew, new, k), 0.0, None)
        out[q.key] = QueueFlows(tv, tw, v, ev, tv - v - ev)
        if q.escalate is not None:
            s = int(round(q.escalate.delay / interval))
            tv2, tw2 = incoming[q.escalate.to]
            moved = np.roll(q.escalate.share * tv, s)
            incoming[q.escalate.to] = (tv2 + moved, tw2 + moved * q.escalate.aht)
    return out


def has_flows(center: CenterConfig, fcr: dict[str, float] | None = None) -> bool:
    """Does any queue escalate, or add repeats (FCR not in its forecast, or a new FCR)?"""
    return any(
        q.escalate is not None or (q.fcr is not None and not q.fcr_in_forecast)
        or (fcr or {}).get(q.key, q.fcr) != q.fcr
        for q in center.queues
    )


def flow_keys(center: CenterConfig, present: set[str],
              fcr: dict[str, float] | None = None) -> set[str]:
    """The queues the flows change: those that escalate, those reached by an escalation
    from a queue with a forecast (chains too), and those whose repeats are added."""
    keys = {q.key for q in center.queues if q.key in present and (
        q.escalate is not None or (q.fcr is not None and not q.fcr_in_forecast)
        or (fcr or {}).get(q.key, q.fcr) != q.fcr)}
    return keys | escalation_targets(center, present)


def escalation_targets(center: CenterConfig, present: set[str]) -> set[str]:
    """The queues that receive escalations from a queue in ``present`` (queues with a
    forecast or history), directly or along a chain (first level -> expert ->
    specialist): they have volume even without a forecast of their own."""
    keys: set[str] = set()
    reach = set(present)
    changed = True
    while changed:
        changed = False
        for q in center.queues:
            if q.key in reach and q.escalate is not None:
                keys.add(q.escalate.to)
                if q.escalate.to not in reach:
                    reach.add(q.escalate.to)
                    changed = True
    return keys


def apply_flows(
    frame: pd.DataFrame, center: CenterConfig, fcr: dict[str, float] | None = None
) -> pd.DataFrame:
    """The forecast ``frame`` (columns of ``read_forecast``) with the flows added.

    Every queue the flows change (:func:`flow_keys`) is put on one common grid (first to
    last interval of the forecast); the others keep their rows.  The frame gains the
    columns :data:`FLOW_COLUMNS`.  A frame whose center has no flows comes back
    unchanged (without those columns).
    """
    if not has_flows(center, fcr):
        return frame
    from wfm.staffing.requirements import full_grid

    grid = full_grid(frame["interval_start"], center.interval, center.tz)
    series = {}
    for (channel, language), rows in frame.groupby(["channel", "language"], sort=True):
        rows = rows.set_index("interval_start").reindex(grid)
        series[f"{channel}:{language}"] = (rows["volume"].fillna(0.0).to_numpy(float),
                                           rows["aht_s"].fillna(0.0).to_numpy(float))
    flows = queue_flows(center.queues, series, center.interval, fcr)
    changed = flow_keys(center, set(series), fcr)
    keys = frame["channel"] + ":" + frame["language"]
    same = frame[~keys.isin(changed)].assign(forecast_volume=lambda f: f["volume"],
                                             escalated_volume=0.0, repeat_volume=0.0)
    parts = [same] if len(same) else []
    for key in sorted(changed):
        f = flows[key]
        channel, language = key.split(":")
        parts.append(pd.DataFrame({
            "interval_start": grid, "channel": channel, "language": language,
            "volume": f.volume, "aht_s": np.round(f.aht, 6), "forecast_volume": f.forecast,
            "escalated_volume": f.escalated, "repeat_volume": np.round(f.repeats, 9) + 0.0,
        }))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["channel", "language", "interval_start"], kind="stable").reset_index(
        drop=True)
