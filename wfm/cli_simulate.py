"""``wfm simulate`` glue: read the plan, run the replications, write, summarise.

Kept out of ``wfm/cli.py`` so the command there only parses options.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

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


def _cell(v: float | None, half: float | None, erlang: float | None, scale: float) -> str:
    """``sim±half / erlang`` in units of ``scale`` (100 for percent, 1 for seconds)."""
    def num(x: float | None) -> str:  # e-mail times to answer run into hours: no decimals
        if x is None or np.isnan(x):
            return "-"
        return f"{scale * x:,.0f}" if abs(scale * x) >= 1000 else f"{scale * x:.1f}"

    text = num(v)
    if v is not None and half is not None and not np.isnan(half):
        text += f"±{scale * half:.1f}"
    return f"{text} / {num(erlang)}"


def print_simulation_summary(console: Console, s: dict) -> None:
    """Per queue: simulated (95 % interval) beside the Erlang prediction of wfm staff."""
    where = f" → {s['output']}" if s["output"] else ""
    table = Table(show_edge=False, header_style="bold",
                  title=f"simulated week, {s['replications']} replications (seed {s['seed']})"
                        f"{where}")
    for name in ("queue", "contacts", "SL %", "ASA s", "abandon %", "occupancy %", "missed"):
        table.add_column(name, justify="left" if name == "queue" else "right")
    for q in s["queues"]:
        table.add_row(
            q["queue"], f"{q['contacts']:,.0f}",
            *(_cell(q[m], q[f"{m}_ci95"], q[f"{m}_erlang"], 1.0 if m == "asa" else 100.0)
              for m in ("service_level", "asa", "abandon", "occupancy")),
            (("week: missed" if q["misses_target"] else "week: met")
             if q.get("target_over") == "horizon" and q["target_sl"] is not None
             else f"{q['intervals_missed']}/{q['intervals_open']}"),
        )
    console.print(table)
    console.print(f"cells: simulated ± 95 % half-width / Erlang prediction of wfm staff; "
                  "missed: intervals whose simulated SL interval lies wholly below the target "
                  "(e-mail: the week's SL, its target being a share over the week); "
                  f"{s['elapsed_s']:.1f} s ({s['seconds_per_replication']:.2f} s per "
                  "replication)", markup=False)
    for n in s["notes"]:
        console.print(f"note: {n}", markup=False)
