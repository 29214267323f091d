"""Vendor scorecard: weighted criteria, normalisation, ranking, weight sensitivity and the
customer-side quality cost (bpo-economics.md 1.5).  Pure functions, no I/O.

* Normalisation (min-max): ``n = (x - low) / (high - low)`` for criteria where
  higher is better, ``(high - x) / (high - low)`` where lower is better (cost,
  site risk); ``low``/``high`` are the ``[scale]`` range or the options' own
  minimum and maximum; a criterion on which every option is equal gives 1.0 to all.
* Score: ``S_i = sum_c w_c n_ic`` with the weights divided by their sum (0..1).
* Weight sensitivity: raising or lowering one weight ``w_c`` by ``d`` (the
  others unchanged) changes ``S_i * (1 + d)`` to ``S_i + d n_ic``; challenger
  ``j`` ties the winner ``w`` at ``d = (S_w - S_j) / (n_jc - n_wc)``.  The
  smallest such ``|d|`` (with ``w_c + d >= 0`` and some weight left) over criteria and challengers
  is the smallest single-weight change that flips the winner.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from wfm.config.scorecard import LOWER_IS_BETTER, Scorecard
from wfm.errors import WfmInputError


@dataclass(frozen=True)
class Flip:
    """Changing weight ``criterion`` by ``delta`` (weights summing to 1 before) makes
    ``challenger`` tie the winner; ``share`` is the criterion's weight share then."""

    criterion: str
    delta: float
    weight: float
    share: float
    challenger: str


@dataclass
class Ranking:
    """Options ranked by score; ``raw``/``norm`` are options x criteria."""

    names: list[str]
    criteria: list[str]
    weights: np.ndarray
    raw: np.ndarray
    norm: np.ndarray
    scores: np.ndarray
    order: list[int]
    flips: list[Flip]
    quality: dict[str, float] = field(default_factory=dict)
    explain: list[dict[str, object]] = field(default_factory=list)

    @property
    def winner(self) -> str:
        return self.names[self.order[0]]

    @property
    def closest_flip(self) -> Flip | None:
        return min(self.flips, key=lambda f: abs(f.delta)) if self.flips else None


def quality_cost(issues: float, fcr: float, churn: float, clv: float,
                 effort: float) -> float:
    """Customer-side quality cost per year (EUR): unresolved issues I (1 - f) lose a customer
    with probability ``churn`` (CLV each); repeat contacts I (1/f - 1) (q = 1) cost ``effort``
    each."""
    return issues * (1.0 - fcr) * churn * clv + issues * (1.0 / fcr - 1.0) * effort


def normalise(raw: np.ndarray, lower_better: bool, bounds: tuple[float, float] | None = None
              ) -> np.ndarray:
    """Min-max normalisation of one criterion's values to 0..1 (1 = best)."""
    lo, hi = bounds if bounds is not None else (float(raw.min()), float(raw.max()))
    if hi == lo:
        return np.ones_like(raw, dtype=float)
    n = (raw - lo) / (hi - lo)
    return 1.0 - n if lower_better else n


def weight_flips(weights: np.ndarray, norm: np.ndarray, names: list[str],
                 criteria: list[str]) -> list[Flip]:
    """Per criterion, the smallest increase and the smallest decrease of its weight that make
    another option tie the winner (``weights`` sum to 1; ``norm`` is options x criteria)."""
    scores = norm @ weights
    w = int(np.argmax(scores))
    flips = []
    for c, crit in enumerate(criteria):
        up: tuple[float, int] | None = None
        down: tuple[float, int] | None = None
        for j in range(len(names)):
            diff = norm[j, c] - norm[w, c]
            if j == w or abs(diff) < 1e-12:  # equal on this criterion (to rounding)
                continue
            d = (scores[w] - scores[j]) / diff
            if d >= 0 and (up is None or d < up[0]):
                up = (d, j)
            if d < 0 and weights[c] + d >= 0 and 1.0 + d > 1e-12 and (down is None or d > down[0]):
                down = (d, j)
        for found in (up, down):
            if found is not None:
                d, j = found
                flips.append(Flip(crit, float(d), float(weights[c] + d),
                                  float((weights[c] + d) / (1.0 + d)), names[j]))
    return flips


def rank(card: Scorecard, costs: Mapping[str, float] | None = None) -> Ranking:
    """Rank the scorecard's options; ``costs``: scenario name -> cost figure from ``wfm
    scenario compare`` for options with ``scenario``."""
    criteria = list(card.weights)
    names = [o.name for o in card.options]
    raw = np.zeros((len(names), len(criteria)))
    quality: dict[str, float] = {}
    explain: list[dict[str, object]] = []
    for i, o in enumerate(card.options):
        vals = card.values(o)
        base, src = _base_cost(card, i, vals, costs)
        if card.quality is not None:
            q = card.quality
            quality[o.name] = quality_cost(q.issues_per_year, vals["fcr"], q.churn_unresolved,
                                           q.clv, q.effort_per_repeat)
            explain.append(_quality_row(card, o.name, vals["fcr"], quality[o.name]))
        for c, crit in enumerate(criteria):
            if crit == "cost":
                extra = _quality_in_cost(card, quality.get(o.name, 0.0))
                raw[i, c] = base + extra
                explain.append({"option": o.name, "figure": "cost", "value": raw[i, c],
                                "how": f"{card.cost} {base:,.2f} ({src})"
                                + (f" + quality cost {extra:,.2f}" if extra else "")})
            else:
                raw[i, c] = vals[crit]
    weights = np.array([card.weights[c] for c in criteria]) / sum(card.weights.values())
    norm = np.column_stack([
        normalise(raw[:, c], crit in LOWER_IS_BETTER, card.scale.get(crit))
        for c, crit in enumerate(criteria)])
    scores = norm @ weights
    order = sorted(range(len(names)), key=lambda i: (-scores[i], names[i]))
    flips = weight_flips(weights, norm, names, criteria)
    r = Ranking(names, criteria, weights, raw, norm, scores, order, flips, quality, explain)
    r.explain += _explain(card, r)
    return r


def _base_cost(card: Scorecard, i: int, vals: dict[str, float],
               costs: Mapping[str, float] | None) -> tuple[float, str]:
    o = card.options[i]
    if "cost" not in card.weights:
        return 0.0, ""
    if o.scenario is not None and costs is not None:
        if o.scenario not in costs:
            raise WfmInputError(f"option[{i + 1}] ({o.name}).scenario: no result for "
                                f"{o.scenario!r}", file=card.path)
        return float(costs[o.scenario]), f"scenario {o.scenario!r} of wfm scenario compare"
    if "cost" not in vals:
        raise WfmInputError(f"option[{i + 1}] ({o.name}).cost: missing (or run it through "
                            "`wfm scenario compare --scorecard` to take the scenario's cost)",
                            file=card.path)
    return vals["cost"], "scorecard file"


def _quality_in_cost(card: Scorecard, per_year: float) -> float:
    """Quality cost in the unit of the cost criterion: per year, or over ``years`` for TCO."""
    if card.quality is None:
        return 0.0
    return per_year * (card.quality.years if card.cost == "tco" else 1.0)


def _quality_row(card: Scorecard, name: str, fcr: float, value: float) -> dict[str, object]:
    q = card.quality
    assert q is not None
    return {"option": name, "figure": "quality_cost_per_year", "value": value,
            "how": f"issues {q.issues_per_year:,.0f} * (1 - FCR {fcr:g}) * churn "
                   f"{q.churn_unresolved:g} * CLV {q.clv:,.0f} + repeats "
                   f"{q.issues_per_year:,.0f} * (1/{fcr:g} - 1) * {q.effort_per_repeat:g} EUR"}


def _explain(card: Scorecard, r: Ranking) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for c, crit in enumerate(r.criteria):
        col = r.raw[:, c]
        lo, hi = card.scale.get(crit, (float(col.min()), float(col.max())))
        low = crit in LOWER_IS_BETTER
        for i, name in enumerate(r.names):
            x = col[i]
            how = ("all options equal: 1" if hi == lo else
                   f"({_g(hi)} - {_g(x)}) / ({_g(hi)} - {_g(lo)})" if low else
                   f"({_g(x)} - {_g(lo)}) / ({_g(hi)} - {_g(lo)})")
            rows.append({"option": name, "figure": f"normalised {crit}",
                         "value": r.norm[i, c], "how": how})
    for i, name in enumerate(r.names):
        terms = " + ".join(f"{r.weights[c]:.3f}*{r.norm[i, c]:.3f}"
                           for c in range(len(r.criteria)))
        rows.append({"option": name, "figure": "score", "value": r.scores[i],
                     "how": f"sum of weight share * normalised value = {terms}"})
    return rows


def _g(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
