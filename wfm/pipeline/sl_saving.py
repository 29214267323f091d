"""The plan staffed for the week's (or day's) service level against the interval-by-
interval plan, both simulated: ``wfm plan --simulate N`` with ``[schedule]
service_level_over = "day" | "week"``.

``wfm schedule`` wrote the interval-by-interval plan of the same requirements into
``PLAN/interval_plan/`` (:data:`wfm.pipeline.schedule.BASELINE_DIR`); here both plans
are simulated with the same seeds (replication r of each draws from
``default_rng([seed, r])``), each simulation is written as ``wfm simulate`` writes it
(``PLAN/simulation.csv``, ``PLAN/interval_plan/simulation.csv``), and the week's
service level of each plan per compared queue, with the paired difference, goes to
``PLAN/service_level_saving.csv`` (:data:`SAVING_FILE`, columns
:data:`wfm.simulate.compare.COMPARE_COLUMNS`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from wfm.errors import WfmInputError

SAVING_FILE = "service_level_saving.csv"


def simulate_both(plan_dir: Path, config: Path, requirements: Path, simulation_file: str,
                  pooled: dict, replications: int, seed: int) -> pd.DataFrame:
    """Simulate ``plan_dir`` and its interval plan ``replications`` times (seed ``seed``,
    the defaults of ``wfm plan``'s simulation: exponential handling, routing that
    follows the plan's assignment, one worker); ``pooled`` is
    ``summary['service_level_over']`` of the plan (its ``queues`` are compared, each
    with its ``target``).  Writes the two simulation
    tables and :data:`SAVING_FILE`; returns the comparison (service levels 0..1).

    A compared queue missing from the requirements file is a :class:`WfmInputError`
    naming the file, before anything is written: ``pooled['queues']`` holds only queues
    with a requirement (``wfm.schedule.pooled.pooled_requirement`` leaves out queues
    without one), computed from the same requirements both simulations read, so a
    missing queue means the files do not belong together, not a queue to skip."""
    from wfm.io.atomic import write_csv
    from wfm.pipeline.schedule import BASELINE_DIR
    from wfm.pipeline.simulate import load_inputs
    from wfm.simulate import simulate
    from wfm.simulate.compare import compare_weeks, week_levels
    from wfm.simulate.plan import result_table

    names = list(pooled.get("queues", {}))
    dirs = (plan_dir, plan_dir / BASELINE_DIR)
    loaded = [load_inputs(d, config, requirements, handle="exponential", cv=1.0,
                          routing="plan") for d in dirs]
    for inputs in loaded:
        _check_compared(names, inputs.queues, requirements)
    levels, tables = [], []
    for inputs in loaded:  # all computed before the first file is written
        res = simulate(inputs.sim, replications=replications, seed=seed, keep=True)
        tables.append(result_table(inputs, res))
        rows = [inputs.queues.index(q) for q in names]
        answered = inputs.sim.sl_answered or (False,) * len(inputs.queues)
        levels.append(week_levels(res.per_replication, rows, answered))
    targets = [float(pooled["queues"][q]["target"]) for q in names]
    table = compare_weeks(names, targets, *levels)
    for d, frame in zip(dirs, tables, strict=True):
        write_csv(d / simulation_file, frame)
    write_csv(plan_dir / SAVING_FILE, table.round(6))
    return table


def _check_compared(names: list[str], simulated, requirements: Path) -> None:
    """Every compared queue (``pooled['queues']``, computed by ``wfm schedule`` from the
    requirements file) is simulated; else the requirements file is not the one the plan
    and its interval plan were made from: a :class:`WfmInputError` naming it."""
    missing = [q for q in names if q not in simulated]
    if missing:
        raise WfmInputError(
            f"queue {', '.join(missing)} of the plan's service_level_over summary is not in "
            "this requirements file; the plan, its interval_plan/ and the requirements must "
            "come from the same wfm schedule run", file=str(requirements))
