"""Solving the shift model with HiGHS or CBC, LP-guided, every plan checked.

Strategy (``shared/reference/scheduling-notes.md`` sections 6, 7, 9):

1. LP relaxation of the full model, always in HiGHS (interior point + crossover, a
   vertex).  Its value is a valid lower bound for every plan.
2. Rounding: the LP shift counts rounded (nearest, up), repaired against headcount
   limits; then an LP dive inside the box [floor, ceil] of the LP counts (HiGHS dual
   simplex, a batch of the largest fractional parts rounded up per round), allowed up
   to the last tenth of the limit.  The whole dive gives a plan within about 1 % of
   the bound on the large benchmark (8-11 CPU s).
2b. Local search (``wfm.schedule.improve``: drop idle shifts, swap or hand over a
   shift for a cheaper one doing the same work) on the first plan, and again after
   every MIP phase.
3. MIP phases, warm-started with the best plan.  Models of at most
   ``full_mip_columns`` shift columns: the LP box [floor, ceil] ("rounding"), then
   the full MIP (its dual bound may raise the bound).  Larger models, with HiGHS: the
   box MIP with 40 % of the time left (models of at most ``box_mip_columns``), then the
   neighbourhood search (``wfm.schedule.neighbourhood``): sub-MIPs that free the
   shifts of a day of a few groups sharing skills (or a few days of one group), cut
   out of the model's matrix, each a few seconds, every better plan polished by the
   fill pass and the local search.  HiGHS' root node on the whole large model (cut
   rounds, sub-MIP heuristics) takes the whole minute and its first cut round does
   not check the time limit; on a sub-MIP of ~1,500 columns it takes seconds.  With
   CBC: the LP box, then the MIP on the LP support.
4. The fill pass (``wfm.schedule.fill``, unless ``fill_shortfalls = false``): shifts
   added for what is still short and coverable within the headcount rules -- a safety
   net, since the model costs a shortfall above the shift that covers it
   (``wfm.schedule.instance.coverage_costs``); it also runs on the dive's plan.
5. With ``start`` (``--verify`` re-plans) steps 2-3 are replaced by a repair of that
   plan (see :func:`solve`).

Each solver answer is read as numbers, never by its status string: values must be
integral (CBC may hand back LP values), the plan is re-evaluated by
``wfm.schedule.evaluate`` (coverage recomputed from the integer counts), and a plan
is only kept when it beats the incumbent.  The bound is the LP value or a full-MIP
dual bound, whichever is larger; the gap is (objective - bound) / objective, of the
plan written out (``gap``; the shortfall is costed in the model, so the bound knows
it) and of the plan before the safety-net fill pass (``gap_before_fill``).

Time limits are wall-clock seconds for the whole solve.  Both solvers run with one
thread and a fixed seed: a run of the box and full MIPs that stops on the gap target
is reproducible; the neighbourhood search is not (its sub-MIPs stop on wall-clock
limits that also size the next neighbourhood), nor is any run stopped by the time
limit on a loaded machine.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pulp
import scipy.sparse as sp

from wfm.schedule.evaluate import (
    Plan,
    evaluate,
    group_need,
    pattern_need,
    pattern_split,
    to_integer,
)
from wfm.schedule.fill import fill_shortfalls
from wfm.schedule.improve import improve
from wfm.schedule.instance import ShiftInstance, off_blocks
from wfm.schedule.model import ShiftModel, build_model
from wfm.schedule.neighbourhood import MatrixModel, search, sub_problem

SolverName = Literal["highs", "cbc"]
# docs/commands/schedule.md "Solving": the better final gap on the example and the
# large benchmark (0.72 vs 0.84 %, 0.78 vs 1.08 % in 60 s at load 8)
DEFAULT_SOLVER: SolverName = "highs"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SolveOptions:
    """``time_limit`` wall-clock seconds for everything; ``gap`` relative target (the
    search stops once the plan is within it of the bound);
    ``strategy``: ``auto`` (the LP-box MIP then the full MIP when at most
    ``full_mip_columns`` shift columns; else, with HiGHS, the neighbourhood search
    (:mod:`wfm.schedule.neighbourhood`), after an LP-box MIP with ``box_mip_share`` of
    the time left on models of at most ``box_mip_columns``; with CBC the LP-box then
    the LP-support MIP),
    ``full``, ``lp-support`` or ``neighbourhoods`` (HiGHS only);
    ``dive``: LP diving for a first plan, using at most ``dive_share`` of the limit;
    ``improve``: local search (``wfm.schedule.improve``) on the first plan and after
    the MIPs; ``neighbourhood_seconds`` time limit of one sub-MIP of the neighbourhood
    search, ``neighbourhood_columns`` its usual number of free shift columns."""

    solver: SolverName = DEFAULT_SOLVER
    time_limit: float = 60.0
    gap: float = 0.005
    threads: int = 1
    seed: int = 1
    strategy: Literal["auto", "full", "lp-support", "neighbourhoods"] = "auto"
    full_mip_columns: int = 4000
    box_mip_columns: int = 12000
    box_mip_share: float = 0.4
    dive: bool = True
    dive_share: float = 0.6
    improve: bool = True
    neighbourhood_seconds: float = 3.0
    neighbourhood_columns: int = 1500
    msg: bool = False

    def __post_init__(self) -> None:
        if self.strategy == "neighbourhoods" and self.solver != "highs":
            raise ValueError("strategy 'neighbourhoods' solves its sub-MIPs with HiGHS: "
                             "use solver 'highs'")


@dataclass
class SolveResult:
    """The best checked plan (None only when no column exists), objective and bound
    in money per week, gap as a fraction, times in seconds from the start."""

    plan: Plan | None
    objective: float
    bound: float
    lp_bound: float
    solver: str
    status: str
    first_plan_s: float | None
    elapsed_s: float
    events: list[tuple[float, str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the solver's own plan, before the fill pass (``objective`` and ``gap`` are after
    # it); the fill pass's additions: shifts, paid hours, cost (money per week)
    objective_before_fill: float | None = None
    fill_shifts: int = 0
    fill_paid_h: float = 0.0
    fill_cost: float = 0.0

    @property
    def gap(self) -> float:
        """(objective after the fill pass - bound) / objective: the plan written out
        against a valid lower bound; it includes what the fill pass spends by policy."""
        return _gap(self.objective, self.bound)

    @property
    def gap_before_fill(self) -> float:
        """The solver's gap: (objective before the fill pass - bound) / that objective
        (equal to :attr:`gap` when the pass added nothing or did not run)."""
        obj = self.objective if self.objective_before_fill is None else self.objective_before_fill
        return _gap(obj, self.bound)


def _gap(objective: float, bound: float) -> float:
    if not math.isfinite(objective) or objective <= 0:
        return 0.0 if objective == bound else math.inf
    return max(0.0, (objective - bound) / abs(objective))


@dataclass
class _Run:
    values: np.ndarray | None  # y values (None: no solution handed back)
    bound: float | None  # LP value, or the MIP dual bound of the (restricted) problem
    status: str


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (file descriptor 1) for the duration."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (e.g. captured)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_ALL_INTERRUPTS = ("kCallbackMipInterrupt", "kCallbackSimplexInterrupt", "kCallbackIpmInterrupt")


class _HighsBackend:
    """The PuLP problem loaded once into highspy (through PuLP's own HiGHS interface);
    LP and MIP solves then only change bounds, integrality and options."""

    def __init__(self, model: ShiftModel, opts: SolveOptions) -> None:
        import highspy

        self.hs = highspy
        self.model = model
        self.opts = opts
        solver = pulp.HiGHS(mip=True, msg=opts.msg, threads=opts.threads)
        with contextlib.nullcontext() if opts.msg else _quiet_stdout():
            solver.createAndConfigureSolver(model.problem)
        solver.buildSolverModel(model.problem)
        self.h = model.problem.solverModel
        self.h.setOptionValue("random_seed", int(opts.seed))
        self.yi = np.array([v.index for v in model.y], dtype=np.int32)
        self.ni = np.array([v.index for v in model.n.values()], dtype=np.int32)
        self.ints = np.array([v.index for v in model.integer_vars()], dtype=np.int32)
        # a wall-clock interrupt: HiGHS' own time_limit lets a running sub-MIP finish
        self.deadline = math.inf
        self._watch(self.h, _ALL_INTERRUPTS)

    def _watch(self, h, kinds: tuple[str, ...]) -> None:
        """Let :meth:`_interrupt` stop ``h`` at ``self.deadline`` in the solver phases
        ``kinds`` (names of HiGHS callback types)."""
        h.setCallback(self._interrupt, None)
        for kind in kinds:
            h.startCallback(getattr(self.hs.cb.HighsCallbackType, kind))

    def _fresh_mip(self, model, msg: bool, limit: float, gap: float, effort: float,
                   kinds: tuple[str, ...]):
        """A new ``Highs`` holding ``model`` (a ``HighsModel`` or ``HighsLp``), with the
        run's threads and seed, the MIP gap and heuristic effort, and ``limit`` seconds
        of time limit and wall-clock interrupt."""
        h = self.hs.Highs()
        h.setOptionValue("output_flag", bool(msg))
        h.passModel(model)
        h.setOptionValue("threads", int(self.opts.threads))
        h.setOptionValue("random_seed", int(self.opts.seed))
        h.setOptionValue("mip_rel_gap", float(gap))
        h.setOptionValue("mip_heuristic_effort", float(effort))
        h.setOptionValue("time_limit", float(limit))
        self.deadline = time.perf_counter() + limit
        self._watch(h, kinds)
        return h

    def _interrupt(self, _kind, _message, _data_out, data_in, _user) -> None:
        # set both ways: HiGHS keeps the flag of an earlier run otherwise
        data_in.user_interrupt = time.perf_counter() > self.deadline

    def _integrality(self, on: bool) -> None:
        kind = self.hs.HighsVarType.kInteger if on else self.hs.HighsVarType.kContinuous
        if len(self.ints):
            self.h.changeColsIntegrality(len(self.ints), self.ints,
                                         np.array([kind] * len(self.ints)))

    def _bounds(self, lo: np.ndarray | None, hi: np.ndarray | None) -> None:
        n = len(self.yi)
        lo = np.zeros(n) if lo is None else lo.astype(float)
        hi = np.full(n, self.hs.kHighsInf) if hi is None else hi.astype(float)
        self.h.changeColsBounds(n, self.yi, lo, hi)

    def _limit(self, limit: float) -> None:
        # HiGHS compares time_limit with the object's run clock, which keeps counting
        # across runs: the limit of this run is the clock now plus ``limit``.
        self.h.setOptionValue("time_limit", float(self.h.getRunTime() + max(limit, 0.5)))
        self.deadline = time.perf_counter() + max(limit, 0.5)

    def dive(self, inst: ShiftInstance, y_lp: np.ndarray, deadline: float,
             max_rounds: int = 200, batch: float = 0.1) -> np.ndarray:
        """LP diving inside the box [floor, ceil] of the LP shift counts: each round
        raises the counts with the largest fractional parts (a ``batch`` share) to their
        ceiling and re-solves the (small) LP, until integral; round-ups that break a
        headcount limit, or make the LP infeasible, round those counts down instead.
        Returns the last LP values (integral unless the deadline cut the dive short)."""
        h = self.h
        self._integrality(False)
        h.setOptionValue("solver", "simplex")
        lo = np.floor(y_lp + 1e-6)
        # the dive stays inside the LP support box [floor, ceil]: small LPs, fast re-solves
        hi = np.where(y_lp > 1e-6, np.ceil(y_lp - 1e-6), 0.0)
        y = y_lp.copy()
        for _ in range(max_rounds):
            left = deadline - time.perf_counter()
            frac = y - np.floor(y + 1e-6)
            cand = np.flatnonzero(frac > 1e-6)
            if not len(cand) or left < 0.5:
                break
            # round up the largest fractional parts, a batch at a time
            up = cand[np.argsort(-frac[cand], kind="stable")[: max(1, int(len(cand) * batch))]]
            trial = lo.copy()
            trial[up] = np.ceil(y[up] - 1e-6)
            trial, blocked = _fit_caps(inst, lo, trial, up, y)
            hi[blocked] = np.floor(y[blocked] + 1e-6)
            self._bounds(trial, hi)
            self._limit(left)
            h.run()
            if h.getModelStatus() == self.hs.HighsModelStatus.kOptimal:
                lo = trial
            else:
                hi[up] = np.floor(y[up] + 1e-6)
                self._bounds(lo, hi)
                self._limit(deadline - time.perf_counter())
                h.run()
                if h.getModelStatus() != self.hs.HighsModelStatus.kOptimal:
                    break
            y = self._values()
        return y

    def _values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)[self.yi]

    def lp(self, limit: float) -> _Run:
        h = self.h
        self._integrality(False)
        self._bounds(None, None)
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
        self._limit(limit)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        ok = h.getModelStatus() == self.hs.HighsModelStatus.kOptimal
        value = h.getInfo().objective_function_value + self.model.constant
        return _Run(self._values() if ok else None, value if ok else None, status)

    def mip(self, limit: float, lo: np.ndarray | None, hi: np.ndarray | None,
            start: np.ndarray | None, start_n: np.ndarray | None, gap: float) -> _Run:
        # a fresh Highs per MIP (a C++ copy of the model): a second MIP run on the same
        # object did not keep to its time limit in highspy 1.16
        self._integrality(True)
        self._bounds(lo, hi)
        h = self._fresh_mip(self.h.getModel(), self.opts.msg, max(limit, 0.5), gap,
                            0.05 if lo is None and hi is None else 0.3,
                            ("kCallbackMipInterrupt",))
        self._integrality(False)
        if start is not None:
            idx = self.yi if start_n is None else self.ints  # y, n, z
            val = start if start_n is None else np.concatenate([start, start_n])
            h.setSolution(len(idx), idx.astype(np.int32), val.astype(float))
        h.run()
        info = h.getInfo()
        status = h.modelStatusToString(h.getModelStatus())
        has = info.primal_solution_status == 2  # kSolutionStatusFeasible
        bound = info.mip_dual_bound + self.model.constant
        values = np.asarray(h.getSolution().col_value, dtype=float)[self.yi] if has else None
        return _Run(values, bound if math.isfinite(bound) else None, status)

    def matrix_model(self) -> MatrixModel:
        """The full MIP as arrays (integrality on, the shift counts' bounds [0, inf) as
        built: the dive leaves its box on the loaded model), for the neighbourhood search."""
        self._bounds(None, None)
        self._integrality(True)
        lp = self.h.getLp()
        self._integrality(False)
        a = lp.a_matrix_
        n, m = lp.num_col_, lp.num_row_
        data = (np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_))
        matrix = (sp.csc_matrix(data, shape=(m, n)) if a.format_ == self.hs.MatrixFormat.kColwise
                  else sp.csr_matrix(data, shape=(m, n)).tocsc())
        integer = np.zeros(n, dtype=bool)
        integer[self.ints] = True
        return MatrixModel(matrix, np.asarray(lp.col_cost_), np.asarray(lp.col_lower_),
                           np.asarray(lp.col_upper_), np.asarray(lp.row_lower_),
                           np.asarray(lp.row_upper_), integer, self.yi)

    def sub_mip(self, mm: MatrixModel, free: np.ndarray, y: np.ndarray, start: np.ndarray,
                limit: float) -> tuple[np.ndarray | None, bool]:
        """Solve the sub-MIP of :func:`wfm.schedule.neighbourhood.sub_problem` (only the
        counts ``free`` move, the others stay at ``y``), warm-started from ``start``
        (values of every column of the full model; the integer ones are passed);
        returns the whole plan's counts (None when no plan was found in time) and
        whether the sub-MIP was solved to optimality (within 0.01 %)."""
        sub = sub_problem(mm, free, y)
        hs = self.hs
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = len(sub.cols), len(sub.rows)
        lp.col_cost_ = mm.cost[sub.cols]
        lp.col_lower_, lp.col_upper_ = mm.lower[sub.cols], mm.upper[sub.cols]
        lp.row_lower_, lp.row_upper_ = sub.row_lower, sub.row_upper
        lp.a_matrix_.format_ = hs.MatrixFormat.kColwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(sub.cols), len(sub.rows)
        lp.a_matrix_.start_, lp.a_matrix_.index_ = sub.A.indptr, sub.A.indices
        lp.a_matrix_.value_ = sub.A.data
        ints = mm.integer[sub.cols]
        lp.integrality_ = [hs.HighsVarType.kInteger if i else hs.HighsVarType.kContinuous
                           for i in ints]
        h = self._fresh_mip(lp, False, max(limit, 0.2), 1e-4, 0.3, _ALL_INTERRUPTS)
        k = np.flatnonzero(ints)
        h.setSolution(len(k), k.astype(np.int32), start[sub.cols[k]].astype(float))
        h.run()
        solved = h.getModelStatus() == hs.HighsModelStatus.kOptimal
        if h.getInfo().primal_solution_status != 2:  # kSolutionStatusFeasible
            return None, solved
        full = np.zeros(mm.A.shape[1])
        full[sub.cols] = np.asarray(h.getSolution().col_value, dtype=float)
        out = y.astype(float)
        out[free] = full[mm.yi[free]]
        return out, solved


_CBC_BOUND = re.compile(r"^Lower bound:\s*(-?[\d.eE+-]+)", re.MULTILINE)
_CBC_RESULT = re.compile(r"^Result - (.*)$", re.MULTILINE)


class _CbcBackend:
    """CBC through ``pulp.PULP_CBC_CMD`` (an MPS file per solve); bound and result parsed
    from CBC's log, values read back by PuLP."""

    def __init__(self, model: ShiftModel, opts: SolveOptions) -> None:
        self.model = model
        self.opts = opts

    def _solve(self, limit: float, mip: bool, start: np.ndarray | None,
               start_n: np.ndarray | None, gap: float) -> tuple[str, str]:
        model = self.model
        if start is not None:
            for v in model.problem.variables():
                v.varValue = None
            for v, x in zip(model.y, start, strict=True):
                v.setInitialValue(float(x))
            if start_n is not None:
                for v, x in zip([*model.n.values(), *model.z.values()], start_n, strict=True):
                    v.setInitialValue(float(x))
        fd, log_path = tempfile.mkstemp(prefix="wfm-cbc-", suffix=".log")
        os.close(fd)
        try:
            solver = pulp.PULP_CBC_CMD(
                mip=mip, msg=False, timeLimit=max(int(math.ceil(limit)), 1),
                gapRel=gap, threads=self.opts.threads,
                warmStart=start is not None, logPath=log_path,
                options=[f"randomSeed {self.opts.seed}", f"randomCbcSeed {self.opts.seed}"],
            )
            model.problem.solve(solver)
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                log = fh.read()
        finally:
            os.unlink(log_path)
        m = _CBC_RESULT.search(log)
        return (m.group(1).strip() if m else pulp.LpStatus[model.problem.status]), log

    def mip(self, limit: float, lo: np.ndarray | None, hi: np.ndarray | None,
            start: np.ndarray | None, start_n: np.ndarray | None, gap: float) -> _Run:
        ys = self.model.y
        try:
            for c, v in enumerate(ys):
                v.lowBound = 0 if lo is None else float(lo[c])
                v.upBound = None if hi is None or not math.isfinite(hi[c]) else float(hi[c])
            status, log = self._solve(limit, True, start, start_n, gap)
        finally:
            for v in ys:
                v.lowBound, v.upBound = 0, None
        b = _CBC_BOUND.search(log)
        bound = float(b.group(1)) + self.model.constant if b else None
        return _Run(_y(self.model), bound, status)


def _fit_caps(inst: ShiftInstance, lo: np.ndarray, trial: np.ndarray, up: np.ndarray,
              y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keep only the round-ups that fit the headcount limits of their group (weekly hours,
    shifts, one shift a day, days-off patterns), taking the largest fractional parts
    first; the others are returned as ``blocked`` (to be rounded down)."""
    cols = inst.columns
    rules = inst.config.rules
    out = trial.copy()
    blocked: list[int] = []
    for g, grp in enumerate(inst.config.groups):
        if grp.max_headcount is None:
            continue
        mine = cols.group == g
        ups = up[mine[up]]
        if not len(ups):
            continue
        out[ups] = lo[ups]
        base = np.maximum(lo, np.floor(y + 1e-6))  # counts the LP already holds
        hours = float((cols.paid_h[mine] * np.maximum(base[mine], out[mine])).sum())
        shifts = float(np.maximum(base[mine], out[mine]).sum())
        per_day = np.bincount(cols.day_index[mine], weights=np.maximum(base[mine], out[mine]),
                              minlength=len(inst.dates))
        cap_h = grp.max_headcount * grp.max_weekly_hours / 3600.0
        cap_s = grp.max_headcount * (7 - rules.days_off)
        frac = y[ups] - np.floor(y[ups] + 1e-6)
        blocks = off_blocks(inst, g)
        for c in ups[np.argsort(-frac, kind="stable")]:
            d = cols.day_index[c]
            if (hours + cols.paid_h[c] <= cap_h + 1e-9 and shifts + 1 <= cap_s
                    and per_day[d] + 1 <= grp.max_headcount
                    and (blocks is None or pattern_need(
                        per_day + (np.arange(len(per_day)) == d), blocks) <= grp.max_headcount)):
                out[c] = trial[c]
                hours += cols.paid_h[c]
                shifts += 1
                per_day[d] += 1
            else:
                blocked.append(int(c))
    return out, np.array(blocked, dtype=int)


def _start_n(inst: ShiftInstance, model: ShiftModel, y: np.ndarray) -> np.ndarray:
    """Warm-start values of the integer variables besides y, in ``model.integer_vars``
    order: headcounts n, then the days-off pattern counts z of an optimal split of the
    plan's daily shift counts (CBC drops a start it cannot complete)."""
    cols = inst.columns
    out = [float(group_need(inst, g, y, model_rows_only=True)) for g in model.n]
    zs: dict[int, np.ndarray] = {}
    for g, _k in model.z:
        if g not in zs:
            mine = cols.group == g
            per_day = np.bincount(cols.day_index[mine], weights=y[mine],
                                  minlength=len(inst.dates))
            zs[g] = pattern_split(per_day, off_blocks(inst, g))[1]
    out.extend(float(zs[g][k]) for g, k in model.z)
    return np.array(out)


def _start_values(inst: ShiftInstance, model: ShiftModel, backend: _HighsBackend,
                  y: np.ndarray) -> np.ndarray:
    """Start values for every column of the loaded model: the counts ``y`` and their
    headcounts and days-off patterns (:func:`_start_n`) on the integer columns, 0
    elsewhere (HiGHS completes the continuous ones)."""
    out = np.zeros(backend.h.getNumCol())
    out[backend.ints] = np.concatenate([y, _start_n(inst, model, y)])
    return out


def _y(model: ShiftModel) -> np.ndarray | None:
    vals = [v.varValue for v in model.y]
    if any(v is None for v in vals):
        return None
    return np.asarray(vals, dtype=float)


def round_plans(inst: ShiftInstance, y_lp: np.ndarray) -> list[np.ndarray]:
    """Candidate integer plans from LP values: nearest and upward rounding, each repaired
    against headcount limits by dropping the most expensive shifts of a group."""
    out = []
    for y0 in (np.floor(y_lp + 0.5), np.ceil(y_lp - 1e-6)):
        y = y0.astype(int).clip(min=0)
        out.append(_repair(inst, y))
    return out


def _repair(inst: ShiftInstance, y: np.ndarray) -> np.ndarray:
    cols = inst.columns
    rules = inst.config.rules
    y = y.copy()
    for g, grp in enumerate(inst.config.groups):
        if grp.max_headcount is None:
            continue
        mine = np.flatnonzero(cols.group == g)
        dear = mine[np.argsort(-cols.cost[mine] / np.maximum(cols.paid_h[mine], 1e-9),
                               kind="stable")]
        for d in np.unique(cols.day_index[mine]):  # one shift a day per agent
            on_day = dear[cols.day_index[dear] == d]
            excess = int(y[on_day].sum()) - grp.max_headcount
            for c in on_day:
                if excess <= 0:
                    break
                take = min(excess, int(y[c]))
                y[c] -= take
                excess -= take
        cap_h = grp.max_headcount * grp.max_weekly_hours / 3600.0
        cap_s = grp.max_headcount * (7 - rules.days_off)
        for c in dear:  # weekly hours and shifts
            while y[c] > 0 and (float((cols.paid_h[mine] * y[mine]).sum()) > cap_h + 1e-9
                                or int(y[mine].sum()) > cap_s):
                y[c] -= 1
        blocks = off_blocks(inst, g)
        if blocks is None:
            continue
        # days-off patterns: drop the dearest shift of the busiest day until they fit
        per_day = np.bincount(cols.day_index[mine], weights=y[mine], minlength=len(inst.dates))
        while per_day.any() and pattern_need(per_day, blocks) > grp.max_headcount:
            d = int(np.argmax(per_day))
            c = next(c for c in dear if cols.day_index[c] == d and y[c] > 0)
            y[c] -= 1
            per_day[d] -= 1
    return y


def solve(
    inst: ShiftInstance,
    options: SolveOptions | None = None,
    model: ShiftModel | None = None,
    progress: Progress | None = None,
    start: np.ndarray | None = None,
) -> SolveResult:
    """Best checked plan for ``inst`` within ``options.time_limit`` wall-clock seconds.

    ``start``: a previous integer plan on these columns (a re-plan of ``wfm schedule
    --verify``; :func:`wfm.schedule.instance.carry_plan`).  The solve then *repairs* it:
    the fill pass adds what the new requirement needs to ``start``, and one MIP,
    warm-started from that repair, looks for a cheaper plan that keeps every shift of
    ``start`` (lower bounds: no interval loses an agent) inside the LP box; no LP
    rounding or dive (they would start from scratch)."""
    opts = options or SolveOptions()
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    deadline = t0 + opts.time_limit
    events: list[tuple[float, str, float]] = []
    notes: list[str] = []
    best: Plan | None = None
    first: float | None = None
    floor: np.ndarray | None = None  # a repair keeps every shift of the previous plan

    def consider(y: np.ndarray | None, phase: str) -> None:
        nonlocal best, first
        if y is None:
            return
        yi = to_integer(y)
        if yi is None:
            notes.append(f"{phase}: solver handed back non-integer values; ignored")
            return
        if floor is not None and (yi < floor).any():
            notes.append(f"{phase}: plan drops a shift of the previous plan; ignored")
            return
        plan = evaluate(inst, yi)
        if not plan.feasible:
            notes.append(f"{phase}: plan breaks a rule ({plan.violations[0]}); ignored")
            return
        if best is None or plan.objective < best.objective - 1e-6:
            best = plan
            now = time.perf_counter() - t0
            if first is None and phase != "empty plan":
                first = now
            events.append((now, phase, plan.objective))
            say(f"{phase}: plan {plan.objective:,.0f} at {now:.1f}s")

    n_cols = len(inst.columns)
    if n_cols == 0:
        empty = evaluate(inst, np.zeros(0, dtype=int))
        return SolveResult(empty, empty.objective, empty.objective, empty.objective, opts.solver,
                           "nothing to plan", None, time.perf_counter() - t0, [],
                           ["no admissible shift is on duty where agents are required"])
    if model is None:
        say("building model")
        model = build_model(inst)
    # the LP relaxation and the dive always run in HiGHS (IPM + warm dual simplex);
    # the MIP phases run in the chosen solver
    lp_backend = _HighsBackend(model, opts)
    backend = lp_backend if opts.solver == "highs" else _CbcBackend(model, opts)
    if start is not None:
        consider(np.asarray(start, dtype=float), "previous plan")
        if best is None:
            notes.append("the previous plan breaks a rule of this instance; planned afresh")
            start = None
    if start is None:
        consider(np.zeros(n_cols), "empty plan")
        if best is None:
            notes.append("the empty plan breaks minimum headcount/hours rules")
    say("LP relaxation")
    lp = lp_backend.lp(deadline - time.perf_counter())
    lp_bound = lp.bound if lp.bound is not None else -math.inf
    if lp.bound is None:
        notes.append(f"LP relaxation not solved ({lp.status}); no bound")
    events.append((time.perf_counter() - t0, "lp bound", lp_bound))
    y_lp = lp.values if lp.values is not None else np.zeros(n_cols)
    if start is not None:  # a repair: keep every shift, add what the raise needs
        say("repair")
        fixed = floor = np.asarray(start, dtype=int)
        repaired, _n = fill_shortfalls(inst, best, deadline)
        consider(repaired.y.astype(float), "repair")
        # every shift kept, also in groups at their headcount limit: letting those move
        # their shifts (inside the LP box) reshuffled them and made other queues worse
        # in the simulation on the example (3 of 3 re-plans rejected, against 2 of 3
        # kept with every shift kept)
        hi = np.maximum(np.maximum(fixed, np.ceil(y_lp - 1e-6)), best.y)
        left = deadline - time.perf_counter()
        if left >= 1.0 and not (best.objective - lp_bound <= opts.gap * abs(best.objective)):
            say(f"MIP repair ({left:.0f}s)")
            res = backend.mip(left, floor.astype(float), hi, best.y.astype(float),
                              _start_n(inst, model, best.y), opts.gap / 2)
            consider(res.values, "MIP repair")
        return _result(inst, opts, best, bound=lp_bound, lp_bound=lp_bound,
                       status="repair of the previous plan", first=first, t0=t0,
                       events=events, notes=notes, say=say, deadline=deadline)
    for y in round_plans(inst, y_lp):
        consider(y.astype(float), "LP rounding")
    if lp.values is not None and opts.dive:
        say("LP dive")
        # the dive's plan is the one the rest improves: it may use the time up to a
        # tenth of the limit before the end (a dive cut short leaves whole shifts out)
        dive_end = min(deadline - 0.1 * opts.time_limit,
                       time.perf_counter() + opts.dive_share * opts.time_limit)
        y_dive = lp_backend.dive(inst, y_lp, dive_end)
        # nearest, and up: a dive cut short by its time leaves fractions, and with the
        # shortfall costed above a shift, rounding up is often the cheaper plan
        for y in (np.floor(y_dive + 0.5), np.ceil(y_dive - 1e-6)):
            consider(_repair(inst, y.astype(int)).astype(float), "LP dive")
    if best is not None and inst.config.rules.fill_shortfalls and best.short.any():
        # coverage is in the objective: a dive cut short by its time, or blocked by a
        # headcount limit, leaves intervals that a shift covers for less than they cost;
        # the MIPs then start from the covered plan
        say("fill pass on the first plan")
        fill_end = min(deadline, time.perf_counter() + 0.1 * opts.time_limit)
        consider(fill_shortfalls(inst, best, fill_end)[0].y.astype(float), "LP dive + fill")
    if best is not None and opts.improve:
        # drop idle shifts, swap shifts for cheaper ones that do the same work: the MIPs
        # start from (and their LP box holds) the improved plan
        say("local search")
        consider(improve(inst, best, deadline + 5.0).y.astype(float), "local search")
    bound = lp_bound
    status = "no MIP run"

    def gap_ok() -> bool:
        return best is not None and best.objective - bound <= opts.gap * abs(best.objective) + 1e-6

    support = y_lp > 1e-6
    small = n_cols <= opts.full_mip_columns
    if opts.strategy == "full":
        phases = [("full", 1.0)]
    elif opts.strategy == "lp-support":
        phases = [("rounding", 0.3), ("lp-support", 1.0)]
    elif opts.strategy == "neighbourhoods":
        phases = [("neighbourhoods", 1.0)] if best is not None else [
            ("rounding", 0.4), ("neighbourhoods", 1.0)]
    elif small:
        phases = [("rounding", 0.2), ("full", 1.0)]
    elif opts.solver == "highs":
        # the LP-box MIP on the whole large benchmark spent its minute in the root node
        # (0.55 % above the LP bound idle); the neighbourhood search reached 0.18-0.38 %
        # on it and three held-back seeds in 60 s at load 1-2.5.  On the example (6,153
        # columns) the box MIP first, 40 % of the time left, then the search: quickstart
        # 0.41 / 0.43 % against 0.50 / 0.59 % for the search alone and 0.45 % for box +
        # LP-support MIP (docs/commands/schedule.md "Solving")
        phases = [("neighbourhoods", 1.0)]
        if n_cols <= opts.box_mip_columns or best is None:  # the search needs a plan
            phases.insert(0, ("rounding", opts.box_mip_share))
    else:
        phases = [("rounding", 0.5), ("lp-support", 1.0)]
    floor_lp = np.floor(y_lp + 1e-6)
    ceil_lp = np.ceil(y_lp - 1e-6)
    for i, (phase, share) in enumerate(phases):
        left = deadline - time.perf_counter()
        if gap_ok() or left < (1.0 if i == 0 else 5.0):
            break
        limit = left * share
        if phase == "rounding":  # LP-guided: each count between floor and ceil of the LP
            lo, hi = floor_lp, ceil_lp
            if best is not None:  # widened to hold the incumbent (a warm start)
                lo, hi = np.minimum(lo, best.y), np.maximum(hi, best.y)
        elif phase == "lp-support":
            lo, hi = None, np.where(support, np.inf, 0.0)
        else:
            lo, hi = None, None
        start = start_n = None
        if best is not None:
            inside = (lo is None or (best.y >= lo).all()) and (hi is None or (best.y <= hi).all())
            if inside:
                start = best.y.astype(float)
                start_n = _start_n(inst, model, best.y)
        if phase == "neighbourhoods":
            say(f"MIP neighbourhoods ({limit:.0f}s)")
            why = _neighbourhoods(inst, model, lp_backend, lambda: best, consider, opts,
                                  time.perf_counter() + limit, deadline, gap_ok)
            status = f"MIP neighbourhoods: {why}"
            continue
        say(f"MIP {phase} ({limit:.0f}s)")
        # a restricted MIP's own bound lies above the LP bound: aim below the target
        gap = opts.gap if phase == "full" else opts.gap / 2
        res = backend.mip(limit, lo, hi, start, start_n, gap)
        consider(res.values, f"MIP {phase}")
        if best is not None and opts.improve:  # the MIP stops on its time or gap
            consider(improve(inst, best, deadline + 5.0).y.astype(float),
                     f"MIP {phase} + local search")
        status = f"MIP {phase}: {res.status}"
        if phase == "full" and res.bound is not None:
            bound = max(bound, res.bound)
    return _result(inst, opts, best, bound=bound, lp_bound=lp_bound,
                   status=status, first=first, t0=t0, events=events, notes=notes, say=say,
                   deadline=deadline)


def _neighbourhoods(inst: ShiftInstance, model: ShiftModel, backend: _HighsBackend,
                    incumbent: Callable[[], Plan | None],
                    consider: Callable[[np.ndarray | None, str], None], opts: SolveOptions,
                    end: float, deadline: float, done: Callable[[], bool]) -> str:
    """The neighbourhood search (:mod:`wfm.schedule.neighbourhood`) from the incumbent
    until ``end`` or ``done()`` (the gap target met): each sub-MIP's plan goes through
    ``consider`` (checked, kept when cheaper); a kept one gets the fill pass (when it
    left a coverable shortfall) and the local search."""
    best = incumbent()
    if best is None:
        return "no plan to start from"
    mm = backend.matrix_model()

    def accept(y: np.ndarray) -> np.ndarray | None:
        before = incumbent()
        consider(y, "MIP neighbourhood")
        if incumbent() is not before and inst.config.rules.fill_shortfalls \
                and incumbent().short.any():
            consider(fill_shortfalls(inst, incumbent(), deadline)[0].y.astype(float),
                     "MIP neighbourhood + fill")
        if opts.improve and incumbent() is not before:
            consider(improve(inst, incumbent(), deadline).y.astype(float),
                     "MIP neighbourhood + local search")
        now = incumbent()
        return None if now is before else now.y

    _y, why = search(inst, best.y, functools.partial(_start_values, inst, model, backend),
                     functools.partial(backend.sub_mip, mm), accept, end, done=done,
                     seed=opts.seed, sub_limit=opts.neighbourhood_seconds,
                     max_free=opts.neighbourhood_columns)
    return why


def _result(inst: ShiftInstance, opts: SolveOptions, best: Plan | None, bound: float,
            lp_bound: float, status: str, first: float | None, t0: float,
            events: list, notes: list[str], say: Progress, deadline: float) -> SolveResult:
    """The fill pass on ``best`` (the safety net: with coverage in the model it rarely
    adds anything) and the :class:`SolveResult`."""
    before = best
    if best is not None and inst.config.rules.fill_shortfalls:
        say("fill pass")
        # the pass is part of the answer: it gets its own few seconds past the limit
        best, n_add = fill_shortfalls(
            inst, best, max(deadline, time.perf_counter() + max(10.0, 0.1 * opts.time_limit)))
        if n_add:
            events.append((time.perf_counter() - t0, "fill pass", best.objective))
            notes.append(
                f"fill pass: {n_add} shifts added (+{best.paid_h - before.paid_h:,.1f} paid h, "
                f"+{best.cost - before.cost:,.2f} cost) to cover "
                f"{(before.short.sum() - best.short.sum()) * inst.dt_h:,.1f} agent-h the "
                f"optimiser left short; objective {before.objective:,.2f} -> "
                f"{best.objective:,.2f}")
    found = [e[1] for e in events if e[1] not in ("lp bound", "fill pass")]
    if status == "no MIP run" and found:
        met = best is not None and best.objective - bound <= opts.gap * abs(best.objective) + 1e-6
        status = (f"plan from {found[-1]}; no MIP needed" if met else
                  f"plan from {found[-1]}; no time left for a MIP (gap above the target)")
    if best is not None and bound > best.objective:  # solver tolerances
        bound = best.objective
    obj = best.objective if best else math.inf
    fill = {}
    if best is not None and before is not None:
        fill = {"objective_before_fill": before.objective,
                "fill_shifts": int(best.y.sum() - before.y.sum()),
                "fill_paid_h": best.paid_h - before.paid_h,
                "fill_cost": best.cost - before.cost}
    return SolveResult(best, obj, bound, lp_bound, opts.solver, status, first,
                       time.perf_counter() - t0, events, notes, **fill)
