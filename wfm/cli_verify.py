"""``wfm schedule --verify`` glue: simulate each round's plan, tabulate, print.

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
from rich.console import Console
from rich.table import Table

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
        inputs = load_plan(d, config, requirements, reserve=options.reserve)
    res = simulate(inputs.sim, replications=options.replications, seed=options.seed)
    return measurement(inputs, res)


def verify_plan(plan, plan_fn: Callable[[np.ndarray], object], requirements: Path,
                config: Path, shrinkage: float, options: VerifyOptions,
                console: Console | None = None) -> VerifyResult:
    """Run the loop from the first ``plan``; ``plan_fn`` re-plans a raised requirement."""
    from wfm.simulate.verify import step_for, verify

    inst = plan.instance

    def run(say: Callable[[str], None]) -> VerifyResult:
        return verify(inst.required, inst.queues, inst.dt, plan_fn,
                      lambda p: measure(p, requirements, config, options), options.rounds,
                      step_for(shrinkage), first_plan=plan, progress=say)

    if console is not None and console.is_terminal:
        with console.status("verifying the plan") as status:
            return run(lambda m: status.update(m))
    return run(lambda _m: None)


def verify_table(result: VerifyResult) -> pd.DataFrame:
    """The rows of ``verify.csv``: one per round and simulated queue."""
    frame = pd.DataFrame(result.rows, columns=list(VERIFY_COLUMNS))
    return frame.round({"sl_week_sim": 6, "sl_week_ci95": 6, "agents_added_h": 3,
                        "paid_h": 3, "cost": 2})


def verify_summary(result: VerifyResult, options: VerifyOptions) -> dict:
    """JSON-ready summary (``summary['verify']`` of ``wfm schedule --verify``)."""
    return {"status": result.status, "rounds": result.rounds, "max_rounds": options.rounds,
            "replications": options.replications, "seed": options.seed,
            "rows": verify_table(result).to_dict(orient="records"), "unmet": result.unmet,
            "notes": [n for n in result.notes if not n.startswith("productive agents")]}


def print_verify_summary(console: Console, v: dict) -> None:
    """A table per round (misses and weekly SL per queue, cost), then the outcome."""
    rows = pd.DataFrame(v["rows"])
    for r, part in rows.groupby("round", sort=True):
        first = part.iloc[0]
        table = Table(show_edge=False, header_style="bold",
                      title=f"verify round {r}: paid {first['paid_h']:,.1f} h, cost "
                            f"{first['cost']:,.2f} ({v['replications']} replications, "
                            f"seed {v['seed']})")
        for name in ("queue", "missed", "SL week %", "target %", "added agent-h", "met"):
            table.add_column(name, justify="left" if name == "queue" else "right")
        for _, q in part.iterrows():
            table.add_row(q["queue"], f"{q['intervals_missing']}/{q['intervals_open']}",
                          f"{100 * q['sl_week_sim']:.1f}±{100 * q['sl_week_ci95']:.1f}",
                          "-" if pd.isna(q["target"]) else f"{100 * q['target']:.0f}",
                          f"{q['agents_added_h']:.1f}", "yes" if q["met"] else "no")
        console.print(table)
    if v["status"] == "met":
        console.print(f"verify: every simulated queue meets its target after {v['rounds']} "
                      "re-plan(s)", markup=False)
    else:
        console.print(f"verify: stopped ({v['status']}) after {v['rounds']} re-plan(s); "
                      "short of target:", markup=False)
        for u in v["unmet"]:
            console.print(f"  {u['queue']}: {u['intervals_missing']} interval(s) missing — "
                          f"{u['reason']}", markup=False)
    for n in v["notes"]:
        console.print(f"verify note: {n}", markup=False)
