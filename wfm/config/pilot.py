"""The pilot file: move one sub-area (queues, a time window) to a vendor for N weeks.

``[pilot]``: ``name``, ``scenarios`` (the scenario file, relative to this
file), ``baseline`` (a scenario of it: how the work is done today),
``vendor`` (a provider of it), ``queues`` (``channel:language`` patterns),
``when`` (a routing window: ``always``, ``nights``, ... or an opening-hours
table), ``horizon_start`` (first day of the scenario file's TCO horizon,
``settings.years`` long), ``start`` (first day of the pilot), ``weeks``,
``transition_cost`` (EUR, one-off: knowledge transfer, training, IT).

``[success]``: the criteria the pilot's actuals are checked against:
``service_level`` (at least, contact-weighted), ``fcr`` (at least),
``cost_per_contact`` (at most, EUR).  At least one is needed.

Errors name the file and the key (``pilot.weeks: ...``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from wfm.config.center import describe_validation_error, read_toml
from wfm.config.scenario import check_when
from wfm.errors import WfmInputError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Success(_Model):
    """Success criteria: minimum service level and FCR, maximum cost per contact."""

    service_level: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    fcr: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    cost_per_contact: Annotated[float, Field(gt=0.0)] | None = None


class Pilot(_Model):
    """``[pilot]``: what moves to which vendor, when and for how long."""

    name: str = "pilot"
    scenarios: str
    baseline: str
    vendor: str
    queues: tuple[str, ...]
    when: str | dict[str, Any] = "always"
    horizon_start: dt.date
    start: dt.date
    weeks: Annotated[int, Field(ge=1, le=104)]
    transition_cost: Annotated[float, Field(ge=0.0)] = 0.0

    @field_validator("when")
    @classmethod
    def _when(cls, v: str | dict[str, Any]) -> str | dict[str, Any]:
        return check_when(v)

    @field_validator("queues")
    @classmethod
    def _queues(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("give at least one queue pattern, e.g. [\"email:en\"]")
        return v

    @property
    def end(self) -> dt.date:
        """Last day of the pilot."""
        return self.start + dt.timedelta(weeks=self.weeks, days=-1)


class PilotFile(_Model):
    """A validated pilot file; ``path`` for messages, ``scenario_path`` resolved."""

    path: str = ""
    scenario_path: str = ""
    pilot: Pilot
    success: Success


def load_pilot(path: str | Path) -> PilotFile:
    """Read and validate a pilot TOML file (not yet the scenario file); errors name the key."""
    path = Path(path)
    data = read_toml(path, "pilot file")
    unknown = set(data) - {"pilot", "success"}
    if unknown:
        raise WfmInputError(f"unknown top-level table(s): {', '.join(sorted(unknown))}",
                            file=str(path))
    for table in ("pilot", "success"):
        if table not in data:
            raise WfmInputError(f"{table}: missing [{table}] table", file=str(path))
    try:
        pf = PilotFile(path=str(path), pilot=data["pilot"], success=data["success"],
                       scenario_path=str(path.parent / str(data["pilot"].get("scenarios", ""))))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise WfmInputError(describe_validation_error(list(err.get("loc", ())), err,
                                                      "pilot file"), file=str(path)) from None
    s = pf.success
    if s.service_level is None and s.fcr is None and s.cost_per_contact is None:
        raise WfmInputError("success: give service_level, fcr or cost_per_contact",
                            file=str(path))
    if pf.pilot.start < pf.pilot.horizon_start:
        raise WfmInputError(f"pilot.start: {pf.pilot.start} is before the horizon starting "
                            f"{pf.pilot.horizon_start}", file=str(path))
    return pf


def check_horizon(pf: PilotFile, years: int) -> None:
    """The pilot window must end inside the horizon (``years`` * 52 weeks from its start)."""
    end = pf.pilot.horizon_start + dt.timedelta(weeks=52 * years, days=-1)
    if pf.pilot.end > end:
        raise WfmInputError(
            f"pilot.weeks: the pilot {pf.pilot.start}..{pf.pilot.end} ends after the horizon "
            f"{pf.pilot.horizon_start}..{end} (settings.years = {years} of "
            f"{pf.pilot.scenarios})", file=pf.path)


def check_names(pf: PilotFile, providers: Mapping[str, Any], scenarios: list[str]) -> None:
    """``baseline`` must be a scenario and ``vendor`` a vendor of the scenario file."""
    p = pf.pilot
    if p.baseline not in scenarios:
        raise WfmInputError(f"pilot.baseline: unknown scenario {p.baseline!r}; known: "
                            f"{', '.join(scenarios)}", file=pf.path)
    if p.vendor not in providers:
        raise WfmInputError(f"pilot.vendor: unknown provider {p.vendor!r}; known: "
                            f"{', '.join(providers)}", file=pf.path)
    if providers[p.vendor].kind != "vendor":
        raise WfmInputError(f"pilot.vendor: {p.vendor!r} is not a vendor", file=pf.path)
