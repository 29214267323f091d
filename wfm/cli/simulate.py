"""``wfm simulate``: replicated discrete-event simulation of a plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from wfm.cli._common import console, run


def simulate(
    plan: Annotated[Path, typer.Argument(help="Plan directory written by wfm schedule.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML with groups.")],
    requirements: Annotated[Path | None, typer.Option(
        help="Requirements CSV (wfm staff); default PLAN/requirements.csv.")] = None,
    replications: Annotated[int, typer.Option(help="Independent weeks.", min=2,
                                              max=10_000)] = 20,
    seed: Annotated[int, typer.Option(help="Seed; replication r uses (seed, r).")] = 1,
    workers: Annotated[int, typer.Option(
        help="Local Dask worker processes (1: in this process).", min=1)] = 1,
    cluster: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    handle: Annotated[str, typer.Option(help="Handle times: exponential or lognormal.")] = (
        "exponential"),
    cv: Annotated[float, typer.Option(help="Lognormal coefficient of variation.")] = 1.0,
    routing: Annotated[str, typer.Option(help="specialist (fewer skills first), "
                                              "longest_idle, or plan (bilingual agents "
                                              "first on the queue the plan assigns them, "
                                              "then overflow).")] = "plan",
    reserve: Annotated[int, typer.Option(
        help="Idle agents of a multi-skilled phone pool kept for its own queue (--routing "
             "plan) or its smallest.",
        min=0)] = 0,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="CSV to write.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate a week of a plan: SL, ASA, abandonment, occupancy with 95 % intervals."""
    from wfm.pipeline.simulate import run_simulation

    if handle not in ("exponential", "lognormal"):
        raise typer.BadParameter("exponential or lognormal", param_hint="--handle")
    if routing not in ("specialist", "longest_idle", "plan"):
        raise typer.BadParameter("specialist, longest_idle or plan", param_hint="--routing")
    if not 0 < cv <= 100:  # also NaN and inf
        raise typer.BadParameter("must be above 0 and at most 100", param_hint="--cv")
    s = run(lambda: run_simulation(plan, config, requirements, output, replications, seed,
                                    workers, handle, cv, routing, cluster, reserve))
    if as_json:
        console.print_json(json.dumps(s))
    elif not quiet:
        print_simulation_summary(s)


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


def print_simulation_summary(s: dict) -> None:
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
    for q in s["queues"]:
        if "callback" in q:
            console.print(_callback_line(q["queue"], q["callback"]), markup=False)
    for n in s["notes"]:
        console.print(f"note: {n}", markup=False)


def _callback_line(queue: str, c: dict) -> str:
    """One line per queue with callbacks: share, share made in time, mean delay."""
    def pct(m: str) -> str:
        return _cell(c[m], c[f"{m}_ci95"], None, 100.0).split(" / ")[0] + " %"

    planned = "-" if c["callback_share_erlang"] is None \
        else f"{100 * c['callback_share_erlang']:.1f} %"
    delay = _cell(c["callback_delay"], c["callback_delay_ci95"], None, 1.0).split(" / ")[0]
    return (f"{queue} callbacks: {pct('callback_share')} of calls (wfm staff: {planned}), "
            f"{pct('callback_in_time')} made within {c['callback_deadline_s']:g} s, "
            f"mean delay {delay} s; the queue's SL, ASA and abandon are the live calls'")
