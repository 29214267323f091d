"""The fill pass: cover what an optimal plan leaves short although a shift could cover it.

The MIP trades shifts against the understaffing penalty, so a half-hour short on a
queue whose penalty is above the hourly cost of an agent can still stay short: one
more shift costs 6-10 paid hours for the one half-hour it is needed.  Planners expect
every requirement that can be covered to be covered, so after the solve this pass adds
shifts greedily, the cheapest per newly covered agent-interval first, as long as some
column of a skilled group is on duty in a short interval and fits the group's
headcount rules (:func:`wfm.schedule.evaluate.addable`).  Every step is re-checked
by :func:`wfm.schedule.evaluate.evaluate`.

Queues whose penalty is below the base rate of every group that serves them
(:func:`may_leave_short`) are left to the optimiser: a penalty that low says "may
leave short".  ``[schedule] fill_shortfalls = false`` turns the pass off.
"""

from __future__ import annotations

import time

import numpy as np

from wfm.schedule.evaluate import Plan, addable, evaluate, may_leave_short
from wfm.schedule.instance import ShiftInstance


def fill_shortfalls(inst: ShiftInstance, plan: Plan, deadline: float = np.inf,
                    max_steps: int = 2000) -> tuple[Plan, int]:
    """Add shifts to ``plan`` until no coverable shortfall is left (or ``deadline``,
    a ``time.perf_counter()`` value, passes).  Returns the new plan and the number of
    shifts added.  Each step takes the column with the lowest cost per short
    agent-interval it is on duty in (ties: the cheaper column), among the columns
    that fit their group's headcount rules; a step the full check refuses (e.g. a
    minimum-hours rule) bans that column, and so does a step that does not lower the
    shortfall of the queues that must be filled (``~may_leave_short``), e.g. because
    the new agent is allocated to a "may leave short" queue with a higher penalty."""
    cols = inst.columns
    G = len(inst.config.groups)
    fill_q = ~may_leave_short(inst)
    skill = inst.skill.astype(float)
    banned = np.zeros(len(cols), dtype=bool)
    groups = [np.flatnonzero(cols.group == g) for g in range(G)]
    added = 0
    for _ in range(max_steps):
        if time.perf_counter() > deadline:
            break
        short = (plan.short > 0) & fill_q[:, None]  # (Q, T)
        if not short.any():
            break
        need = (skill @ short) > 0  # (G, T): a short queue of the group's skills
        gain = np.zeros(len(cols))
        ok = ~banned
        for g, mine in enumerate(groups):
            if len(mine) and need[g].any():
                gain[mine] = cols.duty[mine] @ need[g].astype(float)
                ok[mine] &= addable(inst, g, plan.y)
        cand = np.flatnonzero(ok & (gain > 0))
        if not len(cand):
            break
        ratio = cols.cost[cand] / gain[cand]
        c = cand[np.lexsort((cols.cost[cand], ratio))[0]]
        y = plan.y.copy()
        y[c] += 1
        trial = evaluate(inst, y)
        # kept only when the queues that must be filled get less short: ``allocate``
        # may hand the new agent to a queue the pass is meant to leave short
        # (a higher penalty), and such a step buys nothing the pass is for
        if not trial.feasible or trial.short[fill_q].sum() >= plan.short[fill_q].sum():
            banned[c] = True
            continue
        plan = trial
        added += 1
    return plan, added
