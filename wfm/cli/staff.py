"""``wfm staff``: required agents per interval and queue of a forecast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wfm.cli._common import console, pct, run, warn


def staff(
    forecast: Annotated[Path, typer.Argument(help="Forecast CSV (interval_start, channel, ...).")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML file.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Requirements CSV to write.")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Required agents for every interval x queue of a forecast, written as CSV."""
    from wfm.pipeline.staff import staff_file

    summary, warnings = run(lambda: staff_file(forecast, config, output))
    warn(warnings)
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
            pct(row["min_service_level"]),
        )
    console.print(table)
    for row in summary:
        if "callbacks" in row:
            console.print(
                f"{row['queue']}: {row['callbacks']:.0f} callbacks "
                f"({row['callback_hours']:.1f} on-duty agent-hours, made in the troughs); "
                f"peak agents {row['peak_agents_no_callback']} without callbacks → "
                f"{row['peak_agents']} with; paid hours {row['paid_hours_no_callback']:.1f} → "
                f"{row['paid_hours']:.1f}"
            )
    for row in summary:
        if "repeats_added" in row and (row["escalated_in"] or abs(row["repeats_added"]) > 0.5):
            console.print(
                f"{row['queue']}: {row['contacts']:.0f} contacts offered = "
                f"{row['forecast_contacts']:.0f} forecast + {row['escalated_in']:.0f} "
                f"escalated in + {row['repeats_added']:.0f} repeat contacts"
            )
