"""``wfm erlang``: the staffing calculator for one interval."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from wfm.cli._common import console, duration, fraction, pct, run, secs
from wfm.units import parse_target


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
    rows: Annotated[int, typer.Option(help="Staffing levels shown around the requirement.",
                                      min=0, max=100)] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Staffing calculator: the table of agents around the requirement for one interval."""
    from wfm.staffing.calculator import CalculatorInput, staffing_table

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
    if not 0 <= volume <= 1e6:  # also NaN and inf
        raise typer.BadParameter("expected 0 to 1e6 contacts", param_hint="--volume")
    handle = duration("--aht")(aht)
    if not 0 < handle <= 86400:
        raise typer.BadParameter("expected a handle time above 0 s and at most 1d",
                                 param_hint="--aht")
    length = duration("--interval")(interval)
    if length < 60 or length % 60 or 86400 % length:
        raise typer.BadParameter("expected whole minutes dividing a day (e.g. 15m, 30m, 1h)",
                                 param_hint="--interval")
    if factors is not None and not all(0 < f < 100 for f in factors):
        raise typer.BadParameter("expected factors above 0, e.g. 1,1.18",
                                 param_hint="--aht-factors")
    spec = CalculatorInput(
        volume=volume,
        aht=handle,
        interval=length,
        service_level=level,
        target_time=target_time,
        patience=duration("--patience")(patience) if patience else None,
        concurrency=concurrency,
        aht_factors=factors,
        max_asa=duration("--max-asa")(max_asa) if max_asa else None,
        max_abandon_rate=fraction(max_abandon, "--max-abandon") if max_abandon else None,
        max_occupancy=fraction(max_occupancy, "--max-occupancy") if max_occupancy else None,
        basis=basis,
    )
    result = run(lambda: staffing_table(spec, rows=rows))
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
            pct(line.service_level),
            secs(line.asa),
            pct(line.abandon_rate),
            pct(line.occupancy),
            line.note,
            style="bold green" if line.required else None,
        )
    console.print(table)
