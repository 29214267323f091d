"""``wfm schedule`` glue: read inputs, run the planner with a spinner, write, summarise.

Kept out of ``wfm/cli.py`` so the command there only parses options.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from wfm.errors import WfmInputError


def run_schedule(requirements: Path, config: Path, output: Path, solver: str,
                 time_limit: float, gap: float, *, show_progress: bool):
    """Read, plan, write ``shifts.csv``, ``coverage.csv``, ``uncovered.csv`` under ``output``.

    All tables are computed before the first file is written; each file is written
    atomically.  User mistakes raise :class:`WfmInputError`.
    """
    from wfm.config import load_center
    from wfm.io.atomic import write_csv
    from wfm.io.requirements import read_requirements
    from wfm.schedule import SolveOptions, plan_schedule
    from wfm.schedule.config import load_schedule

    center = load_center(config)
    sched = load_schedule(config, center)
    req = read_requirements(requirements, center)
    span_days = ((req.starts[-1] - req.starts[0]).total_seconds() + center.interval) / 86400
    if span_days > 7 + 1 / 24:  # a week with a DST change has 167-169 hours
        raise WfmInputError(
            f"the requirements span {span_days:.1f} days; wfm schedule plans one week at a "
            "time (the headcount, weekly hours and days-off rules are per week): staff a "
            "7-day forecast (wfm forecast --horizon 7d) or cut the file to one week",
            file=str(requirements),
        )
    if output.exists() and not output.is_dir():
        raise WfmInputError("output must be a directory", file=str(output))
    opts = SolveOptions(solver=solver, time_limit=time_limit, gap=gap)
    console = Console(stderr=True)
    try:
        if show_progress and console.is_terminal:
            with console.status("planning shifts") as status:
                plan = plan_schedule(req.starts, center.interval, req.queues, req.required,
                                     sched, opts, progress=lambda m: status.update(m))
        else:
            plan = plan_schedule(req.starts, center.interval, req.queues, req.required, sched,
                                 opts)
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(config)) from None
    for w in req.warnings:
        console.print(f"warning: {w}", markup=False, highlight=False)
    write_csv(output / "shifts.csv", plan.shifts)
    write_csv(output / "coverage.csv", plan.coverage)
    write_csv(output / "uncovered.csv", plan.uncovered)
    return plan


def print_schedule_summary(console: Console, plan, output: Path) -> None:
    """The terminal summary: totals, per-queue coverage, groups, what stays uncovered."""
    s = plan.summary
    first = f"{s['first_plan_s']:.1f} s" if s["first_plan_s"] is not None else "-"
    console.print(
        f"plan → {output}/  solver {s['solver']} ({s['status']}), {s['elapsed_s']:.1f} s, "
        f"first plan {first}", markup=False)
    console.print(
        f"paid {s['paid_h']:,.1f} h = {s['fte']:.1f} FTE, required {s['required_h']:,.1f} "
        f"agent-h, cost {s['cost']:,.2f}; objective {s['objective']:,.2f}, bound "
        f"{s['bound']:,.2f}, gap {100 * s['gap']:.2f} %", markup=False)
    table = Table(show_edge=False, header_style="bold", title="coverage per queue (agent-hours)")
    for name in ("queue", "required", "scheduled", "understaffed", "over required"):
        table.add_column(name, justify="left" if name == "queue" else "right")
    for q in s["queues"]:
        table.add_row(q["queue"], f"{q['required_h']:.1f}", f"{q['scheduled_h']:.1f}",
                      f"{q['understaffed_h']:.1f}",
                      f"{q['over_required_h']:+.1f} ({100 * q['over_required_pct']:+.1f} %)")
    console.print(table)
    groups = Table(show_edge=False, header_style="bold", title="groups")
    for name in ("group", "shifts", "paid h", "agents needed", "max", "cost"):
        groups.add_column(name, justify="left" if name == "group" else "right")
    for g in s["groups"]:
        groups.add_row(g["group"], str(g["shifts"]), f"{g['paid_h']:.1f}", str(g["headcount"]),
                       "-" if g["max_headcount"] is None else str(g["max_headcount"]),
                       f"{g['cost']:,.2f}")
    console.print(groups)
    unc = plan.uncovered
    if len(unc):
        by = unc.groupby(["queue", "reason"], sort=False)["agent_hours"].sum().reset_index()
        console.print(f"not covered ({len(unc)} stretches, details in uncovered.csv):",
                      markup=False)
        for _, r in by.iterrows():
            console.print(f"  {r['queue']}: {r['agent_hours']:.1f} agent-h — {r['reason']}",
                          markup=False)
    for n in s["notes"]:
        console.print(f"note: {n}", markup=False)
