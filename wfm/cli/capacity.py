"""``wfm capacity``: the long-range (monthly) capacity plan: hires, attrition, vendor FTE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wfm.cli._common import console, run


def capacity(
    plan_file: Annotated[Path, typer.Argument(help="Capacity TOML file.",
                                              metavar="CAPACITY.toml")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="FTE plan CSV: one row per month and queue.")] = None,
    history: Annotated[Path | None, typer.Option(
        "--history", help="History CSV: volume level and trend of queues whose volume or "
        "growth the capacity file leaves out.")] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", help="Center TOML file (timezone of --history, contract hours).")
    ] = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="How every figure was computed, in words and numbers.")] = False,
    queue: Annotated[str | None, typer.Option(help="Only this queue in --explain.")] = None,
    month: Annotated[str | None, typer.Option(help="Only this month (YYYY-MM) in --explain.")
                     ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Monthly FTE plan per queue: required FTE from volume trend and AHT, hiring classes
    with training and ramp-up, attrition by tenure, the vendor's FTE and the cost."""
    from wfm.pipeline.capacity import capacity_file

    plan = run(lambda: capacity_file(plan_file, output, history, config))
    rows = [r for r in plan.explain
            if (queue is None or r["queue"] == queue) and (month is None or r["month"] == month)]
    if as_json:
        payload = {"output": None if output is None else str(output),
                   "contract_hours_per_week": plan.hours_per_week,
                   "contract_hours_source": plan.hours_source,
                   "plan": json.loads(plan.table.to_json(orient="records"))}
        if explain:
            payload["explain"] = rows
        typer.echo(json.dumps(payload, indent=2))
        return
    if quiet:
        return
    _print_totals(plan)
    if explain:
        ex = Table(show_edge=False, header_style="bold", title="how each figure was computed")
        for name in ("queue", "month", "figure", "value", "how"):
            ex.add_column(name, justify="right" if name == "value" else "left")
        for r in rows:
            ex.add_row(r["queue"], r["month"], r["figure"], f"{r['value']:,.2f}",
                       escape(str(r["how"])))
        console.print(ex)


def _print_totals(plan) -> None:
    t = plan.table
    by = t.groupby("month", sort=True)
    sums = by[["volume", "required_fte", "inhouse_target_fte", "headcount_fte",
               "in_training_fte", "productive_fte", "hires", "leavers_fte", "vendor_fte",
               "inhouse_cost_eur", "vendor_cost_eur", "hiring_cost_eur"]].sum()
    table = Table(show_edge=False, header_style="bold", title=(
        f"capacity plan, all queues (FTE = {plan.hours_per_week:g} h/week from "
        f"{escape(plan.hours_source)}; per queue in the CSV)"))
    for name in ("month", "contacts", "required", "in-house target", "headcount", "in training",
                 "productive", "hires", "leavers", "vendor FTE", "cost EUR/month"):
        table.add_column(name, justify="left" if name == "month" else "right")
    for m, r in sums.iterrows():
        cost = r["inhouse_cost_eur"] + r["vendor_cost_eur"] + r["hiring_cost_eur"]
        table.add_row(str(m), f"{r['volume']:,.0f}", f"{r['required_fte']:.1f}",
                      f"{r['inhouse_target_fte']:.1f}", f"{r['headcount_fte']:.1f}",
                      f"{r['in_training_fte']:.1f}", f"{r['productive_fte']:.1f}",
                      f"{int(r['hires'])}", f"{r['leavers_fte']:.1f}", f"{r['vendor_fte']:.1f}",
                      f"{cost / 1e6:,.2f} M" if cost >= 1e6 else f"{cost:,.0f}")
    console.print(table)
    hires = t[t["hires"] > 0]
    if len(hires):
        lines = [f"{r.month} {r.queue}: {int(r.hires)}" for r in hires.itertuples()]
        console.print("hiring classes (month queue: persons): " + ", ".join(lines))
