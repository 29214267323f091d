"""``wfm scenario compare``'s step: read the files, compare, write the tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.scenario.tables import (
    SUMMARY_COLUMNS,
    explain_rows,
    frontier_rows,
    queue_rows,
    summary_rows,
)


@dataclass(frozen=True)
class CompareOptions:
    """What ``wfm scenario compare`` computes beside the base comparison."""

    explain: bool = False
    sensitivity: bool = False
    frontier: bool = False
    frontier_scenario: str | None = None
    frontier_steps: int = 11
    schedule: Path | None = None  # a plan directory: in-house hours on scheduled hours
    workers: int = 1
    cluster: str | None = None


@dataclass
class ComparisonRun:
    """Results and their table rows, the files written, warnings to show."""

    results: list[Any]
    summary: list[dict[str, Any]]
    queues: list[dict[str, Any]]
    items: list[dict[str, Any]]
    sensitivity: list[dict[str, Any]] = field(default_factory=list)
    frontier: list[dict[str, Any]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    schedule: dict[str, Any] | None = None  # the plan's hours and overhead (--schedule)


def compare_scenarios(scenarios: Path, forecast: Path, config: Path, output: Path | None,
                      options: CompareOptions) -> ComparisonRun:
    """Read center, scenarios and forecast (and a plan directory), compare, and write the
    summary CSV with its ``.queues``/``.explain``/``.sensitivity``/``.frontier`` siblings
    when ``output`` is given.  User mistakes raise :class:`wfm.errors.WfmInputError`."""
    from wfm.config import load_center
    from wfm.config.scenario import load_scenarios
    from wfm.io.forecast import read_forecast
    from wfm.scenario.compare import compare

    center = load_center(config)
    scen = load_scenarios(scenarios, center)
    fc = read_forecast(forecast, center)
    plan = None
    if options.schedule is not None:
        from wfm.scenario.scheduled import read_schedule_overhead

        plan = read_schedule_overhead(options.schedule, center.interval)
    overhead = plan.factors if plan is not None else None
    results = compare(scen, center, fc.frame, overhead=overhead)
    run = ComparisonRun(results=results, summary=summary_rows(results),
                        queues=queue_rows(results), items=explain_rows(results))
    if options.sensitivity:
        from wfm.scenario.sensitivity import sensitivity

        run.sensitivity = sensitivity(scen, center, fc.frame, overhead=overhead,
                                      workers=options.workers, cluster=options.cluster)
    if options.frontier:
        run.frontier = _frontier(scen, center, fc.frame, overhead, options)
    if output is not None:
        run.written = _write(output, run, options.explain)
    notes: tuple[str, ...] = ()
    if plan is not None:
        from wfm.scenario.scheduled import coverage_notes

        pairs = fc.frame[["channel", "language"]].drop_duplicates()
        keys = sorted(center.queue(f"{c}:{lang}").key for c, lang in pairs.itertuples(index=False))
        notes = (*plan.notes, *coverage_notes(plan, keys))
        run.schedule = {"dir": str(options.schedule), "required_hours": plan.required_hours,
                        "shift_hours": plan.shift_hours, "overhead": plan.factors}
    run.warnings = [*fc.warnings, *notes]
    return run


def _frontier(scen, center, frame, overhead, options: CompareOptions) -> list[dict[str, Any]]:
    from wfm.scenario.compare import prepare
    from wfm.scenario.frontier import frontier, frontier_case

    ctx = prepare(scen, center, frame, overhead=overhead)
    case = frontier_case(scen, ctx, options.frontier_scenario)
    name = scen.scenarios[case.index].name
    points = frontier(case, options.frontier_steps, workers=options.workers,
                      cluster=options.cluster)
    return frontier_rows(name, points)


def _write(output: Path, run: ComparisonRun, explain: bool) -> list[str]:
    from wfm.io.atomic import write_csv

    extra = [("queues", run.queues)] + ([("explain", run.items)] if explain else [])
    extra += [("sensitivity", run.sensitivity)] if run.sensitivity else []
    extra += [("frontier", run.frontier)] if run.frontier else []
    write_csv(output, pd.DataFrame(run.summary, columns=list(SUMMARY_COLUMNS)))
    written = [str(output)]
    for suffix, rows in extra:
        path = output.with_name(f"{output.stem}.{suffix}{output.suffix or '.csv'}")
        write_csv(path, pd.DataFrame(rows))
        written.append(str(path))
    return written
