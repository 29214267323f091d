"""Large-neighbourhood search: re-optimise one day of a few related groups at a time.

The LP-box MIP on the whole large benchmark spends its minute in the root node (cut
rounds and sub-MIP heuristics on ~40,000 columns) and finds one better plan.  Fixing
every shift count except those of one day for a handful of groups that share skills
leaves a MIP small enough that HiGHS solves it, or comes close, in a few seconds; a
sequence of such MIPs walks the plan down (Shaw 1998; Pisinger & Ropke 2010 for the
scheme, "fix-and-optimise" in the shift-scheduling literature).

The sub-MIP is cut out of the full model's matrix, not handed to the solver with
fixed bounds: presolve then still carries the transportation problems of every
interval of the week.  :func:`sub_problem` keeps

* the free shift columns,
* every row one of them appears in, and, closed under the columns that are never
  fixed (the assignment ``x`` and shortfall ``u`` variables, headcounts ``n`` and
  days-off patterns ``z``), every row those appear in: the whole transportation
  problem of each interval a free shift is on duty in, the whole headcount block of
  each group involved;
* with the fixed shifts' share moved into the row bounds.

Intervals no free shift touches keep their assignment, so their cost is a constant
of the sub-problem; every plan it returns is checked again by
:func:`wfm.schedule.evaluate.evaluate` before it is kept (the caller's job).
Pure numpy/scipy here; the solver call is injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from wfm.schedule.instance import ShiftInstance


@dataclass(frozen=True)
class MatrixModel:
    """The full MIP as arrays: ``A`` (rows x columns, CSC), the column costs and
    bounds, row bounds, which columns are integer, and ``yi`` the column index of each
    shift count y[c] (index-aligned with the instance's columns)."""

    A: sp.csc_matrix
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray
    yi: np.ndarray

    def __post_init__(self) -> None:
        pattern = (self.A != 0).astype(np.float64)
        object.__setattr__(self, "_pattern", pattern.tocsr())  # rows x columns
        object.__setattr__(self, "_pattern_t", pattern.T.tocsr())  # columns x rows

    def rows_of(self, cols: np.ndarray) -> np.ndarray:
        """Mask of the rows any column of the mask ``cols`` appears in."""
        return (self._pattern @ cols.astype(np.float64)) > 0

    def cols_of(self, rows: np.ndarray) -> np.ndarray:
        """Mask of the columns appearing in any row of the mask ``rows``."""
        return (self._pattern_t @ rows.astype(np.float64)) > 0


@dataclass(frozen=True)
class SubProblem:
    """The columns ``cols`` and rows ``rows`` (indices into the full model) of a
    sub-MIP, its matrix, and its row bounds with the fixed columns' share removed."""

    cols: np.ndarray
    rows: np.ndarray
    A: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray


def sub_problem(model: MatrixModel, free: np.ndarray, y: np.ndarray) -> SubProblem:
    """The sub-MIP in which only the shift counts ``free`` (a mask over the instance's
    columns) move and every other count stays at ``y``."""
    n_cols = model.A.shape[1]
    fixed = np.zeros(n_cols, dtype=bool)
    fixed[model.yi[~free]] = True
    cols = np.zeros(n_cols, dtype=bool)
    cols[model.yi[free]] = True
    rows = np.zeros(model.A.shape[0], dtype=bool)
    while True:  # closure: rows of the moving columns, the never-fixed columns in them
        new_rows = rows | model.rows_of(cols)
        new_cols = cols | (model.cols_of(new_rows) & ~fixed)
        if new_rows.sum() == rows.sum() and new_cols.sum() == cols.sum():
            break
        rows, cols = new_rows, new_cols
    values = np.zeros(n_cols)
    values[model.yi] = np.where(free, 0.0, y)
    ri, ci = np.flatnonzero(rows), np.flatnonzero(cols)
    sub_rows = model.A[ri]
    share = sub_rows @ values
    return SubProblem(ci, ri, sub_rows[:, ci].tocsc(),
                      model.row_lower[ri] - share, model.row_upper[ri] - share)


# (free mask, incumbent y, start values of every integer column of the full model,
# seconds) -> (the shift counts of the sub-MIP's best plan (whole y) or None, whether
# the sub-MIP was solved to its gap before its time ran out)
SubSolver = Callable[[np.ndarray, np.ndarray, np.ndarray, float], tuple[np.ndarray | None, bool]]


def neighbourhood(inst: ShiftInstance, day: int, group: int, rng: np.random.Generator,
                  max_free: int, days_first: bool = False) -> np.ndarray:
    """The shifts starting on ``day`` of ``group``, then of the groups sharing a skill
    with it (in random order), then of the following days (``days_first``: the
    following days of ``group`` first, then other groups), as long as the
    neighbourhood holds at most ``max_free`` columns (the first day of ``group``
    always)."""
    cols = inst.columns
    skill = inst.skill.astype(int)
    near = np.flatnonzero((skill @ skill[group]) > 0)
    groups = [group, *rng.permutation(near[near != group])]
    n_days = len(inst.dates)
    days = [(day + k) % n_days for k in range(n_days)] if inst.cyclic else list(
        range(day, n_days))
    in_group = cols.group == group
    in_day = cols.day_index == days[0]
    more_groups = [cols.group == g for g in groups[1:]]
    more_days = [cols.day_index == d for d in days[1:]]
    if days_first:
        in_day = _grow(in_day, in_group, more_days, max_free)
        in_group = _grow(in_group, in_day, more_groups, max_free)
    else:
        in_group = _grow(in_group, in_day, more_groups, max_free)
        in_day = _grow(in_day, in_group, more_days, max_free)
    return in_group & in_day


def _grow(base: np.ndarray, other: np.ndarray, steps: list[np.ndarray],
          max_free: int) -> np.ndarray:
    """``base`` joined with the masks of ``steps`` in turn, while ``base & other`` holds
    at most ``max_free`` columns."""
    for step in steps:
        more = base | step
        if (more & other).sum() > max_free:
            break
        base = more
    return base


def search(inst: ShiftInstance, y: np.ndarray, start_values: Callable[[np.ndarray], np.ndarray],
           solve_sub: SubSolver, accept: Callable[[np.ndarray], np.ndarray | None],
           deadline: float, done: Callable[[], bool] = lambda: False, seed: int = 1,
           sub_limit: float = 3.0, max_free: int = 1500) -> tuple[np.ndarray, str]:
    """Walk the plan ``y`` down by sub-MIPs until ``deadline`` (``time.perf_counter()``),
    ``done()`` (e.g. the gap target met) or a whole pass over the (day, group) pairs
    finds nothing.  ``start_values(y)`` gives the integer columns' start values of the
    full model for plan y; ``accept(y_new)`` checks a candidate and returns the
    (possibly further improved) plan's counts when it is kept, else None.

    The neighbourhood size adapts: a sub-MIP solved in under half its ``sub_limit``
    seconds grows the next one by a quarter (up to 1.25 ``max_free``), one cut by the
    limit without a better plan shrinks it by 15 %, one whose root overran its limit
    by over 2 s halves it; in the last 2 ``sub_limit`` seconds before ``deadline``
    neighbourhoods hold at most half ``max_free`` columns (a root node overrun costs
    less there).  Returns the best counts and why it stopped: ``"target"``, ``"time
    limit"`` or ``"no better plan in a whole pass"``."""
    rng = np.random.default_rng(seed)
    cols = inst.columns
    pairs = np.unique(np.stack([cols.day_index, cols.group], axis=1), axis=0)
    kinds = np.concatenate([np.c_[pairs, np.zeros(len(pairs), int)],
                            np.c_[pairs, np.ones(len(pairs), int)]])
    size = float(max_free)
    start = start_values(y)
    while True:
        found = False
        for d, g, days_first in kinds[rng.permutation(len(kinds))]:
            if done():
                return y, "target"
            left = deadline - time.perf_counter()
            if left < 0.5:
                return y, "time limit"
            cap = size if left > 2 * sub_limit else min(size, 0.5 * max_free)
            free = neighbourhood(inst, int(d), int(g), rng, int(cap), bool(days_first))
            t0 = time.perf_counter()
            limit = min(sub_limit, left)
            cand, solved = solve_sub(free, y, start, limit)
            took = time.perf_counter() - t0
            same = cand is None or np.array_equal(np.rint(cand), y)
            kept = None if same else accept(cand)
            if took > limit + 2.0:  # HiGHS' root cut rounds may overrun the limit
                size = max(size * 0.5, 0.2 * max_free)
            elif solved and took < 0.5 * limit:
                size = min(size * 1.25, 1.25 * max_free)
            elif not solved and kept is None:
                size = max(size * 0.85, 0.2 * max_free)
            if kept is not None:
                y, found = kept, True
                start = start_values(y)
        if not found:
            return y, "no better plan in a whole pass"
