"""Verify and repair a shift plan by simulation: the loop of ``wfm schedule --verify``.

Pure functions over arrays and callables; no I/O (the I/O edge, ``wfm/pipeline/verify.py``,
supplies the planner and the simulation as callables).  One round:

1. simulate the current plan (a :class:`Measurement`: per simulated queue and interval,
   does the simulated service level miss its target?);
2. where it misses, raise the requirement of that queue and interval to what the plan
   already puts on the queue plus ``step`` agents on duty (:func:`raise_requirement`);
3. re-plan with the raised requirement and go back to 1.

The loop stops when every simulated queue meets its target (:func:`queue_met`), when
``rounds`` re-plans are done, or when raising changes nothing (the intervals that miss
are already short in the plan for a limit: headcount, hours, no shift, no skill).
Requirements are only raised, never lowered, so the plan of the last round is the one
with the most agents where the simulation asked for them.

Units: requirements are agents on duty per interval (integers, as ``wfm staff`` writes
them, grossed up by the shrinkage); agent-hours where a name says ``_h``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class VerifyOptions:
    """``rounds``: the most re-plans after the first plan; ``replications`` simulated
    weeks per round, all rounds with the same ``seed`` (common random numbers: a round
    differs from the last by the plan, not by the draws).  ``reserve``: the simulation's
    routing reserve (``SimInput.reserve``); ``routing`` its routing (``plan``,
    ``specialist`` or ``longest_idle``, see :func:`wfm.simulate.plan.load_plan`)."""

    rounds: int = 3
    replications: int = 30
    seed: int = 1
    reserve: int = 0
    routing: str = "plan"


@dataclass(frozen=True)
class Measurement:
    """What one simulation of a plan says, per simulated queue (Qs) and interval (T).

    ``sl`` and ``sl_half`` are the mean simulated service level and the half-width of
    its 95 % interval (NaN where nothing was offered); ``offered`` mean contacts;
    ``sl_week``/``sl_week_half`` the same over the horizon; ``target`` the service-level
    target per queue (NaN: none); ``notes`` what the simulation left out;
    ``erlang_plan`` (Qs, T) Erlang's service level at the agents the plan puts on the
    queue (``coverage.csv``), None when not known.
    """

    queues: tuple[str, ...]
    sl: np.ndarray
    sl_half: np.ndarray
    offered: np.ndarray
    sl_week: np.ndarray
    sl_week_half: np.ndarray
    target: np.ndarray
    notes: tuple[str, ...] = ()
    erlang_plan: np.ndarray | None = None


def measurement(inputs: Any, res: Any) -> Measurement:
    """A :class:`Measurement` from ``wfm.simulate.plan.PlanInputs`` and a ``SimResult``."""
    return Measurement(
        queues=tuple(inputs.queues),
        sl=np.asarray(res.mean["service_level"], dtype=float),
        sl_half=np.asarray(res.half["service_level"], dtype=float),
        offered=np.asarray(res.offered, dtype=float),
        sl_week=np.asarray(res.total_mean["service_level"], dtype=float),
        sl_week_half=np.asarray(res.total_half["service_level"], dtype=float),
        target=np.asarray(inputs.target_level, dtype=float),
        notes=tuple(inputs.notes),
        erlang_plan=np.asarray(inputs.erlang_plan["service_level"], dtype=float),
    )


def interval_misses(m: Measurement) -> np.ndarray:
    """(Qs, T) bool: contacts were offered and the whole 95 % interval of the simulated
    service level lies below the target (``misses_target`` of ``wfm simulate``)."""
    upper = m.sl + np.nan_to_num(m.sl_half)
    with np.errstate(invalid="ignore"):
        return (upper < m.target[:, None]) & (m.offered > 0)


def week_misses(m: Measurement) -> np.ndarray:
    """(Qs,) bool: the whole 95 % interval of the week's simulated service level lies
    below the target."""
    with np.errstate(invalid="ignore"):
        return (m.sl_week + np.nan_to_num(m.sl_week_half)) < m.target


def queue_met(m: Measurement) -> np.ndarray:
    """(Qs,) bool: the queue has no target, or neither any interval nor its week misses."""
    return ~(interval_misses(m).any(axis=1) | week_misses(m))


def to_raise(m: Measurement) -> np.ndarray:
    """(Qs, T) bool: the intervals to raise.  Those that miss; for a queue whose week
    misses, also every interval with contacts whose mean simulated SL is below target
    (no single interval may be significant, yet together they are)."""
    out = interval_misses(m)
    weak = week_misses(m)
    with np.errstate(invalid="ignore"):
        below = (m.sl < m.target[:, None]) & (m.offered > 0)
    return out | (weak[:, None] & below)


def step_for(shrinkage: float) -> int:
    """Agents on duty to add so that at least one more is productive: the simulation
    counts round(on duty x (1 - shrinkage)), so +1 on duty may add nobody
    (11 x 0.7 = 7.7 and 12 x 0.7 = 8.4 both round to 8); ceil(1 / (1 - s)) does."""
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError("shrinkage must be in [0, 1)")
    return max(1, math.ceil(1.0 / (1.0 - shrinkage) - 1e-9))


def raise_requirement(required: np.ndarray, scheduled: np.ndarray, rows: Sequence[int],
                      mask: np.ndarray, step: int) -> np.ndarray:
    """Requirement (Q, T) with ``required[rows[i], t]`` raised where ``mask[i, t]``.

    The new value is ``max(required, scheduled) + step``: ``scheduled`` (Q, T) are the
    agents the plan already puts on the queue (a long shift may cover more than the
    requirement), so raising only the requirement could leave the plan unchanged.
    """
    out = np.array(required, dtype=int, copy=True)
    rows = np.asarray(rows, dtype=int)
    cur = out[rows]
    up = np.maximum(cur, np.asarray(scheduled)[rows].astype(int)) + int(step)
    out[rows] = np.where(mask, up, cur)
    return out


class PlanLike(Protocol):
    """What the loop needs of a plan (``wfm.schedule.SchedulePlan``)."""

    summary: dict
    uncovered: Any
    instance: Any
    result: Any


@dataclass
class VerifyResult:
    """The rounds of the loop and its outcome.

    ``rows``: one dict per round and simulated queue (the columns of ``verify.csv``);
    ``status``: ``met``, ``round limit``, ``no progress`` (raising changed nothing) or
    ``kept the better plan`` (the last re-plan made a queue worse and was not kept);
    ``rounds`` the round of the kept plan;
    ``unmet``: per queue still missing, ``{"queue", "intervals_missing", "reason"}``;
    ``plan`` the last plan, ``required`` its requirement (Q, T); ``notes`` from the simulation.
    """

    rows: list[dict]
    status: str
    unmet: list[dict]
    plan: Any
    required: np.ndarray
    rounds: int
    notes: list[str] = field(default_factory=list)
    replans: int = 0  # re-plans made, kept or not


def got_worse(before: Measurement, after: Measurement) -> list[str]:
    """The simulated queues ``after`` is worse on than ``before`` (same queues): more
    intervals miss their target, or the queue met its target and no longer does."""
    n0, n1 = interval_misses(before).sum(axis=1), interval_misses(after).sum(axis=1)
    m0, m1 = queue_met(before), queue_met(after)
    return [f"{q} ({n0[i]} -> {n1[i]} missed intervals{'' if m1[i] or not m0[i] else ', was met'})"
            for i, q in enumerate(after.queues) if n1[i] > n0[i] or (m0[i] and not m1[i])]


def _rows(r: int, m: Measurement, plan: PlanLike, added_h: np.ndarray,
          idx: list[int]) -> list[dict]:
    miss, met = interval_misses(m), queue_met(m)
    return [{
        "round": r, "queue": q,
        "intervals_open": int((m.offered[i] > 0).sum()),
        "intervals_missing": int(miss[i].sum()),
        "sl_week_sim": float(m.sl_week[i]),
        "sl_week_ci95": float(m.sl_week_half[i]),
        "target": None if np.isnan(m.target[i]) else float(m.target[i]),
        "met": bool(met[i]),
        "agents_added_h": float(added_h[idx[i]]),
        "paid_h": float(plan.summary["paid_h"]),
        "cost": float(plan.summary["cost"]),
    } for i, q in enumerate(m.queues)]


def verify(required: np.ndarray, queues: Sequence[str], dt: float,
           plan_fn: Callable[[np.ndarray, PlanLike], PlanLike],
           measure_fn: Callable[[PlanLike], Measurement], rounds: int, step: int,
           first_plan: PlanLike | None = None,
           progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Run the verify-and-repair loop (module docstring).

    ``required`` (Q, T) agents on duty for ``queues`` (all planned queues; the
    measurement names the simulated ones); ``dt`` interval seconds; ``plan_fn(required,
    previous)`` plans a raised requirement starting from the previous round's plan
    (``wfm schedule`` keeps its shifts and adds, see ``wfm.schedule.solve.solve``'s
    ``start``); ``measure_fn`` simulates a plan; ``rounds`` the most re-plans (round 0
    is the first plan); ``step`` agents on duty added per raised interval
    (:func:`step_for`); ``first_plan`` the plan of ``required`` if already made.

    A round never makes a queue worse: when the new plan's simulation misses more
    intervals of some queue than the kept plan's, or loses a target a queue met
    (:func:`got_worse`), the new plan is not kept; the next re-plan starts again from
    the kept plan, with the requirement raised also where the rejected plan missed (a
    note names the queues).  Only kept rounds have rows; ``status`` is ``kept the
    better plan`` when the last re-plan was rejected.
    """
    if rounds < 0:
        raise ValueError("rounds must be >= 0")
    say = progress or (lambda _m: None)
    base = np.ceil(np.asarray(required, dtype=float) - 1e-9).clip(min=0).astype(int)
    req = pending = base.copy()
    plan = first_plan if first_plan is not None else plan_fn(req, None)
    say("verify round 0: simulating")
    m = measure_fn(plan)
    idx = [list(queues).index(q) for q in m.queues]
    rows = _rows(0, m, plan, np.zeros(len(queues)), idx)
    notes: list[str] = []
    status, kept, r = "round limit", 0, 0
    while not queue_met(m).all() and r < rounds:
        r += 1
        new = raise_requirement(pending, plan.result.plan.scheduled, idx, to_raise(m), step)
        say(f"verify round {r}: re-planning {int(interval_misses(m).sum())} missed intervals")
        cand = plan_fn(new, plan)
        if np.array_equal(cand.result.plan.y, plan.result.plan.y):
            # same shifts: the same simulation; its uncovered.csv names the limit
            status, req, pending, plan = "no progress", new, new, cand
            break
        say(f"verify round {r}: simulating")
        mc = measure_fn(cand)
        if worse := got_worse(m, mc):
            notes.append(_rejected_note(r, worse, kept))
            pending = raise_requirement(new, cand.result.plan.scheduled, idx, to_raise(mc),
                                        step)
            status = "kept the better plan"
            continue
        plan, m, req, pending, kept, status = cand, mc, new, new, r, "round limit"
        rows.extend(_rows(r, m, plan, (req - base).sum(axis=1) * dt / 3600.0, idx))
    if queue_met(m).all():
        status = "met"
    unmet = _unmet_reasons(plan, m, status, r)
    return VerifyResult(rows, status, unmet, plan, req, kept, [*m.notes, *notes], r)


def _rejected_note(r: int, worse: list[str], kept: int) -> str:
    """The note for round ``r``'s re-plan, rejected because it made ``worse`` worse."""
    return (f"round {r}'s re-plan made {', '.join(worse)} worse in the "
            f"simulation; kept the plan of round {kept} and raised those "
            "intervals too")


def _unmet_reasons(plan: PlanLike, m: Measurement, status: str, r: int) -> list[dict]:
    """:func:`why_unmet` for each queue the measurement ``m`` of ``plan`` misses, after
    ``r`` rounds that ended with ``status``."""
    met = queue_met(m)
    # the measurement is of `plan` (on "no progress" the plan is unchanged)
    return [why_unmet(plan, q, m, status, r) for i, q in enumerate(m.queues) if not met[i]]


def shared_groups(inst: Any, queue: str, simulated: Sequence[str]) -> dict[str, list[str]]:
    """Groups skilled for ``queue`` and for other simulated queues: name -> those queues.
    Empty when the instance carries no skill matrix."""
    skill = getattr(inst, "skill", None)
    if skill is None or queue not in inst.queues:
        return {}
    q = inst.queues.index(queue)
    others = [k for k, name in enumerate(inst.queues) if name in simulated and name != queue]
    names = inst.group_names()
    return {names[g]: [inst.queues[k] for k in others if skill[g, k]]
            for g in np.flatnonzero(skill[:, q]) if any(skill[g, k] for k in others)}


MISS_KINDS = ("short", "erlang", "routing", "transient")


def miss_kinds(plan: PlanLike, m: Measurement, queue: str) -> dict[str, np.ndarray]:
    """The missed intervals of ``queue`` by cause, (T,) bool each (:data:`MISS_KINDS`):

    * ``short``: the plan puts fewer agents on the queue than its (raised) requirement;
    * ``erlang``: it does not, yet Erlang's service level at the agents the plan puts on
      the queue is below target (the requirement itself is too low, e.g. staffed for the
      week's service level);
    * ``routing``: Erlang at the plan's agents meets the target and the queue shares a
      multi-skilled group with another simulated queue of its channel
      (:func:`same_channel`), so in the simulation those agents also take the other
      queue's contacts;
    * ``transient``: Erlang at the plan's agents meets the target and the queue has its
      agents to itself: the simulated interval is not Erlang's steady state (a queue
      carried in from the interval before, breaks and shift ends inside it, the
      arrivals of the replications).
    """
    i = m.queues.index(queue)
    miss = interval_misses(m)[i]
    inst = plan.instance
    qs = tuple(getattr(inst, "queues", ()))
    short = np.zeros_like(miss)
    if queue in qs and getattr(inst, "required", None) is not None:
        q = qs.index(queue)
        short = np.asarray(plan.result.plan.scheduled)[q] < np.asarray(inst.required)[q]
    low = np.zeros_like(miss)
    if m.erlang_plan is not None:
        with np.errstate(invalid="ignore"):
            low = np.asarray(m.erlang_plan[i]) < m.target[i] - 1e-9
    shared = bool(shared_groups(inst, queue, same_channel(queue, m.queues)))
    rest = miss & ~short & ~low
    return {"short": miss & short, "erlang": miss & ~short & low,
            "routing": rest if shared else np.zeros_like(miss),
            "transient": np.zeros_like(miss) if shared else rest}


def same_channel(queue: str, queues: Sequence[str]) -> list[str]:
    """The ``queues`` of ``queue``'s channel (``phone:en`` -> the ``phone:*`` ones): the
    simulation pools a multi-skilled group's agents per channel; its chat and e-mail
    agents are the plan's per interval, so only the same channel competes for them."""
    channel = queue.split(":")[0]
    return [q for q in queues if q.split(":")[0] == channel]


def _limits(plan: PlanLike, queue: str, mask: np.ndarray) -> str:
    """The reasons ``uncovered.csv`` gives for the plan's shortfall of ``queue`` in the
    intervals of ``mask``, with the number of those intervals each covers."""
    unc, inst = plan.uncovered, plan.instance
    times = {t.isoformat(): k for k, t in enumerate(inst.starts)}
    reasons: dict[str, int] = {}
    if len(unc):
        for _, u in unc[unc["queue"] == queue].iterrows():
            s = times.get(u["from"])
            n = 0 if s is None else int(mask[s:s + int(u["intervals"])].sum())
            if n:
                reasons[u["reason"]] = reasons.get(u["reason"], 0) + n
    return "; ".join(f"{r} ({n})" for r, n in reasons.items())


def _kind_text(plan: PlanLike, m: Measurement, queue: str, kind: str,
               mask: np.ndarray) -> str:
    """One cause of :func:`miss_kinds` in words, for the ``mask`` intervals."""
    n = int(mask.sum())
    if kind == "short":
        why = _limits(plan, queue, mask)
        return (f"{n} scheduled below the requirement"
                + (f" ({why})" if why else " (the solver's time limit or gap)"))
    if kind == "erlang":
        return (f"{n} with Erlang below target at the agents the plan puts on the queue "
                "(the requirement is below Erlang's need)")
    if kind == "routing":
        shared = shared_groups(plan.instance, queue, same_channel(queue, m.queues))
        who = ", ".join(f"{g} also serves {'/'.join(qs)}" for g, qs in shared.items())
        return (f"{n} lost to multi-skill routing (Erlang meets the target at the agents the "
                "plan puts on the queue; in the simulation bilingual agents served another "
                f"queue first: {who})")
    return (f"{n} with the requirement met and Erlang on target at the plan's agents (the "
            "interval's simulated service level varies with arrivals, the queue carried in "
            "from the interval before, breaks and shift ends)")


def why_unmet(plan: PlanLike, queue: str, m: Measurement, status: str,
              last_round: int) -> dict:
    """Why ``queue`` still misses after the loop: its missed intervals by cause
    (:func:`miss_kinds`), each in words (a limit from ``uncovered.csv``, multi-skill
    routing naming the shared groups, ...), then how the loop ended."""
    kinds = miss_kinds(plan, m, queue)
    n_miss = int(interval_misses(m)[m.queues.index(queue)].sum())
    parts = [_kind_text(plan, m, queue, k, kinds[k]) for k in MISS_KINDS if kinds[k].any()]
    if n_miss == 0:
        parts = ["the week's service level is below target though no interval is significant"]
    text = "; ".join(parts)
    if status == "no progress":
        text += "; raising the requirement did not change the plan (a limit)"
    elif status == "kept the better plan":
        text += (f"; the last of {last_round} re-plans made a queue worse in the simulation, "
                 "so an earlier plan was kept (see the notes)")
    elif status == "round limit":
        text += f"; still below target after {last_round} re-plans (the round limit)"
    return {"queue": queue, "intervals_missing": n_miss, "reason": text,
            **{f"intervals_{k}": int(kinds[k].sum()) for k in MISS_KINDS}}
