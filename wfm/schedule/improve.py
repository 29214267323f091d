"""Local search on an integer plan: drop idle shifts, swap a shift for a cheaper one.

A rounded or dived plan pays for whole shifts where the LP paid for fractions: some
agents are idle for their whole shift (another group's agent or a rounding left the
intervals covered), others work a 10-h shift that is needed for 6 h.  Two moves,
both cheap to test from the checked plan alone (:class:`wfm.schedule.evaluate.Plan`):

* **drop**: an agent of group g whose every on-duty interval t has an idle agent of
  g (``on_duty - assigned >= 1``) can go home: the assignment of agents to queues
  stays feasible, so no shortfall appears;
* **swap**: an agent of column c is *needed* only in the intervals where group g has
  no idle agent; the column c' of the same group, on duty in every needed interval,
  that saves the most (its cost below c's plus the shortfall its other intervals
  cover) replaces it.  In a group with a ``max_headcount`` c' starts on the same
  local date (the same shifts per day and per week) and keeps the weekly paid hours
  within the cap; the rest window is re-checked per move.

* **hand over**: the same for a column of another group skilled for every queue the
  agent is assigned to (a cheaper group, or one whose free intervals cover a
  shortfall); in a group with a ``max_headcount`` only where one more agent fits
  (:func:`wfm.schedule.evaluate.addable`).

Every round ends with :func:`wfm.schedule.evaluate.evaluate`; a round is kept only
when the checked plan is feasible and cheaper.  Groups with minimum hours or a minimum
headcount are left alone (dropping a shift could break their minimum).  Pure numpy,
no solver, no I/O.
"""

from __future__ import annotations

import time

import numpy as np

from wfm.schedule.evaluate import Plan, addable, evaluate
from wfm.schedule.instance import ShiftInstance, rest_window, window_starts


def improve(inst: ShiftInstance, plan: Plan, deadline: float = np.inf,
            max_rounds: int = 20) -> Plan:
    """The best checked plan reached from ``plan`` by drop and swap rounds, until a
    round gains nothing or ``deadline`` (a ``time.perf_counter()`` value) passes.
    The shortfall never grows: both moves keep every assigned agent-interval."""
    best = plan
    for _ in range(max_rounds):
        if time.perf_counter() > deadline:
            break
        y = _moves(inst, best, deadline)
        if np.array_equal(y, best.y):
            break
        trial = evaluate(inst, y)
        if not trial.feasible or trial.objective >= best.objective - 1e-6:
            break
        best = trial
    return best


def _movable(inst: ShiftInstance, g: int) -> bool:
    grp = inst.config.groups[g]
    return grp.min_weekly_hours <= 0 and grp.min_headcount == 0


def _moves(inst: ShiftInstance, plan: Plan, deadline: float) -> np.ndarray:
    """One pass of drops then swaps over the planned columns, dearest first."""
    cols = inst.columns
    y = plan.y.astype(int).copy()
    idle = plan.on_duty - plan.alloc.sum(axis=1)  # (G, T) agents on duty, unassigned
    duty = cols.duty.tocsr()
    used = np.flatnonzero(y > 0)
    order = used[np.argsort(-cols.cost[used], kind="stable")]
    for c in order:  # drop: every on-duty interval has an idle agent of the group
        g = cols.group[c]
        if not _movable(inst, g):
            continue
        ts = duty.indices[duty.indptr[c]:duty.indptr[c + 1]]
        while y[c] > 0 and len(ts) and idle[g, ts].min() >= 1:
            y[c] -= 1
            idle[g, ts] -= 1
    state = _State(inst, duty, y, idle, plan.short.copy())
    for c in order:
        if time.perf_counter() > deadline:
            break
        if y[c] > 0 and _movable(inst, cols.group[c]):
            state.swap(c)
    for c in order:
        if time.perf_counter() > deadline:
            break
        if y[c] > 0 and _movable(inst, cols.group[c]):
            state.hand_over(c, plan.alloc)
    return y


class _State:
    """The plan under moves: counts ``y``, idle agents (G, T), missing agents (Q, T)."""

    def __init__(self, inst: ShiftInstance, duty, y: np.ndarray, idle: np.ndarray,
                 short: np.ndarray) -> None:
        self.inst, self.duty, self.y, self.idle, self.short = inst, duty, y, idle, short
        cols = inst.columns
        self.groups = [np.flatnonzero(cols.group == g) for g in range(len(inst.config.groups))]
        self.weight = inst.short_cost * inst.dt_h  # money per missing agent-interval
        self.ok: dict[int, np.ndarray] = {}  # addable columns of a capped group

    def _vec(self, c: int) -> np.ndarray:
        v = np.zeros(self.inst.T)
        v[self.duty.indices[self.duty.indptr[c]:self.duty.indptr[c + 1]]] = 1.0
        return v

    def _gain(self, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Per interval: the money one more free agent of g saves, and on which queue."""
        qs = np.flatnonzero(self.inst.skill[g])
        if not len(qs):
            return np.zeros(self.inst.T), np.zeros(self.inst.T, dtype=int)
        w = np.where(self.short[qs] > 0, self.weight[qs], 0.0)
        k = np.argmax(w, axis=0)
        return w[k, np.arange(w.shape[1])], qs[k]

    def swap(self, c: int) -> None:
        """Swap agents of column c, one at a time, for the column of the same group and
        date that is on duty wherever c's agent is assigned and saves the most: its
        cost below c's, plus the shortfall its free intervals cover; within the
        group's weekly hours and rest window."""
        inst, y = self.inst, self.y
        cols = inst.columns
        g = cols.group[c]
        grp = inst.config.groups[g]
        mine = self.groups[g]
        w = rest_window(inst, g) if grp.max_headcount is not None else 0
        slack_h = np.inf
        if grp.max_headcount is not None:
            slack_h = (grp.max_headcount * grp.max_weekly_hours / 3600.0
                       - float((cols.paid_h[mine] * y[mine]).sum()))
        same = mine[cols.paid_h[mine] <= cols.paid_h[c] + slack_h + 1e-9]
        if grp.max_headcount is not None:  # the days-off rows count shifts per date
            same = same[cols.day_index[same] == cols.day_index[c]]
        same = same[same != c]
        if not len(same):
            return
        sub = self.duty[same]
        dc = self._vec(c)
        while y[c] > 0:
            need = dc * (self.idle[g] < 1)  # intervals where this agent is assigned
            fits = np.rint(sub @ need) >= need.sum() - 1e-9
            gain, q_of = self._gain(g)
            value = cols.cost[c] - cols.cost[same] + sub @ (gain * (1 - need))
            value[~fits] = -np.inf
            best = int(np.argmax(value))
            if value[best] <= 1e-6:
                return
            k = same[best]
            y[c] -= 1
            y[k] += 1
            if w and window_starts(inst, g, y.astype(float)).max() > grp.max_headcount + 1e-9:
                y[c] += 1  # the rest window of the group's agents would break
                y[k] -= 1
                return
            dk = self._vec(k)
            free = (dk > 0) & (need < 1)
            covers = free & (gain > 0)
            self.short[q_of[covers], np.flatnonzero(covers)] -= 1
            self.idle[g] += (dk - dc).astype(self.idle.dtype)
            self.idle[g, covers] -= 1
            if grp.max_headcount is not None:
                return  # the hours slack changed: the next agent of c in the next round

    def _addable(self, g: int) -> np.ndarray:
        if g not in self.ok:
            self.ok[g] = addable(self.inst, g, self.y)
        return self.ok[g]

    def hand_over(self, c: int, alloc: np.ndarray) -> None:
        """Hand one agent of column c over to a cheaper column of another group skilled
        for every queue c's group works where the agent is assigned (``alloc``, the
        round's assignment), on duty there, and, in a capped group, one more agent
        fits (:func:`wfm.schedule.evaluate.addable`)."""
        inst, y = self.inst, self.y
        cols = inst.columns
        g = cols.group[c]
        dc = self._vec(c)
        need = dc * (self.idle[g] < 1)
        ts = np.flatnonzero(need)
        queues = np.flatnonzero((alloc[g][:, ts] > 0).any(axis=1)) if len(ts) else []
        best_v, best_k = 1e-6, -1
        for h in range(len(inst.config.groups)):
            mine = self.groups[h]
            if (h == g or not len(mine) or not _movable(inst, h)
                    or not inst.skill[h, queues].all()):
                continue
            cand = mine
            if inst.config.groups[h].max_headcount is not None:
                cand = mine[self._addable(h)]
            if not len(cand):
                continue
            sub = self.duty[cand]
            gain, _q = self._gain(h)
            value = cols.cost[c] - cols.cost[cand] + sub @ (gain * (1 - need))
            value[np.rint(sub @ need) < need.sum() - 1e-9] = -np.inf
            k = int(np.argmax(value))
            if value[k] > best_v:
                best_v, best_k = float(value[k]), int(cand[k])
        if best_k < 0:
            return
        h = cols.group[best_k]
        gain, q_of = self._gain(h)
        dk = self._vec(best_k)
        covers = (dk > 0) & (need < 1) & (gain > 0)
        y[c] -= 1
        y[best_k] += 1
        self.short[q_of[covers], np.flatnonzero(covers)] -= 1
        self.idle[g] -= (dc * (1 - need)).astype(self.idle.dtype)
        self.idle[h] += (dk - need).astype(self.idle.dtype)
        self.idle[h, covers] -= 1
        self.ok.pop(g, None)
        self.ok.pop(h, None)

