"""``wfm simulate``'s step: read the plan, run the replications, write the table."""

from __future__ import annotations

import time
from pathlib import Path

from wfm.simulate.plan import PlanInputs, load_plan, result_table, summary


def load_inputs(plan_dir: str | Path, config: str | Path, requirements: str | Path | None,
                **options) -> PlanInputs:
    """Read a plan directory (``shifts.csv``) and its requirements into simulator input."""
    return load_plan(Path(plan_dir), Path(config),
                     None if requirements is None else Path(requirements), **options)


def run_simulation(plan_dir: Path, config: Path, requirements: Path | None,
                   output: Path | None, replications: int, seed: int, workers: int,
                   handle: str, cv: float, routing: str, cluster: str | None = None,
                   reserve: int = 0) -> dict:
    """Simulate, write the per-interval table (atomically) when ``output`` is given and
    return the summary dict printed by the CLI.  User mistakes raise WfmInputError."""
    from wfm.io.atomic import write_csv
    from wfm.simulate import simulate

    inputs = load_inputs(plan_dir, config, requirements, handle=handle, cv=cv,
                         routing=routing, reserve=reserve)
    t0 = time.perf_counter()
    res = simulate(inputs.sim, replications=replications, seed=seed, workers=workers,
                   cluster=cluster)
    elapsed = time.perf_counter() - t0
    table = result_table(inputs, res)
    if output is not None:
        write_csv(output, table)
    return {"output": None if output is None else str(output), "replications": replications,
            "seed": seed, "elapsed_s": elapsed, "seconds_per_replication": elapsed /
            replications, "events": res.events, "queues": summary(inputs, res, table),
            "notes": inputs.notes}
