"""Minimal agents meeting every target at once, for all intervals together.

Each metric is monotone in the number of agents (service level rises; ASA,
abandonment and occupancy fall), so for each target the smallest feasible n
is found by a vectorised galloping search from a close first guess followed
by bisection: every pass evaluates the exact kernel for all unfinished
elements at once, and no Python loop runs per interval.  The requirement is
the largest of the per-target minima; the target that set it is *binding*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from wfm.erlang import _kernels as k
from wfm.erlang.metrics import SERVICE_LEVEL_BASES, ServiceLevelBasis, _prepare, _shape

TARGET_NAMES: tuple[str, ...] = ("service_level", "asa", "abandon_rate", "occupancy")
_REL_TOL = 1e-12  # a metric within this of its target counts as meeting it
_MAX_PASSES = 400

Predicate = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Requirement:
    """Result of :func:`required_agents_detail`.

    ``agents`` is the minimal integer number of agents on duty meeting every
    target; ``per_target`` maps each given target to its own minimum;
    ``binding`` names the target that set ``agents`` ("none" where no agent is
    needed, i.e. zero load).
    """

    agents: np.ndarray
    per_target: dict[str, np.ndarray]
    binding: np.ndarray


def smallest_feasible(pred: Predicate, guess: np.ndarray, floor: np.ndarray) -> np.ndarray:
    """Smallest integer n >= floor with ``pred`` true, for every element at once.

    ``pred(n, idx)`` evaluates the (monotone: false ... false true ... true)
    predicate for the elements ``idx`` at agent counts ``n``.  The search
    starts at ``guess``, gallops (steps 1, 2, 4, ...) until it brackets the
    change, then bisects.  Returns float array; ``nan`` where no n up to
    about 2**300 is feasible.
    """
    floor = np.asarray(floor, dtype=float)
    lo = floor - 1.0  # largest known-infeasible value (below floor by definition)
    hi = np.full(floor.shape, np.inf)  # smallest known-feasible value
    cand = np.maximum(np.asarray(guess, dtype=float), floor)
    direction = np.zeros(floor.shape)  # +1 gallop up, -1 gallop down, 0 bisect
    step = np.ones(floor.shape)
    idx = np.arange(floor.size)
    first = True
    for _ in range(_MAX_PASSES):
        if not first:
            idx = np.flatnonzero(hi - lo > 1.0)
            if idx.size == 0:
                break
            d, lo_i, hi_i, st = direction[idx], lo[idx], hi[idx], step[idx]
            c = np.where(d > 0, lo_i + st, np.where(d < 0, hi_i - st, np.floor((lo_i + hi_i) / 2)))
            # galloping down past the known-infeasible bound: bisect instead
            over = (d < 0) & (c <= lo_i)
            c = np.where(over, np.floor((lo_i + hi_i) / 2), c)
            direction[idx[over]] = 0.0
            cand_i = c
        else:
            cand_i = cand
        ok = pred(cand_i, idx)
        hi[idx] = np.where(ok, cand_i, hi[idx])
        lo[idx] = np.where(ok, lo[idx], cand_i)
        d = direction[idx]
        if first:
            direction[idx] = np.where(ok, -1.0, 1.0)
            first = False
        else:
            # a gallop that crossed the change switches to bisection
            crossed = ((d > 0) & ok) | ((d < 0) & ~ok)
            direction[idx] = np.where(crossed, 0.0, d)
            step[idx] = np.where(crossed, step[idx], step[idx] * 2.0)
    return np.where(np.isfinite(hi), hi, np.nan)


def _halfin_whitt_guess(load, aht, sl_target, target_time):
    """Square-root-staffing guess n = A + beta sqrt(A) for an Erlang C SL target.

    beta solves the Halfin-Whitt approximation
    1 - P_W(beta) exp(-beta sqrt(A) t / aht) = target with
    P_W(beta) = 1 / (1 + beta Phi(beta) / phi(beta)), by a few Newton steps on
    h(beta) = log(1 - target) - log P_W(beta) + beta sqrt(A) t / aht.
    """
    sqrt_a = np.sqrt(load)
    c = sqrt_a * target_time / aht
    log_miss = np.log1p(-sl_target)
    beta = np.full(load.shape, 1.0)
    for _ in range(5):
        ratio = beta * special.ndtr(beta) / (np.exp(-0.5 * beta * beta) / np.sqrt(2 * np.pi))
        # log P_W = -log1p(ratio); d ratio / d beta = ratio/beta + beta*ratio + 1
        h = log_miss + np.log1p(ratio) + beta * c
        with np.errstate(divide="ignore", invalid="ignore"):
            dratio = np.where(beta > 0, ratio / beta, np.sqrt(np.pi / 2)) + beta + beta * ratio
        dh = dratio / (1.0 + ratio) + c
        beta = np.clip(beta - h / dh, 0.0, 12.0)
    return np.ceil(load + beta * sqrt_a)


def required_agents_detail(
    load: ArrayLike,
    aht: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_time: ArrayLike | None = None,
    max_asa: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> Requirement:
    """Minimal agents meeting every given target, with the binding target.

    See :func:`required_agents` for the parameters.
    """
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}, got {basis!r}")
    if (service_level is None) != (target_time is None):
        raise ValueError("service_level and target_time go together")
    targets = {
        "service_level": service_level,
        "asa": max_asa,
        "abandon_rate": max_abandon_rate,
        "occupancy": max_occupancy,
    }
    given = {name: v for name, v in targets.items() if v is not None}
    if not given:
        raise ValueError("give at least one target")
    if "abandon_rate" in given and patience is None:
        raise ValueError("max_abandon_rate needs a finite patience (Erlang A)")
    args = [load, aht, patience, target_time, *given.values()]
    shape = _shape(*args)
    flat = _prepare(*args)
    a, h, p, t = flat[:4]
    tvals = dict(zip(given, flat[4:], strict=True))

    per_target: dict[str, np.ndarray] = {}
    busy = a > 0
    erlang_c = busy & np.isinf(p)
    erlang_a = busy & ~np.isinf(p)
    for name, value in tvals.items():
        n = np.where(a == 0, 0.0, np.nan)
        for mask, solver in ((erlang_c, _solve_erlang_c), (erlang_a, _solve_erlang_a)):
            if mask.any():
                n[mask] = solver(name, value[mask], a[mask], h[mask], p[mask], t[mask], basis)
        per_target[name] = n
    stacked = np.vstack([per_target[name] for name in given])
    agents = stacked.max(axis=0)
    names = np.array(list(given), dtype=object)
    binding = np.where(a == 0, "none", names[np.argmax(np.nan_to_num(stacked, nan=-1), axis=0)])
    return Requirement(
        agents=agents.reshape(shape),
        per_target={name: v.reshape(shape) for name, v in per_target.items()},
        binding=binding.reshape(shape),
    )


def required_agents(
    load: ArrayLike,
    aht: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_time: ArrayLike | None = None,
    max_asa: ArrayLike | None = None,
    max_abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> np.ndarray:
    """The minimal number of agents on duty that meets every given target.

    Parameters (all broadcast together)
    ----------
    load : offered load in Erlang (volume x aht / interval length).
    aht : average handle time, seconds.
    service_level, target_time : fraction (0..1, exclusive of 1) to answer
        within ``target_time`` seconds, e.g. ``0.8, 20`` for 80/20.
    max_asa : upper bound on the average speed of answer, seconds.
    max_abandon_rate : upper bound on the abandoned fraction (Erlang A only).
    max_occupancy : upper bound on occupancy, fraction (e.g. 0.85).
    patience : mean patience in seconds; ``None``/``inf`` = Erlang C.
    basis : service-level basis, "offered" (default) or "answered".

    Returns a float array of whole numbers (``nan`` for invalid input): the
    smallest n such that n meets every target and n - 1 does not meet at least
    one.  Zero load needs 0 agents.
    """
    return required_agents_detail(
        load,
        aht,
        service_level=service_level,
        target_time=target_time,
        max_asa=max_asa,
        max_abandon_rate=max_abandon_rate,
        max_occupancy=max_occupancy,
        patience=patience,
        basis=basis,
    ).agents


def _solve_erlang_c(name, value, a, h, p, t, basis):
    floor = np.floor(a) + 1.0  # smallest stable staffing (n > A)
    if name == "occupancy":
        # A / n <= occ  <=>  n >= A / occ  (tolerance against 8 / 0.8 = 10.000000000000002)
        need = np.ceil(a / value * (1.0 - _REL_TOL))
        return np.maximum(need, floor)
    if name == "service_level":
        guess = _halfin_whitt_guess(a, h, value, t)

        def pred(n, idx):
            sl = k.erlang_c_service_level(n, a[idx], h[idx], t[idx])
            return sl >= value[idx] * (1.0 - _REL_TOL)

    else:  # asa
        guess = np.ceil(a + np.sqrt(a))

        def pred(n, idx):
            return k.erlang_c_asa(n, a[idx], h[idx]) <= value[idx] * (1.0 + _REL_TOL)

    return smallest_feasible(pred, guess, floor)


def _solve_erlang_a(name, value, a, h, p, t, basis):
    floor = np.zeros_like(a)

    def state(n, idx):
        return k.erlang_a_state(n, a[idx], h[idx], p[idx])

    if name == "service_level":
        guess = _halfin_whitt_guess(a, h, value, t)

        def pred(n, idx):
            s = state(n, idx)
            sl = k.erlang_a_answered_within(s, t[idx])
            if basis == "answered":
                answered = 1.0 - s.abandon_rate
                with np.errstate(invalid="ignore", divide="ignore"):
                    sl = np.where(answered > 0, sl / answered, 0.0)
            return sl >= value[idx] * (1.0 - _REL_TOL)

    elif name == "asa":
        guess = np.ceil(a + np.sqrt(a))

        def pred(n, idx):
            s = state(n, idx)
            answered = 1.0 - s.abandon_rate
            with np.errstate(invalid="ignore", divide="ignore"):
                w = np.where(answered > 0, k.erlang_a_answered_wait_sum(s) / answered, np.inf)
            return w <= value[idx] * (1.0 + _REL_TOL)

    elif name == "abandon_rate":
        guess = np.ceil(a * (1.0 - value))

        def pred(n, idx):
            return state(n, idx).abandon_rate <= value[idx] * (1.0 + _REL_TOL)

    else:  # occupancy
        guess = np.ceil(a / value)

        def pred(n, idx):
            s = state(n, idx)
            with np.errstate(invalid="ignore", divide="ignore"):
                occ = np.where(n > 0, a[idx] * (1.0 - s.abandon_rate) / n, 1.0)
            return occ <= value[idx] * (1.0 + _REL_TOL)

    return smallest_feasible(pred, guess, floor)
