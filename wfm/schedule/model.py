"""The shift-planning MIP as a PuLP problem (built here, solved in ``wfm.schedule.solve``).

Variables (names in the LP file):

* ``y_<c>_<group>_<shift>`` integer >= 0: agents of the group working column c
  (template, start interval, length, break position);
* ``n_<group>`` integer: agents employed in the group (only when the group has
  headcount or minimum-hours limits);
* ``x_<g>_<q>_<t>`` >= 0: agents of group g working queue q in interval t (only for
  queues in the group's skills with a requirement);
* ``u_<q>_<t>`` >= 0: missing agents of queue q in interval t (soft coverage).

Constraints::

    duty_g_t:   sum_q x[g,q,t] <= sum_{c of g on duty at t} y[c]      (an agent counts once)
    cover_q_t:  sum_g x[g,q,t] + u[q,t] >= required[q,t]
    hours_g:    sum_c paid_h[c] y[c] <= max_weekly_hours * n_g         (and >= min hours)
    shifts_g:   sum_c y[c] <= (7 - days_off) * n_g
    day_g_d:    sum_{c of g starting on day d} y[c] <= n_g             (one shift a day)
    rest_g_t:   sum_{c of g starting in [t, t + W)} y[c] <= n_g        (optional, W =
                shortest shift + min_rest: one start per agent in W)
    offs_g:     sum_k z[g,k] <= n_g          (groups with max_headcount, consecutive_days_off
    work_g_d:   sum_{c of g starting on d} y[c] <= sum_{k: d not in block k} z[g,k]    B > 0)

``z_<group>_<k>`` integer >= 0: agents of the group whose block of B consecutive days off
starts on day k (the implicit days-off model of Baker 1974, with the week wrap): a plan
whose daily counts no set of agents with such blocks can work is cut off.

Objective (money per week)::

    sum_c cost[c] y[c] + sum_{q,t} short_cost[q,t] dt_h u[q,t]
      + overstaffing_cost * dt_h * (on-duty agent-intervals - covered agent-intervals)

For integer y the x/u part splits into one transportation problem per interval
(totally unimodular), so x and u stay continuous and have integral optimal vertices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pulp

from wfm.schedule.instance import ShiftInstance, off_blocks, rest_window

_SAFE = re.compile(r"[^A-Za-z0-9]+")


def _safe(name: str) -> str:
    return _SAFE.sub("", name) or "x"


@dataclass
class ShiftModel:
    """The PuLP problem and handles to its variables (index-aligned with the instance)."""

    problem: pulp.LpProblem
    y: list[pulp.LpVariable]
    n: dict[int, pulp.LpVariable]
    x: dict[tuple[int, int, int], pulp.LpVariable]
    u: dict[tuple[int, int], pulp.LpVariable]
    constant: float
    z: dict[tuple[int, int], pulp.LpVariable]

    def integer_vars(self) -> list[pulp.LpVariable]:
        return [*self.y, *self.n.values(), *self.z.values()]


def needs_headcount(inst: ShiftInstance, g: int) -> bool:
    """Does group g get a headcount variable (limits on agents or minimum hours)?"""
    grp = inst.config.groups[g]
    return grp.max_headcount is not None or grp.min_headcount > 0 or grp.min_weekly_hours > 0


def build_model(inst: ShiftInstance, name: str = "shift_plan") -> ShiftModel:
    """Build the PuLP problem for ``inst`` (no solving)."""
    cols = inst.columns
    rules = inst.config.rules
    prob = pulp.LpProblem(name, pulp.LpMinimize)
    gnames = [_safe(g.name) for g in inst.config.groups]
    tnames = [_safe(s.name) for s in inst.config.shifts]
    y = [
        pulp.LpVariable(f"y_{c}_{gnames[cols.group[c]]}_{tnames[cols.template[c]]}", 0, None,
                        pulp.LpInteger)
        for c in range(len(cols))
    ]
    on_duty = np.asarray(cols.duty.sum(axis=1)).ravel()
    eps = rules.overstaffing_cost * inst.dt_h
    obj_terms = [(y[c], float(cols.cost[c] + eps * on_duty[c])) for c in range(len(cols))]

    req = inst.required
    Q, T = req.shape
    G = len(inst.config.groups)
    x: dict[tuple[int, int, int], pulp.LpVariable] = {}
    u: dict[tuple[int, int], pulp.LpVariable] = {}
    qnames = [_safe(q) for q in inst.queues]
    for q in range(Q):
        for t in np.flatnonzero(req[q] > 0):
            u[q, int(t)] = v = pulp.LpVariable(f"u_{qnames[q]}_{t}", 0)
            obj_terms.append((v, float((inst.short_cost[q, t] + rules.overstaffing_cost)
                                     * inst.dt_h)))
    for g in range(G):
        for q in np.flatnonzero(inst.skill[g]):
            for t in np.flatnonzero(req[q] > 0):
                x[g, int(q), int(t)] = pulp.LpVariable(f"x_{gnames[g]}_{qnames[q]}_{t}", 0)
    constant = -eps * float(req.sum())
    prob += pulp.LpAffineExpression(obj_terms, constant=constant)

    duty_t = cols.duty.tocsc()
    by_gt: dict[tuple[int, int], list[pulp.LpVariable]] = {}
    for (g, _q, t), v in x.items():
        by_gt.setdefault((g, t), []).append(v)
    for (g, t), xs in sorted(by_gt.items()):
        lo, hi = duty_t.indptr[t], duty_t.indptr[t + 1]
        cs = duty_t.indices[lo:hi]
        cs = cs[cols.group[cs] == g]
        expr = pulp.LpAffineExpression([(v, 1.0) for v in xs] + [(y[c], -1.0) for c in cs])
        prob.addConstraint(
            pulp.LpConstraint(expr, pulp.LpConstraintLE, f"duty_{gnames[g]}_{t}", 0))
    by_qt: dict[tuple[int, int], list[pulp.LpVariable]] = {}
    for (_g, q, t), v in x.items():
        by_qt.setdefault((q, t), []).append(v)
    for (q, t), uv in u.items():
        expr = pulp.LpAffineExpression([(v, 1.0) for v in by_qt.get((q, t), [])] + [(uv, 1.0)])
        prob.addConstraint(
            pulp.LpConstraint(expr, pulp.LpConstraintGE, f"cover_{qnames[q]}_{t}", float(req[q, t]))
        )

    n: dict[int, pulp.LpVariable] = {}
    z: dict[tuple[int, int], pulp.LpVariable] = {}
    max_shifts = 7 - rules.days_off
    for g, grp in enumerate(inst.config.groups):
        if not needs_headcount(inst, g):
            continue
        n[g] = ng = pulp.LpVariable(f"n_{gnames[g]}", grp.min_headcount, grp.max_headcount,
                                    pulp.LpInteger)
        mine = np.flatnonzero(cols.group == g)
        hours = [(y[c], float(cols.paid_h[c])) for c in mine]
        prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression([*hours, (ng, -grp.max_weekly_hours / 3600.0)]),
            pulp.LpConstraintLE, f"hours_{gnames[g]}", 0))
        if grp.min_weekly_hours > 0:
            prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([*hours, (ng, -grp.min_weekly_hours / 3600.0)]),
                pulp.LpConstraintGE, f"minhours_{gnames[g]}", 0))
        prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression([*[(y[c], 1.0) for c in mine], (ng, -float(max_shifts))]),
            pulp.LpConstraintLE, f"shifts_{gnames[g]}", 0))
        for d in np.unique(cols.day_index[mine]):
            cs = mine[cols.day_index[mine] == d]
            prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([*[(y[c], 1.0) for c in cs], (ng, -1.0)]),
                pulp.LpConstraintLE, f"day_{gnames[g]}_{d}", 0))
        w = rest_window(inst, g)
        if w:  # rest_g_t: one start per agent within shortest shift + min_rest
            start = cols.start[mine]
            for t in np.unique(start):
                off = (start - t) % T if inst.cyclic else start - t
                cs = mine[(off >= 0) & (off < w)]
                prob.addConstraint(pulp.LpConstraint(
                    pulp.LpAffineExpression([*[(y[c], 1.0) for c in cs], (ng, -1.0)]),
                    pulp.LpConstraintLE, f"rest_{gnames[g]}_{t}", 0))
        blocks = off_blocks(inst, g)
        if blocks is not None:  # offs_g, work_g_d: the days-off patterns
            zs = [pulp.LpVariable(f"z_{gnames[g]}_{k}", 0, None, pulp.LpInteger)
                  for k in range(blocks.shape[0])]
            z.update({(g, k): v for k, v in enumerate(zs)})
            prob.addConstraint(pulp.LpConstraint(
                pulp.LpAffineExpression([*[(v, 1.0) for v in zs], (ng, -1.0)]),
                pulp.LpConstraintLE, f"offs_{gnames[g]}", 0))
            for d in np.unique(cols.day_index[mine]):
                cs = mine[cols.day_index[mine] == d]
                prob.addConstraint(pulp.LpConstraint(
                    pulp.LpAffineExpression([*[(y[c], 1.0) for c in cs],
                                             *[(zs[k], -1.0) for k in range(len(zs))
                                               if not blocks[k, d]]]),
                    pulp.LpConstraintLE, f"work_{gnames[g]}_{d}", 0))
    return ShiftModel(prob, y, n, x, u, constant, z)
