"""``wfm plan``: forecast, staff, schedule, scenarios and report in one run.

Each step calls the same functions as its own command (``wfm forecast``, ``wfm staff``,
``wfm schedule``, ``wfm simulate`` (with ``simulate`` replications), ``wfm scenario
compare``) and hands the next step the *file* the
previous one wrote, so running the commands one by one on the files in ``plan/`` gives
the same result.

All or nothing: every file is written into a staging directory beside ``plan/``; only
when every step has succeeded does the staging directory become ``plan/``, in one atomic
step (a rename, or an exchange of the two directories when ``plan/`` exists).  When a
step fails or the run is interrupted (Ctrl-C), the staging directory is removed and
``plan/`` is left exactly as it was: files of earlier steps of the failed run are *not*
kept.  After a SIGKILL the staging directory stays beside ``plan/`` (hidden) until the
next run of ``wfm plan -o plan`` removes it; ``plan/`` itself is the previous result.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wfm.errors import WfmInputError
from wfm.io.atomic import name_under, pid_alive
from wfm.io.interrupt import check as check_interrupt
from wfm.io.interrupt import held

STEPS = ("forecast", "staff", "schedule", "simulate", "scenarios", "scorecard", "pilot",
         "capacity", "report")
PLAN_FILES = (
    "forecast.csv",
    "requirements.csv",
    "shifts.csv",
    "coverage.csv",
    "uncovered.csv",
    "schedule_summary.json",
    "verify.csv",  # --verify (wfm schedule --verify)
    "simulation.csv",
    "interval_plan",  # service_level_over day/week: the interval-by-interval plan (a dir)
    "service_level_saving.csv",  # ... and both plans' simulated week (with --simulate)
    "scenarios.csv",
    "scenarios.queues.csv",
    "scorecard.csv",  # --scorecard (wfm.pipeline.plan_extras)
    "scorecard.flips.csv",
    "pilot.csv",  # --pilot
    "pilot.criteria.csv",
    "capacity.csv",  # --capacity
    "report.html",
    "report.xlsx",
)
BACKTEST_ORIGINS = 56  # as the default of `wfm forecast`


@dataclass(frozen=True)
class PlanOptions:
    """Inputs of one ``wfm plan`` run; durations in seconds, ``gap`` relative (0..1)."""

    history: Path
    config: Path
    output: Path
    events: Path | None = None
    scenarios: Path | None = None
    horizon_days: int = 7
    solver: str = "highs"
    time_limit: float = 60.0
    gap: float = 0.005
    simulate: int = 0  # replications of the simulation (0: no simulation step)
    seed: int = 1
    capacity: Path | None = None  # capacity TOML (wfm capacity): capacity.csv
    scorecard: Path | None = None  # scorecard TOML, needs scenarios: scorecard*.csv
    pilot: Path | None = None  # pilot TOML (wfm scenario pilot): pilot*.csv
    verify_rounds: int | None = None  # wfm schedule --verify with this many re-plans


@dataclass
class PlanResult:
    """What the run wrote (paths inside ``output``), step timings (s), warnings, summaries."""

    output: Path
    files: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    schedule_summary: dict = field(default_factory=dict)


Progress = Callable[[str, str], None]  # (step, detail), detail may be ""


def run_plan(opts: PlanOptions, progress: Progress | None = None) -> PlanResult:
    """Run the chain; ``progress(step, detail)`` is called as each step of :data:`STEPS`
    starts and during the backtest (detail ``"backtest 3/10 queues"``).

    Configuration files (center, shifts, scenarios) are validated before the long work.
    Raises :class:`WfmInputError` on user mistakes; ``opts.output`` is then unchanged.
    """
    from wfm.config import load_center
    from wfm.config.scenario import load_scenarios
    from wfm.config.schedule import load_schedule

    center = load_center(opts.config)
    load_schedule(opts.config, center)  # fail now, not after the forecast
    scen = load_scenarios(opts.scenarios, center) if opts.scenarios else None
    if opts.capacity or opts.scorecard or opts.pilot:
        from wfm.pipeline.plan_extras import check_extras

        check_extras(opts, center)
    out = opts.output
    if out.exists() and not out.is_dir():
        raise WfmInputError("output must be a directory", file=str(out))
    if out.is_symlink():  # swap the directory it points to, not the link
        out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_interrupted(out)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".partial",
                                  dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)  # mkdtemp's 0700 would become plan/'s mode
    try:
        result = _run_steps(opts, center, scen, stage, progress or (lambda step, detail: None))
        _publish(stage, out, result.files)
    except WfmInputError as exc:  # name plan/FILE, not the hidden staging directory
        name_under(exc, stage, out)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return result


def _run_steps(opts, center, scen, stage: Path, progress: Progress) -> PlanResult:
    """Forecast, staff, schedule, then the optional simulation, scenarios and extras,
    and the report, each writing its files into ``stage``; timings in seconds."""
    result = PlanResult(output=opts.output, files=[])
    clock = time.perf_counter()

    def done(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.timings[step] = now - clock
        clock = now
        check_interrupt()  # Ctrl-C, even one whose KeyboardInterrupt was dropped: stop

    _forecast_step(opts, stage, progress, result)
    done("forecast")
    forecast = _staff_step(center, stage, progress, result)
    done("staff")
    _schedule_step(opts, stage, progress, result)
    done("schedule")
    if opts.simulate:
        _simulate_step(opts, stage, progress,
                       result.schedule_summary.get("service_level_over"))
        done("simulate")
    scenario_rows = None
    if scen is not None:
        scenario_rows = _scenario_step(opts, center, scen, forecast, stage, progress, result)
        done("scenarios")
    if opts.capacity or opts.scorecard or opts.pilot:
        from wfm.pipeline.plan_extras import run_extras

        result.warnings += run_extras(opts, stage, scenario_rows, progress, done)
    _report_step(opts, center, stage, progress, result)
    done("report")
    result.files = [name for name in PLAN_FILES if (stage / name).exists()]
    return result


def _forecast_step(opts, stage: Path, progress: Progress, result: PlanResult) -> None:
    """Backtest and forecast ``opts.horizon_days`` days into ``stage/forecast.csv``."""
    from wfm.forecast import pipeline as fp
    from wfm.io.atomic import write_csv
    from wfm.pipeline.forecast import forecast_inputs

    progress("forecast", "")
    (prepared, events), warnings = forecast_inputs(
        opts.history, opts.config, None, None, None, None, opts.events
    )
    n = len(prepared.queues)
    done_queues: list[str] = []

    def queue_done(key: str) -> None:
        done_queues.append(key)
        progress("forecast", f"backtest {len(done_queues)}/{n} queues")

    backtest = fp.backtest(prepared, origins=BACKTEST_ORIGINS, progress=queue_done)
    try:
        frame, more = fp.make_forecast(
            prepared, opts.horizon_days, result=backtest, events=events
        )
    except ValueError as exc:
        raise WfmInputError(f"{exc}", file=str(opts.history)) from None
    write_csv(stage / "forecast.csv", fp.format_forecast(frame))
    result.warnings += [*warnings, *more]


def _staff_step(center, stage: Path, progress: Progress, result: PlanResult) -> pd.DataFrame:
    """Agents required per interval from ``stage/forecast.csv`` into
    ``stage/requirements.csv``; returns the forecast as read back."""
    from wfm.io.atomic import write_csv
    from wfm.io.forecast import read_forecast
    from wfm.staffing import format_requirements, staff_forecast

    progress("staff", "")
    fc = read_forecast(stage / "forecast.csv", center)
    table, more = staff_forecast(fc.frame, center)
    write_csv(stage / "requirements.csv", format_requirements(table))
    result.warnings += [*fc.warnings, *more]
    return fc.frame


def _schedule_step(opts, stage: Path, progress: Progress, result: PlanResult) -> None:
    """Shifts for ``stage/requirements.csv`` (solver time limit ``opts.time_limit`` s);
    with ``opts.verify_rounds`` verified by simulation and repaired (``verify.csv``)."""
    from wfm.pipeline.schedule import run_schedule

    progress("schedule", f"time limit {opts.time_limit:g} s")
    check = None
    if opts.verify_rounds is not None:  # as wfm schedule --verify: 30 replications a round
        from wfm.simulate.verify import VerifyOptions

        check = VerifyOptions(rounds=opts.verify_rounds, seed=opts.seed)
    scheduled = run_schedule(stage / "requirements.csv", opts.config, stage, opts.solver,
                             opts.time_limit, opts.gap, verify=check,
                             progress=lambda message: progress("schedule", message))
    result.warnings += scheduled.warnings
    result.schedule_summary = scheduled.plan.summary


def _simulate_step(opts, stage: Path, progress: Progress,
                   pooled: dict | None = None) -> None:
    """Simulate the staged plan ``opts.simulate`` times (one worker, the defaults); with
    ``pooled`` (``summary['service_level_over']``) also its interval-by-interval plan
    (:func:`wfm.pipeline.sl_saving.simulate_both`)."""
    from wfm.pipeline.simulate import run_simulation
    from wfm.report import SIMULATION_FILE

    if pooled is not None:
        from wfm.pipeline.sl_saving import simulate_both

        progress("simulate", f"{opts.simulate} replications, both plans")
        simulate_both(stage, opts.config, stage / "requirements.csv", SIMULATION_FILE,
                      pooled, opts.simulate, opts.seed)
        return
    progress("simulate", f"{opts.simulate} replications")
    run_simulation(stage, opts.config, stage / "requirements.csv", stage / SIMULATION_FILE,
                   replications=opts.simulate, seed=opts.seed, workers=1,
                   handle="exponential", cv=1.0, routing="plan")


def _scenario_step(opts, center, scen, forecast: pd.DataFrame, stage: Path,
                   progress: Progress, result: PlanResult) -> pd.DataFrame:
    """Compare the scenarios on ``forecast`` into ``stage/scenarios*.csv``; returns the
    summary rows."""
    from wfm.io.atomic import write_csv
    from wfm.scenario.compare import compare
    from wfm.scenario.scheduled import read_schedule_overhead
    from wfm.scenario.tables import SUMMARY_COLUMNS, queue_rows, summary_rows

    progress("scenarios", "")
    # the in-house hours of every scenario carry this plan's scheduling overhead
    overhead = read_schedule_overhead(stage, center.interval, name=str(opts.output))
    result.warnings += list(overhead.notes)
    results = compare(scen, center, forecast, overhead=overhead.factors)
    scenario_rows = pd.DataFrame(summary_rows(results), columns=list(SUMMARY_COLUMNS))
    write_csv(stage / "scenarios.csv", scenario_rows)
    write_csv(stage / "scenarios.queues.csv", pd.DataFrame(queue_rows(results)))
    return scenario_rows


def _report_step(opts, center, stage: Path, progress: Progress, result: PlanResult) -> None:
    """Write the plan's report into ``stage``."""
    from wfm.config.schedule import load_schedule
    from wfm.report import write_report

    progress("report", "")
    write_report(stage, opts.history, center, name=opts.output.name,
                 schedule=result.schedule_summary, requested_gap=opts.gap,
                 fte_hours=load_schedule(opts.config, center).rules.fte_hours)


def _publish(stage: Path, out: Path, files: list[str]) -> None:
    """Make the staged result ``out`` in one atomic step; stale plan files of an earlier
    run go, the user's own files in ``out`` stay.

    When ``out`` exists, the two directories are exchanged with one ``renameat2``
    (Linux; elsewhere two renames, and a kill between them leaves the previous
    result in ``.NAME.PID.old``, which the next run puts back).  SIGINT waits until
    the swap is done (:func:`wfm.io.interrupt.held`), and a run that was interrupted
    earlier publishes nothing.
    """
    with held():
        if not out.exists():
            os.replace(stage, out)
            stage.mkdir()  # the caller removes it again
            return
        for entry in out.iterdir():  # the user's own files: hard links into the new result
            if entry.name not in PLAN_FILES and not (stage / entry.name).exists():
                _link_tree(entry, stage / entry.name)
        stage.chmod(stat.S_IMODE(out.stat().st_mode))  # plan/ keeps its permissions
        if not _exchange(stage, out):
            old = out.parent / f".{out.name}.{os.getpid()}.old"
            os.replace(out, old)
            os.replace(stage, out)
            os.replace(old, stage)  # the caller removes it


def _link_tree(src: Path, dst: Path) -> None:
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(src), str(dst))


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False
    where the system has no such call."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        rename = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, exchange = -100, 2
    if rename(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: file system or kernel without it
        return False
    raise OSError(err, os.strerror(err), str(b))


def recover_interrupted(out: Path) -> None:
    """Clean up after a run of ``wfm plan -o out`` that was killed (SIGKILL, power
    loss): its staging directories ``.NAME.PID.*.partial`` go, and a previous result
    left in ``.NAME.PID.old`` between two renames comes back as ``out``.  Directories of
    a run whose process still lives are left alone."""
    prefix = f".{out.name}."
    for entry in out.parent.iterdir():
        if not entry.name.startswith(prefix):
            continue
        parts = entry.name[len(prefix):].split(".")
        if not entry.is_dir() or not parts[0].isdigit() or pid_alive(int(parts[0])):
            continue
        if entry.name.endswith(".old") and not out.exists():
            os.replace(entry, out)
        elif entry.name.endswith((".partial", ".old")):
            shutil.rmtree(entry, ignore_errors=True)


REPORT_INPUTS = ("forecast.csv", "requirements.csv", "coverage.csv", "shifts.csv")


def rebuild_report(plan_dir: Path, history: Path, config: Path) -> list[str]:
    """Rewrite ``report.html`` and ``report.xlsx`` of a plan directory from its CSV files
    (``wfm report``), both or neither (staged, then published together); returns the
    file names written."""
    from wfm.config import load_center
    from wfm.config.schedule import load_schedule
    from wfm.io.atomic import staged_into
    from wfm.pipeline.schedule import SUMMARY_FILE, read_summary
    from wfm.report import write_report

    center = load_center(config)
    if not plan_dir.is_dir():
        raise WfmInputError("expected a plan directory (written by wfm plan)",
                            file=str(plan_dir))
    missing = [n for n in REPORT_INPUTS if not (plan_dir / n).is_file()]
    if missing:
        raise WfmInputError(f"missing {', '.join(missing)}", file=str(plan_dir))
    _check_plan_files(plan_dir)
    with staged_into(plan_dir, (), "wfm-report") as stage:  # both files or neither
        return write_report(plan_dir, history, center, out_dir=stage,
                            schedule=read_summary(plan_dir / SUMMARY_FILE),
                            fte_hours=load_schedule(config, center).rules.fte_hours)


def _check_plan_files(plan_dir: Path) -> None:
    """The CSVs the report reads: readable, with their columns, no truncated row."""
    from wfm.io.forecast import FORECAST_REQUIRED
    from wfm.io.requirements import REQUIRED
    from wfm.io.tables import check_csv
    from wfm.report.extras import EXTRA_FILES
    from wfm.simulate.compare import COMPARE_COLUMNS

    columns = {
        "forecast.csv": FORECAST_REQUIRED,
        "requirements.csv": REQUIRED,
        "coverage.csv": ("interval_start", "channel", "language", "agents_required",
                         "agents_scheduled", "shortfall"),
        "shifts.csv": ("group", "day", "start", "end", "breaks", "agents"),
        "scenarios.csv": (),
        "simulation.csv": (),
        # the optional files the report reads too (an empty or cut file was an
        # internal error: EmptyDataError, KeyError 'queue')
        "uncovered.csv": ("queue", "from", "to", "intervals", "agent_hours", "reason"),
        "service_level_saving.csv": COMPARE_COLUMNS,
        "scenarios.queues.csv": (),
        **{name: () for name in EXTRA_FILES.values()},
    }
    for name, required in columns.items():
        if (plan_dir / name).exists():
            check_csv(plan_dir / name, required)
