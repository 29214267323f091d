"""``wfm forecast`` and ``wfm forecast backtest``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from wfm.cli._common import console, duration, pct, run, warn, whole_days


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
        str, typer.Option(help="auto (backtest choice per queue and horizon), snaive, mean4, ets, "
                       "profile, combo, split.")
    ] = "auto",
    events: Annotated[Path | None, typer.Option(help="Events CSV (campaigns, outages).")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Timezone of naive times without --config (default: "
                                 "guessed from the UTC offsets, else UTC).")
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
    from wfm.forecast import pipeline as fp
    from wfm.pipeline import forecast as pf

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
    days = whole_days(horizon, example="14d")
    default_aht = duration("--aht")(aht) if aht else None
    prepared, warnings = run(
        lambda: pf.forecast_inputs(path, config, timezone, country, preset, columns, events)
    )
    # a fixed method needs only its own backtest (for the interval dispersion)
    methods = None if mode == "backtest" or method == "auto" else [method]
    result = run(lambda: _backtest(prepared[0], origins, quiet or as_json, methods, workers,
                                   cluster))
    if mode == "backtest":
        _print_backtest(result, as_json, warnings)
        return
    try:
        frame, more = fp.make_forecast(
            prepared[0],
            days,
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
    warn([*warnings, *more])
    summary = pf.forecast_summary(frame, result)
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
                pct(r["wape_day"]),
                pct(r["wape_week"]),
            )
        console.print(table)


def _backtest(prepared, origins: int, silent: bool, methods, workers: int,
              cluster: str | None):
    """The backtest, with a progress bar on stderr when it is a terminal."""
    from rich.console import Console
    from rich.progress import Progress

    from wfm.pipeline.forecast import run_backtest

    err = Console(stderr=True)
    if silent or not err.is_terminal:
        return run_backtest(prepared, origins, methods, workers, cluster)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("backtest", total=len(prepared.queues))
        return run_backtest(prepared, origins, methods, workers, cluster,
                            progress=lambda q: bar.advance(task))


def _print_backtest(result, as_json: bool, warnings: list[str]) -> None:
    from wfm.forecast.pipeline import pooled

    warn(warnings)
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
        sub = table[["queue", "method", "chosen", "picks", "pick_day", "pick_week",
                     "weight_day", "weight_week", *cols]]
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
            pct(r.wape_day),
            pct(r.wape_week),
            f"{r.mase_day:.2f}",
            f"{r.mase_week:.2f}",
            pct(r.bias_day),
            pct(r.bias_week),
            pct(r.cov80_week),
            pct(r.cov95_week),
            style="bold" if r.method == "auto" else None,
        )
    console.print(out)
    agg = pooled(table)
    console.print(
        "all queues, WAPE day / week ahead: "
        + ", ".join(
            f"{m} {100 * agg.loc[m, 'wape_day']:.1f} / {100 * agg.loc[m, 'wape_week']:.1f} %"
            for m in ("auto", "combo", "profile", "ets", "mean4", "snaive")
            if m in agg.index
        )
        + f"; auto week-ahead coverage: 80 % band {100 * agg.loc['auto', 'cov80_week']:.1f} %, "
        f"95 % band {100 * agg.loc['auto', 'cov95_week']:.1f} %",
        markup=False,
    )
