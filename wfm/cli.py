"""The ``wfm`` command line: parses options, calls the library, prints results.

Exit codes: 0 success, 2 user error (bad input, bad option, bad config),
1 internal error.  User errors print one line naming file, row and column.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from wfm.cli_plan import plan as plan_command
from wfm.cli_plan import report as report_command
from wfm.cli_scenario import scenario_app
from wfm.errors import WfmInputError
from wfm.units import parse_duration, parse_target

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Workforce planning for multilingual service centers: forecast, staff, schedule.",
)
app.add_typer(scenario_app, name="scenario")  # `wfm scenario compare`
app.command("plan")(plan_command)  # `wfm plan`: the whole chain (wfm/plan.py)
app.command("report")(report_command)  # `wfm report PLAN_DIR`: report of a plan directory
console = Console(highlight=False)
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run ``action``; user mistakes become one line on stderr and exit code 2."""
    try:
        return action()
    except WfmInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def _duration(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_duration(text, name=name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parse


def _fraction(text: str) -> float:
    """``85``, ``85%`` or ``0.85`` -> 0.85."""
    try:
        value = float(str(text).strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise typer.BadParameter(f"expected a percentage like 85 or 0.85, got {text!r}") from None
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value <= 1.0:
        raise typer.BadParameter(f"expected a value above 0 and at most 100 %, got {text!r}")
    return value


@app.command()
def erlang(
    volume: Annotated[float, typer.Option(help="Contacts offered per interval.", min=0)],
    aht: Annotated[str, typer.Option(help="Average handle time, e.g. 240s or 4m.")],
    interval: Annotated[str, typer.Option(help="Interval length, e.g. 30m.")] = "30m",
    target: Annotated[
        str | None, typer.Option(help="Service-level target LEVEL/TIME, e.g. 80/20s.")
    ] = "80/20s",
    patience: Annotated[
        str | None, typer.Option(help="Mean patience before abandoning (Erlang A), e.g. 90s.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option(help="Chats per agent at once (chat model when > 1).", min=1, max=10)
    ] = 1,
    aht_factors: Annotated[
        str | None,
        typer.Option(help="Chat: AHT at k chats / AHT at one chat, e.g. 1,1.18,1.2."),
    ] = None,
    max_asa: Annotated[str | None, typer.Option(help="Upper bound on ASA, e.g. 30s.")] = None,
    max_abandon: Annotated[
        str | None, typer.Option(help="Upper bound on abandonment, e.g. 5%.")
    ] = None,
    max_occupancy: Annotated[
        str | None, typer.Option(help="Upper bound on occupancy, e.g. 85%.")
    ] = None,
    basis: Annotated[
        str, typer.Option(help="Service-level basis: offered (abandons miss) or answered.")
    ] = "offered",
    rows: Annotated[int, typer.Option(help="Staffing levels shown around the requirement.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Staffing calculator: the table of agents around the requirement for one interval."""
    from wfm.calculator import CalculatorInput, staffing_table

    if basis not in ("offered", "answered"):
        raise typer.BadParameter("basis must be offered or answered", param_hint="--basis")
    try:
        level, target_time = parse_target(target) if target else (None, None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--target") from None
    factors = None
    if aht_factors:
        try:
            factors = tuple(float(f) for f in aht_factors.split(","))
        except ValueError:
            raise typer.BadParameter(
                "expected numbers separated by commas", param_hint="--aht-factors"
            ) from None
    spec = CalculatorInput(
        volume=volume,
        aht=_duration("--aht")(aht),
        interval=_duration("--interval")(interval),
        service_level=level,
        target_time=target_time,
        patience=_duration("--patience")(patience) if patience else None,
        concurrency=concurrency,
        aht_factors=factors,
        max_asa=_duration("--max-asa")(max_asa) if max_asa else None,
        max_abandon_rate=_fraction(max_abandon) if max_abandon else None,
        max_occupancy=_fraction(max_occupancy) if max_occupancy else None,
        basis=basis,
    )
    result = _run(lambda: staffing_table(spec, rows=rows))
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
        return
    console.print(result.title, markup=False)
    table = Table(show_edge=False, header_style="bold")
    for name in ("agents", "service level", "ASA", "abandoned", "occupancy", ""):
        table.add_column(name, justify="right" if name else "left")
    for line in result.lines:
        table.add_row(
            str(line.agents),
            _pct(line.service_level),
            _secs(line.asa),
            _pct(line.abandon_rate),
            _pct(line.occupancy),
            line.note,
            style="bold green" if line.required else None,
        )
    console.print(table)


def _pct(value: float | None) -> str:
    return "-" if value is None or np.isnan(value) else f"{100 * value:.1f} %"


def _secs(value: float | None) -> str:
    if value is None or np.isnan(value):
        return "-"
    return "∞" if np.isinf(value) else f"{value:.1f} s"


@app.command()
def forecast(
    history: Annotated[
        str,
        typer.Argument(
            help="History CSV, or the word backtest followed by the CSV.", metavar="HISTORY.csv"
        ),
    ],
    backtest_history: Annotated[
        Path | None,
        typer.Argument(
            help="With backtest: the history CSV.", show_default=False, metavar="HISTORY.csv"
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Forecast CSV to write.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Center TOML (else inferred).")
    ] = None,
    horizon: Annotated[str, typer.Option(help="Days to forecast, e.g. 14d.")] = "14d",
    method: Annotated[
        str, typer.Option(help="auto (backtest choice per queue), snaive, mean4, ets, split.")
    ] = "auto",
    events: Annotated[Path | None, typer.Option(help="Events CSV (campaigns, outages).")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Timezone of naive times without --config.")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(help="Holidays: DE, DE-BY, ... or none (default: from the timezone)."),
    ] = None,
    preset: Annotated[
        str | None, typer.Option(help="ACD export layout: genesys, amazon-connect, calabrio.")
    ] = None,
    columns: Annotated[
        str | None, typer.Option(help="Column mapping SOURCE=TARGET,... for other exports.")
    ] = None,
    aht: Annotated[
        str | None, typer.Option(help="Handle time to use when the history has none, e.g. 300s.")
    ] = None,
    origins: Annotated[int, typer.Option(help="Backtest origins (days).", min=8)] = 56,
    workers: Annotated[int, typer.Option(
        help="Backtest queues on this many local Dask processes (1: in this process).",
        min=1)] = 1,
    cluster: Annotated[str | None, typer.Option(
        help="Backtest on a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Forecast volume and AHT per interval and queue from history; or `forecast backtest`.

    `wfm forecast HISTORY.csv -o forecast.csv` writes the forecast contract;
    `wfm forecast backtest HISTORY.csv` prints the accuracy per queue and method.
    """
    from wfm import cli_forecast as cf
    from wfm.forecast import pipeline as fp

    if history == "backtest" and backtest_history is not None:
        mode, path = "backtest", backtest_history
    elif backtest_history is not None:
        raise typer.BadParameter(f"unexpected extra argument {str(backtest_history)!r}")
    else:
        mode, path = "forecast", Path(history)
    if mode == "forecast" and output is None:
        raise typer.BadParameter("give the forecast file to write", param_hint="--output")
    if method not in ("auto", *fp.BASE_METHODS, "split"):
        raise typer.BadParameter(f"unknown method {method!r}", param_hint="--method")
    seconds = _duration("--horizon")(horizon)
    if seconds < 86400 or seconds % 86400:
        raise typer.BadParameter("horizon must be whole days, e.g. 14d", param_hint="--horizon")
    default_aht = _duration("--aht")(aht) if aht else None
    prepared, warnings = _run(
        lambda: cf.forecast_inputs(path, config, timezone, country, preset, columns, events)
    )
    # a fixed method needs only its own backtest (for the interval dispersion)
    methods = None if mode == "backtest" or method == "auto" else [method]
    result = _run(lambda: cf.backtest_with_progress(prepared[0], origins, quiet or as_json,
                                                    methods, workers, cluster))
    if mode == "backtest":
        cf.print_backtest(console, result, as_json, warnings)
        return
    try:
        frame, more = fp.make_forecast(
            prepared[0],
            int(seconds // 86400),
            method=method,
            result=result,
            events=prepared[1],
            default_aht=default_aht,
        )
    except ValueError as exc:
        typer.echo(f"error: {path}: {exc}", err=True)
        raise typer.Exit(2) from None
    from wfm.io.atomic import write_csv

    write_csv(output, fp.format_forecast(frame))
    for w in [*warnings, *more]:
        typer.echo(f"warning: {w}", err=True)
    summary = cf.forecast_summary(frame, result)
    if as_json:
        console.print_json(json.dumps({"output": str(output), "queues": summary}))
    elif not quiet:
        table = Table(show_edge=False, header_style="bold", title=f"forecast → {output}")
        for name in ("queue", "method", "contacts/day", "AHT", "WAPE day", "WAPE week"):
            table.add_column(name, justify="left" if name in ("queue", "method") else "right")
        for r in summary:
            table.add_row(
                r["queue"],
                r["method"],
                f"{r['contacts_per_day']:.0f}",
                f"{r['aht_s']:.0f} s",
                _pct(r["wape_day"]),
                _pct(r["wape_week"]),
            )
        console.print(table)


@app.command()
def staff(
    forecast: Annotated[Path, typer.Argument(help="Forecast CSV (interval_start, channel, ...).")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Requirements CSV to write.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Required agents for every interval x queue of a forecast, written as CSV."""
    from wfm.config import load_center
    from wfm.io.atomic import write_csv
    from wfm.io.forecast import read_forecast
    from wfm.staffing import format_requirements, staff_forecast
    from wfm.summary import summarize_requirements

    center = _run(lambda: load_center(config))
    fc = _run(lambda: read_forecast(forecast, center))
    table, warnings = staff_forecast(fc.frame, center)
    write_csv(output, format_requirements(table))
    for w in [*fc.warnings, *warnings]:
        typer.echo(f"warning: {w}", err=True)
    summary = summarize_requirements(table, center)
    if as_json:
        console.print_json(json.dumps({"output": str(output), "queues": summary}))
    elif not quiet:
        _print_summary(summary, output)


def _print_summary(summary: list[dict[str, Any]], output: Path) -> None:
    table = Table(show_edge=False, header_style="bold", title=f"requirements → {output}")
    cols = ("queue", "model", "intervals", "contacts", "peak agents", "paid hours", "min SL")
    for name in cols:
        table.add_column(name, justify="left" if name in ("queue", "model") else "right")
    for row in summary:
        table.add_row(
            row["queue"],
            row["model"],
            str(row["intervals"]),
            f"{row['contacts']:.0f}",
            str(row["peak_agents"]),
            f"{row['paid_hours']:.1f}",
            _pct(row["min_service_level"]),
        )
    console.print(table)


@app.command()
def schedule(
    requirements: Annotated[Path, typer.Argument(help="Requirements CSV (output of wfm staff).")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML with shifts.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the plan.")],
    solver: Annotated[str, typer.Option(help="MIP solver: cbc or highs.")] = "cbc",
    time_limit: Annotated[str, typer.Option(help="Wall-clock limit, e.g. 60s or 2m.")] = "60s",
    gap: Annotated[str, typer.Option(help="Stop at this gap to the bound: 0.01 or 1%.")] = "1%",
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
        help="--verify: idle agents of a multi-skilled phone group kept for its smallest "
             "queue (as wfm simulate --reserve).", min=0)] = 0,
    roster_time_limit: Annotated[str, typer.Option(
        help="Wall-clock limit of the roster MIPs per round, e.g. 30s.")] = "30s",
) -> None:
    """Shift plan for a week of requirements: writes shifts.csv, coverage.csv, uncovered.csv,
    and the roster of named agents: roster.csv, roster_unassigned.csv, roster_agents.csv."""
    from wfm.cli_schedule import print_schedule_summary, run_schedule

    if solver not in ("highs", "cbc"):
        raise typer.BadParameter("solver must be highs or cbc", param_hint="--solver")
    limit = _duration("--time-limit")(time_limit)
    if limit <= 0:
        raise typer.BadParameter("must be above 0 s", param_hint="--time-limit")
    roster_limit = _duration("--roster-time-limit")(roster_time_limit)
    if roster_limit <= 0:
        raise typer.BadParameter("must be above 0 s", param_hint="--roster-time-limit")
    rel_gap = _gap(gap)
    check = None
    if verify:
        from wfm.simulate.verify import VerifyOptions

        check = VerifyOptions(rounds=verify_rounds, replications=verify_replications,
                              reserve=reserve)
    plan = _run(lambda: run_schedule(requirements, config, output, solver, limit, rel_gap,
                                     show_progress=not quiet and not as_json,
                                     agents=agents, roster=True,
                                     roster_time_limit=roster_limit, verify=check))
    if as_json:
        console.print_json(json.dumps({"output": str(output), **plan.summary}))
    elif not quiet:
        print_schedule_summary(console, plan, output)


def _gap(text: str) -> float:
    """``1%`` -> 0.01, ``0.01`` -> 0.01 (a relative gap, 0 <= gap < 1)."""
    t = text.strip()
    try:
        value = float(t.rstrip("%").replace(",", ".")) / (100.0 if t.endswith("%") else 1.0)
    except ValueError:
        raise typer.BadParameter(f"expected 0.01 or 1%, got {text!r}", param_hint="--gap") from None
    if not 0.0 <= value < 1.0:
        raise typer.BadParameter("must be at least 0 and below 100 %", param_hint="--gap")
    return value


@app.command()
def simulate(
    plan: Annotated[Path, typer.Argument(help="Plan directory written by wfm schedule.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML with groups.")],
    requirements: Annotated[Path | None, typer.Option(
        help="Requirements CSV (wfm staff); default PLAN/requirements.csv.")] = None,
    replications: Annotated[int, typer.Option(help="Independent weeks.", min=2)] = 20,
    seed: Annotated[int, typer.Option(help="Seed; replication r uses (seed, r).")] = 1,
    workers: Annotated[int, typer.Option(
        help="Local Dask worker processes (1: in this process).", min=1)] = 1,
    cluster: Annotated[str | None, typer.Option(
        help="Address of a running Dask scheduler, e.g. tcp://host:8786.")] = None,
    handle: Annotated[str, typer.Option(help="Handle times: exponential or lognormal.")] = (
        "exponential"),
    cv: Annotated[float, typer.Option(help="Lognormal coefficient of variation.")] = 1.0,
    routing: Annotated[str, typer.Option(help="specialist (fewer skills first) or "
                                              "longest_idle.")] = "specialist",
    reserve: Annotated[int, typer.Option(
        help="Idle agents of a multi-skilled phone group kept for its smallest queue.",
        min=0)] = 0,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="CSV to write.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Simulate a week of a plan: SL, ASA, abandonment, occupancy with 95 % intervals."""
    from wfm.cli_simulate import print_simulation_summary, run_simulation

    if handle not in ("exponential", "lognormal"):
        raise typer.BadParameter("exponential or lognormal", param_hint="--handle")
    if routing not in ("specialist", "longest_idle"):
        raise typer.BadParameter("specialist or longest_idle", param_hint="--routing")
    if not cv > 0:
        raise typer.BadParameter("must be above 0", param_hint="--cv")
    s = _run(lambda: run_simulation(plan, config, requirements, output, replications, seed,
                                    workers, handle, cv, routing, cluster, reserve))
    if as_json:
        console.print_json(json.dumps(s))
    elif not quiet:
        print_simulation_summary(console, s)


@app.callback()
def _root() -> None:
    """Workforce planning for multilingual service centers."""


def main() -> None:
    """Entry point of the ``wfm`` console script."""
    try:
        app()
    except WfmInputError as exc:  # a user mistake met outside a command's own _run
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
