"""``wfm scenario pilot`` and ``wfm scenario pilot-check``: a pilot on a sub-area."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wfm.cli._common import console, run, warn


def pilot(
    pilot_file: Annotated[Path, typer.Argument(help="Pilot TOML file.", metavar="PILOT.toml")],
    forecast: Annotated[Path, typer.Option("--forecast", "-f", help="Forecast CSV.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML file.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="CSV of the pilot window per scenario and provider.")] = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="How every figure was computed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Staffing and cost of both sides during a pilot, its transition cost, and the model's
    expected values of the success criteria."""
    from wfm.pipeline.pilot import plan_pilot

    done = run(lambda: plan_pilot(pilot_file, forecast, config, output))
    p, s = done.pilot.pilot, done.pilot.success
    if as_json:
        typer.echo(json.dumps({"outputs": done.written, "rows": done.rows,
                               "expected": done.expected,
                               "success": s.model_dump()}, indent=2, default=str))
        return
    t = Table(show_edge=False, header_style="bold", title=escape(
        f"pilot {p.name!r}: {', '.join(p.queues)} ({p.when}) to {p.vendor}, "
        f"{p.start}..{p.end} ({p.weeks} weeks); EUR and hours over those weeks"))
    for name in ("scenario", "provider", "contacts", "paid hours", "FTE", "run cost",
                 "transition", "extra vs baseline", "extra, staff kept"):
        t.add_column(name, justify="left" if name in ("scenario", "provider") else "right")
    for r in done.rows:
        t.add_row(escape(r["scenario"]), escape(r["provider"]), f"{r['contacts']:,.0f}",
                  f"{r['paid_hours']:,.0f}", f"{r['fte']:.1f}", f"{r['run_cost_eur']:,.0f}",
                  f"{r['transition_eur']:,.0f}",
                  "" if r["extra_cost_eur"] is None else f"{r['extra_cost_eur']:+,.0f}",
                  "" if r["extra_if_staff_kept_eur"] is None
                  else f"{r['extra_if_staff_kept_eur']:+,.0f}",
                  style="bold" if r["provider"] == "TOTAL" else None,
                  end_section=r["provider"] == "TOTAL")
    console.print(t)
    e = done.expected
    crit = Table(show_edge=False, header_style="bold",
                 title="success criteria (checked by wfm scenario pilot-check)")
    for name in ("criterion", "target", "model expects"):
        crit.add_column(name, justify="left" if name == "criterion" else "right")
    for name, target, bound in (("service_level", s.service_level, "≥"), ("fcr", s.fcr, "≥"),
                                ("cost_per_contact", s.cost_per_contact, "≤")):
        if target is not None:
            crit.add_row(name, f"{bound} {target:g}", _fmt(e[name]))
    console.print(crit)
    if explain:
        console.print(
            "Figures over the pilot = the engine's per-year figures * weeks / 52 "
            f"({p.weeks}/52 = {p.weeks / 52:.4f}); FTE are the yearly average.  Extra vs "
            "baseline = pilot run cost - baseline run cost + transition cost (the freed in-house "
            "hours are not paid); staff kept = run cost of the providers new in the pilot + "
            "transition (in-house payroll unchanged).  Model "
            "expectation: the vendor's contact-weighted service level over its queues, its "
            "FCR (provider fcr, else settings.baseline_fcr), its run cost per year / "
            "forecast contacts routed to it per year.")


def pilot_check(
    actuals: Annotated[Path, typer.Argument(help="Actuals CSV (week_start, queue, contacts, "
                                            "service_level, fcr, cost_eur).",
                                            metavar="ACTUALS.csv")],
    pilot_file: Annotated[Path, typer.Option("--pilot", "-p", help="Pilot TOML file.")],
    explain: Annotated[bool, typer.Option(
        "--explain", help="How every figure was computed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Check a pilot's actuals against its success criteria (pass / fail per criterion)."""
    from wfm.pipeline.pilot import check_pilot

    pf, rows, warnings = run(lambda: check_pilot(actuals, pilot_file))
    warn(warnings)
    passed = all(r.passed for r in rows)
    if as_json:
        typer.echo(json.dumps({"passed": passed, "criteria": [vars(r) for r in rows]},
                              indent=2))
        return
    t = Table(show_edge=False, header_style="bold",
              title=escape(f"pilot {pf.pilot.name!r}: {'PASSED' if passed else 'NOT PASSED'}"))
    for name in ("criterion", "actual", "target", "result", *(("how",) if explain else ())):
        t.add_column(name, justify="right" if name in ("actual", "target") else "left")
    for r in rows:
        t.add_row(r.criterion, _fmt(r.actual), f"{r.bound} {r.target:g}",
                  "pass" if r.passed else "FAIL", *((escape(r.how),) if explain else ()))
    console.print(t)


def _fmt(v: float) -> str:
    return "-" if v is None or math.isnan(v) else f"{v:.4g}"
