"""``wfm schedule`` glue: read inputs, run the planner with a spinner, write, summarise.

Kept out of ``wfm/cli.py`` so the command there only parses options.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from wfm.errors import WfmInputError


def run_schedule(requirements: Path, config: Path, output: Path, solver: str,
                 time_limit: float, gap: float, *, show_progress: bool,
                 agents: Path | None = None, roster: bool = False,
                 roster_time_limit: float = 30.0, verify=None):
    """Read, plan, write ``shifts.csv``, ``coverage.csv``, ``uncovered.csv`` under ``output``;
    with ``roster`` (or an ``agents`` file) also roster the plan (``roster_time_limit``
    seconds for the roster MIPs, a second round when the roster leaves shifts of a
    headcount-limited group, see :func:`wfm.schedule.plan_and_roster`) and write
    ``roster.csv``, ``roster_unassigned.csv``, ``roster_agents.csv``; with ``verify`` (a
    ``wfm.simulate.verify.VerifyOptions``) simulate and re-plan first
    (``wfm/cli_verify.py``), write ``verify.csv`` and add ``summary['verify']``; the
    verified plan is then rostered once (no feedback round).

    All tables are computed before the first file is written; each file is written
    atomically.  User mistakes raise :class:`WfmInputError`.
    """
    from wfm.config import load_center
    from wfm.io.atomic import write_csv
    from wfm.io.requirements import read_requirements
    from wfm.schedule import SolveOptions, plan_and_roster, plan_schedule
    from wfm.schedule.config import load_schedule
    from wfm.schedule.instance import check_week_start

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
    try:
        check_week_start(req.starts, center.interval)
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(requirements)) from None
    staff = None
    if agents is not None:
        from wfm.schedule.roster import read_agents

        staff = read_agents(agents, [g.name for g in sched.groups])
    if output.exists() and not output.is_dir():
        raise WfmInputError("output must be a directory", file=str(output))
    opts = SolveOptions(solver=solver, time_limit=time_limit, gap=gap)
    console = Console(stderr=True)
    rostering = roster or staff is not None

    def run(progress):
        if not rostering or verify is not None:
            return plan_schedule(req.starts, center.interval, req.queues, req.required, sched,
                                 opts, progress=progress), None
        out = plan_and_roster(req.starts, center.interval, req.queues, req.required, sched,
                              opts, staff, roster_time_limit, progress=progress)
        return out.plan, out

    try:
        if show_progress and console.is_terminal:
            with console.status("planning shifts") as status:
                plan, rostered_plan = run(lambda m: status.update(m))
        else:
            plan, rostered_plan = run(None)
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(config)) from None
    verified = None
    if verify is not None:  # simulate, raise the requirement where it misses, re-plan
        from wfm.cli_verify import verify_plan, verify_summary, verify_table

        def replan(required):
            return plan_schedule(req.starts, center.interval, req.queues, required, sched, opts)

        try:
            result = verify_plan(plan, replan, requirements, config, center.shrinkage, verify,
                                 console if show_progress else None)
        except ValueError as exc:
            raise WfmInputError(str(exc), file=str(config)) from None
        plan = result.plan
        plan.summary["verify"] = verify_summary(result, verify)
        verified = verify_table(result)
    if rostering and verify is not None:  # roster the verified plan once
        from wfm.schedule import RosteredPlan, roster_plan

        caps = {g.name: g.max_headcount for g in sched.groups}
        rostered_plan = RosteredPlan(plan, roster_plan(plan, staff, roster_time_limit, caps))
    rostered = {}
    if rostered_plan is not None:
        rostered = _roster_tables(plan, rostered_plan, staff is not None)
    for w in req.warnings:
        console.print(f"warning: {w}", markup=False, highlight=False)
    write_csv(output / "shifts.csv", plan.shifts)
    write_csv(output / "coverage.csv", plan.coverage)
    write_csv(output / "uncovered.csv", plan.uncovered)
    for name, frame in rostered.items():
        write_csv(output / name, frame)
    if verified is not None:
        write_csv(output / "verify.csv", verified)
    return plan


def _roster_tables(plan, rostered, named: bool) -> dict:
    """Adds ``summary['roster']`` (with the rounds) and replaces the aggregate weekly
    note; returns the roster tables to write."""
    from wfm.schedule import roster as R

    inst = plan.instance
    rules = R.rules_from_instance(inst)
    r = rostered.roster
    agents = r.agents
    fair = R.fairness_table(r, rules)
    unassigned = R.unassigned_table(r)
    s = plan.summary
    s["roster"] = {
        "agents": len(agents),
        "named": named,
        "shifts_assigned": len(r.assigned),
        "shifts_unassigned": int(unassigned["agents"].sum()) if len(unassigned) else 0,
        "elapsed_s": r.elapsed_s,
        "status": r.status,
        "violations": r.violations,
        "groups": R.fairness_summary(fair),
        "agents_detail": fair.to_dict(orient="records"),
        "rounds": rostered.rounds,
    }
    if not r.violations:
        rl = inst.config.rules
        block = (f", a block of {rl.consecutive_days_off} consecutive days off"
                 if rl.consecutive_days_off else "")
        s["notes"] = [n for n in s["notes"] if not n.startswith("weekly rules are applied")]
        s["notes"].append(
            f"weekly rules are enforced per agent in roster.csv: one shift a day, at least "
            f"{rl.days_off} days off{block}, at most {rl.max_days_in_row} days in a row, "
            f"{rl.min_rest / 3600:g} h rest, contract hours, availability; planned shifts no "
            "agent can take are in roster_unassigned.csv")
    return {"roster.csv": R.roster_table(r), "roster_unassigned.csv": unassigned,
            "roster_agents.csv": fair}


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
                f"{rd['plan_s']:.1f} s, roster {rd['roster_s']:.1f} s"
                + (f"; headcount lowered to {eff}" if eff else ""), markup=False)
    for n in s["notes"]:
        console.print(f"note: {n}", markup=False)
    if s.get("verify"):
        from wfm.cli_verify import print_verify_summary

        print_verify_summary(console, s["verify"])
