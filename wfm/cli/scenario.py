"""``wfm scenario compare``: in-house, vendor (BPO) and hybrid scenarios on one forecast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from wfm.cli._common import console, run, warn

scenario_app = typer.Typer(
    no_args_is_help=True, help="Compare in-house, vendor (BPO) and hybrid scenarios."
)


def _eur(v: float) -> str:
    return f"{v / 1e6:,.2f} M" if abs(v) >= 1e6 else f"{v:,.0f}"


@scenario_app.command()
def compare(
    scenarios: Annotated[
        Path, typer.Argument(help="Scenario TOML file.", metavar="SCENARIOS.toml")
    ],
    forecast: Annotated[Path, typer.Option("--forecast", "-f", help="Forecast CSV.")],
    config: Annotated[Path, typer.Option("--config", "-c", help="Center TOML file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Summary CSV (also writes NAME.queues.csv)."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every cost item with formula and inputs.")
    ] = False,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Totals at volume, AHT, vendor price ±10 %.")
    ] = False,
    frontier: Annotated[
        bool,
        typer.Option(
            "--frontier",
            help="Cost against service level over in-house/vendor splits of one scenario.",
        ),
    ] = False,
    frontier_scenario: Annotated[
        str | None,
        typer.Option(help="Scenario of --frontier (default: the first routing to a vendor)."),
    ] = None,
    frontier_steps: Annotated[
        int,
        typer.Option(min=2, max=101, help="Points of --frontier: 11 = 0 %, 10 %, ..., 100 %."),
    ] = 11,
    schedule: Annotated[
        Path | None,
        typer.Option(
            "--schedule",
            help="A wfm schedule output directory: in-house hours and cost on its "
            "scheduled / required hours.",
            metavar="PLAN_DIR",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(
        help="--sensitivity and --frontier cases on this many local Dask processes.",
        min=1)] = 1,
    cluster: Annotated[str | None, typer.Option(
        help="--sensitivity and --frontier cases on a running Dask scheduler, e.g. "
             "tcp://host:8786.")] = None,
    scorecard: Annotated[Path | None, typer.Option(
        "--scorecard", help="Scorecard TOML: rank the scenarios on weighted criteria, the "
        "cost criterion from these results.", metavar="SCORECARD.toml")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Hours, FTE, run cost, cost per contact, service level and TCO per scenario and provider.

    Hours are required paid hours from staffing (as `wfm staff`); with --schedule the
    in-house hours are scaled by the plan's scheduled / required hours per queue.
    With --frontier, NAME.frontier.csv holds cost and service level per in-house share.
    """
    from wfm.pipeline.scenario import CompareOptions, compare_scenarios

    options = CompareOptions(explain=explain, sensitivity=sensitivity, frontier=frontier,
                             frontier_scenario=frontier_scenario,
                             frontier_steps=frontier_steps, schedule=schedule,
                             workers=workers, cluster=cluster)
    from wfm.pipeline.scorecard import load_checked, rank_scorecard, ranking_json

    card = run(lambda: load_checked(scorecard, scenarios)) if scorecard is not None else None
    done = run(lambda: compare_scenarios(scenarios, forecast, config, output, options))
    warn(done.warnings)
    ranking = run(lambda: rank_scorecard(card, done.summary)) if card is not None else None
    if as_json:
        payload: dict[str, Any] = {
            "outputs": done.written,
            "scenarios": done.summary,
            "queues": done.queues,
            "service_level": {r.name: r.service_level for r in done.results},
            "hours": "scheduled (in-house)" if done.schedule is not None else "required",
        }
        if done.schedule is not None:
            payload["schedule"] = done.schedule
        if explain:
            payload["explain"] = done.items
        if done.sensitivity:
            payload["sensitivity"] = done.sensitivity
        if done.frontier:
            payload["frontier"] = done.frontier
        if ranking is not None:
            payload["scorecard"] = ranking_json(ranking)
        typer.echo(json.dumps(payload, indent=2))
        return
    if not quiet:
        _print(console, done.results, done.summary, done.items if explain else None,
               done.sensitivity)
        if done.frontier:
            _print_frontier(console, done.frontier)
        if ranking is not None:
            from wfm.cli.scorecard import print_ranking

            print_ranking(ranking, explain)


def _print_frontier(console, rows: list[dict[str, Any]]) -> None:
    table = Table(
        show_edge=False,
        header_style="bold",
        title=f"frontier of {rows[0]['scenario']}: in-house share of its vendor-routed work\n"
        "(* = Pareto-efficient on TCO and service level; per queue in NAME.frontier.csv)",
    )
    for name in (
        "in-house",
        "run/year",
        "TCO",
        "per contact",
        "in-house h/yr",
        "vendor h/yr",
        "SL",
    ):
        table.add_column(name, justify="right")
    for r in rows:
        table.add_row(
            f"{'*' if r['pareto'] else ' '} {100 * r['inhouse_share']:.0f} %",
            _eur(r["run_cost_per_year_eur"]),
            _eur(r["tco_eur"]),
            "-" if r["cost_per_contact_eur"] is None else f"{r['cost_per_contact_eur']:.2f}",
            f"{r['inhouse_paid_hours_per_year']:,.0f}",
            f"{r['vendor_paid_hours_per_year']:,.0f}",
            "-" if r["service_level"] is None else f"{100 * r['service_level']:.1f} %",
        )
    console.print(table)


def _print(console, results, summary, items, sens) -> None:
    scheduled = results[0].scheduled
    hours = (
        "in-house cost on scheduled hours (--schedule)"
        if scheduled
        else "hours: required paid hours from staffing, no shift plan (--schedule)"
    )
    table = Table(
        show_edge=False,
        header_style="bold",
        title=f"scenarios (EUR; per year = 52 weeks; TCO over {results[0].years} years)\n{hours}",
    )
    sites = any(row["site"] for row in summary)
    for name in (
        "scenario",
        "provider",
        *(("site",) if sites else ()),
        "pricing",
        "required h/yr",
        *(("scheduled h/yr",) if scheduled else ()),
        "FTE",
        "SL",
        "run/month",
        "run/year",
        "per contact",
        "transition",
        "TCO",
    ):
        table.add_column(
            name,
            justify="left" if name in ("scenario", "provider", "site", "pricing") else "right",
        )
    for row in summary:
        total = row["provider"] == "TOTAL"
        table.add_row(
            row["scenario"],
            row["provider"],
            *((row["site"],) if sites else ()),
            row["pricing"],
            f"{row['required_hours_per_year']:,.0f}",
            *(
                (
                    "-"
                    if row["scheduled_hours_per_year"] is None
                    else f"{row['scheduled_hours_per_year']:,.0f}",
                )
                if scheduled
                else ()
            ),
            f"{row['fte']:.1f}",
            "-" if row["service_level"] is None else f"{100 * row['service_level']:.1f} %",
            _eur(row["run_cost_per_month_eur"]),
            _eur(row["run_cost_per_year_eur"]),
            "-" if row["cost_per_contact_eur"] is None else f"{row['cost_per_contact_eur']:.2f}",
            _eur(row["transition_eur"]),
            _eur(row["tco_eur"]),
            style="bold" if total else None,
            end_section=total,
        )
    console.print(table)
    keys = sorted({k for r in results for k in r.service_level})
    sl = Table(show_edge=False, header_style="bold", title="service level achieved per queue")
    sl.add_column("scenario")
    for k in keys:
        sl.add_column(k, justify="right")
    for r in results:
        sl.add_row(
            r.name,
            *(f"{100 * r.service_level[k]:.1f} %" if k in r.service_level else "-" for k in keys),
        )
    console.print(sl)
    if items is not None:
        ex = Table(show_edge=False, header_style="bold", title="cost items (EUR per year)")
        for name in ("scenario", "provider", "item", "EUR/yr", "formula", "inputs"):
            ex.add_column(name, justify="right" if name == "EUR/yr" else "left")
        for it in items:
            ex.add_row(
                it["scenario"],
                it["provider"],
                it["item"],
                f"{it['eur_per_year']:,.0f}",
                it["formula"],
                it["inputs"],
            )
        console.print(ex)
    if sens:
        st = Table(show_edge=False, header_style="bold", title="sensitivity: run cost per year")
        st.add_column("case")
        names = [r.name for r in results]
        for n in names:
            st.add_column(n, justify="right")
        base = {r.name: r.run_per_year for r in results}
        st.add_row("base", *(_eur(base[n]) for n in names))
        for case in dict.fromkeys(s["case"] for s in sens):
            vals = {s["scenario"]: s["run_cost_per_year_eur"] for s in sens if s["case"] == case}
            st.add_row(case, *(f"{_eur(vals[n])} ({vals[n] / base[n] - 1:+.1%})" for n in names))
        console.print(st)
