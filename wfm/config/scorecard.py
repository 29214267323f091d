"""The vendor scorecard file: weighted criteria, scores per option, quality-cost inputs.

Tables (see ``examples/scorecard.toml`` and docs/concepts/vendor-selection.md):

* ``[weights]``: criterion -> weight (>= 0, summing to more than 0; any scale,
  they are divided by their sum).  Criteria: :data:`CRITERIA`;
* ``[scale]``: optional fixed range ``[low, high]`` per criterion for the
  normalisation, e.g. ``technology = [1, 5]`` (default: the options' own
  minimum and maximum);
* ``[scorecard]``: ``cost`` = ``"tco"``, ``"run_per_year"`` or
  ``"per_contact"``: which figure of ``wfm scenario compare`` is the cost
  criterion (the file's own ``cost`` values are in the same unit);
* ``[quality]``: optional customer-side quality cost (bpo-economics.md 1.5):
  ``issues_per_year``, ``churn_unresolved`` (probability that an unresolved
  issue loses the customer), ``clv`` (EUR), ``effort_per_repeat`` (EUR per
  repeat contact); each option then needs ``fcr``;
* ``[[option]]``: ``name``, optional ``scenario`` (a scenario of the scenario
  file whose cost to take), and a value per weighted criterion.

Errors name the file and the key (``option[2] (nearshore).qualty: unknown criterion``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wfm.config.center import describe_validation_error, locate_array_item, read_toml
from wfm.errors import WfmInputError

LOWER_IS_BETTER = ("cost", "site_risk")
CRITERIA = (
    "cost", "csat", "fcr", "data_protection", "references", "technology", "languages",
    "site_risk", "company_profile", "site_atmosphere", "quality_control",
)
"""Known criteria; :data:`LOWER_IS_BETTER` are better when lower, the rest when higher."""

CostFigure = Literal["tco", "run_per_year", "per_contact"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quality(_Model):
    """Customer-side quality cost per year: issues * (1 - FCR) * churn * CLV + repeat contacts
    (issues * (1/FCR - 1)) * effort cost."""

    issues_per_year: Annotated[float, Field(ge=0.0)]
    churn_unresolved: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    clv: Annotated[float, Field(ge=0.0)] = 0.0
    effort_per_repeat: Annotated[float, Field(ge=0.0)] = 0.0
    years: Annotated[int, Field(ge=1, le=30)] = 3


class Option(_Model):
    """One alternative to rank: its values per criterion, cost possibly from a scenario."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    scenario: str | None = None


class Scorecard(_Model):
    """A validated scorecard (``path`` for messages); ``values[option][criterion]``."""

    path: str = ""
    cost: CostFigure = "tco"
    weights: dict[str, Annotated[float, Field(ge=0.0)]]
    scale: dict[str, tuple[float, float]] = {}
    quality: Quality | None = None
    options: tuple[Option, ...]

    def values(self, option: Option) -> dict[str, float]:
        return {k: float(v) for k, v in (option.model_extra or {}).items()}


def _check(card: Scorecard) -> Scorecard:
    fail = _failer(card.path)
    for k in card.weights:
        if k not in CRITERIA:
            fail(f"weights.{k}", f"unknown criterion; known: {', '.join(CRITERIA)}")
    if not sum(card.weights.values()) > 0:
        fail("weights", "the weights must sum to more than 0")
    for k, (lo, hi) in card.scale.items():
        if k not in card.weights:
            fail(f"scale.{k}", "not a weighted criterion")
        if not lo < hi:
            fail(f"scale.{k}", f"expected [low, high] with low < high, got [{lo:g}, {hi:g}]")
    if card.quality is not None and card.cost == "per_contact":
        fail("quality", 'a quality cost needs scorecard.cost = "tco" or "run_per_year"')
    if len(card.options) < 2:
        fail("option", "define at least two [[option]] tables to rank")
    names = [o.name for o in card.options]
    for i, o in enumerate(card.options):
        where = f"option[{i + 1}] ({o.name})"
        if names.index(o.name) != i:
            fail(f"{where}.name", f"option {o.name!r} is defined twice")
        _check_option(card, o, where, fail)
    return card


def _check_option(card: Scorecard, o: Option, where: str, fail) -> None:
    raw = o.model_extra or {}
    for k, v in raw.items():
        if k not in CRITERIA:
            fail(f"{where}.{k}", f"unknown criterion; known: {', '.join(CRITERIA)}")
        if isinstance(v, bool) or not isinstance(v, int | float):
            fail(f"{where}.{k}", f"expected a number, got {v!r}")
        if k in card.scale and not card.scale[k][0] <= v <= card.scale[k][1]:
            fail(f"{where}.{k}", f"{v:g} is outside scale.{k} {list(card.scale[k])}")
    needed = [k for k in card.weights if not (k == "cost" and o.scenario is not None)]
    if card.quality is not None:
        needed.append("fcr")
    for k in needed:
        if k not in raw:
            fail(f"{where}.{k}", "missing" + (" (the cost comes from `scenario` when given)"
                                              if k == "cost" else ""))
    if "fcr" in raw and not 0 < raw["fcr"] <= 1:
        fail(f"{where}.fcr", "expected a fraction above 0 and at most 1")
    if "cost" in raw and raw["cost"] < 0:
        fail(f"{where}.cost", "must be at least 0")


def _failer(path: str):
    def fail(key: str, message: str):
        raise WfmInputError(f"{key}: {message}", file=path)

    return fail


def scorecard_from_dict(data: Mapping[str, Any], path: str = "") -> Scorecard:
    """Build and check a :class:`Scorecard` from parsed TOML."""
    unknown = set(data) - {"scorecard", "weights", "scale", "quality", "option"}
    if unknown:
        raise WfmInputError(f"unknown top-level table(s): {', '.join(sorted(unknown))}",
                            file=path)
    if "weights" not in data:
        raise WfmInputError("weights: missing [weights] table", file=path)
    try:
        card = Scorecard(path=path, **dict(data.get("scorecard", {})),
                         weights=data["weights"], scale=data.get("scale", {}),
                         quality=data.get("quality"), options=list(data.get("option", [])))
    except ValidationError as exc:
        raise WfmInputError(_describe(exc.errors()[0], data), file=path) from None
    return _check(card)


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    if loc and loc[0] == "options":
        loc, _item = locate_array_item(loc, data, {"options": "option"})
    elif loc and loc[0] == "cost":
        loc[0] = "scorecard.cost"
    return describe_validation_error(loc, err, "scorecard file")


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and check a scorecard TOML file; errors name the file and the key."""
    path = Path(path)
    return scorecard_from_dict(read_toml(path, "scorecard file"), str(path))


def check_scenarios(card: Scorecard, scenarios: str | Path) -> None:
    """Each option's ``scenario`` must be a ``[[scenario]]`` name of the scenario file."""
    data = read_toml(scenarios, "scenario file")
    known = [str(s.get("name")) for s in data.get("scenario", []) if isinstance(s, Mapping)]
    for i, o in enumerate(card.options):
        if o.scenario is not None and o.scenario not in known:
            raise WfmInputError(
                f"option[{i + 1}] ({o.name}).scenario: unknown scenario {o.scenario!r} in "
                f"{scenarios}; known: {', '.join(known)}", file=card.path)

