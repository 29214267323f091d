"""``wfm schedule``'s step: read the requirements and the center file, plan (and roster,
and verify by simulation), write the plan files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from wfm.errors import WfmInputError

if TYPE_CHECKING:
    from wfm.schedule import SchedulePlan
    from wfm.simulate.verify import VerifyOptions

Progress = Callable[[str], None]
SUMMARY_FILE = "schedule_summary.json"  # the summary dict (paid h, cost, gap, bound, status)
BASELINE_DIR = "interval_plan"  # service_level_over day/week: the interval-by-interval plan
SCHEDULE_FILES = ("shifts.csv", "coverage.csv", "uncovered.csv", SUMMARY_FILE, "roster.csv",
                  "roster_unassigned.csv", "roster_agents.csv", "verify.csv", BASELINE_DIR,
                  "service_level_saving.csv")
"""What ``wfm schedule -o DIR`` owns in DIR: written by this run, or removed as stale
(``service_level_saving.csv``, ``wfm plan --simulate``'s comparison of the two plans,
goes with them: both plans it compared are replaced)."""


@dataclass
class ScheduleRun:
    """A written plan (``plan.summary`` is what ``wfm schedule --json`` prints) and the
    warnings of reading its inputs."""

    plan: SchedulePlan
    warnings: list[str] = field(default_factory=list)


def run_schedule(requirements: Path, config: Path, output: Path, solver: str,
                 time_limit: float, gap: float, *, progress: Progress | None = None,
                 agents: Path | None = None, roster: bool = False,
                 roster_time_limit: float = 30.0,
                 verify: VerifyOptions | None = None) -> ScheduleRun:
    """Read, plan, write ``shifts.csv``, ``coverage.csv``, ``uncovered.csv`` under ``output``;
    with ``roster`` (or an ``agents`` file) also roster the plan (``roster_time_limit``
    seconds for the roster MIPs, a second round when the roster leaves shifts of a
    headcount-limited group, see :func:`wfm.schedule.plan_and_roster`) and write
    ``roster.csv``, ``roster_unassigned.csv``, ``roster_agents.csv``; with ``verify`` (a
    ``wfm.simulate.verify.VerifyOptions``) simulate and re-plan first
    (:mod:`wfm.pipeline.verify`), write ``verify.csv`` and add ``summary['verify']``; the
    verified plan is then rostered once (no feedback round).  With ``[schedule]
    service_level_over`` ``day`` or ``week`` the interval-by-interval plan of the same
    requirements is planned too, with the same solver options (a fair comparison: both
    plans get ``time_limit`` and ``gap``), written to ``output/interval_plan/``
    (:data:`BASELINE_DIR`) and compared in ``summary['service_level_over']``.

    ``progress(message)`` is called as the solver and the verify loop go on.  All tables
    are computed before the first file is written; the files are then written into a
    staging directory inside ``output`` and published together
    (:func:`wfm.io.atomic.staged_into`): an error or Ctrl-C while writing leaves
    ``output`` as it was, ``interval_plan/`` is replaced whole, and files of
    :data:`SCHEDULE_FILES` an earlier run left and this one does not write
    (``interval_plan/`` of a run with ``service_level_over``, ``verify.csv``, the roster
    files, the stale ``service_level_saving.csv``) go; other files in ``output`` stay.
    User mistakes raise :class:`WfmInputError`.
    """
    from wfm.config import load_center
    from wfm.config.schedule import load_schedule
    from wfm.io.atomic import staged_into
    from wfm.io.requirements import read_requirements
    from wfm.schedule import SolveOptions, plan_and_roster, plan_schedule
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
    required, pooled = req.required, None
    if sched.rules.service_level_over != "interval":  # the period's SL per Erlang queue
        from wfm.schedule.pooled import pooled_requirement

        required, pooled = pooled_requirement(req.starts, center.interval, req.queues,
                                              req.required, req.volume, req.aht, center, sched)
    staff = None
    if agents is not None:
        from wfm.schedule.roster import read_agents

        staff = read_agents(agents, [g.name for g in sched.groups])
    if output.exists() and not output.is_dir():
        raise WfmInputError("output must be a directory", file=str(output))
    opts = SolveOptions(solver=solver, time_limit=time_limit, gap=gap)
    rostering = roster or staff is not None

    def run(progress):
        if not rostering or verify is not None:
            return plan_schedule(req.starts, center.interval, req.queues, required, sched,
                                 opts, progress=progress), None
        out = plan_and_roster(req.starts, center.interval, req.queues, required, sched,
                              opts, staff, roster_time_limit, progress=progress)
        return out.plan, out

    try:
        plan, rostered_plan = run(progress)
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(config)) from None
    baseline = None
    if pooled is not None and plan.result.plan is not None:
        baseline = _interval_baseline(plan, pooled, req, center, sched, config, opts)
    verified = None
    if verify is not None:  # simulate, raise the requirement where it misses, re-plan
        from wfm.pipeline.verify import verify_plan, verify_summary, verify_table

        def replan(required, previous):  # a repair of the previous round's plan
            return plan_schedule(req.starts, center.interval, req.queues, required, sched, opts,
                                 start=previous)

        try:
            result = verify_plan(plan, replan, requirements, config, center.shrinkage, verify,
                                 progress)
        except ValueError as exc:
            raise WfmInputError(str(exc), file=str(config)) from None
        plan = result.plan
        plan.summary["verify"] = verify_summary(result, verify)
        verified = verify_table(result)
        if baseline is not None:  # the verified plan against the same interval plan
            _verified_saving(plan, pooled, baseline, req, center)
    if rostering and verify is not None:  # roster the verified plan once
        from wfm.schedule import RosteredPlan, roster_plan

        caps = {g.name: g.max_headcount for g in sched.groups}
        rostered_plan = RosteredPlan(plan, roster_plan(plan, staff, roster_time_limit, caps))
    tables = {"shifts.csv": plan.shifts, "coverage.csv": plan.coverage,
              "uncovered.csv": plan.uncovered}
    if rostered_plan is not None:
        tables.update(_roster_tables(plan, rostered_plan, staff is not None))
    if verified is not None:
        tables["verify.csv"] = verified
    if baseline is not None:
        tables.update({f"{BASELINE_DIR}/{name}": getattr(baseline, name[:-4])
                       for name in ("shifts.csv", "coverage.csv", "uncovered.csv")})
    with staged_into(output, SCHEDULE_FILES, "wfm-schedule") as stage:
        _write(stage, tables, plan.summary)
    return ScheduleRun(plan=plan, warnings=list(req.warnings))


def _write(directory: Path, tables: dict[str, pd.DataFrame], summary: dict) -> None:
    """The tables (by path under ``directory``) and the summary, each atomically."""
    from wfm.io.atomic import write_csv

    for name, frame in tables.items():
        write_csv(directory / name, frame)
    write_summary(directory / SUMMARY_FILE, summary)


def _interval_baseline(plan, pooled: dict, req, center, sched, config: Path,
                       opts) -> SchedulePlan:
    """Plan the requirements interval by interval (the baseline of a plan staffed for
    the day's or week's service level) with ``opts`` and compare ``plan`` with it
    (:func:`_compare_with_baseline`)."""
    from wfm.schedule import plan_schedule

    try:
        base = plan_schedule(req.starts, center.interval, req.queues, req.required, sched, opts)
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(config)) from None
    _compare_with_baseline(plan, pooled, base, req, center)
    pooled["interval_plan"]["time_limit_s"] = opts.time_limit
    return base


def _compare_with_baseline(plan, pooled: dict, base, req, center) -> None:
    """Add the Erlang SL of ``plan`` and the comparison with the interval plan ``base``
    to ``pooled`` (``interval_plan``: paid h, cost, gap, status; ``saving_paid_h``,
    ``saving_cost`` (EUR), ``saving_share`` of the baseline's paid hours) and put it into
    ``plan.summary['service_level_over']``."""
    from wfm.schedule.pooled import plan_service_levels

    plan_service_levels(pooled, req.starts, center.interval, req.queues,
                        plan.result.plan.scheduled, req.required, req.volume, req.aht, center)
    b = base.summary
    pooled["interval_plan"] = {**pooled.get("interval_plan", {}),
                               **{k: b[k] for k in ("paid_h", "cost", "gap", "status")}}
    pooled["saving_paid_h"] = b["paid_h"] - plan.summary["paid_h"]
    pooled["saving_cost"] = b["cost"] - plan.summary["cost"]
    pooled["saving_share"] = pooled["saving_paid_h"] / b["paid_h"] if b["paid_h"] else None
    plan.summary["service_level_over"] = pooled


def _verified_saving(plan, pooled: dict, base, req, center) -> None:
    """The comparison of the plan ``--verify`` kept with the interval plan ``base`` (which
    is not verified), the first plan's saving kept as ``saving_paid_h_before_verify`` /
    ``saving_cost_before_verify``, and a note saying what the comparison is."""
    before_h, before_cost = pooled["saving_paid_h"], pooled["saving_cost"]
    _compare_with_baseline(plan, pooled, base, req, center)
    pooled["saving_paid_h_before_verify"] = before_h
    pooled["saving_cost_before_verify"] = before_cost
    pooled.setdefault("notes", []).append(
        f"--verify re-planned where the simulated service level of an interval or the week "
        f"missed its target, which can add back agent-hours the {pooled['over']}'s staffing "
        f"saved: the saving is of the verified plan against the interval-by-interval plan, "
        f"which was not verified (before --verify: {before_h:,.1f} paid h, {before_cost:,.2f} "
        "saved)")


def write_summary(path: Path, summary: dict) -> None:
    """The schedule's summary dict as JSON (atomically), whatever keys it has: paid hours
    (h), cost (EUR), gap (relative), objective, bound, solver status; values JSON cannot
    hold are written as text.  ``wfm report`` reads it for the solver gap."""
    import json

    from wfm.io.atomic import write_atomic

    text = json.dumps(summary, indent=1, default=str)
    write_atomic(path, lambda h: h.write(text + "\n"))


def read_summary(path: Path) -> dict | None:
    """The summary :func:`write_summary` wrote, or None when absent or unreadable."""
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _roster_tables(plan, rostered, named: bool) -> dict[str, pd.DataFrame]:
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
