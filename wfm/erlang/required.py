"""Minimal agents meeting every target at once, for all intervals together.

Each metric is monotone in the number of agents (service level rises; ASA,
abandonment and occupancy fall), so for each target the smallest feasible n
is found by a vectorised galloping search from a close first guess followed
by bisection: every pass evaluates the exact kernel for all unfinished
elements at once, and no Python loop runs per interval.  The requirement is
the largest of the per-target minima; the target that set it is *binding*.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from wfm.erlang import _kernels as k
from wfm.erlang._special import log_erlang_b
from wfm.erlang.metrics import SERVICE_LEVEL_BASES, ServiceLevelBasis, _prepare, _shape

TARGET_NAMES: tuple[str, ...] = ("service_level", "asa", "abandon_rate", "occupancy")
_REL_TOL = 1e-12  # a metric within this of its target counts as meeting it
_MAX_PASSES = 400

Predicate = Callable[[np.ndarray, np.ndarray], np.ndarray]
PairMargin = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


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


def _halfin_whitt_guess(load, aht, sl_target, target_time, iterations: int = 1):
    """Square-root-staffing guess n = A + beta sqrt(A) for an Erlang C SL target.

    beta solves the Halfin-Whitt approximation
    1 - P_W(beta) exp(-beta sqrt(A) t / aht) = target with
    P_W(beta) = 1 / (1 + beta Phi(beta) / phi(beta)), by a few Newton steps on
    h(beta) = log(1 - target) - log P_W(beta) + beta sqrt(A) t / aht.
    One step from beta = 1 lands within one agent of the exact Erlang C
    minimum for loads 0.5-500 (measured), which the search then settles.
    """
    sqrt_a = np.sqrt(load)
    c = sqrt_a * target_time / aht
    log_miss = np.log1p(-sl_target)
    beta = np.full(load.shape, 1.0)
    for _ in range(iterations):
        ratio = beta * special.ndtr(beta) / (np.exp(-0.5 * beta * beta) / np.sqrt(2 * np.pi))
        # log P_W = -log1p(ratio); d ratio / d beta = ratio/beta + beta*ratio + 1
        h = log_miss + np.log1p(ratio) + beta * c
        with np.errstate(divide="ignore", invalid="ignore"):
            dratio = np.where(beta > 0, ratio / beta, np.sqrt(np.pi / 2)) + beta + beta * ratio
        dh = dratio / (1.0 + ratio) + c
        beta = np.clip(beta - h / dh, 0.0, 12.0)
    return np.ceil(load + beta * sqrt_a)


def _erlang_a_sl_approx(n, load, aht, patience, target_time):
    """Service level of M/M/n+M from normal approximations (a first guess only).

    P(wait) from Garnett, Mandelbaum & Reiman's QED formula
    [1 + sqrt(theta/mu) h(beta_hat) / h(-beta)]^-1 with h the normal hazard,
    and the incomplete gamma functions of the exact answered-within formula
    replaced by their normal approximations.  Cheap (ndtr, exp only).
    """
    ratio = patience / aht
    a, x = n * ratio, load * ratio
    y = x * np.exp(-target_time / patience)
    root_x, root_y = np.sqrt(x), np.sqrt(y)
    beta = (n - load) / np.sqrt(load)
    beta_hat = (a - x) / root_x
    tail = np.maximum(special.ndtr(-beta_hat), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        hazard_hat = np.exp(-0.5 * beta_hat * beta_hat) / tail
        hazard = np.exp(-0.5 * beta * beta) / np.maximum(special.ndtr(beta), 1e-300)
        pw = 1.0 / (1.0 + np.sqrt(1.0 / ratio) * hazard_hat / hazard)
    pw = np.where(np.isfinite(pw), pw, 1.0)
    px = special.ndtr(-(a + 1.0 - x) / root_x)
    py = special.ndtr(-(a + 1.0 - y) / root_y)
    within = np.clip((a / x) * (px - py) / tail, 0.0, 1.0)
    return 1.0 - pw + pw * within


def _erlang_a_guess(load, aht, patience, sl_target, target_time):
    """First guess for an Erlang A service-level target: two secant steps on the
    probit of :func:`_erlang_a_sl_approx` from the Erlang C guess, plus one (the
    approximation runs about one agent low)."""
    n0 = _halfin_whitt_guess(load, aht, sl_target, target_time)
    goal = special.ndtri(sl_target)

    def f(n):
        sl = _erlang_a_sl_approx(n, load, aht, patience, target_time)
        return special.ndtri(np.clip(sl, 1e-12, 1.0 - 1e-12)) - goal

    x0, x1 = n0, np.maximum(n0 - 1.0, 0.5)
    f0, f1 = f(x0), f(x1)
    for _ in range(2):
        with np.errstate(divide="ignore", invalid="ignore"):
            x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
        x2 = np.where(np.isfinite(x2), np.clip(x2, 0.5, 3.0 * n0 + 5.0), x1)
        x0, f0 = x1, f1
        x1, f1 = x2, f(x2)
    return np.ceil(x1) + 1.0


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
    if "abandon_rate" in given and (
        patience is None or np.any(np.isinf(np.asarray(patience, dtype=float)))
    ):
        # Erlang C has no abandonment: such a target says the model is wrong
        raise ValueError("max_abandon_rate needs a finite patience (Erlang A)")
    args = [load, aht, patience, target_time, *given.values()]
    shape = _shape(*args)
    flat = _prepare(*args)
    a, h, p, t = flat[:4]
    tvals = dict(zip(given, flat[4:], strict=True))

    per_target = {name: np.where(a == 0, 0.0, np.nan) for name in given}
    chunks = _chunks(a.size)
    if len(chunks) == 1:
        _solve_chunk(slice(None), a, h, p, t, tvals, basis, per_target)
    else:  # the special functions release the GIL: use every core
        with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
            jobs = [
                pool.submit(_solve_chunk, sl, a, h, p, t, tvals, basis, per_target) for sl in chunks
            ]
            for job in jobs:
                job.result()
    stacked = np.vstack([per_target[name] for name in given])
    agents = stacked.max(axis=0)
    names = np.array(list(given), dtype=object)
    binding = np.where(a == 0, "none", names[np.argmax(np.nan_to_num(stacked, nan=-1), axis=0)])
    return Requirement(
        agents=agents.reshape(shape),
        per_target={name: v.reshape(shape) for name, v in per_target.items()},
        binding=binding.reshape(shape),
    )


_CHUNK_MIN = 50_000


def _chunks(size: int) -> list[slice]:
    workers = min(os.cpu_count() or 1, max(1, size // _CHUNK_MIN))
    bounds = np.linspace(0, size, workers + 1).astype(int)
    return [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def _solve_chunk(sl, a, h, p, t, tvals, basis, per_target) -> None:
    """Fill ``per_target[name][sl]`` for one slice of the flat inputs."""
    a, h, p, t = a[sl], h[sl], p[sl], t[sl]
    busy = a > 0
    for mask, solver in (
        (busy & np.isinf(p), _solve_erlang_c),
        (busy & ~np.isinf(p), _solve_erlang_a),
    ):
        if not mask.any():
            continue
        for name, value in tvals.items():
            out = per_target[name][sl]
            out[mask] = solver(name, value[sl][mask], a[mask], h[mask], p[mask], t[mask], basis)


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


def smallest_feasible_secant(
    margin_pair: PairMargin, guess: np.ndarray, floor: np.ndarray
) -> np.ndarray:
    """Smallest integer n >= floor with margin(n) >= 0, for all elements at once.

    ``margin_pair(n, idx)`` returns the margins at n and at n - 1 for the
    elements ``idx`` (a margin is monotone non-decreasing in n, >= 0 where the
    target is met; log-ratios make it nearly linear in n).  Each pass
    evaluates a pair (c, c - 1): the pair both brackets the answer when c is
    right and gives the local slope to jump closer when it is not (a secant
    step); after a few passes the step falls back to galloping/bisection,
    so the search always terminates with the exact minimum.
    """
    floor = np.asarray(floor, dtype=float)
    lo = floor - 1.0
    hi = np.full(floor.shape, np.inf)
    m_lo = np.full(floor.shape, np.nan)
    m_hi = np.full(floor.shape, np.nan)
    step = np.ones(floor.shape)
    cand = np.maximum(np.asarray(guess, dtype=float), floor)
    idx = np.arange(floor.size)
    for passes in range(_MAX_PASSES):
        if idx.size == 0:
            break
        c = cand[idx]
        m_c, m_below = margin_pair(c, idx)
        m_c = np.clip(np.nan_to_num(m_c, nan=-1e3), -1e3, 1e3)
        m_below = np.clip(np.nan_to_num(m_below, nan=-1e3), -1e3, 1e3)
        below = c - 1.0
        use_below = below > lo[idx]
        for pt, m, use in ((c, m_c, np.ones(c.shape, bool)), (below, m_below, use_below)):
            ok = use & (m >= 0) & (pt < hi[idx])
            hi[idx] = np.where(ok, pt, hi[idx])
            m_hi[idx] = np.where(ok, m, m_hi[idx])
            bad = use & (m < 0) & (pt > lo[idx])
            lo[idx] = np.where(bad, pt, lo[idx])
            m_lo[idx] = np.where(bad, m, m_lo[idx])
        slope = np.where(use_below, m_c - m_below, np.nan)
        keep = hi[idx] - lo[idx] > 1.0
        idx = idx[keep]
        if idx.size == 0:
            break
        slope = slope[keep]
        lw, h, ml, mh = lo[idx], hi[idx], m_lo[idx], m_hi[idx]
        known_l, known_h = np.isfinite(ml), np.isfinite(mh)
        with np.errstate(divide="ignore", invalid="ignore"):
            both = lw + (h - lw) * (-ml) / (mh - ml)
            from_h = h - mh / slope
            from_l = lw - ml / slope
        r = np.where(known_l & known_h, both, np.where(known_h, from_h, from_l))
        late = passes >= 3
        good = np.isfinite(r) & ~late & ((np.isfinite(slope) & (slope > 0)) | (known_l & known_h))
        finite_h = np.isfinite(h)
        mid = np.floor((lw + np.where(finite_h, h, lw)) / 2)
        fallback = np.where(known_l | (lw >= floor[idx]), mid, h - step[idx])
        fallback = np.where(finite_h, fallback, lw + step[idx])
        fallback = np.where(finite_h & (fallback <= lw), mid, fallback)
        nxt = np.where(good, np.ceil(r), fallback)
        nxt = np.clip(nxt, lw + 1.0, np.where(finite_h, h - 1.0, np.inf))
        step[idx] *= 2.0
        cand[idx] = nxt
    return np.where(np.isfinite(hi), hi, np.nan)


def _log_margin(value, limit, upper: bool):
    """log(limit) - log(value) for upper bounds (value <= limit), negated for lower."""
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.log(limit) - np.log(value)
    return m if upper else -m


def _sl_margin(sl, target):
    """Probit distance ndtri(sl) - ndtri(target): >= 0 iff sl >= target (relative
    tolerance _REL_TOL).  The probit scale makes SL nearly linear in n, so the
    secant steps land within one agent."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # clip: an answered-basis ratio can round to 1 + 1e-16, where ndtri is nan
        return special.ndtri(np.clip(sl, 0.0, 1.0)) - special.ndtri(target * (1.0 - _REL_TOL))


def _solve_erlang_c(name, value, a, h, p, t, basis):
    if name not in ("service_level", "asa", "occupancy"):
        raise ValueError(f"Erlang C has no {name} target")
    floor = np.floor(a) + 1.0  # smallest stable staffing (n > A)
    if name == "occupancy":
        # A / n <= occ  <=>  n >= A / occ  (tolerance against 8 / 0.8 = 10.000000000000002)
        need = np.ceil(a / value * (1.0 - _REL_TOL))
        return np.maximum(need, floor)
    if name == "service_level":
        guess = _halfin_whitt_guess(a, h, value, t)

        def metric(n, idx, log_b):
            pw = k.erlang_c_wait_probability(n, a[idx], log_b)
            return _sl_margin(k.erlang_c_service_level(n, a[idx], h[idx], t[idx], pw), value[idx])

    elif name == "asa":
        guess = _halfin_whitt_guess(a, h, np.full_like(a, 0.5), np.zeros_like(a))

        def metric(n, idx, log_b):
            pw = k.erlang_c_wait_probability(n, a[idx], log_b)
            return _log_margin(
                k.erlang_c_asa(n, a[idx], h[idx], pw), value[idx] * (1 + _REL_TOL), True
            )

    def pair(n, idx):
        log_b = log_erlang_b(n, a[idx])
        log_b_below = k.erlang_b_step_down(n, a[idx], log_b)
        return metric(n, idx, log_b), metric(n - 1.0, idx, log_b_below)

    # One pass over the window (g-1, g, g+1) with a single Erlang B evaluation
    # (the neighbours by recursion) settles almost every interval; the rest
    # go to the general search.
    everyone = np.arange(a.size)
    g = np.maximum(guess, floor)
    log_b = log_erlang_b(g, a)
    with np.errstate(divide="ignore"):
        log_b_up = np.log(a) + log_b - np.log(g + 1.0 + a * np.exp(log_b))
    m_mid = metric(g, everyone, log_b)
    m_up = metric(g + 1.0, everyone, log_b_up)
    below_ok = g - 1.0 >= floor
    m_down = np.where(
        below_ok, metric(g - 1.0, everyone, k.erlang_b_step_down(g, a, log_b)), -np.inf
    )
    answer = np.where(
        (m_down < 0) & (m_mid >= 0), g, np.where((m_mid < 0) & (m_up >= 0), g + 1.0, np.nan)
    )
    rest = np.isnan(answer)
    if rest.any():
        sub = np.flatnonzero(rest)

        def pair_rest(n, idx):
            return pair(n, sub[idx])

        answer[rest] = smallest_feasible_secant(pair_rest, g[rest], floor[rest])
    return answer


def _solve_erlang_a(name, value, a, h, p, t, basis):
    floor = np.zeros_like(a)

    if name == "service_level":
        guess = _erlang_a_guess(a, h, p, value, t)

        def metric(s, idx):
            sl = k.erlang_a_answered_within(s, t[idx])
            if basis == "answered":
                answered = 1.0 - s.abandon_rate
                with np.errstate(invalid="ignore", divide="ignore"):
                    sl = np.where(answered > 0, sl / answered, 0.0)
            return _sl_margin(sl, value[idx])

    elif name == "asa":
        guess = _halfin_whitt_guess(a, h, np.full_like(a, 0.5), np.zeros_like(a))

        def metric(s, idx):
            answered = 1.0 - s.abandon_rate
            with np.errstate(invalid="ignore", divide="ignore"):
                w = np.where(answered > 0, k.erlang_a_answered_wait_sum(s) / answered, np.inf)
            return _log_margin(w, value[idx] * (1 + _REL_TOL), True)

    elif name == "abandon_rate":
        guess = np.ceil(a * (1.0 - value))

        def metric(s, idx):
            return _log_margin(s.abandon_rate, value[idx] * (1 + _REL_TOL), True)

    else:  # occupancy
        guess = np.ceil(a / value)

        def metric(s, idx):
            n = s.n
            with np.errstate(invalid="ignore", divide="ignore"):
                occ = np.where(n > 0, a[idx] * (1.0 - s.abandon_rate) / n, 1.0)
            return _log_margin(occ, value[idx] * (1 + _REL_TOL), True)

    def pair(n, idx):
        ai, hi_, pi = a[idx], h[idx], p[idx]
        log_b = log_erlang_b(n, ai)
        below = np.maximum(n - 1.0, 0.0)
        log_b_below = k.erlang_b_step_down(np.maximum(n, 1.0), ai, log_b)
        top = k.erlang_a_state(n, ai, hi_, pi, log_b)
        bottom = k.erlang_a_state(below, ai, hi_, pi, log_b_below)
        return metric(top, idx), metric(bottom, idx)

    return smallest_feasible_secant(pair, guess, floor)
