"""Public queueing metrics: Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M).

Every function takes numpy-broadcastable arguments (scalars, arrays of any
shape) and returns a float array of the broadcast shape (a float for scalar
input).  Units and conventions, the same everywhere:

* ``agents``  -- agents on duty for the queue (persons, integer-valued).
* ``load``    -- offered load in Erlang = arrival rate (1/s) x ``aht`` (s)
  = volume per interval x aht / interval length.
* ``aht``     -- average handle time in seconds (> 0).
* ``target_time`` -- the "answered within" threshold in seconds.
* ``patience`` -- mean time a waiting contact stays before abandoning, in
  seconds.  ``None`` or ``inf`` means infinitely patient: Erlang C.  A finite
  number means exponential patience: Erlang A (Palm's model).

Edges have values, not exceptions: zero load gives service level 1, ASA 0,
no abandonment and occupancy 0; in Erlang C, ``agents <= load`` is unstable and
gives service level 0, ASA ``inf`` and occupancy 1.  Invalid values (NaN,
negative load) propagate as NaN; validation of user input is done at the
edges (:mod:`wfm.config`, :mod:`wfm.io`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from wfm.erlang import _kernels as k
from wfm.erlang._special import log_erlang_b

ServiceLevelBasis = Literal["offered", "answered"]
SERVICE_LEVEL_BASES: tuple[str, ...] = ("offered", "answered")


def _result(out: np.ndarray):
    return out[()] if out.ndim == 0 else out


def _prepare(*args: ArrayLike | None) -> list[np.ndarray]:
    arrays = [np.asarray(np.inf if a is None else a, dtype=float) for a in args]
    return [np.ascontiguousarray(b).ravel() for b in np.broadcast_arrays(*arrays)]


def _shape(*args: ArrayLike | None) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(np.inf if a is None else a) for a in args))


def _split(load: np.ndarray, patience: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks: zero load, Erlang C elements, Erlang A elements."""
    zero = load == 0.0
    busy = ~zero & ~np.isnan(load)
    c = busy & np.isinf(patience)
    a = busy & ~np.isinf(patience)
    return zero, c, a


def erlang_b(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Parameters
    ----------
    agents : servers n (persons); real values give the analytic continuation.
    load : offered load A in Erlang.

    Returns the probability that an arriving contact finds all n busy, computed
    as Poisson pmf / cdf in log space (stable beyond 10,000 Erlang).
    """
    shape = _shape(agents, load)
    n, a = _prepare(agents, load)
    out = np.full(n.shape, np.nan)
    zero = a == 0.0
    out[zero] = np.where(n[zero] == 0.0, 1.0, 0.0)
    pos = a > 0.0
    out[pos] = np.exp(log_erlang_b(n[pos], a[pos]))
    return _result(out.reshape(shape))


def erlang_c(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang C: probability that a contact has to wait, P(wait > 0), in M/M/n.

    C(n, A) = n B / (n - A (1 - B)) with B = Erlang B; 1 where ``agents <= load``
    and 0 for zero load.
    """
    shape = _shape(agents, load)
    n, a = _prepare(agents, load)
    out = np.full(n.shape, np.nan)
    out[a == 0.0] = 0.0
    pos = a > 0.0
    out[pos] = k.erlang_c_wait_probability(n[pos], a[pos])
    return _result(out.reshape(shape))


def _aht_for(aht: ArrayLike | None, patience: ArrayLike | None) -> ArrayLike:
    """AHT for metrics that need it only under Erlang A (patience in AHT units)."""
    if aht is not None:
        return aht
    if patience is not None and np.any(np.isfinite(np.asarray(patience, dtype=float))):
        raise ValueError("Erlang A (finite patience) needs the aht in seconds")
    return 1.0


def wait_probability(
    agents: ArrayLike,
    load: ArrayLike,
    aht: ArrayLike | None = None,
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """P(wait > 0) for Erlang C (``patience=None``) or Erlang A (finite patience, s).

    ``aht`` (seconds) matters only for Erlang A, where it is required.
    """
    aht = _aht_for(aht, patience)
    shape = _shape(agents, load, aht, patience)
    n, a, h, p = _prepare(agents, load, aht, patience)
    out = np.full(n.shape, np.nan)
    zero, mc, ma = _split(a, p)
    out[zero] = 0.0
    out[mc] = k.erlang_c_wait_probability(n[mc], a[mc])
    if ma.any():
        out[ma] = k.erlang_a_state(n[ma], a[ma], h[ma], p[ma]).wait_probability
    return _result(out.reshape(shape))


def service_level(
    agents: ArrayLike,
    load: ArrayLike,
    aht: ArrayLike,
    target_time: ArrayLike,
    patience: ArrayLike | None = None,
    basis: ServiceLevelBasis = "offered",
) -> np.ndarray:
    """Fraction of contacts answered within ``target_time`` seconds.

    ``basis="offered"`` (default, the strict reading): answered within the
    target over all offered contacts; every abandoned contact counts as a
    miss.  ``basis="answered"``: answered within the target over answered
    contacts only (abandons left out).  In Erlang C nobody abandons and both
    bases agree: SL = 1 - C(n, A) exp(-(n - A) t / aht).
    """
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}, got {basis!r}")
    shape = _shape(agents, load, aht, target_time, patience)
    n, a, h, t, p = _prepare(agents, load, aht, target_time, patience)
    out = np.full(n.shape, np.nan)
    zero, mc, ma = _split(a, p)
    out[zero] = 1.0
    out[mc] = k.erlang_c_service_level(n[mc], a[mc], h[mc], t[mc])
    if ma.any():
        state = k.erlang_a_state(n[ma], a[ma], h[ma], p[ma])
        sl = k.erlang_a_answered_within(state, t[ma])
        if basis == "answered":
            answered = 1.0 - state.abandon_rate
            with np.errstate(invalid="ignore", divide="ignore"):
                sl = np.where(answered > 0, np.clip(sl / answered, 0.0, 1.0), 0.0)
        out[ma] = sl
    return _result(out.reshape(shape))


def asa(
    agents: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike | None = None
) -> np.ndarray:
    """Average speed of answer in seconds: mean wait of *answered* contacts.

    Contacts answered at once count with wait 0.  Erlang C:
    ASA = C(n, A) aht / (n - A), ``inf`` where ``agents <= load``.  Erlang A:
    E[W; answered] / P(answered), ``inf`` with no agents.
    """
    shape = _shape(agents, load, aht, patience)
    n, a, h, p = _prepare(agents, load, aht, patience)
    out = np.full(n.shape, np.nan)
    zero, mc, ma = _split(a, p)
    out[zero] = 0.0
    out[mc] = k.erlang_c_asa(n[mc], a[mc], h[mc])
    if ma.any():
        state = k.erlang_a_state(n[ma], a[ma], h[ma], p[ma])
        answered = 1.0 - state.abandon_rate
        with np.errstate(invalid="ignore", divide="ignore"):
            out[ma] = np.where(answered > 0, k.erlang_a_answered_wait_sum(state) / answered, np.inf)
    return _result(out.reshape(shape))


def abandon_rate(
    agents: ArrayLike, load: ArrayLike, aht: ArrayLike, patience: ArrayLike | None = None
) -> np.ndarray:
    """Fraction of offered contacts that abandon (0 for Erlang C).

    Erlang A: P(wait > 0) x (1 - 1/rho + 1/(rho Acal)) (Mandelbaum & Zeltyn).
    """
    shape = _shape(agents, load, aht, patience)
    n, a, h, p = _prepare(agents, load, aht, patience)
    out = np.full(n.shape, np.nan)
    zero, mc, ma = _split(a, p)
    out[zero | mc] = 0.0
    if ma.any():
        out[ma] = k.erlang_a_state(n[ma], a[ma], h[ma], p[ma]).abandon_rate
    return _result(out.reshape(shape))


def occupancy(
    agents: ArrayLike,
    load: ArrayLike,
    aht: ArrayLike | None = None,
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """Fraction of on-duty agent time spent handling contacts (0..1).

    Erlang C: A / n, and 1 where ``agents <= load``.  Erlang A: the carried
    load A (1 - abandon rate) over n; 1 with no agents.  Zero load gives 0.
    ``aht`` (seconds) matters only for Erlang A, where it is required.
    """
    aht = _aht_for(aht, patience)
    shape = _shape(agents, load, aht, patience)
    n, a, h, p = _prepare(agents, load, aht, patience)
    out = np.full(n.shape, np.nan)
    zero, mc, ma = _split(a, p)
    out[zero] = 0.0
    out[mc] = k.erlang_c_occupancy(n[mc], a[mc])
    if ma.any():
        state = k.erlang_a_state(n[ma], a[ma], h[ma], p[ma])
        with np.errstate(invalid="ignore", divide="ignore"):
            occ = a[ma] * (1.0 - state.abandon_rate) / n[ma]
        out[ma] = np.where(n[ma] > 0, np.clip(occ, 0.0, 1.0), 1.0)
    return _result(out.reshape(shape))
