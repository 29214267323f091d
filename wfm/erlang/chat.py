"""Chat with concurrency: agents hold up to m chats at once, chats get slower.

The "Erlang-Chat" birth-death model (Model A of shared/reference/
channel-models.md section 1.2): N agents, each holding up to m chats; a chat
lasts ``AHT_k`` on average while its agent holds k chats, so an agent with k
chats finishes them at total rate r_k = k / AHT_k.  New chats go to the least
loaded agent, which Enqvist & Svensson show is optimal when r_k is concave
("A State Dependent Chat System Model", ICORES 2019; Teleopti patent
US10009468B1).  With n chats in service (n <= N m), q = n // N and
rho = n - q N, the completion rate is

    mu(n) = (N - rho) r_q + rho r_(q+1)          (r_0 = 0)

Beyond N m chats the rest wait, served at rate S = N r_m, and abandon at rate
theta = 1 / patience each: the queue is exactly that of Erlang A with n mu
replaced by S, so the Erlang A tail formulas of :mod:`wfm.erlang._kernels`
apply with a = S / theta, x = lambda / theta.  Level-dependent service of this
kind is also the model of Tezcan & Zhang (Operations Research 62, 2014).  The
interface (an AHT per concurrency level, patience, SL/ASA/abandonment/
occupancy) matches CCmath's "Erlang Chat".

Special cases (tested): m = 1 is Erlang A (Erlang C without patience);
AHT_k = AHT_1 for all k is Erlang A/C with N m servers.

Units: ``arrival_rate`` chats per second; times in seconds.  Occupancy is the
fraction of agents holding at least one chat, E[min(n, N)] / N; concurrency is
the realised number of chats per agent, E[min(n, N m)] / N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from wfm.erlang import _kernels as k
from wfm.erlang._special import log_kummer_m1
from wfm.erlang.metrics import SERVICE_LEVEL_BASES, ServiceLevelBasis, _prepare, _shape
from wfm.erlang.required import (
    _REL_TOL,
    Requirement,
    _halfin_whitt_guess,
    _log_margin,
    _sl_margin,
    smallest_feasible_secant,
)


@dataclass(frozen=True)
class ChatMetrics:
    """Service of a chat queue; arrays of the broadcast input shape.

    ``service_level`` (basis as asked), ``wait_probability`` (all slots busy on
    arrival), ``abandon_rate`` (of offered chats), ``asa`` (s, mean wait of
    answered chats), ``occupancy`` (agents with >= 1 chat), ``concurrency``
    (realised chats per agent).
    """

    service_level: np.ndarray
    wait_probability: np.ndarray
    abandon_rate: np.ndarray
    asa: np.ndarray
    occupancy: np.ndarray
    concurrency: np.ndarray


def _rates(aht_by_concurrency: Sequence[float]) -> np.ndarray:
    aht = np.asarray(aht_by_concurrency, dtype=float)
    if aht.ndim != 1 or aht.size == 0 or not np.all(np.isfinite(aht)) or np.any(aht <= 0):
        raise ValueError("aht_by_concurrency must be a non-empty list of positive seconds")
    levels = np.arange(1, aht.size + 1)
    return np.concatenate([[0.0], levels / aht])  # r_0 .. r_m


def _chat_flat(n, lam, t, patience, rates, basis):
    """Metrics for flat arrays with lam > 0 (see module docstring)."""
    m = rates.size - 1
    slots = n * m
    width = int(slots.max()) if slots.size else 0
    j = np.arange(1, width + 1, dtype=float)[None, :]
    nn = n[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor(j / nn)
        rho = j - q * nn
        qi = np.clip(q, 0, m).astype(int)
        mu = (nn - rho) * rates[qi] + rho * rates[np.clip(qi + 1, 0, m)]
        inside = j <= slots[:, None]
        step = np.where(inside, np.log(lam)[:, None] - np.log(mu), 0.0)
    log_pi = np.concatenate([np.zeros((n.size, 1)), np.cumsum(step, axis=1)], axis=1)
    states = np.arange(width + 1, dtype=float)[None, :]
    below = states < slots[:, None]  # states 0 .. C-1: a slot is free
    log_pi_c = np.take_along_axis(log_pi, slots.astype(int)[:, None], axis=1)[:, 0]

    service_rate = n * rates[m]  # S: queue drains at this rate
    patient = np.isinf(patience)
    theta = np.where(patient, 0.0, 1.0 / np.where(patient, 1.0, patience))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = service_rate / theta
        x = lam / theta
    log_tail = np.empty_like(lam)
    if (~patient).any():
        log_tail[~patient] = log_kummer_m1(a[~patient], x[~patient])
    with np.errstate(divide="ignore", invalid="ignore"):
        geometric = -np.log1p(-lam / service_rate)
    stable = ~patient | (lam < service_rate * (1.0 - 1e-12))
    log_tail[patient] = np.where(stable[patient], geometric[patient], np.inf)

    top = np.max(np.where(below, log_pi, -np.inf), axis=1, initial=-np.inf)
    top = np.maximum(top, np.where(stable, log_pi_c + log_tail, -np.inf))
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.where(below, np.exp(log_pi - top[:, None]), 0.0)
    free_mass = weights.sum(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        tail_mass = np.exp(log_pi_c + log_tail - top)
        pw = np.where(stable, tail_mass / (free_mass + tail_mass), 1.0)
        pw = np.where(n > 0, pw, 1.0)
        busy_agents = (weights * np.minimum(states, nn)).sum(axis=1) / (free_mass + tail_mass)
        busy_slots = (weights * states).sum(axis=1) / (free_mass + tail_mass)
    busy_agents = np.where(stable, busy_agents + n * pw, n)
    busy_slots = np.where(stable, busy_slots + slots * pw, slots)

    sl = np.zeros_like(lam)
    asa = np.full_like(lam, np.inf)
    abandon = np.zeros_like(lam)
    # patient chats (no abandonment): geometric queue, V | wait ~ Exp(S - lambda)
    pc = patient & stable & (n > 0)
    gap = service_rate[pc] - lam[pc]
    sl[pc] = 1.0 - pw[pc] * np.exp(-gap * t[pc])
    asa[pc] = pw[pc] / gap
    ip = ~patient
    if ip.any():
        log_acal = log_tail[ip]
        with np.errstate(invalid="ignore", divide="ignore"):
            served = np.where(n[ip] > 0, (a[ip] / x[ip]) * (-np.expm1(-log_acal)), 0.0)
        state = k.ErlangAState(
            n=n[ip],
            load=lam[ip],
            aht=np.ones(ip.sum()),
            patience=patience[ip],
            a=a[ip],
            x=x[ip],
            log_acal=log_acal,
            log_b=np.zeros(ip.sum()),
            wait_probability=pw[ip],
            served_given_wait=np.clip(served, 0.0, 1.0),
        )
        sl[ip] = k.erlang_a_answered_within(state, t[ip])
        abandon[ip] = state.abandon_rate
        answered = 1.0 - state.abandon_rate
        with np.errstate(invalid="ignore", divide="ignore"):
            asa[ip] = np.where(answered > 0, k.erlang_a_answered_wait_sum(state) / answered, np.inf)
        if basis == "answered":
            with np.errstate(invalid="ignore", divide="ignore"):
                sl[ip] = np.where(answered > 0, np.clip(sl[ip] / answered, 0.0, 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        occ = np.where(n > 0, busy_agents / n, 1.0)
        conc = np.where(n > 0, busy_slots / n, 0.0)
    return np.clip(sl, 0.0, 1.0), pw, abandon, asa, np.clip(occ, 0.0, 1.0), conc


def chat_metrics(
    agents: ArrayLike,
    arrival_rate: ArrayLike,
    aht_by_concurrency: Sequence[float],
    target_time: ArrayLike,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> ChatMetrics:
    """Service of N agents handling chats with concurrency.

    Parameters
    ----------
    agents : agents on duty (persons).
    arrival_rate : chats arriving per second.
    aht_by_concurrency : [AHT_1, ..., AHT_m], seconds a chat lasts while its
        agent holds k chats; m is the maximum concurrency.
    target_time : "answered within" threshold, seconds.
    patience : mean patience, seconds; ``None``/``inf``: nobody abandons.
    basis : "offered" (abandons are misses, default) or "answered".
    """
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}, got {basis!r}")
    rates = _rates(aht_by_concurrency)
    shape = _shape(agents, arrival_rate, target_time, patience)
    n, lam, t, p = _prepare(agents, arrival_rate, target_time, patience)
    outs = [np.full(n.shape, np.nan) for _ in range(6)]
    zero = lam == 0
    for out, value in zip(outs, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0), strict=True):
        out[zero] = value
    live = lam > 0
    if live.any():
        results = _chat_flat(n[live], lam[live], t[live], p[live], rates, basis)
        for out, value in zip(outs, results, strict=True):
            out[live] = value
    shaped = [o.reshape(shape) for o in outs]
    return ChatMetrics(*(s[()] if s.ndim == 0 else s for s in shaped))


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
    """Minimal agents meeting every given chat target, with the binding target.

    Same targets and conventions as :func:`wfm.erlang.required_agents`;
    ``max_occupancy`` bounds the share of agents holding at least one chat.
    """
    rates = _rates(aht_by_concurrency)
    if (service_level is None) != (target_time is None):
        raise ValueError("service_level and target_time go together")
    given = {
        name: v
        for name, v in (
            ("service_level", service_level),
            ("asa", max_asa),
            ("abandon_rate", max_abandon_rate),
            ("occupancy", max_occupancy),
        )
        if v is not None
    }
    if not given:
        raise ValueError("give at least one target")
    args = [arrival_rate, patience, target_time, *given.values()]
    shape = _shape(*args)
    lam, p, t, *values = _prepare(*args)
    t = np.where(np.isinf(t), 0.0, t)  # target_time None -> unused
    m = rates.size - 1
    per_target = {name: np.where(lam == 0, 0.0, np.nan) for name in given}
    live = np.flatnonzero(lam > 0)
    if live.size:
        # square-root guess on the "full concurrency" pool of N m slots at rate r_m
        slot_load = lam[live] / rates[m]
        guess = np.ceil(
            _halfin_whitt_guess(
                slot_load,
                1.0 / rates[m] + 0 * slot_load,
                np.full(live.size, 0.8),
                np.zeros(live.size),
            )
            / m
        )
        for name, value in zip(given, values, strict=True):
            v = value[live]

            def margin(metrics, idx, name=name, v=v):
                sl, pw, ab, w, occ, _ = metrics
                if name == "service_level":
                    return _sl_margin(sl, v[idx])
                limit = v[idx] * (1 + _REL_TOL)
                return _log_margin(
                    {"asa": w, "abandon_rate": ab, "occupancy": occ}[name], limit, True
                )

            def pair(n, idx, margin=margin):
                ids = live[idx]
                both = np.concatenate([n, np.maximum(n - 1.0, 0.0)])
                res = _chat_flat(
                    both,
                    np.tile(lam[ids], 2),
                    np.tile(t[ids], 2),
                    np.tile(p[ids], 2),
                    rates,
                    basis,
                )
                half = n.size
                top = margin(tuple(r[:half] for r in res), idx)
                bottom = margin(tuple(r[half:] for r in res), idx)
                return top, bottom

            per_target[name][live] = smallest_feasible_secant(
                pair, np.maximum(guess, 1.0), np.zeros(live.size)
            )
    stacked = np.vstack([per_target[name] for name in given])
    agents = stacked.max(axis=0)
    names = np.array(list(given), dtype=object)
    binding = np.where(lam == 0, "none", names[np.argmax(np.nan_to_num(stacked, nan=-1), axis=0)])
    return Requirement(
        agents=agents.reshape(shape),
        per_target={name: v.reshape(shape) for name, v in per_target.items()},
        binding=binding.reshape(shape),
    )
