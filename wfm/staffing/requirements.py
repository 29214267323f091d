"""From forecast to required agents per interval and queue, in explicit steps.

For each queue the requirement is built in this order, keeping fractions until
the one final rounding:

1. **model**: the staffing model of the queue gives the minimal agents on
   duty meeting its targets (Erlang C/A and chat: exact minimum; deferred work:
   the deadline-driven workload profile, fractional);
2. **occupancy cap**: on duty >= load / max_occupancy (Erlang queues; for chat
   the cap is a target of the chat model, on its own occupancy);
3. **minimum staffing**: on duty >= ``min_agents`` in every open interval;
4. **opening hours**: closed intervals need nobody;
5. **shrinkage**: scheduled (paid) agents = on duty / (1 - shrinkage), the
   combined shrinkage 1 - (1 - absence)(1 - in-shift) of the center's two kinds
   (:meth:`wfm.config.CenterConfig.shrinkage_for`);
6. **rounding**, once, upwards: ``agents_required``.

Each interval records which step set its requirement (``binding_target``)
and the service the rounded on-duty staffing gives.  Pure functions over
numpy arrays; the frame-level driver :func:`staff_forecast` only groups rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wfm.config import CenterConfig, QueueConfig
from wfm.erlang import (
    abandon_rate,
    asa,
    occupancy,
    required_agents_detail,
    service_level,
    wait_probability,
)
from wfm.erlang.chat import chat_metrics, chat_required_agents
from wfm.erlang.deferred import DeferredRequirement, deadline_intervals, deferred_requirement
from wfm.staffing.callbacks import fill_troughs

_ROUND_TOL = 1e-9

REQUIREMENT_COLUMNS = (
    "interval_start",
    "channel",
    "language",
    "volume",
    "aht_s",
    "agents_required",
    "agents_unrounded",
    "agents_on_duty",
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "binding_target",
)
# Appended to the requirements table only when a queue has callbacks.
CALLBACK_COLUMNS = ("callback_volume", "callback_agents", "agents_required_no_callback")


@dataclass(frozen=True)
class QueueRequirement:
    """Requirement arrays for one queue over consecutive intervals.

    ``on_duty_unrounded`` is the fractional on-duty requirement after steps
    1-4; ``agents_unrounded`` adds shrinkage; ``agents_required`` is the one
    rounding of that.  ``agents_on_duty`` = ceil(on_duty_unrounded), at which
    the service metrics are evaluated (NaN where a metric does not apply).
    """

    on_duty_unrounded: np.ndarray
    agents_unrounded: np.ndarray
    agents_required: np.ndarray
    agents_on_duty: np.ndarray
    service_level: np.ndarray
    asa: np.ndarray
    abandon_rate: np.ndarray
    occupancy: np.ndarray
    binding: np.ndarray
    callback_volume: np.ndarray | None = None
    callback_agents: np.ndarray | None = None
    required_without_callbacks: np.ndarray | None = None


def model_requirement(
    queue: QueueConfig, volume: np.ndarray, aht: np.ndarray, interval: float, open_mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Step 1: on-duty agents from the queue's staffing model, with the binding target.

    ``volume`` contacts per interval, ``aht`` seconds, ``interval`` seconds.
    """
    if queue.model == "deferred":
        agents = np.asarray(_deferred(queue, volume, aht, interval, open_mask).agents, float)
        return agents, np.where(agents > 0, "deadline", "none").astype(object)
    safe_aht = np.where(aht > 0, aht, 1.0)
    if queue.model == "chat":
        # The chat chain is time-scale free: measure time in units of AHT_1.
        req = chat_required_agents(
            volume / interval * safe_aht,
            queue.chat_aht_factors,
            service_level=queue.service_level,
            target_time=None if queue.target_time is None else queue.target_time / safe_aht,
            max_asa=None if queue.max_asa is None else queue.max_asa / safe_aht,
            max_abandon_rate=queue.max_abandon_rate,
            max_occupancy=queue.max_occupancy,
            patience=None if queue.patience is None else queue.patience / safe_aht,
            basis=queue.basis,
        )
        return np.asarray(req.agents, float), np.asarray(req.binding, dtype=object)
    load = volume * aht / interval
    req = required_agents_detail(
        load,
        safe_aht,
        service_level=queue.service_level,
        target_time=queue.target_time,
        max_asa=queue.max_asa,
        max_abandon_rate=queue.max_abandon_rate,
        patience=queue.patience if queue.model == "erlang_a" else None,
        basis=queue.basis,
    )
    return np.asarray(req.agents, float), np.asarray(req.binding, dtype=object)


def _deferred(queue, volume, aht, interval, open_mask) -> DeferredRequirement:
    return deferred_requirement(
        volume,
        aht,
        interval,
        queue.deadline,
        open_mask,
        within=queue.within,
        occupancy=queue.deferred_occupancy,
    )


def apply_floor(
    agents: np.ndarray, binding: np.ndarray, floor: np.ndarray | float, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Raise ``agents`` to ``floor`` where it is higher, naming the step as binding."""
    floor = np.broadcast_to(np.asarray(floor, dtype=float), agents.shape)
    raised = floor > agents + _ROUND_TOL
    return np.where(raised, floor, agents), np.where(raised, name, binding)


def apply_shrinkage(on_duty: np.ndarray, shrinkage: float) -> np.ndarray:
    """Scheduled (paid) agents = on-duty agents / (1 - shrinkage); never multiply."""
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError("shrinkage must be in [0, 1)")
    return on_duty / (1.0 - shrinkage)


def round_requirement(agents: np.ndarray) -> np.ndarray:
    """The one rounding: up to whole agents (values within 1e-9 of an integer stay)."""
    return np.ceil(np.asarray(agents, dtype=float) - _ROUND_TOL).clip(min=0.0)


def queue_requirement(
    queue: QueueConfig,
    volume: np.ndarray,
    aht: np.ndarray,
    *,
    interval: float,
    open_mask: np.ndarray,
    shrinkage: float,
) -> QueueRequirement:
    """Steps 1-6 for one queue over consecutive intervals (arrays of equal length).

    A queue with ``callback`` is staffed by :func:`callback_requirement`.
    """
    volume = np.asarray(volume, dtype=float)
    aht = np.asarray(aht, dtype=float)
    open_mask = np.asarray(open_mask, dtype=bool)
    if queue.callback is not None:
        return callback_requirement(
            queue, volume, aht, interval=interval, open_mask=open_mask, shrinkage=shrinkage
        )
    agents, binding = model_requirement(queue, volume, aht, interval, open_mask)
    load = volume * aht / interval
    if queue.max_occupancy is not None and queue.model in ("erlang_c", "erlang_a"):
        agents, binding = apply_floor(agents, binding, load / queue.max_occupancy, "occupancy")
    if queue.min_agents:
        agents, binding = apply_floor(
            agents, binding, np.where(open_mask, queue.min_agents, 0.0), "min_agents"
        )
    if queue.model != "deferred":
        agents = np.where(open_mask, agents, 0.0)
        binding = np.where(open_mask, binding, "closed")
    unrounded = apply_shrinkage(agents, shrinkage)
    on_duty = round_requirement(agents)
    metrics = _service_at(queue, on_duty, volume, aht, interval, open_mask)
    if queue.model != "deferred":  # contacts in closed hours are not served: no figures
        metrics = {name: np.where(open_mask, v, np.nan) for name, v in metrics.items()}
    return QueueRequirement(
        on_duty_unrounded=agents,
        agents_unrounded=unrounded,
        agents_required=round_requirement(unrounded),
        agents_on_duty=on_duty,
        binding=binding,
        **metrics,
    )


def callback_volume(
    queue: QueueConfig, volume: np.ndarray, aht: np.ndarray, on_duty: np.ndarray, interval: float
) -> np.ndarray:
    """Callbacks accepted per interval: ``accept_share`` x the callers who would wait.

    The callers who would wait are volume x P(wait) of the live queue staffed
    without callbacks (``on_duty`` agents; Erlang C, or Erlang A with the
    queue's patience).
    """
    assert queue.callback is not None
    load = volume * aht / interval
    safe_aht = np.where(aht > 0, aht, 1.0)
    patience = queue.patience if queue.model == "erlang_a" else None
    p_wait = np.nan_to_num(wait_probability(on_duty, load, safe_aht, patience), nan=0.0)
    return queue.callback.accept_share * volume * np.clip(p_wait, 0.0, 1.0)


def callback_requirement(
    queue: QueueConfig,
    volume: np.ndarray,
    aht: np.ndarray,
    *,
    interval: float,
    open_mask: np.ndarray,
    shrinkage: float,
) -> QueueRequirement:
    """A live queue with virtual hold: the live queue plus the callback work.

    1. staff the queue without callbacks (``required_without_callbacks``);
    2. callbacks = ``accept_share`` x the callers who would wait at that
       staffing (:func:`callback_volume`); they leave the live queue;
    3. staff the live queue on the remaining volume (same targets, floors);
    4. the callbacks are deferred work (talk time ``talk_time``, else the AHT,
       at ``deferred_occupancy``) due within ``deadline``, made in the troughs
       of the live requirement (:func:`wfm.staffing.callbacks.fill_troughs`);
    5. on duty = live + callback agents, then shrinkage and the one rounding.

    Service metrics are those of the live queue at its own rounded staffing.
    """
    cb = queue.callback
    assert cb is not None
    plain = queue.model_copy(update={"callback": None})
    kwargs = {"interval": interval, "open_mask": open_mask, "shrinkage": shrinkage}
    without = queue_requirement(plain, volume, aht, **kwargs)
    calls = np.where(open_mask, callback_volume(queue, volume, aht, without.agents_on_duty,
                                                interval), 0.0)
    live = queue_requirement(plain, volume - calls, aht, **kwargs)
    talk = np.full(volume.shape, cb.talk_time) if cb.talk_time is not None else aht
    work = calls * talk / (interval * queue.deferred_occupancy)  # agent-intervals
    d = deadline_intervals(cb.deadline, interval)
    cb_agents = fill_troughs(live.on_duty_unrounded, work, open_mask, d).agents
    on_duty = live.on_duty_unrounded + cb_agents
    unrounded = apply_shrinkage(on_duty, shrinkage)
    return replace(
        live,
        on_duty_unrounded=on_duty,
        agents_unrounded=unrounded,
        agents_required=round_requirement(unrounded),
        agents_on_duty=round_requirement(on_duty),
        binding=np.where((cb_agents > 0) & (live.on_duty_unrounded <= 0), "callback",
                         live.binding),
        callback_volume=calls,
        callback_agents=cb_agents,
        required_without_callbacks=without.agents_required,
    )


def _service_at(queue, n, volume, aht, interval, open_mask) -> dict[str, np.ndarray]:
    """Service metrics of the rounded on-duty staffing ``n``."""
    nan = np.full(n.shape, np.nan)
    safe_aht = np.where(aht > 0, aht, 1.0)
    load = volume * aht / interval
    if queue.model == "deferred":
        result = _deferred(queue, volume, aht, interval, open_mask)
        with np.errstate(divide="ignore", invalid="ignore"):
            occ = np.where(n > 0, load / n, np.nan)
        share = float(result.achieved_rounded)
        return {
            "service_level": np.full(n.shape, share),
            "asa": nan,
            "abandon_rate": nan,
            "occupancy": np.clip(occ, 0.0, 1.0),
        }
    if queue.model == "chat":
        m = chat_metrics(
            n,
            volume / interval * safe_aht,
            queue.chat_aht_factors,
            queue.target_time / safe_aht if queue.target_time is not None else 0.0,
            None if queue.patience is None else queue.patience / safe_aht,
            queue.basis,
        )
        return {
            "service_level": m.service_level if queue.target is not None else nan,
            "asa": m.asa * safe_aht,
            "abandon_rate": m.abandon_rate,
            "occupancy": m.occupancy,
        }
    patience = queue.patience if queue.model == "erlang_a" else None
    t = queue.target_time if queue.target_time is not None else 0.0
    return {
        "service_level": service_level(n, load, safe_aht, t, patience, queue.basis)
        if queue.target is not None
        else nan,
        "asa": asa(n, load, safe_aht, patience),
        "abandon_rate": abandon_rate(n, load, safe_aht, patience),
        "occupancy": occupancy(n, load, safe_aht, patience),
    }


def full_grid(starts: pd.Series, interval: float, tz) -> pd.DatetimeIndex:
    """Every interval start from the first to the last, built in UTC (DST-safe)."""
    utc = pd.DatetimeIndex(starts).tz_convert("UTC")
    grid = pd.date_range(utc.min(), utc.max(), freq=pd.Timedelta(seconds=interval))
    return grid.tz_convert(tz)


def staff_forecast(frame: pd.DataFrame, center: CenterConfig) -> tuple[pd.DataFrame, list[str]]:
    """Requirements for every interval x queue of a validated forecast frame.

    Escalations and repeat contacts are added first (:func:`wfm.staffing.flows.apply_flows`;
    their columns are appended when the center has flows).  Returns the requirements
    table (columns :data:`REQUIREMENT_COLUMNS`) and warnings (gaps filled with zero
    volume, volume in closed hours).
    """
    from wfm.staffing.flows import FLOW_COLUMNS, apply_flows

    frame = apply_flows(frame, center)
    flowed = "repeat_volume" in frame
    warnings: list[str] = []
    parts = []
    for (channel, language), rows in frame.groupby(["channel", "language"], sort=True):
        queue = center.queue(f"{channel}:{language}")
        grid = full_grid(rows["interval_start"], center.interval, center.tz)
        rows = rows.set_index("interval_start").reindex(grid)
        gaps = int(rows["volume"].isna().sum())
        volume = rows["volume"].fillna(0.0).to_numpy(float)
        aht = rows["aht_s"].fillna(0.0).to_numpy(float)
        open_mask = center.hours_for(queue).is_open(grid)
        warnings += _input_warnings(queue, volume, aht, open_mask, gaps, center.interval)
        req = queue_requirement(
            queue,
            volume,
            aht,
            interval=center.interval,
            open_mask=open_mask,
            shrinkage=center.shrinkage_for(queue),
        )
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": grid,
                    "channel": channel,
                    "language": language,
                    "volume": volume,
                    "aht_s": aht,
                    "agents_required": req.agents_required.astype(int),
                    "agents_unrounded": np.round(req.agents_unrounded, 4),
                    "agents_on_duty": req.agents_on_duty.astype(int),
                    "service_level": np.round(req.service_level, 6),
                    "asa_s": np.round(req.asa, 3),
                    "abandon_rate": np.round(req.abandon_rate, 6),
                    "occupancy": np.round(req.occupancy, 6),
                    "binding_target": req.binding,
                    **_callback_columns(req),
                    **({c: np.round(rows[c].fillna(0.0).to_numpy(float), 4)
                        for c in FLOW_COLUMNS} if flowed else {}),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(["interval_start", "channel", "language"], kind="stable")
    columns = list(REQUIREMENT_COLUMNS)
    if any(q.callback is not None for q in center.queues):
        columns += CALLBACK_COLUMNS
    if flowed:
        columns += FLOW_COLUMNS
    return table.reset_index(drop=True)[columns], warnings


def _callback_columns(req: QueueRequirement) -> dict[str, np.ndarray]:
    """Callbacks per interval, their on-duty agents (unrounded) and the requirement
    without callbacks; a queue without callbacks has none."""
    if req.callback_volume is None or req.callback_agents is None:
        return {
            "callback_volume": np.zeros(req.agents_required.shape),
            "callback_agents": np.zeros(req.agents_required.shape),
            "agents_required_no_callback": req.agents_required.astype(int),
        }
    assert req.required_without_callbacks is not None
    return {
        "callback_volume": np.round(req.callback_volume, 4),
        "callback_agents": np.round(req.callback_agents, 4),
        "agents_required_no_callback": req.required_without_callbacks.astype(int),
    }


def _input_warnings(  # noqa: PLR0913
    queue: QueueConfig,
    volume: np.ndarray,
    aht: np.ndarray,
    open_mask: np.ndarray,
    gaps: int,
    interval: float,
) -> list[str]:
    """What the planner should know about one queue's forecast: intervals missing
    (staffed as zero), contacts in closed hours (not staffed), a deadline the opening
    hours cannot meet."""
    warnings = []
    if gaps:
        warnings.append(
            f"{queue.key}: {gaps} interval(s) missing in the forecast were staffed as zero volume"
        )
    closed_volume = volume[~open_mask].sum()
    if closed_volume > 0 and queue.model != "deferred":
        warnings.append(
            f"{queue.key}: {closed_volume:.0f} contact(s) forecast in closed hours "
            "are not staffed"
        )
    if queue.model == "deferred":
        check = _deferred(queue, volume, aht, interval, open_mask)
        if not check.feasible:
            warnings.append(
                f"{queue.key}: {queue.within:.0%} within {queue.deadline / 3600:g} h cannot be "
                f"met with these opening hours (best {check.achieved:.1%}); "
                "items that cannot be reached are late"
            )
    return warnings


def format_requirements(table: pd.DataFrame) -> pd.DataFrame:
    """The requirements table as written to CSV: ISO 8601 times with offset."""
    out = table.copy()
    out["interval_start"] = [t.isoformat() for t in out["interval_start"]]
    return out
