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
  and then leaves.  Pools of one ``team`` (the phone, chat and e-mail pools of one
  group of people) exchange agents: when one pool's count drops while another's
  rises at the same boundary, the rising pool gets the dropping pool's idle agents at
  once and its busy ones only as they finish (a pending transfer), so an agent moved
  between pools is never on duty twice; only a net rise of the team brings new agents
  at once.  After the last interval the last counts stay until the queues are
  empty, so contacts offered late in the horizon are still resolved.
* Routing: an arriving contact goes to a free agent of the first group, in
  ``group_order``, skilled for its queue (default: groups with fewer skills first, i.e.
  specialists before generalists); ``routing="longest_idle"`` instead picks the
  longest-idle free agent over all skilled groups.  A freed agent takes the
  longest-waiting live contact (earliest arrival) among the queues of its skills,
  and deferred work (e-mail) only when no live contact of its skills waits, the
  item due first (arrival + its queue's deadline; earliest due date first, which
  within one queue is FIFO).
  Within a group agents are exchangeable, so the engine keeps one FIFO of idle-since
  times per group rather than agent identities.
* Reserve (``reserve`` = N > 0, phone groups only): a non-chat group skilled for two
  or more live (non-deferred) queues keeps its last N idle agents for its *reserved*
  queue, the one of those queues with the smallest total volume over the horizon
  (lowest index on ties), computed once per replication.  A contact of another queue
  takes an idle agent of the group only if more than N of them are idle; a freed agent
  (counted as available) serves other queues only if more than N agents of the group,
  itself included, are available, i.e. at least N others idle, else it takes only
  a waiting contact of the reserved queue or goes idle.  Deferred work waits for an
  unrestricted agent.  N = 0 is the routing above, draw for draw.
* Primary queue (``primary[g]``, default none): the phone queue the plan assigns
  group ``g``'s agents to (a plan's multi-skilled group split into one group per queue
  it works in the interval).  A contact of ``q`` goes to the groups whose primary is
  ``q`` or none first (specialists first among them, as above), then overflows to
  groups assigned to other queues; a freed agent takes the longest-waiting contact of
  its primary queue first, then of its other live queues.  With a reserve, a group's
  reserved queue is its primary queue.  No primary anywhere: the routing above, draw
  for draw.
* Chat (``concurrency[q] > 1`` or a group serving chat queues): an agent holds up to
  ``concurrency[q]`` chats of queue ``q`` at once.  A chat has ``aht[q, t]`` times the
  unit draw of work; while its agent holds k chats it progresses at speed
  ``1 / aht_factors[q][k - 1]`` (AHT_k = AHT_1 x factor_k), so exponential work gives
  chats completing at rate k / AHT_k per agent, the chain of :mod:`wfm.erlang.chat`.
  A new chat goes to the least loaded agent with room (fewest chats, the longest-idle
  one among idle agents; groups in ``group_order`` on ties, or longest idle over all
  groups with ``routing="longest_idle"``); a slot freed takes the longest-waiting chat.
  A group serving chat serves chat queues only (no blending: an agent with chats takes
  no call); chat agents are tracked one by one.  When the count drops, idle agents
  leave first, then the least loaded ones take no new chat and leave after their last.
* Deferred work (``deferred[q]``, e-mail): a queue without abandonment whose service
  level is the share answered (taken up by an agent) within ``target_time[q]`` (the
  deadline), served earliest due date first across the deferred queues; items
  whose deadline falls after the end of the horizon are left out of
  that share, answered or not (their outcome is not known yet: counting only those
  answered, always in time, would bias the end of the horizon upward).
* Callbacks (virtual hold, ``callback[q]`` = accept share > 0, phone queues only): a
  caller of ``q`` who arrives when no agent takes him at once (he would wait)
  accepts a callback with probability ``callback[q]``; he leaves the live queue
  (no abandonment) and joins the queue's callback backlog (FIFO; across backlogs of
  different deadlines the callback due first).  A freed agent
  skilled for ``q`` makes the oldest callback only when no live contact of its skills
  waits, and before deferred work (e-mail); the callback's handle time is
  ``callback_talk[q]`` (NaN: the AHT of the arrival interval) times the unit draw.
  A callback is *in time* when it is made (taken up by an agent) within
  ``callback_deadline[q]`` of the call; callbacks due after the end of the horizon
  are left out of that share, as deferred items are.  The queue's service level,
  ASA and abandonment describe the live calls (callers who took a callback are out
  of their denominators).  The uniforms and callback handle draws come after every
  other draw, and only when some share is above 0, so a plan without callbacks
  draws and simulates exactly as before.
* The simulation starts empty (no backlog, nobody busy), ``warmup`` intervals before
  the horizon: with ``warmup > 0`` the last ``warmup`` intervals of the horizon are
  simulated first (a plan that repeats, e.g. weekly), so its start carries the
  backlog and busy agents of the cycle's end; with ``cooldown > 0`` its first
  ``cooldown`` intervals are simulated after it, so the contacts of its end are
  served (and deferred items judged) by the next cycle's agents.  Only the horizon's
  own contacts and intervals are reported.

The event loop is a hand-written ``heapq`` loop; see the README ("Simulating a plan")
for the measured comparison with ciw and SimPy that motivated it.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from wfm.simulate.compare import mean_half

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

    ``concurrency[q]`` chats an agent holds at once (default 1) with
    ``aht_factors[q]`` = (AHT_1 / AHT_1, ..., AHT_m / AHT_1) (default all 1); a queue
    with ``chat[q]`` (default: concurrency above 1) is served by chat agents; a group
    skilled for a chat queue must serve chat queues only.  ``deferred[q]`` marks
    deferred (e-mail) queues, see the module docstring.  ``team[g]`` (default: each
    group its own team) groups the pools that are the same people: an agent moving
    between pools of a team at an interval boundary joins the new pool only once it
    has finished its work in the old one.  ``warmup`` and ``cooldown`` intervals (0 to
    T each) of the cycle simulated before and after the horizon, see the module
    docstring.  ``sl_answered[q]`` (default False): the queue's service level is over
    answered contacts (abandons left out of the denominator, ``basis = "answered"``)
    instead of over offered ones.  ``reserve`` (default 0) idle agents of a multi-skilled
    phone group kept for its smallest queue, see the module docstring.
    ``callback[q]`` (default none) the share of the callers who would wait that accept
    a callback, 0..1 (phone queues only), ``callback_deadline[q]`` seconds (default
    inf) and ``callback_talk[q]`` mean seconds per callback (NaN or default: the AHT),
    see the module docstring.  ``primary[g]`` (default none: -1 everywhere) the
    phone queue group ``g`` is assigned to (-1: none), see "Primary queue" in the
    module docstring.
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
    concurrency: tuple[int, ...] | None = None
    aht_factors: tuple[tuple[float, ...], ...] | None = None
    chat: tuple[bool, ...] | None = None
    deferred: tuple[bool, ...] | None = None
    team: tuple[int, ...] | None = None
    warmup: int = 0
    cooldown: int = 0
    sl_answered: tuple[bool, ...] | None = None
    reserve: int = 0
    callback: tuple[float, ...] | None = None
    callback_deadline: tuple[float, ...] | None = None
    callback_talk: tuple[float, ...] | None = None
    primary: tuple[int, ...] | None = None

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
        if int(self.reserve) != self.reserve or self.reserve < 0:
            raise ValueError("reserve must be an integer >= 0")
        conc, factors, chat, deferred = self.channel_setup()
        if len(conc) != Q or len(factors) != Q or len(chat) != Q or len(deferred) != Q:
            raise ValueError("concurrency, aht_factors, chat and deferred need one entry "
                             "per queue")
        for q in range(Q):
            if conc[q] < 1 or len(factors[q]) != conc[q] or min(factors[q]) <= 0:
                raise ValueError("concurrency must be >= 1 with one positive AHT factor "
                                 "per level")
        if not (0 <= self.warmup <= T and 0 <= self.cooldown <= T):
            raise ValueError("warmup and cooldown must be between 0 and the number of "
                             "intervals")
        if self.sl_answered is not None and len(self.sl_answered) != Q:
            raise ValueError("sl_answered needs one entry per queue")
        if self.team is not None and len(self.team) != G:
            raise ValueError("team needs one entry per group")
        if any(d and np.isfinite(p) for d, p in zip(deferred, self.patience, strict=True)):
            raise ValueError("deferred queues do not abandon: their patience must be inf")
        self._check_callbacks(chat, deferred)
        self._check_primary(chat, deferred)
        skill = np.asarray(self.skill, dtype=bool)
        chat_q = np.asarray(chat, dtype=bool)
        mixed = skill[:, chat_q].any(axis=1) & skill[:, ~chat_q].any(axis=1)
        if mixed.any():
            raise ValueError(f"group {int(np.flatnonzero(mixed)[0])} serves chat and other "
                             "queues; a chat group serves chat queues only")

    def _check_primary(self, chat: tuple[bool, ...], deferred: tuple[bool, ...]) -> None:
        if self.primary is None:
            return
        G = np.shape(self.on_duty)[0]
        if len(self.primary) != G:
            raise ValueError("primary needs one entry per group")
        for g, p in enumerate(self.primary):
            if p != -1 and not (0 <= p < len(chat) and self.skill[g][p] and not chat[p]
                                and not deferred[p]):
                raise ValueError(f"group {g}: primary must be -1 or a phone queue of its "
                                 "skills")

    def _check_callbacks(self, chat: tuple[bool, ...], deferred: tuple[bool, ...]) -> None:
        share, deadline, talk = self.callback_setup()
        Q = len(chat)
        if len(share) != Q or len(deadline) != Q or len(talk) != Q:
            raise ValueError("callback, callback_deadline and callback_talk need one entry "
                             "per queue")
        for q in range(Q):
            if not 0.0 <= share[q] <= 1.0:
                raise ValueError("callback shares must lie in [0, 1]")
            if share[q] > 0 and (chat[q] or deferred[q]):
                raise ValueError(f"queue {q}: callbacks apply to phone queues only")
            if not deadline[q] > 0 or talk[q] <= 0:
                raise ValueError("callback_deadline must be > 0 and callback_talk > 0")

    def callback_setup(self) -> tuple[tuple[float, ...], tuple[float, ...],
                                      tuple[float, ...]]:
        """(accept share, deadline s, talk time s or NaN) per queue, defaults filled in
        (0, inf, NaN)."""
        Q = np.shape(self.volume)[0]

        def fill(x: tuple[float, ...] | None, default: float) -> tuple[float, ...]:
            return (default,) * Q if x is None else tuple(float(v) for v in x)

        return (fill(self.callback, 0.0), fill(self.callback_deadline, float("inf")),
                fill(self.callback_talk, float("nan")))

    @property
    def has_callbacks(self) -> bool:
        """True when some queue's callback share is above 0."""
        return any(s > 0 for s in self.callback_setup()[0])

    def channel_setup(self) -> tuple[tuple[int, ...], tuple[tuple[float, ...], ...],
                                  tuple[bool, ...], tuple[bool, ...]]:
        """Channel flags per queue, defaults filled in: (concurrency, aht_factors, chat,
        deferred)."""
        Q = np.shape(self.volume)[0]
        conc = tuple(int(c) for c in self.concurrency) if self.concurrency is not None \
            else (1,) * Q
        factors = tuple(tuple(float(x) for x in f) for f in self.aht_factors) \
            if self.aht_factors is not None else tuple((1.0,) * c for c in conc)
        chat = tuple(bool(c) for c in self.chat) if self.chat is not None \
            else tuple(c > 1 for c in conc)
        deferred = tuple(bool(d) for d in self.deferred) if self.deferred is not None \
            else (False,) * Q
        return conc, factors, chat, deferred

    chat_setup = channel_setup  # the former name

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
    (as scheduled, ``on_duty * dt``); a chat agent is busy while it holds a chat.
    ``overtime`` (G,) agent-seconds within the horizon that busy agents of a group
    stayed past its count (finishing work after their shift, break or move to another
    pool began) less the agent-seconds the group waited for agents handed over from
    another pool of its team; summed over a team, the agent time on duty beyond the
    plan's counts.  ``due`` (Q, T) contacts that count in the service level
    (= ``offered``, less deferred items not yet due at the end); ``backlog`` (Q, T)
    contacts waiting (arrived, not yet answered or abandoned) at the end of each
    interval.  ``answered_due`` (Q, T) answered contacts among the due ones (the
    denominator of an answered-basis service level).  ``events`` counts processed
    events.  With callbacks (``SimInput.callback``), (Q, T) by arrival interval of the
    calls: ``callbacks`` accepted, ``cb_made`` made, ``cb_due`` whose deadline falls
    within the horizon, ``cb_within`` made within the deadline among those due and
    ``cb_delay`` seconds from the call to the callback summed over those made; the
    live tallies (``answered``, ``within``, ``wait_sum``, ``due``, ``answered_due``)
    then count live calls only.  Without callbacks these are None.
    """

    offered: np.ndarray
    answered: np.ndarray
    within: np.ndarray
    abandoned: np.ndarray
    wait_sum: np.ndarray
    busy: np.ndarray
    duty: np.ndarray
    events: int = 0
    due: np.ndarray | None = None
    backlog: np.ndarray | None = None
    overtime: np.ndarray | None = None
    answered_due: np.ndarray | None = None
    callbacks: np.ndarray | None = None
    cb_made: np.ndarray | None = None
    cb_due: np.ndarray | None = None
    cb_within: np.ndarray | None = None
    cb_delay: np.ndarray | None = None


CALLBACK_TALLIES = ("callbacks", "cb_made", "cb_due", "cb_within", "cb_delay")


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


def reserved_queues(skill: np.ndarray, total: np.ndarray, chat: tuple[bool, ...],
                    deferred: tuple[bool, ...],
                    primary: list[int] | None = None) -> list[int]:
    """Per group the queue its reserve is kept for, -1 for none: for a group serving no
    chat and skilled for two or more live (non-deferred) queues, its ``primary`` queue
    if it has one, else the one of those with the smallest ``total`` (contacts over the
    horizon; lowest index on ties)."""
    out = []
    for g in range(skill.shape[0]):
        live = [q for q in np.flatnonzero(skill[g]) if not deferred[q]]
        if len(live) < 2 or any(chat[q] for q in np.flatnonzero(skill[g])):
            out.append(-1)
        elif primary is not None and primary[g] >= 0:
            out.append(int(primary[g]))
        else:
            out.append(int(min(live, key=lambda q: (total[q], q))))
    return out


def _service_tiers(queues_of: list[list[int]], is_deferred: tuple[bool, ...],
                   cbq: list[int], target_time: np.ndarray, cb_deadline: tuple[float, ...],
                   primary: list[int] | None = None) -> list[list[list[tuple[int, float]]]]:
    """Per group the order in which a freed agent looks at its (virtual) queues: tiers
    of (queue, due offset in seconds) pairs, served in turn: its ``primary`` queue (if
    any), the (other) live queues, then callback backlogs (``cbq[q]``), then deferred
    queues, each tier only when no contact of the tiers before it waits.  Within a tier
    the waiting head with the smallest arrival + offset goes first: offset 0 for live
    queues (longest waiting first), the deadline for callbacks and deferred work
    (earliest due date first; within one queue FIFO is EDF).  A tier whose offsets are
    all equal gets offset 0 (exactly FIFO)."""
    tiers = []
    for g, qs in enumerate(queues_of):
        p = -1 if primary is None else primary[g]
        own = [(q, 0.0) for q in qs if q == p]
        live = [(q, 0.0) for q in qs if not is_deferred[q] and q != p]
        # an infinite deadline: due after every finite one (1e9 s keeps arrival order)
        cbs = [(cbq[q], min(float(cb_deadline[q]), 1e9)) for q in qs if cbq[q] >= 0]
        dfr = [(q, min(float(target_time[q]), 1e9)) for q in qs if is_deferred[q]]
        tiers.append([[(q, off if len({o for _, o in tier}) > 1 else 0.0)
                       for q, off in tier] for tier in (own, live, cbs, dfr) if tier])
    return tiers


def simulate_once(inp: SimInput, rng: np.random.Generator) -> Replication:
    """Simulate the horizon once with the generator ``rng``; see the module docstring.
    With ``inp.warmup`` = w and ``inp.cooldown`` = c the horizon's last w intervals are
    simulated before it and its first c after it (a cycle), both left out of every
    tally."""
    w, c = int(inp.warmup), int(inp.cooldown)
    T = inp.shape[2]
    if not (w or c):
        return _simulate(inp, rng, 0, T)

    def ext(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        return np.concatenate([x[:, T - w:], x, x[:, :c]], axis=1)

    rep = _simulate(replace(inp, volume=ext(inp.volume), aht=ext(inp.aht),
                            on_duty=ext(inp.on_duty), warmup=0, cooldown=0), rng, w, T)
    for name in ("offered", "answered", "within", "abandoned", "wait_sum", "busy", "duty",
                 "due", "backlog", "answered_due",
                 *(CALLBACK_TALLIES if rep.callbacks is not None else ())):
        setattr(rep, name, getattr(rep, name)[:, w:w + T])
    return rep


def _simulate(inp: SimInput, rng: np.random.Generator, skip: int, keep: int) -> Replication:
    """One replication; intervals ``skip`` to ``skip + keep`` are measured (``overtime``
    counts within them, the caller drops the other intervals' tallies)."""
    # One long function on purpose: this hand-written event loop is the hot path, and
    # splitting it into helpers adds a Python call per event (issue 12 leaves it whole).
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
    cb_share, cb_deadline, cb_talk = inp.callback_setup()
    with_cb = inp.has_callbacks
    cb_u: list[float] = []
    cb_hnd: list[float] = []
    if with_cb:  # drawn after every other draw: plans without callbacks are unchanged
        cb_u = rng.random(n).tolist()
        talk = np.asarray(cb_talk)[q_of]
        talk = np.where(np.isnan(talk), np.asarray(inp.aht, dtype=float)[q_of, t_of], talk)
        cb_hnd = (talk * _unit_handle(rng, n, inp.handle, inp.cv)).tolist()

    skill = np.asarray(inp.skill, dtype=bool)
    conc, factors, is_chat, is_deferred = inp.channel_setup()
    prio = inp.order()
    primary = list(inp.primary) if inp.primary is not None else [-1] * G
    # a contact of q: the groups assigned to q (or to no queue) first, then the others
    groups_for = [sorted((g for g in prio if skill[g, q]),
                         key=lambda g, q=q: primary[g] not in (-1, q)) for q in range(Q)]
    queues_of = [[q for q in range(Q) if skill[g, q]] for g in range(G)]
    # callback backlogs: queue q's is the virtual queue cbq[q] >= Q (-1: none)
    cbq = [-1] * Q
    for q in range(Q):
        if cb_share[q] > 0:
            cbq[q] = Q + sum(c >= 0 for c in cbq)
    n_cb = sum(c >= 0 for c in cbq)
    conc_w = list(conc) + [1] * n_cb  # concurrency per (virtual) queue
    tiers = _service_tiers(queues_of, is_deferred, cbq, inp.target_time, cb_deadline,
                           primary)
    chat_group = [bool(skill[g][list(is_chat)].any()) if any(is_chat) else False
                  for g in range(G)]
    duty = np.asarray(inp.on_duty).astype(int)
    team_of = list(inp.team) if inp.team is not None else list(range(G))
    members: dict[int, list[int]] = {}
    for g in range(G):
        members.setdefault(team_of[g], []).append(g)
    teams = sorted(members, key=lambda k: members[k][-1])
    owed = [0] * G  # agents promised to the group, still busy in another pool of its team
    over = [0.0] * G  # overtime integral, see Replication.overtime
    horizon = T * dt
    t0, t1 = skip * dt, (skip + keep) * dt  # overtime counts in [t0, t1]
    over_t = [t0] * G  # time over[g] was last brought up to date
    longest = inp.routing == "longest_idle"
    res_n = int(inp.reserve)
    # per group the queue its last res_n idle agents are kept for (-1: none), see
    # reserved_queues; need[q] = (group, idle agents it must have to take a contact of q)
    rsv = reserved_queues(skill, volume[:, skip:skip + keep].sum(axis=1), is_chat,
                          is_deferred, primary) if res_n else [-1] * G
    need = [[(g, res_n + 1 if rsv[g] >= 0 and rsv[g] != q else 1) for g in groups_for[q]]
            for q in range(Q)]

    idle: list[deque[float]] = [deque() for _ in range(G)]  # idle-since times, FIFO
    busy_n = [0] * G
    leave = [0] * G  # busy agents who leave when they finish
    waiting: list[deque[int]] = [deque() for _ in range(Q + n_cb)]
    is_cb = [False] * n  # the call became a callback
    status = [_WAITING] * n
    start_of = [0.0] * n
    group_of = [-1] * n
    arr = arrive.tolist()
    hnd = handle.tolist()
    pat_l = pat.tolist()
    qq = q_of.tolist()
    # (time, kind, index[, version]); kind 0 done, 1 abandon, 2 a chat agent's next finish
    heap: list[tuple] = []
    events = 0
    inf = float("inf")

    # chat agents, one by one: chats held as [contact, remaining work in seconds at speed 1]
    speed = [[1.0 / f for f in fs] for fs in factors]  # speed[q][k - 1]
    ag_group: list[int] = []
    ag_chats: list[list[list]] = []
    ag_last: list[float] = []  # time the remaining work was last brought up to date
    ag_ver: list[int] = []  # invalidates stale finish events
    ag_next: list[int] = []  # which of its chats the agent's pending finish event ends
    ag_leaving: list[bool] = []
    ag_since: list[float] = []  # start of the current busy period
    top = [max([conc[q] for q in queues_of[g]], default=1) for g in range(G)]
    idle_ag: list[deque[tuple[float, int]]] = [deque() for _ in range(G)]  # (since, agent)
    level: list[list[dict[int, None]]] = [[{} for _ in range(top[g] + 1)] for g in range(G)]
    present = [0] * G  # chat agents on duty and not leaving
    leaving_ag: list[dict[int, None]] = [{} for _ in range(G)]
    busy_periods: list[list[tuple[float, float]]] = [[] for _ in range(G)]

    def mark(g: int, now: float) -> None:
        """Bring group g's overtime integral up to ``now`` (before its leaving or owed
        counts change)."""
        t = min(max(now, t0), t1)
        over[g] += (leave[g] + len(leaving_ag[g]) - owed[g]) * (t - over_t[g])
        over_t[g] = t

    def handoff(g: int, now: float) -> bool:
        """A leaving agent of group g is free: it joins a pool of its team that is
        owed one; False if none is (it goes home)."""
        for p in members[team_of[g]]:
            if owed[p]:
                mark(p, now)
                owed[p] -= 1
                if chat_group[p]:
                    new_chat_agent(p, now)
                else:
                    agent_free(p, now)
                return True
        return False

    def serve(i: int, g: int, now: float) -> None:
        status[i] = _SERVED
        start_of[i] = now
        group_of[i] = g
        busy_n[g] += 1
        heapq.heappush(heap, (now + hnd[i], 0, i))

    def next_waiting(g: int, k: int = 0) -> int:
        """The next contact for a freed agent (slot) of g: the longest-waiting live
        one, then the callback, then the deferred item due first (see
        :func:`_service_tiers`); -1 if none."""
        for qs in tiers[g]:
            best, best_t = -1, inf
            for q, off in qs:
                if conc_w[q] <= k:
                    continue
                w = waiting[q]
                while w and status[w[0]] != _WAITING:
                    w.popleft()
                if w and arr[w[0]] + off < best_t:
                    best, best_t = q, arr[w[0]] + off
            if best >= 0:
                return waiting[best].popleft()
        return -1

    def agent_free(g: int, now: float) -> None:
        """An agent of g becomes available at ``now``: take work or go idle.  With a
        reserve and at most ``res_n`` agents of g available (this one included), only a
        contact of g's reserved queue."""
        r = rsv[g]
        if r >= 0 and len(idle[g]) < res_n:
            w = waiting[r]
            while w and status[w[0]] != _WAITING:
                w.popleft()
            if w:
                serve(w.popleft(), g, now)
            else:
                idle[g].append(now)
            return
        i = next_waiting(g)
        if i >= 0:
            serve(i, g, now)
        else:
            idle[g].append(now)

    def advance(a: int, now: float) -> None:
        """Bring agent ``a``'s remaining chat work up to ``now``."""
        chats = ag_chats[a]
        if chats:
            k = len(chats)
            gone = now - ag_last[a]
            for c in chats:
                sp = speed[c[2]]
                c[1] -= gone * sp[min(k, len(sp)) - 1]
        ag_last[a] = now

    def plan_finish(a: int, now: float) -> None:
        ag_ver[a] += 1
        chats = ag_chats[a]
        if chats:
            k = len(chats)
            soonest, first = inf, 0
            for j, c in enumerate(chats):
                sp = speed[c[2]]
                left = c[1] / sp[min(k, len(sp)) - 1]
                if left < soonest:
                    soonest, first = left, j
            ag_next[a] = first
            heapq.heappush(heap, (now + max(soonest, 0.0), 2, a, ag_ver[a]))

    def take_chat(a: int, i: int, now: float) -> None:
        if not ag_chats[a]:
            ag_since[a] = now
        status[i] = _SERVED
        start_of[i] = now
        group_of[i] = ag_group[a]
        ag_chats[a].append([i, hnd[i], qq[i]])

    def settle(a: int, now: float) -> None:
        """Agent ``a`` (out of every bucket, work up to date) fills its free slots from
        the waiting chats, then goes to the bucket of its load."""
        g = ag_group[a]
        while True:
            i = next_waiting(g, len(ag_chats[a]))
            if i < 0:
                break
            take_chat(a, i, now)
        k = len(ag_chats[a])
        if k:
            level[g][k][a] = None
        else:
            idle_ag[g].append((now, a))
        plan_finish(a, now)

    def new_chat_agent(g: int, now: float) -> None:
        ag_group.append(g)
        ag_chats.append([])
        ag_last.append(now)
        ag_ver.append(0)
        ag_next.append(0)
        ag_leaving.append(False)
        ag_since.append(now)
        present[g] += 1
        settle(len(ag_group) - 1, now)

    def chat_arrival(i: int, q: int, now: float) -> bool:
        """Give chat ``i`` to the least loaded agent with room; False if none has."""
        gs = groups_for[q]
        pick = -1
        if longest:
            since = inf
            for g in gs:
                if idle_ag[g] and idle_ag[g][0][0] < since:
                    pick, since = g, idle_ag[g][0][0]
        else:
            for g in gs:
                if idle_ag[g]:
                    pick = g
                    break
        if pick >= 0:
            a = idle_ag[pick].popleft()[1]
        else:
            a = -1
            for k in range(1, conc[q]):
                for g in gs:
                    if k < len(level[g]) and level[g][k]:
                        a = next(iter(level[g][k]))
                        del level[g][k][a]
                        break
                if a >= 0:
                    break
            if a < 0:
                return False
        advance(a, now)
        take_chat(a, i, now)
        level[ag_group[a]][len(ag_chats[a])][a] = None
        plan_finish(a, now)
        return True

    def chat_finish(a: int, now: float) -> None:
        g = ag_group[a]
        k = len(ag_chats[a])
        if not ag_leaving[a]:
            del level[g][k][a]
        advance(a, now)
        chats = ag_chats[a]
        chats.pop(ag_next[a])  # the chat plan_finish found first (nothing changed since)
        if not chats:
            busy_periods[g].append((ag_since[a], now))
        if ag_leaving[a]:
            if chats:
                plan_finish(a, now)
            else:
                mark(g, now)
                del leaving_ag[g][a]
                ag_ver[a] += 1
                handoff(g, now)
        else:
            settle(a, now)

    def set_chat_staff(g: int, target: int, now: float) -> int:
        """Set chat group g to ``target`` agents (promised ones included); returns the
        idle agents released (free for the rest of the team)."""
        spare = 0
        eff = present[g] + owed[g]
        if target < eff:
            drop = eff - target
            cut = min(drop, owed[g])
            owed[g] -= cut
            drop -= cut
            while drop and idle_ag[g]:
                idle_ag[g].pop()
                present[g] -= 1
                drop -= 1
                spare += 1
            for k in range(1, len(level[g])):
                while drop and level[g][k]:
                    a = next(iter(level[g][k]))
                    del level[g][k][a]
                    ag_leaving[a] = True
                    leaving_ag[g][a] = None
                    present[g] -= 1
                    drop -= 1
        elif target > eff:
            add = target - eff
            while add and leaving_ag[g]:
                a = leaving_ag[g].popitem()[0]
                ag_leaving[a] = False
                present[g] += 1
                add -= 1
                advance(a, now)
                settle(a, now)
            owed[g] += add
        return spare

    def set_staff(t: int, now: float) -> None:
        """Interval boundary: every group to its count.  A group short of its count is
        first owed agents; each team then pays what it owes from the idle agents its
        other pools released and, beyond the busy agents still to come free (pending
        transfers), from new agents."""
        spare = dict.fromkeys(members, 0)
        for g in range(G):
            mark(g, now)
            target = int(duty[g, t])
            if chat_group[g]:
                spare[team_of[g]] += set_chat_staff(g, target, now)
                continue
            present_g = len(idle[g]) + busy_n[g] - leave[g] + owed[g]
            if target < present_g:
                drop = present_g - target
                cut = min(drop, owed[g])
                owed[g] -= cut
                drop -= cut
                while drop and idle[g]:
                    idle[g].pop()
                    drop -= 1
                    spare[team_of[g]] += 1
                leave[g] += drop
            elif target > present_g:
                add = target - present_g
                back = min(add, leave[g])
                leave[g] -= back
                owed[g] += add - back
        for tm in teams:
            ms = members[tm]
            need = sum(owed[p] for p in ms)
            if not need:
                continue
            held = sum(leave[p] + len(leaving_ag[p]) for p in ms)
            supply = spare[tm] + max(0, need - spare[tm] - held)
            for p in ms:
                while owed[p] and supply:
                    owed[p] -= 1
                    supply -= 1
                    if chat_group[p]:
                        new_chat_agent(p, now)
                    else:
                        agent_free(p, now)

    a = 0  # next arrival
    t_next = 0  # next interval boundary
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
        if t_arr <= t_heap:
            events += 1
            i = a
            a += 1
            q = qq[i]
            if is_chat[q]:
                if chat_arrival(i, q, t_arr):
                    continue
            else:
                pick = -1
                if longest:
                    since = inf
                    for g, k in need[q]:
                        if len(idle[g]) >= k and idle[g][0] < since:
                            pick, since = g, idle[g][0]
                else:
                    for g, k in need[q]:
                        if len(idle[g]) >= k:
                            pick = g
                            break
                if pick >= 0:
                    idle[pick].popleft()
                    serve(i, pick, t_arr)
                    continue
                if with_cb and cb_u[i] < cb_share[q]:  # he would wait: takes a callback
                    is_cb[i] = True
                    hnd[i] = cb_hnd[i]
                    waiting[cbq[q]].append(i)
                    continue
            waiting[q].append(i)
            if pat_l[i] < inf:
                heapq.heappush(heap, (t_arr + pat_l[i], 1, i))
            continue
        item = heapq.heappop(heap)
        now, kind, i = item[0], item[1], item[2]
        if kind == 2:
            if item[3] == ag_ver[i]:
                events += 1
                chat_finish(i, now)
            continue
        events += 1
        if kind == 1:
            if status[i] == _WAITING:
                status[i] = _ABANDONED
            continue
        g = group_of[i]
        busy_n[g] -= 1
        if leave[g]:
            mark(g, now)
            leave[g] -= 1
            handoff(g, now)
        else:
            agent_free(g, now)

    for g in range(G):
        mark(g, t1)
    st = np.asarray(status, dtype=np.int8)
    start = np.asarray(start_of)
    grp = np.asarray(group_of)
    served = st == _SERVED
    wait = np.where(served, start - arrive, 0.0)
    target = np.asarray(inp.target_time, dtype=float)[q_of]
    flat = q_of * T + t_of
    # deferred items due after the end: outcome unknown, left out answered or not
    not_due = np.asarray(is_deferred, dtype=bool)[q_of] & (arrive + target > horizon + 1e-9)

    def tally(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(flat, weights=w, minlength=Q * T).reshape(Q, T)

    live = served
    cb_out: dict[str, np.ndarray] = {}
    if with_cb:
        cbm = np.asarray(is_cb, dtype=bool)
        live = served & ~cbm
        not_due = not_due | cbm  # out of the live service level
        handle = np.asarray(hnd)  # callbacks: their talk time
        cb_out = _callback_tallies(tally, cbm, served, wait, arrive,
                                   np.asarray(cb_deadline)[q_of], horizon)
    busy = np.zeros((G, T))
    end = start + handle
    for g in range(G):
        if chat_group[g]:
            if busy_periods[g]:
                b = np.asarray(busy_periods[g])
                busy[g] = _busy_per_interval(b[:, 0], b[:, 1], T, dt)
            continue
        m = served & (grp == g)
        busy[g] = _busy_per_interval(start[m], end[m], T, dt)
    # waiting at the end of each interval: arrived, not yet answered or abandoned
    resolved = np.where(served, start, np.where(st == _ABANDONED, arrive + pat, np.inf))
    r_idx = np.minimum(np.floor(resolved / dt), T).astype(int)
    gone = np.bincount(q_of * (T + 1) + r_idx, minlength=Q * (T + 1)).reshape(Q, T + 1)
    backlog = np.cumsum(counts, axis=1) - np.cumsum(gone[:, :T], axis=1)
    return Replication(
        offered=counts.astype(float),
        answered=tally(live),
        within=tally(live & (wait <= target + 1e-9) & ~not_due),
        abandoned=tally(st == _ABANDONED),
        wait_sum=tally(live, wait),
        busy=busy,
        duty=duty * dt,
        events=events,
        due=tally(~not_due),
        backlog=backlog.astype(float),
        overtime=np.asarray(over),
        answered_due=tally(live & ~not_due),
        **cb_out,
    )


def _callback_tallies(tally: Callable[..., np.ndarray], cbm: np.ndarray,
                      served: np.ndarray, wait: np.ndarray, arrive: np.ndarray,
                      deadline: np.ndarray, horizon: float) -> dict[str, np.ndarray]:
    """The callback tallies of :class:`Replication` (``cbm``: the calls that became
    callbacks; ``wait`` seconds until an agent took the contact up; ``deadline``
    seconds per call)."""
    made = cbm & served
    due = cbm & (arrive + deadline <= horizon + 1e-9)
    return {"callbacks": tally(cbm), "cb_made": tally(made), "cb_due": tally(due),
            "cb_within": tally(made & due & (wait <= deadline + 1e-9)),
            "cb_delay": tally(made, wait)}


@dataclass
class SimResult:
    """Replication statistics.  Per (Q, T) and per queue over the horizon: the mean over
    replications and the half-width of its 95 % interval (Student t) of

    * ``service_level``: answered within target / offered (abandons are misses), or
      / answered for the queues of ``SimInput.sl_answered``; deferred items due after
      the horizon left out of both,
    * ``asa``: mean wait of answered contacts, seconds,
    * ``abandon``: abandoned / offered,
    * ``occupancy``: busy / on-duty agent time of the groups skilled for the queue,
    * ``backlog``: contacts waiting at the end of the interval (callbacks not yet made
      included); over the horizon (``total_*``), at the end of the last interval;
    * with callbacks (``SimInput.callback``), :data:`CALLBACK_METRICS`:
      ``callback_share`` callbacks / offered calls, ``callback_in_time`` callbacks made
      within the deadline / callbacks due in the horizon, ``callback_delay`` mean
      seconds from the call to the callback; ``service_level``, ``asa`` and
      ``abandon`` then describe the live calls (abandoned / live offered).

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
# with callbacks: share of calls that took one, share made within the deadline (of
# those due in the horizon), mean seconds from the call to the callback
CALLBACK_METRICS = ("callback_share", "callback_in_time", "callback_delay")


def _ratios(r: Replication, skill: np.ndarray, axis: int | None,
            sl_answered: np.ndarray) -> dict[str, np.ndarray]:
    def s(x: np.ndarray) -> np.ndarray:
        return x if axis is None else x.sum(axis=axis)

    with np.errstate(invalid="ignore", divide="ignore"):
        off, ans = s(r.offered), s(r.answered)
        due = off if r.due is None else s(r.due)
        if sl_answered.any():  # answered basis: abandons out of the denominator
            ans_due = ans if r.answered_due is None else s(r.answered_due)
            pick = sl_answered if axis is not None else sl_answered[:, None]
            due = np.where(pick, ans_due, due)
        occ_num = skill.T.astype(float) @ r.busy
        occ_den = skill.T.astype(float) @ r.duty
        out = {
            "service_level": np.where(due > 0, s(r.within) / due, np.nan),
            "asa": np.where(ans > 0, s(r.wait_sum) / ans, np.nan),
            "abandon": np.where(off > 0, s(r.abandoned) / off, np.nan),
            "occupancy": np.where(s(occ_den) > 0, s(occ_num) / s(occ_den), np.nan),
        }
        if r.callbacks is not None:
            cbs, made, cb_due = s(r.callbacks), s(r.cb_made), s(r.cb_due)
            off_live = off - cbs  # abandonment among the live calls
            out["abandon"] = np.where(off_live > 0, s(r.abandoned) / off_live, np.nan)
            out["callback_share"] = np.where(off > 0, cbs / off, np.nan)
            out["callback_in_time"] = np.where(cb_due > 0, s(r.cb_within) / cb_due, np.nan)
            out["callback_delay"] = np.where(made > 0, s(r.cb_delay) / made, np.nan)
        return out


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
    basis = np.zeros(skill.shape[1], bool) if inp.sl_answered is None \
        else np.asarray(inp.sl_answered, dtype=bool)
    per = [_ratios(r, skill, None, basis) for r in reps]
    tot = [_ratios(r, skill, 1, basis) for r in reps]
    mean, half, tmean, thalf = {}, {}, {}, {}
    for m in (*METRICS, *(CALLBACK_METRICS if inp.has_callbacks else ())):
        mean[m], half[m] = mean_half(np.stack([p[m] for p in per]))
        tmean[m], thalf[m] = mean_half(np.stack([p[m] for p in tot]))
    back = np.stack([r.backlog for r in reps])
    mean["backlog"], half["backlog"] = mean_half(back)
    tmean["backlog"], thalf["backlog"] = mean_half(back[:, :, -1])
    return SimResult(mean, half, tmean, thalf,
                     offered=np.mean([r.offered for r in reps], axis=0),
                     replications=replications, events=sum(r.events for r in reps),
                     per_replication=reps if keep else [])
