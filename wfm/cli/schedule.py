"""``wfm schedule`` (with ``--verify`` and rostering): plan shifts for a week."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from wfm.cli._common import (
    check_solver,
    console,
    positive_duration,
    relative_gap,
    run,
    status_progress,
    warn,
)


def schedule(
    requirements: Annotated[Path, typer.Argument(help="Requirements CSV (output of wfm staff).")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML with shifts.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the plan.")],
    solver: Annotated[str, typer.Option(help="MIP solver: highs or cbc.")] = "highs",
    time_limit: Annotated[str, typer.Option(help="Wall-clock limit, e.g. 60s or 2m.")] = "60s",
    gap: Annotated[str, typer.Option(help="Stop at this gap to the bound, e.g. 0.5%.")] = "0.5%",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    agents: Annotated[Path | None, typer.Option(
        help="Agents CSV (agent_id,group[,contract_hours,unavailable]) to roster.")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Simulate the plan, raise the requirement where service misses its "
                         "target, re-plan; writes verify.csv.")] = False,
    verify_rounds: Annotated[int, typer.Option(help="Most re-plans of --verify.", min=0)] = 3,
    verify_replications: Annotated[int, typer.Option(
        help="Simulated weeks per --verify round (seed 1).", min=2)] = 30,
    reserve: Annotated[int, typer.Option(
        help="--verify: idle agents of a multi-skilled phone pool kept for its own queue "
             "(as wfm simulate --reserve).", min=0)] = 0,
    routing: Annotated[str, typer.Option(
        help="--verify: the simulation's routing, plan, specialist or longest_idle (as wfm "
             "simulate --routing).")] = "plan",
    roster_time_limit: Annotated[str, typer.Option(
        help="Wall-clock limit of the roster MIPs per round, e.g. 30s.")] = "30s",
) -> None:
    """Shift plan for a week of requirements: writes shifts.csv, coverage.csv, uncovered.csv,
    and the roster of named agents: roster.csv, roster_unassigned.csv, roster_agents.csv."""
    from wfm.pipeline.schedule import run_schedule

    check_solver(solver)
    limit = positive_duration(time_limit, "--time-limit")
    roster_limit = positive_duration(roster_time_limit, "--roster-time-limit")
    rel_gap = relative_gap(gap)
    check = None
    if verify:
        from wfm.simulate.verify import VerifyOptions

        if routing not in ("specialist", "longest_idle", "plan"):
            raise typer.BadParameter("specialist, longest_idle or plan",
                                     param_hint="--routing")
        check = VerifyOptions(rounds=verify_rounds, replications=verify_replications,
                              reserve=reserve, routing=routing)
    spinner, progress = (status_progress("planning shifts") if not quiet and not as_json
                         else (nullcontext(), None))
    with spinner:
        done = run(lambda: run_schedule(requirements, config, output, solver, limit, rel_gap,
                                        progress=progress, agents=agents, roster=True,
                                        roster_time_limit=roster_limit, verify=check))
    warn(done.warnings)
    if as_json:
        console.print_json(json.dumps({"output": str(output), **done.plan.summary}))
    elif not quiet:
        print_schedule_summary(done.plan, output)


def print_schedule_summary(plan, output: Path) -> None:
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
    if s.get("fill_shifts"):
        console.print(
            f"solver's plan before the fill pass: objective {s['objective_before_fill']:,.2f}, "
            f"gap {100 * s['gap_before_fill']:.2f} %; fill pass +{s['fill_shifts']} shifts, "
            f"+{s['fill_paid_h']:,.1f} paid h, +{s['fill_cost']:,.2f} cost", markup=False)
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
    ro = s.get("roster")
    if ro:
        fair = Table(show_edge=False, header_style="bold",
                     title=f"roster: {ro['shifts_assigned']} shifts to {ro['agents']} agents, "
                           f"{ro['shifts_unassigned']} unassigned, {ro['elapsed_s']:.1f} s")
        for name in ("group", "agents", "shifts", "paid h", "nights", "weekend shifts"):
            fair.add_column(name, justify="left" if name == "group" else "right")
        for g in ro["groups"]:
            fair.add_row(g["group"], str(g["agents"]), *(
                f"{g[c + '_min']:g}–{g[c + '_max']:g}"
                for c in ("shifts", "paid_h", "nights", "weekends")))
        console.print(fair)
        for v in ro["violations"]:
            console.print(f"roster check: {v}", markup=False)
        for rd in ro.get("rounds", []):
            eff = ", ".join(f"{g} {n}" for g, n in rd["effective_headcount"].items())
            if "error" in rd:
                console.print(f"round {rd['round']} (headcount lowered to {eff}) not used: "
                              f"{rd['error']}", markup=False)
                continue
            console.print(
                f"round {rd['round']}{' (kept)' if rd.get('kept') else ''}: "
                f"{rd['shifts_unassigned']} shifts unassigned, paid {rd['paid_h']:,.1f} h, cost "
                f"{rd['cost']:,.2f}, understaffed {rd['understaffed_h']:.1f} agent-h, plan "
                f"{rd['plan_s']:.1f} s (limit {rd['time_limit_s']:g} s), roster "
                f"{rd['roster_s']:.1f} s"
                + (f"; headcount lowered to {eff}" if eff else ""), markup=False)
    if s.get("service_level_over"):
        print_pooled_summary(s["service_level_over"])
    for n in s["notes"]:
        console.print(f"note: {n}", markup=False)
    if s.get("verify"):
        print_verify_summary(s["verify"])


def print_pooled_summary(p: dict) -> None:
    """Service level over the day or week: requirement hours and Erlang SL both ways."""
    worst = " (worst day)" if p["over"] == "day" else ""
    table = Table(show_edge=False, header_style="bold",
                  title=f"service level over the {p['over']}{worst}, Erlang")
    for name in ("queue", "target %", "interval req. h", "pooled req. h", "SL interval req. %",
                 "SL pooled req. %", "SL plan %"):
        table.add_column(name, justify="left" if name == "queue" else "right")
    for q, r in p["queues"].items():
        table.add_row(q, f"{100 * r['target']:.0f}", f"{r['required_interval_h']:,.1f}",
                      f"{r['required_pooled_h']:,.1f}", f"{100 * r['sl_interval_requirement']:.1f}",
                      f"{100 * r['sl_pooled_requirement']:.1f}",
                      f"{100 * r.get('sl_plan', float('nan')):.1f}")
    console.print(table)
    b = p["interval_plan"]
    console.print(
        f"interval-by-interval plan of the same data: paid {b['paid_h']:,.1f} h, cost "
        f"{b['cost']:,.2f} (gap {100 * b['gap']:.2f} %); saved {p['saving_paid_h']:,.1f} paid h, "
        f"{p['saving_cost']:,.2f}; its files in interval_plan/ (wfm simulate "
        "PLAN/interval_plan --requirements ... simulates it)", markup=False)
    for n in p.get("notes", []):
        console.print(f"note: {n}", markup=False)


def print_verify_summary(v: dict) -> None:
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
        kept = v.get("replans", v["rounds"])
        console.print(f"verify: stopped ({v['status']}) after {kept} re-plan(s), the plan "
                      f"of round {v['rounds']} kept; short of target:", markup=False)
        for u in v["unmet"]:
            console.print(f"  {u['queue']}: {u['intervals_missing']} interval(s) missing — "
                          f"{u['reason']}", markup=False)
    for n in v["notes"]:
        console.print(f"verify note: {n}", markup=False)
