"""The vendor scorecard's step: rank a scorecard's options, their cost from the file or
from ``wfm scenario compare``'s results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

COST_COLUMNS = {"tco": "tco_eur", "run_per_year": "run_cost_per_year_eur",
                "per_contact": "cost_per_contact_eur"}


def load_checked(path: Path, scenarios: Path | None = None) -> Any:
    """Load the scorecard and check its scenario names (before anything is computed)."""
    from wfm.config.scorecard import check_scenarios, load_scorecard

    card = load_scorecard(path)
    if scenarios is not None:
        check_scenarios(card, scenarios)
    return card


def rank_scorecard(card: Any, summary: Sequence[Mapping[str, Any]] | None = None) -> Any:
    """Rank ``card``'s options; ``summary``: the TOTAL rows of ``wfm scenario compare``."""
    from wfm.scenario.scorecard import rank

    costs = None
    if summary is not None:
        col = COST_COLUMNS[card.cost]
        costs = {r["scenario"]: float(r[col]) for r in summary
                 if r.get("provider") == "TOTAL" and r.get(col) is not None}
    return rank(card, costs)


def ranking_json(r: Any) -> dict[str, Any]:
    """A ranking as plain data (for --json)."""
    return {
        "winner": r.winner,
        "weights": dict(zip(r.criteria, map(float, r.weights), strict=True)),
        "ranking": [{"option": r.names[i], "score": float(r.scores[i]),
                     "values": dict(zip(r.criteria, map(float, r.raw[i]), strict=True)),
                     "normalised": dict(zip(r.criteria, map(float, r.norm[i]), strict=True))}
                    for i in r.order],
        "quality_cost_per_year_eur": r.quality,
        "flips": [vars(f) for f in sorted(r.flips, key=lambda f: abs(f.delta))],
    }
