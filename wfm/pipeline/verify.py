"""``wfm schedule --verify``'s I/O: simulate each round's plan, tabulate the rounds.

The loop itself is ``wfm.simulate.verify`` (pure); here are its two callables' I/O:
a round's plan is simulated exactly as ``wfm simulate`` would simulate it once
written (``shifts.csv`` and ``coverage.csv`` in a temporary directory, read back by
``wfm.simulate.plan.load_plan`` with the original requirements file).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.simulate.verify import Measurement, VerifyOptions, VerifyResult

VERIFY_COLUMNS = ("round", "queue", "intervals_open", "intervals_missing", "sl_week_sim",
                  "sl_week_ci95", "target", "met", "agents_added_h", "paid_h", "cost")


def measure(plan, requirements: Path, config: Path, options: VerifyOptions) -> Measurement:
    """Simulate ``plan`` (a ``SchedulePlan``) against the requirements file."""
    from wfm.io.atomic import write_csv
    from wfm.simulate import simulate
    from wfm.simulate.plan import load_plan
    from wfm.simulate.verify import measurement

    with tempfile.TemporaryDirectory(prefix="wfm-verify-") as tmp:
        d = Path(tmp)
        write_csv(d / "shifts.csv", plan.shifts)
        write_csv(d / "coverage.csv", plan.coverage)
        inputs = load_plan(d, config, requirements, reserve=options.reserve,
                           routing=options.routing)
    res = simulate(inputs.sim, replications=options.replications, seed=options.seed)
    return measurement(inputs, res)


def verify_plan(plan, plan_fn: Callable[[np.ndarray, object], object], requirements: Path,
                config: Path, shrinkage: float, options: VerifyOptions,
                progress: Callable[[str], None] | None = None) -> VerifyResult:
    """Run the loop from the first ``plan``; ``plan_fn(required, previous)`` re-plans a raised
    requirement from the previous round's plan;
    ``progress(message)`` as each round goes."""
    from wfm.simulate.verify import step_for, verify

    inst = plan.instance

    return verify(inst.required, inst.queues, inst.dt, plan_fn,
                  lambda p: measure(p, requirements, config, options), options.rounds,
                  step_for(shrinkage), first_plan=plan,
                  progress=progress or (lambda _m: None))


def verify_table(result: VerifyResult) -> pd.DataFrame:
    """The rows of ``verify.csv``: one per round and simulated queue."""
    frame = pd.DataFrame(result.rows, columns=list(VERIFY_COLUMNS))
    return frame.round({"sl_week_sim": 6, "sl_week_ci95": 6, "agents_added_h": 3,
                        "paid_h": 3, "cost": 2})


def verify_summary(result: VerifyResult, options: VerifyOptions) -> dict:
    """JSON-ready summary (``summary['verify']`` of ``wfm schedule --verify``)."""
    return {"status": result.status, "rounds": result.rounds, "replans": result.replans,
            "max_rounds": options.rounds,
            "replications": options.replications, "seed": options.seed,
            "rows": verify_table(result).to_dict(orient="records"), "unmet": result.unmet,
            "notes": [n for n in result.notes if not n.startswith("productive agents")]}
