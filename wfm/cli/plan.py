"""``wfm plan`` (the whole chain in one command) and ``wfm report`` (rewrite its report)."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wfm.cli._common import check_solver, positive_duration, relative_gap, run, warn, whole_days


def plan(
    history: Annotated[Path, typer.Argument(help="History CSV.", metavar="HISTORY.csv")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML with shifts.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the plan.")],
    events: Annotated[Path | None, typer.Option(help="Events CSV (campaigns, outages).")] = None,
    scenarios: Annotated[
        Path | None, typer.Option(help="Scenario TOML: also compare scenario costs.")
    ] = None,
    horizon: Annotated[str, typer.Option(help="Days to forecast and plan, e.g. 7d.")] = "7d",
    solver: Annotated[str, typer.Option(help="MIP solver: highs or cbc.")] = "highs",
    time_limit: Annotated[str, typer.Option(help="Shift planning limit, e.g. 60s.")] = "60s",
    gap: Annotated[str, typer.Option(help="Stop planning at this gap: 0.005 or 0.5%.")] = "0.5%",
    simulate: Annotated[int, typer.Option(
        help="Also simulate the plan with this many replications (0: no simulation).",
        min=0)] = 0,
    seed: Annotated[int, typer.Option(help="Simulation seed; replication r uses (seed, r).")
                    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    capacity: Annotated[Path | None, typer.Option(
        help="Capacity TOML: also the monthly FTE plan (capacity.csv).")] = None,
    scorecard: Annotated[Path | None, typer.Option(
        help="Scorecard TOML (with --scenarios): also rank the vendors.")] = None,
    pilot: Annotated[Path | None, typer.Option(
        help="Pilot TOML: also cost a pilot on the forecast (pilot.csv).")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Simulate the shift plan, raise the requirement where service "
                         "misses its target, re-plan (as wfm schedule --verify); verify.csv.")
                      ] = False,
    verify_rounds: Annotated[int, typer.Option(help="Most re-plans of --verify.", min=0)] = 3,
) -> None:
    """Forecast, staff, schedule, compare scenarios and write the report, into one directory.

    Writes forecast.csv, requirements.csv, shifts.csv, coverage.csv, uncovered.csv,
    simulation.csv (with --simulate), scenarios.csv (with --scenarios), scorecard.csv
    (--scorecard), pilot.csv (--pilot), capacity.csv (--capacity), report.html and
    report.xlsx; nothing changes in the directory unless every step succeeds.
    """
    from wfm.pipeline.plan import STEPS, PlanOptions, run_plan

    check_solver(solver)
    days = whole_days(horizon)
    if days > 7:
        raise typer.BadParameter("wfm plan schedules one week: at most 7d", param_hint="--horizon")
    limit = positive_duration(time_limit, "--time-limit")
    if simulate == 1:
        raise typer.BadParameter("0 (no simulation) or at least 2 replications",
                                 param_hint="--simulate")
    opts = PlanOptions(history=history, config=config, output=output, events=events,
                       scenarios=scenarios, horizon_days=days, solver=solver,
                       time_limit=limit, gap=relative_gap(gap), simulate=simulate, seed=seed,
                       capacity=capacity, scorecard=scorecard, pilot=pilot,
                       verify_rounds=verify_rounds if verify else None)
    err = Console(stderr=True)
    skipped = {"scenarios": scenarios is None, "simulate": simulate == 0,
               "scorecard": scorecard is None, "pilot": pilot is None,
               "capacity": capacity is None}
    steps = [s for s in STEPS if not skipped.get(s)]
    show = not quiet and not as_json and err.is_terminal
    if show:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                       console=err, transient=True)
        task = bar.add_task("plan", total=len(steps))

        def progress(step: str, detail: str) -> None:
            text = f"{step} ({steps.index(step) + 1}/{len(steps)})"
            bar.update(task, description=f"{text}: {detail}" if detail else text,
                       completed=steps.index(step))
    else:
        bar, progress = nullcontext(), None
    with bar:
        result = run(lambda: run_plan(opts, progress))
    warn(result.warnings)
    s = result.schedule_summary
    if s.get("paid_h", 0) == 0 and s.get("required_h", 0) > 0:
        typer.echo("warning: no shifts planned within the time limit; raise --time-limit",
                   err=True)
    if as_json:
        typer.echo(json.dumps({"output": str(output), "files": result.files,
                               "timings_s": result.timings, "schedule": s}, default=str))
        return
    if quiet:
        return
    out = Console(highlight=False)
    total = sum(result.timings.values())
    out.print(f"plan → {output}/ in {total:.1f} s ("
              + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items()) + ")",
              markup=False)
    out.print(f"shifts: paid {s['paid_h']:,.1f} h = {s['fte']:.1f} FTE, cost "
              f"{s['cost']:,.2f}, gap {100 * s['gap']:.2f} % ({s['solver']}, {s['status']})",
              markup=False)
    if s.get("fill_shifts"):
        out.print(f"fill pass: +{s['fill_shifts']} shifts (+{s['fill_paid_h']:,.1f} paid h, "
                  f"+{s['fill_cost']:,.2f}) to cover what the optimiser left short; the "
                  f"solver's plan was {100 * s['gap_before_fill']:.2f} % above the LP bound",
                  markup=False)
    out.print("files: " + ", ".join(result.files), markup=False)


def report(
    plan_dir: Annotated[Path, typer.Argument(help="Plan directory (of wfm plan).",
                                             metavar="PLAN_DIR")],
    history: Annotated[Path, typer.Option("--history", help="History CSV the plan came from.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML file.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
) -> None:
    """Rewrite report.html and report.xlsx from the CSV files in a plan directory.

    For after an edit: re-run the step you changed (e.g. `wfm schedule`), then this.
    """
    from wfm.pipeline.plan import rebuild_report

    files = run(lambda: rebuild_report(plan_dir, history, config))
    if not quiet:
        Console(highlight=False).print(
            f"report → {', '.join(str(plan_dir / f) for f in files)}", markup=False)
