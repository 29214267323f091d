"""Helpers of ``wfm forecast`` (reading the inputs, the summaries): the command is in cli.py."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table


def _pct(value: float | None) -> str:
    return "-" if value is None or np.isnan(value) else f"{100 * value:.1f} %"


def backtest_with_progress(prepared, origins: int, silent: bool, methods=None,
                           workers: int = 1, cluster: str | None = None):
    """The backtest, with a progress bar on stderr when it is a terminal; the queues fan
    out on ``workers`` local Dask processes or the Dask scheduler at ``cluster``."""
    from rich.progress import Progress

    from wfm.forecast.pipeline import backtest

    err = Console(stderr=True)
    fan = {"workers": workers, "cluster": cluster}
    if silent or not err.is_terminal:
        return backtest(prepared, origins=origins, methods=methods, **fan)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("backtest", total=len(prepared.queues))
        return backtest(
            prepared, origins=origins, methods=methods, progress=lambda q: bar.advance(task),
            **fan,
        )


def forecast_inputs(path, config, timezone, country, preset, columns, events_path):
    """Read history, events and holidays; returns ((prepared, events), warnings)."""
    from wfm.config import load_center
    from wfm.forecast.pipeline import prepare
    from wfm.io.events import country_for_timezone, public_holidays, read_events
    from wfm.io.history import parse_column_mapping, read_history

    center = load_center(config) if config else None
    mapping = parse_column_mapping(columns) if columns else None
    hist = read_history(path, center=center, timezone=timezone, preset=preset, columns=mapping)
    tz = hist.timezone
    keys = sorted(set(hist.frame["channel"] + ":" + hist.frame["language"]))
    ev = read_events(events_path, tz, queues=keys) if events_path else None
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


def forecast_summary(frame, result) -> list[dict[str, Any]]:
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


def print_backtest(console: Console, result, as_json: bool, warnings: list[str]) -> None:
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
