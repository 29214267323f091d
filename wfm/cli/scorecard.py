"""``wfm scenario scorecard``: rank vendors on weighted criteria; also the table that
``wfm scenario compare --scorecard`` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from wfm.cli._common import console, run


def scorecard(
    card_file: Annotated[Path, typer.Argument(help="Scorecard TOML file.",
                                              metavar="SCORECARD.toml")],
    explain: Annotated[bool, typer.Option(
        "--explain", help="How every figure was computed, in words and numbers.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ranking as JSON.")] = False,
) -> None:
    """Rank vendors (or scenarios) on weighted criteria with costs given in the file, and the
    smallest weight change that flips the winner."""
    from wfm.pipeline.scorecard import load_checked, rank_scorecard, ranking_json

    ranking = run(lambda: rank_scorecard(load_checked(card_file)))
    if as_json:
        typer.echo(json.dumps(ranking_json(ranking), indent=2))
    else:
        print_ranking(ranking, explain)


def print_ranking(r: Any, explain: bool = False) -> None:
    """The ranking table, the flips, and with ``explain`` every figure's computation."""
    table = Table(show_edge=False, header_style="bold",
                  title="vendor scorecard (normalised 0..1, 1 = best; score = weighted sum)")
    table.add_column("rank", justify="right")
    table.add_column("option")
    table.add_column("score", justify="right")
    for c in r.criteria:
        table.add_column(f"{c} ({100 * r.weights[r.criteria.index(c)]:.0f} %)",
                         justify="right")
    for rank_no, i in enumerate(r.order, 1):
        table.add_row(str(rank_no), escape(r.names[i]), f"{100 * r.scores[i]:.1f}",
                      *(f"{_num(r.raw[i, c])} → {r.norm[i, c]:.2f}"
                        for c in range(len(r.criteria))))
    console.print(table)
    if r.quality:
        console.print("quality cost per year (churn + customer effort of repeats), EUR: "
                      + ", ".join(f"{k} {v:,.0f}" for k, v in r.quality.items()))
    flips = sorted(r.flips, key=lambda f: abs(f.delta))
    if flips:
        f = flips[0]
        console.print(
            f"winner {r.winner}; smallest single-weight change that flips it: {f.criterion} "
            f"{r.weights[r.criteria.index(f.criterion)]:.3f} → {f.weight:.3f} "
            f"({f.delta:+.3f}; share {100 * f.share:.1f} %) makes {f.challenger} tie")
    else:
        console.print(f"winner {r.winner}; no change of a single weight flips it")
    if explain:
        ex = Table(show_edge=False, header_style="bold", title="how each figure was computed")
        for name in ("option", "figure", "value", "how"):
            ex.add_column(name, justify="right" if name == "value" else "left")
        for row in r.explain:
            ex.add_row(escape(str(row["option"])), str(row["figure"]),
                       _num(float(row["value"])), escape(str(row["how"])))
        for f in flips:
            ex.add_row("-", f"flip via {f.criterion}", f"{f.delta:+.4f}",
                       f"weight {f.weight - f.delta:.4f} → {f.weight:.4f}: {f.challenger} "
                       "ties the winner (d = (S_winner - S_challenger) / (n_challenger - "
                       "n_winner) on this criterion)")
        console.print(ex)


def _num(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} M"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
