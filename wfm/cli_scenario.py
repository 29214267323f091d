"""``wfm scenario compare``: cost of in-house, vendor and hybrid scenarios on one forecast."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

scenario_app = typer.Typer(
    no_args_is_help=True, help="Compare in-house, vendor (BPO) and hybrid scenarios."
)

SUMMARY_COLUMNS = (
    "scenario",
    "provider",
    "kind",
    "pricing",
    "contacts_per_year",
    "handled_contacts_per_year",
    "paid_hours_per_year",
    "required_hours_per_year",
    "scheduled_hours_per_year",
    "fte",
    "run_cost_per_month_eur",
    "run_cost_per_year_eur",
    "cost_per_contact_eur",
    "transition_eur",
    "tco_eur",
    "years",
)


def summary_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider plus a ``TOTAL`` row per scenario (EUR, hours/year).

    ``paid_hours_per_year``: the hours the cost is based on; ``required_hours_per_year``:
    from staffing; ``scheduled_hours_per_year``: in-house hours of a shift plan's
    overhead (``--schedule``; empty otherwise and for vendors).
    """
    from wfm.scenario.compare import per_month

    rows = []
    for r in results:
        for p in [*r.providers, None]:
            run = r.run_per_year if p is None else p.run_per_year
            contacts = r.contacts if p is None else p.contacts
            rows.append(
                {
                    "scenario": r.name,
                    "provider": "TOTAL" if p is None else p.provider,
                    "kind": "" if p is None else p.kind,
                    "pricing": "" if p is None else p.pricing,
                    "contacts_per_year": round(contacts, 1),
                    "handled_contacts_per_year": round(
                        sum(w.handled_contacts for q in r.providers for w in q.work)
                        if p is None
                        else sum(w.handled_contacts for w in p.work),
                        1,
                    ),
                    "paid_hours_per_year": round(
                        sum(q.paid_hours for q in r.providers) if p is None else p.paid_hours, 1
                    ),
                    "required_hours_per_year": round(
                        sum(q.required_hours for q in r.providers)
                        if p is None
                        else p.required_hours,
                        1,
                    ),
                    "scheduled_hours_per_year": _scheduled(r, p),
                    "fte": round(sum(q.fte for q in r.providers) if p is None else p.fte, 2),
                    "run_cost_per_month_eur": round(per_month(run), 2),
                    "run_cost_per_year_eur": round(run, 2),
                    "cost_per_contact_eur": round(run / contacts, 4) if contacts > 0 else None,
                    "transition_eur": round(r.transition if p is None else p.transition, 2),
                    "tco_eur": round(r.tco if p is None else p.tco, 2),
                    "years": r.years,
                }
            )
    return rows


def _scheduled(result, provider) -> float | None:
    """Scheduled in-house hours per year (None without a plan, for vendors and totals)."""
    if not result.scheduled or provider is None or provider.kind != "inhouse":
        return None
    return round(provider.paid_hours, 1)


def queue_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider x queue: contacts, hours, service level achieved."""
    rows = []
    for r in results:
        for p in r.providers:
            for w in p.work:
                rows.append(
                    {
                        "scenario": r.name,
                        "provider": p.provider,
                        "queue": w.queue,
                        "contacts_per_year": round(w.contacts, 1),
                        "handled_contacts_per_year": round(w.handled_contacts, 1),
                        "handled_minutes_per_year": round(w.handled_minutes, 1),
                        "paid_hours_per_year": round(w.paid_hours, 1),
                        "required_hours_per_year": round(w.required_hours, 1),
                        "on_duty_hours_per_year": round(w.on_duty_hours, 1),
                        "service_level": None
                        if math.isnan(w.service_level)
                        else round(w.service_level, 4),
                    }
                )
    return rows


def explain_rows(results) -> list[dict[str, Any]]:
    """One row per scenario x provider x cost item: formula, inputs, EUR per year."""
    rows = []
    for r in results:
        for p in r.providers:
            for item in p.items:
                rows.append(
                    {
                        "scenario": r.name,
                        "provider": p.provider,
                        "item": item.name,
                        "formula": item.formula,
                        "inputs": "; ".join(f"{k}={v:.6g}" for k, v in item.inputs.items()),
                        "eur_per_year": round(item.value, 2),
                    }
                )
    return rows


def frontier_rows(name: str, points) -> list[dict[str, Any]]:
    """One row per frontier point: in-house share, cost, hours, service level (total, per queue)."""
    rows = []
    for p in points:
        row = {
            "scenario": name,
            "inhouse_share": round(p.inhouse_share, 6),
            "run_cost_per_year_eur": round(p.run_per_year, 2),
            "transition_eur": round(p.transition, 2),
            "tco_eur": round(p.tco, 2),
            "cost_per_contact_eur": round(p.run_per_year / p.contacts, 4)
            if p.contacts > 0
            else None,
            "inhouse_paid_hours_per_year": round(p.inhouse_hours, 1),
            "vendor_paid_hours_per_year": round(p.vendor_hours, 1),
            "service_level": None if math.isnan(p.service_level) else round(p.service_level, 4),
            "pareto": p.pareto,
        }
        for queue, sl in sorted(p.service_levels.items()):
            row[f"service_level_{queue}"] = round(sl, 4)
        rows.append(row)
    return rows


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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Hours, FTE, run cost, cost per contact, service level and TCO per scenario and provider.

    Hours are required paid hours from staffing (as `wfm staff`); with --schedule the
    in-house hours are scaled by the plan's scheduled / required hours per queue.
    With --frontier, NAME.frontier.csv holds cost and service level per in-house share.
    """
    import pandas as pd

    from wfm.cli import _run
    from wfm.config import load_center
    from wfm.io.atomic import write_csv
    from wfm.io.forecast import read_forecast
    from wfm.scenario.compare import compare as run_compare
    from wfm.scenario.config import load_scenarios
    from wfm.scenario.frontier import frontier as run_frontier
    from wfm.scenario.frontier import frontier_case

    center = _run(lambda: load_center(config))
    scen = _run(lambda: load_scenarios(scenarios, center))
    fc = _run(lambda: read_forecast(forecast, center))
    plan = None
    if schedule is not None:
        from wfm.scenario.scheduled import read_schedule_overhead

        plan = _run(lambda: read_schedule_overhead(schedule, center.interval))
    overhead = plan.factors if plan is not None else None
    results = _run(lambda: run_compare(scen, center, fc.frame, overhead=overhead))
    sens: list[dict[str, Any]] = []
    if sensitivity:
        from wfm.scenario.sensitivity import sensitivity as run_sensitivity

        sens = _run(lambda: run_sensitivity(scen, center, fc.frame, overhead=overhead,
                                            workers=workers, cluster=cluster))
    front: list[dict[str, Any]] = []
    if frontier:
        from wfm.scenario.compare import prepare

        ctx = prepare(scen, center, fc.frame, overhead=overhead)
        case = _run(lambda: frontier_case(scen, ctx, frontier_scenario))
        name = scen.scenarios[case.index].name
        front = frontier_rows(name, _run(lambda: run_frontier(
            case, frontier_steps, workers=workers, cluster=cluster)))
    summary, queues, items = summary_rows(results), queue_rows(results), explain_rows(results)
    written = []
    if output is not None:
        extra = [("queues", queues)] + ([("explain", items)] if explain else [])
        extra += [("sensitivity", sens)] if sens else []
        extra += [("frontier", front)] if front else []
        _run(lambda: write_csv(output, pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS))))
        written.append(str(output))
        for suffix, rows in extra:
            path = output.with_name(f"{output.stem}.{suffix}{output.suffix or '.csv'}")
            _run(lambda path=path, rows=rows: write_csv(path, pd.DataFrame(rows)))
            written.append(str(path))
    notes: tuple[str, ...] = ()
    if plan is not None:
        from wfm.scenario.scheduled import coverage_notes

        pairs = fc.frame[["channel", "language"]].drop_duplicates()
        keys = sorted(center.queue(f"{c}:{lang}").key for c, lang in pairs.itertuples(index=False))
        notes = (*plan.notes, *coverage_notes(plan, keys))
    for w in [*fc.warnings, *notes]:
        typer.echo(f"warning: {w}", err=True)
    if as_json:
        payload = {
            "outputs": written,
            "scenarios": summary,
            "queues": queues,
            "service_level": {r.name: r.service_level for r in results},
            "hours": "scheduled (in-house)" if plan is not None else "required",
        }
        if plan is not None:
            payload["schedule"] = {
                "dir": str(schedule),
                "required_hours": plan.required_hours,
                "shift_hours": plan.shift_hours,
                "overhead": plan.factors,
            }
        if explain:
            payload["explain"] = items
        if sens:
            payload["sensitivity"] = sens
        if front:
            payload["frontier"] = front
        typer.echo(json.dumps(payload, indent=2))
        return
    if not quiet:
        console = Console(highlight=False)
        _print(console, results, summary, items if explain else None, sens)
        if front:
            _print_frontier(console, front)


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
    for name in (
        "scenario",
        "provider",
        "pricing",
        "required h/yr",
        *(("scheduled h/yr",) if scheduled else ()),
        "FTE",
        "run/month",
        "run/year",
        "per contact",
        "transition",
        "TCO",
    ):
        table.add_column(
            name, justify="left" if name in ("scenario", "provider", "pricing") else "right"
        )
    for row in summary:
        total = row["provider"] == "TOTAL"
        table.add_row(
            row["scenario"],
            row["provider"],
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
