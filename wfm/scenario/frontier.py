"""Cost against service level over a range of in-house/vendor splits (``--frontier``).

A scenario routes some of its work to vendors.  The *shared* work is every
queue x interval cell in which the scenario gives any vendor a share.  At an
in-house share ``s`` of the frontier, in each shared cell the in-house
provider takes ``s`` of the volume and the scenario's vendors take ``1 - s``,
split between them in the scenario's proportions; other in-house providers
give up their part of shared cells; cells without a vendor share stay as
routed.  Overflow caps are dropped: a cell with overflow is swept as a plain
split.  So ``s = 0`` sends every shared cell wholly to the vendors and
``s = 1`` is all in-house (for a scenario whose default is a vendor, these
are the all-vendor and the all-in-house scenarios).

Every point is staffed and priced like a scenario (:func:`evaluate`).  Points
are independent: :func:`frontier_tasks` builds a list of picklable
:class:`FrontierTask` (plain dataclasses holding arrays and the validated
configs) and :func:`frontier_point` evaluates one; :func:`frontier` maps it
in order and marks the Pareto-efficient points.  No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from wfm.config.scenario import ScenarioFile
from wfm.errors import WfmInputError
from wfm.scenario.compare import (
    CompareContext,
    Routing,
    Shares,
    check_hours,
    collect,
    combine,
    day_variants,
    scenario_routing,
)


@dataclass(frozen=True)
class FrontierCase:
    """What every point of one frontier shares: configs, forecast, the scenario's routing."""

    scen: ScenarioFile
    ctx: CompareContext
    index: int
    inhouse: str
    vendors: tuple[str, ...]
    variants: tuple[tuple[CompareContext, Shares], ...]
    """The scenario's routing per day variant (:func:`day_variants`: one, or no-holiday
    and holiday days)."""


@dataclass(frozen=True)
class FrontierTask:
    """One point to evaluate: ``case`` at in-house share ``inhouse_share`` (0..1)."""

    case: FrontierCase
    inhouse_share: float


@dataclass(frozen=True)
class FrontierPoint:
    """One evaluated split; money in EUR, hours per year.

    ``service_level``: handled-contact weighted over all queues with a target;
    ``service_levels``: per queue; ``pareto``: no other point is at most as
    costly (TCO) with at least the service level, one of them strictly.
    """

    inhouse_share: float
    run_per_year: float
    transition: float
    tco: float
    inhouse_hours: float
    vendor_hours: float
    contacts: float
    service_level: float
    service_levels: dict[str, float]
    pareto: bool = False


def default_frontier_scenario(scen: ScenarioFile) -> str | None:
    """Name of the first scenario that routes anything to a vendor (None if none does)."""
    vendors = {p.name for p in scen.providers if p.kind == "vendor"}
    for s in scen.scenarios:
        used = {s.default} | {n for r in s.route for n in r.providers}
        if used & vendors:
            return s.name
    return None


def frontier_case(scen: ScenarioFile, ctx: CompareContext, name: str | None) -> FrontierCase:
    """Validate and build the shared part of the frontier of scenario ``name``.

    ``name`` None: the first scenario routing to a vendor
    (:func:`default_frontier_scenario`).

    The in-house provider is the scenario's in-house default, else the first
    in-house provider it routes to, else the file's first.  Raises
    :class:`WfmInputError` (naming the file and ``--frontier-scenario``) for an
    unknown scenario, one without vendors, no in-house provider, or an
    in-house provider that does not serve a shared queue or hour.
    """
    names = [s.name for s in scen.scenarios]
    if name is None:
        name = default_frontier_scenario(scen)
        if name is None:
            raise WfmInputError("--frontier: no scenario routes work to a vendor", file=scen.path)
    if name not in names:
        raise WfmInputError(
            f"--frontier-scenario: unknown scenario {name!r}; known: {', '.join(names)}",
            file=scen.path,
        )
    index = names.index(name)
    scenario = scen.scenarios[index]
    where = f"scenario[{index + 1}] ({name}) --frontier"
    variants = tuple(
        (v, scenario_routing(scen, index, v).shares) for v in day_variants(scen, index, ctx)
    )
    kinds = {p.name: p.kind for p in scen.providers}
    vendors = tuple(
        dict.fromkeys(
            n
            for _, shares in variants
            for per in shares.values()
            for n, share in per.items()
            if kinds[n] == "vendor" and (share > 0).any()
        )
    )
    if not vendors:
        raise WfmInputError(
            f"--frontier-scenario: scenario {name!r} routes nothing to a vendor", file=scen.path
        )
    used = [scenario.default, *(n for r in scenario.route for n in r.providers)]
    inhouse = next((n for n in used if n is not None and kinds.get(n) == "inhouse"), None)
    inhouse = inhouse or next((p.name for p in scen.providers if p.kind == "inhouse"), None)
    if inhouse is None:
        raise WfmInputError(
            f'{where}: the file defines no in-house provider (kind = "inhouse")',
            file=scen.path,
        )
    prov = scen.provider(inhouse)
    case = FrontierCase(scen, ctx, index, inhouse, vendors, variants)
    for _, shares in variants:
        full = split_shares(case, 1.0, shares)
        for qd in ctx.queues:
            if full[qd.key].get(inhouse) is not None and (full[qd.key][inhouse] > 0).any():
                if not prov.serves(qd.key):
                    raise WfmInputError(
                        f"{where}: in-house provider {inhouse!r} does not serve queue {qd.key}",
                        file=scen.path,
                    )
                check_hours(scen, qd, {inhouse: full[qd.key][inhouse]}, where, ctx.masks[qd.key])
    return case


def split_shares(case: FrontierCase, inhouse_share: float, shares: Shares) -> Shares:
    """The routing ``shares`` with every shared cell split ``inhouse_share`` : rest."""
    s = float(inhouse_share)
    out: Shares = {}
    for key, per in shares.items():
        present = [per[v] for v in case.vendors if v in per]
        if not present:  # no vendor in this queue
            out[key] = dict(per)
            continue
        vendor_total = np.sum(present, axis=0)
        shared = vendor_total > 0
        safe = np.where(shared, vendor_total, 1.0)
        new: dict[str, np.ndarray] = {}
        for name, share in per.items():
            if name in case.vendors:
                new[name] = np.where(shared, (1.0 - s) * share / safe, share)
            else:
                new[name] = np.where(shared, 0.0, share)
        base = new.get(case.inhouse, np.zeros(len(shared)))
        new[case.inhouse] = np.where(shared, s, base)
        out[key] = new
    return out


def frontier_tasks(case: FrontierCase, steps: int) -> list[FrontierTask]:
    """``steps`` evenly spaced in-house shares from 0 to 1 (``steps`` >= 2)."""
    if steps < 2:
        raise ValueError("a frontier needs at least 2 steps")
    return [FrontierTask(case, float(s)) for s in np.linspace(0.0, 1.0, steps)]


def frontier_point(task: FrontierTask) -> FrontierPoint:
    """Staff and price one split (pure; safe to run in another process)."""
    case = task.case
    scenario = case.scen.scenarios[case.index]
    collected = [
        collect(case.scen, v, Routing(split_shares(case, task.inhouse_share, shares)))
        for v, shares in case.variants
    ]
    result = combine(case.scen, scenario, case.ctx, collected)
    kinds = {p.name: p.kind for p in case.scen.providers}
    return FrontierPoint(
        inhouse_share=task.inhouse_share,
        run_per_year=result.run_per_year,
        transition=result.transition,
        tco=result.tco,
        inhouse_hours=sum(p.paid_hours for p in result.providers if kinds[p.provider] == "inhouse"),
        vendor_hours=sum(p.paid_hours for p in result.providers if kinds[p.provider] == "vendor"),
        contacts=result.contacts,
        service_level=result.service_level_total,
        service_levels=dict(result.service_level),
    )


def pareto_efficient(cost: Sequence[float], service_level: Sequence[float]) -> np.ndarray:
    """True where no other point has cost <= and service level >=, one strictly.

    NaN service levels count as the worst.  O(n^2) over the (few) points.
    """
    c = np.asarray(cost, dtype=float)
    sl = np.nan_to_num(np.asarray(service_level, dtype=float), nan=-math.inf)
    le = c[None, :] <= c[:, None]  # [i, j]: point j costs at most point i
    ge = sl[None, :] >= sl[:, None]
    strict = (c[None, :] < c[:, None]) | (sl[None, :] > sl[:, None])
    dominated = (le & ge & strict).any(axis=1)
    return ~dominated


def frontier(case: FrontierCase, steps: int = 11, *, workers: int = 1,
             cluster: str | None = None) -> list[FrontierPoint]:
    """Evaluate every point in order and mark the Pareto-efficient ones (cost = TCO).

    The points are independent tasks for :func:`wfm.parallel.map_tasks`: in this process
    (``workers=1``), on local Dask processes or on the Dask scheduler at ``cluster``."""
    from wfm.parallel import map_tasks

    points = map_tasks(frontier_point, frontier_tasks(case, steps), workers=workers,
                       cluster=cluster)
    mask = pareto_efficient([p.tco for p in points], [p.service_level for p in points])
    return [replace(p, pareto=bool(m)) for p, m in zip(points, mask, strict=True)]
