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

from wfm.errors import WfmInputError
from wfm.units import parse_duration, parse_target

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Workforce planning for multilingual service centers: forecast, staff, schedule.",
)
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Forecast volume and AHT per interval and queue from history; or `forecast backtest`.

    `wfm forecast HISTORY.csv -o forecast.csv` writes the forecast contract;
    `wfm forecast backtest HISTORY.csv` prints the accuracy per queue and method.
    """
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
        lambda: _forecast_inputs(path, config, timezone, country, preset, columns, events)
    )
    result = _backtest_with_progress(prepared[0], origins, quiet or as_json)
    if mode == "backtest":
        _print_backtest(result, prepared[0], as_json, warnings)
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
        typer.echo(f"error: {path}: {exc}; give --aht", err=True)
        raise typer.Exit(2) from None
    from wfm.io.atomic import write_csv

    write_csv(output, fp.format_forecast(frame))
    for w in [*warnings, *more]:
        typer.echo(f"warning: {w}", err=True)
    summary = _forecast_summary(frame, result)
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


def _backtest_with_progress(prepared, origins: int, silent: bool):
    """The backtest, with a progress bar on stderr when it is a terminal."""
    from rich.progress import Progress

    from wfm.forecast.pipeline import backtest

    err = Console(stderr=True)
    if silent or not err.is_terminal:
        return backtest(prepared, origins=origins)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("backtest", total=len(prepared.queues))
        return backtest(prepared, origins=origins, progress=lambda q: bar.advance(task))


def _forecast_inputs(path, config, timezone, country, preset, columns, events_path):
    """Read history, events and holidays; returns ((prepared, events), warnings)."""
    from wfm.config import load_center
    from wfm.forecast.pipeline import prepare
    from wfm.io.events import country_for_timezone, public_holidays, read_events
    from wfm.io.history import parse_column_mapping, read_history

    center = load_center(config) if config else None
    mapping = parse_column_mapping(columns) if columns else None
    hist = read_history(path, center=center, timezone=timezone, preset=preset, columns=mapping)
    tz = hist.timezone
    ev = read_events(events_path, tz) if events_path else None
    if country is None:
        country = country_for_timezone(tz)
    elif country.lower() == "none":
        country = None
    years = _history_years(hist.frame["interval_start"])
    days = public_holidays(country, years)
    prepared = prepare(hist.frame, hist.interval, tz, holidays=days, events=ev)
    warnings = list(hist.warnings)
    if center is not None:
        absent = [q.key for q in center.queues if q.key not in prepared.queues]
        if absent:
            warnings.append(f"no history for {', '.join(absent)}: not forecast")
    return (prepared, ev), warnings


def _history_years(starts) -> list[int]:
    first, last = int(starts.dt.year.min()), int(starts.dt.year.max())
    return list(range(first - 1, last + 3))


def _forecast_summary(frame, result) -> list[dict[str, Any]]:
    rows = []
    table = result.table
    for (channel, language), g in frame.groupby(["channel", "language"], sort=False):
        key = f"{channel}:{language}"
        days = g["interval_start"].dt.tz_localize(None).dt.normalize().nunique()
        score = (
            table[(table["queue"] == key) & (table["method"] == g["model"].iloc[0])]
            if not table.empty
            else table
        )
        vol = g["volume"].sum()
        rows.append(
            {
                "queue": key,
                "method": g["model"].iloc[0],
                "contacts_per_day": float(vol / days),
                "aht_s": float((g["volume"] * g["aht_s"]).sum() / vol) if vol > 0 else 0.0,
                "wape_day": float(score["wape_day"].iloc[0]) if len(score) else None,
                "wape_week": float(score["wape_week"].iloc[0]) if len(score) else None,
            }
        )
    return rows


def _print_backtest(result, prepared, as_json: bool, warnings: list[str]) -> None:
    from wfm.forecast.pipeline import pooled

    for w in warnings:
        typer.echo(f"warning: {w}", err=True)
    table = result.table
    if table.empty:
        typer.echo("error: history too short for a backtest (needs about 6 weeks)", err=True)
        raise typer.Exit(2)
    cols = [
        "wape_day",
        "wape_week",
        "mase_day",
        "mase_week",
        "bias_day",
        "bias_week",
        "cov80_week",
        "cov95_week",
    ]
    if as_json:
        sub = table[["queue", "method", "chosen", *cols]]
        rows = sub.astype(object).where(sub.notna(), None).to_dict(orient="records")
        console.print_json(
            json.dumps({"rows": rows, "pooled": pooled(table).reset_index().to_dict("records")})
        )
        return
    out = Table(
        show_edge=False,
        header_style="bold",
        title="rolling-origin backtest (evaluation origins; * = chosen on calibration)",
    )
    for name in (
        "queue",
        "method",
        "WAPE day",
        "WAPE week",
        "MASE day",
        "MASE week",
        "bias day",
        "bias week",
        "cov 80",
        "cov 95",
    ):
        out.add_column(name, justify="left" if name in ("queue", "method") else "right")
    for r in table.itertuples(index=False):
        label = r.method + (" *" if r.chosen else "")
        if r.method == "auto":
            label = f"auto → {r.picks}"
        out.add_row(
            r.queue,
            label,
            _pct(r.wape_day),
            _pct(r.wape_week),
            f"{r.mase_day:.2f}",
            f"{r.mase_week:.2f}",
            _pct(r.bias_day),
            _pct(r.bias_week),
            _pct(r.cov80_week),
            _pct(r.cov95_week),
            style="bold" if r.method == "auto" else None,
        )
    console.print(out)
    agg = pooled(table)
    console.print(
        "all queues, WAPE day / week ahead: "
        + ", ".join(
            f"{m} {100 * agg.loc[m, 'wape_day']:.1f} / {100 * agg.loc[m, 'wape_week']:.1f} %"
            for m in ("auto", "ets", "mean4", "snaive")
            if m in agg.index
        )
        + f"; auto week-ahead coverage: 80 % band {100 * agg.loc['auto', 'cov80_week']:.1f} %, "
        f"95 % band {100 * agg.loc['auto', 'cov95_week']:.1f} %",
        markup=False,
    )


@app.callback()
def _root() -> None:
    """Workforce planning for multilingual service centers."""


def main() -> None:
    """Entry point of the ``wfm`` console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
