"""Chat with concurrency: each agent holds up to m chats, chats slow down as it does.

Model ("Erlang-Chat", Model A of shared/reference/channel-models.md section 1.2)
-----------------------------------------------------------------------------
N agents, each holding at most m chats.  ``AHT_k`` (k = 1..m, seconds) is the
mean duration of a chat while its agent holds k chats, so an agent with k
chats completes chats at total rate r_k = k / AHT_k (r_0 = 0).  New chats go
to the least loaded agent, so with n chats in service (n <= C = N m),
q = n // N and rho = n - q N, the total completion rate is

    mu(n) = (N - rho) r_q + rho r_(q+1).

Chats beyond C wait (FCFS); while they do every agent holds m chats, the
slots free up at the constant rate S = N r_m, and each waiting chat abandons
at rate theta = 1 / patience: mu(n) = S + (n - C) theta for n > C.  The
stationary distribution of this birth-death chain, with PASTA and a tagged
chat's progress through the queue (the number ahead falls at rate
S + j theta, the chat itself leaves at rate theta), gives every metric.

Sources: Enqvist & Svensson, "A State Dependent Chat System Model", ICORES
2019 (service rate depending on the agent's concurrency; even spreading is
optimal for concave r_k); Tezcan & Zhang, "Routing and staffing in customer
service chat systems with impatient customers", Operations Research 62(4),
2014 (level-dependent service with abandonment); the interface, one AHT per
concurrency level plus patience, is that of CCmath's "Erlang Chat".

Computation
-----------
The queue above C is the Erlang A queue with n mu replaced by S: with
a = S / theta and x = lambda / theta its mass relative to state C is
M(1, a + 1, x), and the Erlang A kernels of :mod:`wfm.erlang._kernels` give
P(answered within t | wait), the abandonment share and the answered wait sum
(hence ASA) exactly.  Without patience (theta = 0) the tail is geometric with
ratio lambda / S, stable iff lambda < S, and P(V <= t | wait) =
1 - exp(-(S - lambda) t).  The C states below the queue are summed in log
space on state arrays padded to a common length over elements (in blocks of
bounded size), so there is no Python loop per interval.

Special cases (tested): m = 1 is Erlang A (Erlang C without patience);
AHT_k = AHT_1 for all k is Erlang A/C with N m servers.

Units: ``arrival_rate`` in chats per second, all times in seconds.
``occupancy`` is the fraction of agents holding at least one chat,
E[min(n, N)] / N; ``concurrency`` the realised chats per agent,
E[min(n, C)] / N.  Edges have values: zero arrivals give SL 1, ASA 0 and
occupancy 0; no agents or (without patience) lambda >= S give SL 0, ASA
``inf``, occupancy 1 and concurrency m.  Invalid numbers (NaN, negative or
fractional agents, negative rates, non-positive patience) give NaN.

The model is defined for any positive AHT list.  The metrics are monotone in
the number of agents when AHT_k is non-decreasing in k (then r_k / k is
non-increasing and N agents' completion rate at every n grows with N); the
minimal-agents search assumes this.  One exception, a property of the model:
in deep overload with patience, occupancy (agents holding a chat) can rise
with N by about 1e-7 while it is above 0.99999, so an occupancy cap that close
to 1 may not give the exact minimum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from wfm.erlang import _kernels as k
from wfm.erlang._special import log_kummer_m1
from wfm.erlang.metrics import SERVICE_LEVEL_BASES, ServiceLevelBasis, _prepare, _shape
from wfm.erlang.required import Requirement, required_agents, smallest_feasible

TARGET_NAMES: tuple[str, ...] = ("service_level", "asa", "abandon_rate", "occupancy")
_REL_TOL = 1e-12  # a metric within this of its target meets it (as in wfm.erlang.required)
_STATE_BUDGET = 1 << 20  # padded (element x state) entries evaluated at once


@dataclass(frozen=True)
class ChatMetrics:
    """Service of a chat queue, each field of the broadcast input shape.

    Attributes
    ----------
    service_level : fraction answered within ``target_time`` (basis as asked).
    wait_probability : P(all N m slots busy on arrival), 0..1.
    abandon_rate : fraction of offered chats that abandon, 0..1.
    asa : mean wait of answered chats in seconds (immediate answers count 0).
    occupancy : fraction of agents holding at least one chat, 0..1.
    concurrency : realised chats per agent, 0..m.
    """

    service_level: np.ndarray
    wait_probability: np.ndarray
    abandon_rate: np.ndarray
    asa: np.ndarray
    occupancy: np.ndarray
    concurrency: np.ndarray


def _rates(aht_by_concurrency: Sequence[float]) -> np.ndarray:
    """[r_0, r_1, ..., r_m] in chats per second, r_k = k / AHT_k, r_0 = 0."""
    aht = np.asarray(aht_by_concurrency, dtype=float)
    if aht.ndim != 1 or aht.size == 0 or not np.all(np.isfinite(aht)) or np.any(aht <= 0):
        raise ValueError("aht_by_concurrency must be a non-empty list of positive seconds")
    return np.concatenate([[0.0], np.arange(1, aht.size + 1) / aht])


def _blocks(widths: np.ndarray) -> list[np.ndarray]:
    """Index groups of elements, by increasing state width, of bounded padded size."""
    order = np.argsort(widths, kind="stable")
    w = widths[order] + 1.0
    groups, start = [], 0
    while start < order.size:
        cost = np.arange(1, order.size - start + 1) * w[start:]
        stop = start + max(1, int(np.searchsorted(cost, _STATE_BUDGET, side="right")))
        groups.append(order[start:stop])
        start = stop
    return groups


def _free_states(n: np.ndarray, lam: np.ndarray, rates: np.ndarray):
    """Sums over the states 0..C-1 (a slot free) of the birth-death chain.

    Returns ``log_free`` = log sum pi(j), ``log_c`` = log pi(C), both relative
    to pi(0), and the conditional means of min(j, N) and of j over those
    states.  Flat arrays; n integer >= 0, lam > 0.
    """
    m = rates.size - 1
    slots = n * m
    log_free = np.full(n.shape, -np.inf)
    log_c = np.zeros(n.shape)
    agents_free = np.zeros(n.shape)
    slots_free = np.zeros(n.shape)
    for idx in _blocks(slots):
        nb, cb = n[idx][:, None], slots[idx][:, None]
        width = int(cb.max())
        if width == 0:
            continue
        j = np.arange(1, width + 1, dtype=float)[None, :]
        safe_n = np.maximum(nb, 1.0)
        q = np.floor(j / safe_n)
        rho = j - q * safe_n
        qi = np.minimum(q, m).astype(np.intp)
        mu = (safe_n - rho) * rates[qi] + rho * rates[np.minimum(qi + 1, m)]
        with np.errstate(divide="ignore"):
            step = np.where(j <= cb, np.log(lam[idx])[:, None] - np.log(mu), 0.0)
        log_pi = np.concatenate([np.zeros((idx.size, 1)), np.cumsum(step, axis=1)], axis=1)
        states = np.arange(width + 1, dtype=float)[None, :]
        free = states < cb
        top = np.max(np.where(free, log_pi, -np.inf), axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, 0.0)
        weights = np.where(free, np.exp(log_pi - top), 0.0)
        mass = weights.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_free[idx] = top[:, 0] + np.log(mass)
            agents_free[idx] = np.where(
                mass > 0, (weights * np.minimum(states, nb)).sum(axis=1) / mass, 0.0
            )
            slots_free[idx] = np.where(mass > 0, (weights * states).sum(axis=1) / mass, 0.0)
        log_c[idx] = np.take_along_axis(log_pi, cb.astype(np.intp), axis=1)[:, 0]
    return log_free, log_c, agents_free, slots_free


def _evaluate(
    n: np.ndarray,
    lam: np.ndarray,
    t: np.ndarray,
    theta: np.ndarray,
    rates: np.ndarray,
    basis: str,
    want_asa: bool = True,
) -> tuple[np.ndarray, ...]:
    """(SL, P(wait), abandon rate, ASA, occupancy, concurrency) for valid flat
    arrays with lam > 0; ``theta`` = 1 / patience (0: nobody abandons)."""
    m = rates.size - 1
    s_rate = n * rates[m]
    patient = theta == 0.0
    log_free, log_c, agents_free, slots_free = _free_states(n, lam, rates)
    a, x, log_tail, stable = _queue_tail(n, lam, theta, s_rate)

    with np.errstate(invalid="ignore"):
        pw = special.expit(log_c + log_tail - log_free)  # tail / (free + tail)
    pw = np.where(stable, pw, 1.0)
    occupancy = np.where(n > 0, (agents_free * (1.0 - pw) + n * pw) / np.maximum(n, 1.0), 1.0)
    concurrency = np.where(
        n > 0, (slots_free * (1.0 - pw) + n * m * pw) / np.maximum(n, 1.0), float(m)
    )

    sl = np.zeros(n.shape)
    asa = np.full(n.shape, np.inf)
    abandon = np.zeros(n.shape)
    ok = patient & stable
    gap = s_rate[ok] - lam[ok]
    sl[ok] = 1.0 - pw[ok] * np.exp(-gap * t[ok])
    asa[ok] = pw[ok] / gap
    imp = ~patient
    if imp.any():
        sl[imp], abandon[imp], asa_imp = _impatient_metrics(
            n[imp], lam[imp], t[imp], theta[imp], a[imp], x[imp], log_tail[imp], pw[imp],
            basis, want_asa,
        )
        if asa_imp is not None:
            asa[imp] = asa_imp
    return np.clip(sl, 0.0, 1.0), pw, abandon, asa, np.clip(occupancy, 0.0, 1.0), concurrency


def _queue_tail(n: np.ndarray, lam: np.ndarray, theta: np.ndarray, s_rate: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(a, x, log_tail, stable): the Erlang-A parameters a = S / theta and x = lambda /
    theta (S = full-concurrency completion rate, 1/s), the log of the queue mass
    relative to pi(C) -- M(1, a + 1, x), or 1 / (1 - lambda / S) without patience --
    and whether the queue is stable (always, with patience)."""
    patient = theta == 0.0
    safe_theta = np.where(patient, 1.0, theta)
    a = s_rate / safe_theta
    x = lam / safe_theta
    stable = ~patient | (lam < s_rate)
    log_tail = np.full(n.shape, np.inf)
    imp = ~patient
    if imp.any():
        log_tail[imp] = log_kummer_m1(a[imp], x[imp])
    ok = patient & stable
    log_tail[ok] = -np.log1p(-lam[ok] / s_rate[ok])
    return a, x, log_tail, stable


def _impatient_metrics(n: np.ndarray, lam: np.ndarray, t: np.ndarray, theta: np.ndarray,
                       a: np.ndarray, x: np.ndarray, log_tail: np.ndarray, pw: np.ndarray,
                       basis: str, want_asa: bool
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(service level share, abandon share, ASA in units of AHT_1 or None unless
    ``want_asa``) of queues whose chats abandon (theta > 0), from the Erlang-A
    kernels with the waiting probability ``pw`` of the chat chain."""
    with np.errstate(invalid="ignore", divide="ignore"):
        served = np.where(n > 0, np.clip((a / x) * -np.expm1(-log_tail), 0.0, 1.0), 0.0)
    state = k.ErlangAState(
        n=n,
        load=lam,
        aht=np.ones(n.shape),
        patience=1.0 / theta,
        a=a,
        x=x,
        log_acal=log_tail,
        log_b=np.zeros(n.shape),
        wait_probability=pw,
        served_given_wait=served,
    )
    within = k.erlang_a_answered_within(state, t)
    answered = 1.0 - state.abandon_rate
    asa = None
    with np.errstate(invalid="ignore", divide="ignore"):
        if basis == "answered":
            within = np.where(answered > 0, within / answered, 0.0)
        if want_asa:
            asa = np.where(answered > 0, k.erlang_a_answered_wait_sum(state) / answered, np.inf)
    return within, state.abandon_rate, asa


def _valid(n: np.ndarray, lam: np.ndarray, t: np.ndarray, patience: np.ndarray) -> np.ndarray:
    return (
        np.isfinite(n)
        & (n >= 0)
        & (n == np.floor(n))
        & np.isfinite(lam)
        & (lam >= 0)
        & (t >= 0)
        & (patience > 0)
    )


def chat_metrics(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht_by_concurrency: Sequence[float],
    target_time: ArrayLike,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> ChatMetrics:
    """Service level, waiting, abandonment and occupancy of N chat agents.

    Parameters
    ----------
    agents : array_like
        Agents on duty N (persons, whole numbers).
    arrival_rate : array_like
        Chats arriving per second (lambda).
    aht_by_concurrency : sequence of float
        [AHT_1, ..., AHT_m] in seconds: the mean chat duration while its agent
        holds k chats; its length m is the maximum concurrency.  Shared by all
        elements.
    target_time : array_like
        "Answered within" threshold in seconds.
    patience : array_like or None
        Mean time a waiting chat stays before abandoning, seconds
        (exponential).  ``None`` or ``inf``: nobody abandons.
    basis : {"offered", "answered"}
        Service level over all offered chats, abandons counted as misses
        (default), or over answered chats only.

    Returns
    -------
    ChatMetrics
        Arrays of the broadcast shape of ``agents``, ``arrival_rate``,
        ``target_time`` and ``patience`` (numpy scalars for scalar input).
    """
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}, got {basis!r}")
    rates = _rates(aht_by_concurrency)
    shape = _shape(agents, arrival_rate, target_time, patience)
    n, lam, t, p = _prepare(agents, arrival_rate, target_time, patience)
    valid = _valid(n, lam, t, p)
    outs = [np.full(n.shape, np.nan) for _ in range(6)]
    zero = valid & (lam == 0.0)
    for out, value in zip(outs, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0), strict=True):
        out[zero] = value
    live = valid & (lam > 0.0)
    if live.any():
        theta = np.where(np.isinf(p[live]), 0.0, 1.0 / p[live])
        results = _evaluate(n[live], lam[live], t[live], theta, rates, basis)
        for out, value in zip(outs, results, strict=True):
            out[live] = value
    return ChatMetrics(*(o.reshape(shape)[()] for o in outs))


def _guess(name: str, value, lam, t, patience, aht: np.ndarray, basis: str) -> np.ndarray:
    """A first guess at the minimal agents (the search makes it exact).

    With N agents the chat chain completes chats at least as fast as N m
    slots each with duration AHT_m (mu(n) >= n r_m / m, since r_k / k falls),
    so the exact Erlang requirement in slots at AHT_m, over m, is close
    above the answer (tight when busy agents sit at full concurrency).
    Occupancy from the fluid view: about lambda AHT_1 agents hold a chat.
    """
    m = aht.size
    if name == "occupancy":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.ceil(lam * aht[0] / value)
    key = {"service_level": "service_level", "asa": "max_asa", "abandon_rate": "max_abandon_rate"}
    upper = np.inf if name == "asa" else 1.0
    sensible = (value > 0) & (value < upper)  # others: no guess, the search decides
    targets = {key[name]: np.where(sensible, value, 0.5)}
    if name == "service_level":
        targets["target_time"] = t
    slots = required_agents(lam * aht[-1], aht[-1], patience=patience, basis=basis, **targets)
    return np.where(sensible, np.ceil(np.asarray(slots, dtype=float) / m), 0.0)


def chat_required_agents(
    arrival_rate: ArrayLike,
    aht_by_concurrency: Sequence[float],
    *,
    service_level: ArrayLike | None = None,
    target_time: ArrayLike | None = None,
    max_asa: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> Requirement:
    """Minimal agents on duty meeting every given chat target, with the binding one.

    Parameters (broadcast together; ``aht_by_concurrency`` shared)
    ----------
    arrival_rate : chats per second.
    aht_by_concurrency : [AHT_1, ..., AHT_m] in seconds, see :func:`chat_metrics`.
    service_level, target_time : fraction (0..1) to answer within
        ``target_time`` seconds, e.g. ``0.8, 60``; give both or neither.
    max_asa : upper bound on the mean wait of answered chats, seconds.
    max_abandon_rate : upper bound on the abandoned fraction; needs a finite
        ``patience``.
    max_occupancy : upper bound on the share of agents holding at least one chat.
    patience : mean patience in seconds; ``None``/``inf``: nobody abandons.
    basis : service-level basis, "offered" (default) or "answered".

    Returns
    -------
    Requirement
        ``agents``: float array of whole numbers, the smallest N meeting every
        target (N - 1 misses at least one); 0 for zero arrivals; ``nan`` for
        invalid input or a target no staffing meets (service level above 1,
        ASA 0, ...).  ``per_target`` holds each target's own minimum and
        ``binding`` the target that set ``agents`` ("none" for zero arrivals).
    """
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}, got {basis!r}")
    aht = np.asarray(aht_by_concurrency, dtype=float)
    rates = _rates(aht_by_concurrency)
    given = _given_targets(service_level, target_time, max_asa, max_abandon_rate,
                           max_occupancy, patience)
    t_in = 0.0 if target_time is None else target_time
    args = [arrival_rate, patience, t_in, *given.values()]
    shape = _shape(*args)
    lam, p, t, *values = _prepare(*args)
    valid = _valid(np.zeros_like(lam), lam, t, p)
    per_target = {name: np.where(valid & (lam == 0.0), 0.0, np.nan) for name in given}
    live = np.flatnonzero(valid & (lam > 0.0))
    if live.size:
        lam_l, t_l = lam[live], t[live]
        theta_l = np.where(np.isinf(p[live]), 0.0, 1.0 / p[live])
        # Beyond this many agents P(any wait) is below 1e-300 (the chats in
        # service are Poisson(lambda AHT_1) truncated far above its mean), so
        # every metric but occupancy sits at its limit: a target not met there
        # is not met at all.
        load_1 = lam_l * aht[0]
        base_cap = np.ceil(load_1 + 40.0 * np.sqrt(load_1) + 100.0)
        for name, value in zip(given, values, strict=True):
            v = value[live]
            cap = _search_cap(name, v, base_cap, load_1)
            found = _search_target(name, v, cap, lam_l, t_l, theta_l, p[live], aht, rates,
                                   basis)
            per_target[name][live] = np.where(found <= cap, found, np.nan)
    return _binding_requirement(per_target, lam, shape)


def _search_target(name: str, v: np.ndarray, cap: np.ndarray, lam: np.ndarray,
                   t: np.ndarray, theta: np.ndarray, patience: np.ndarray, aht: np.ndarray,
                   rates: np.ndarray, basis: str) -> np.ndarray:
    """Smallest agents meeting target ``name`` at values ``v`` per element (flat arrays:
    ``lam`` chats/s, ``t`` s, ``theta`` = 1 / patience, ``patience`` s), searched from
    :func:`_guess` up; above ``cap`` (most agents tried) the result is > ``cap``."""

    def feasible(nn, idx):
        ok = nn > cap[idx]  # past the cap: stop galloping, mapped to nan by the caller
        todo = np.flatnonzero(~ok)
        if todo.size:
            i = idx[todo]
            res = _evaluate(nn[todo], lam[i], t[i], theta[i], rates, basis, name == "asa")
            ok[todo] = _meets(name, res, v[i])
        return ok

    guess = np.clip(_guess(name, v, lam, t, patience, aht, basis), 0.0, cap)
    return smallest_feasible(feasible, np.nan_to_num(guess), np.zeros(lam.size))


def _given_targets(service_level, target_time, max_asa, max_abandon_rate, max_occupancy,
                   patience) -> dict[str, ArrayLike]:
    """The targets given (name in :data:`TARGET_NAMES` -> value, in that order);
    ``ValueError`` for a service level without a target time (or the reverse), no
    target, or an abandon target without a finite patience."""
    if (service_level is None) != (target_time is None):
        raise ValueError("service_level and target_time go together")
    given = {
        name: v
        for name, v in zip(
            TARGET_NAMES, (service_level, max_asa, max_abandon_rate, max_occupancy), strict=True
        )
        if v is not None
    }
    if not given:
        raise ValueError("give at least one target")
    if max_abandon_rate is not None and (
        patience is None or np.any(np.isinf(np.asarray(patience, dtype=float)))
    ):
        raise ValueError("max_abandon_rate needs a finite patience")
    return given


def _search_cap(name: str, v: np.ndarray, base_cap: np.ndarray,
                load_1: np.ndarray) -> np.ndarray:
    """Most agents the search tries for target ``name`` at values ``v``: ``base_cap``,
    for occupancy at least load / target + 1 (0 for a target of 0), -1 (no search)
    where the target is missing.  ``load_1``: lambda AHT_1 (Erlangs)."""
    cap = base_cap
    if name == "occupancy":
        with np.errstate(divide="ignore"):
            cap = np.maximum(base_cap, np.ceil(load_1 / v) + 1.0)
        cap = np.where(v > 0, cap, 0.0)
    return np.where(np.isnan(v), -1.0, cap)  # no search for a missing target


def _binding_requirement(per_target: dict[str, np.ndarray], lam: np.ndarray,
                         shape: tuple[int, ...]) -> Requirement:
    """Agents = the largest of the targets' minima (NaN if any is NaN), the target that
    set it ("none" for zero arrivals), each reshaped to ``shape``."""
    stacked = np.vstack(list(per_target.values()))
    agents = np.max(stacked, axis=0)  # nan if any target is nan
    names = np.array(list(per_target), dtype=object)
    binding = np.where(lam == 0.0, "none", names[np.argmax(np.nan_to_num(stacked, nan=-1), axis=0)])
    return Requirement(
        agents=agents.reshape(shape),
        per_target={name: v.reshape(shape) for name, v in per_target.items()},
        binding=binding.reshape(shape),
    )


def _meets(name: str, metrics: tuple[np.ndarray, ...], target: np.ndarray) -> np.ndarray:
    """True where the metric meets its target (NaN never does)."""
    sl, _, abandon, asa, occupancy, _ = metrics
    if name == "service_level":
        return sl >= target * (1.0 - _REL_TOL)
    metric = {"asa": asa, "abandon_rate": abandon, "occupancy": occupancy}[name]
    return metric <= target * (1.0 + _REL_TOL)
