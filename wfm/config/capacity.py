"""The capacity-plan file (``wfm capacity``): a monthly, 12-24 month hiring plan.

Tables (see ``examples/capacity.toml`` and docs/commands/capacity.md):

* ``[capacity]``: ``start`` (first planned month, ``"2027-01"``), ``months``
  (1..60), ``contract_hours_per_week`` (hours of one FTE; when absent the
  center file's ``[center] contract_hours_per_week`` if it has one, else
  :data:`DEFAULT_CONTRACT_HOURS_PER_WEEK`);
* ``[[attrition]]``: monthly leaving rate by tenure band, ``tenure_from``
  (months) and ``monthly_rate`` (fraction leaving at the end of each month);
  the first band starts at tenure 0;
* ``[hiring]``: ``training_months`` (months in class, 0 productivity),
  ``ramp`` (productivity in the first production months, 1.0 after),
  ``max_class_size`` (persons per queue per month), ``first_hire_month``
  (months from the start before the first class can begin: recruiting lead
  time), ``hire_fte`` (FTE of one hire), ``cost_per_hire`` (EUR);
* ``[cost]``: ``inhouse_fte_month`` (loaded EUR per paid in-house FTE-month),
  ``vendor_fte_month`` (EUR per vendor FTE-month);
* ``[[queue]]``: ``name`` (``channel:language``), demand (``volume`` contacts
  per month in the first planned month and ``growth`` per year, either of
  which may come from ``--history``), ``aht`` (``330s``), ``occupancy``,
  ``shrinkage``, ``min_fte``, ``vendor_share`` (part of the requirement
  planned at the vendor) and the in-house ``staff`` on the first day as
  ``[{ fte = 40, tenure_months = 24 }, ...]``.

Errors name the file and the TOML key (``queue[2] (chat:de).occupancy``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wfm.config.center import Seconds, describe_validation_error, locate_array_item, read_toml
from wfm.errors import WfmInputError

DEFAULT_CONTRACT_HOURS_PER_WEEK = 40.0
"""Hours of one FTE per week when neither the capacity file nor the center file sets it."""

NonNeg = Annotated[float, Field(ge=0.0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUEUE = re.compile(r"^[a-z]+:[a-z]{2,3}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Horizon(_Model):
    """``[capacity]``: first month (``YYYY-MM``), number of months, FTE definition."""

    start: str
    months: Annotated[int, Field(ge=1, le=60)] = 18
    contract_hours_per_week: Annotated[float, Field(gt=0.0, le=80.0)] | None = None

    @field_validator("start")
    @classmethod
    def _start(cls, v: str) -> str:
        m = _MONTH.match(str(v).strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"expected a month like 2027-01, got {v!r}")
        return str(v).strip()

    @property
    def first(self) -> dt.date:
        y, m = self.start.split("-")
        return dt.date(int(y), int(m), 1)


class AttritionBand(_Model):
    """Monthly attrition ``monthly_rate`` from ``tenure_from`` months of tenure on."""

    tenure_from: Annotated[int, Field(ge=0)]
    monthly_rate: Annotated[float, Field(ge=0.0, lt=1.0)]


class Hiring(_Model):
    """``[hiring]``: classes, training, ramp-up, limits and cost per hire."""

    training_months: Annotated[int, Field(ge=0, le=12)] = 2
    ramp: tuple[Annotated[float, Field(gt=0.0, le=1.0)], ...] = (0.5, 0.67, 0.85)
    max_class_size: Annotated[int, Field(ge=0)] = 15
    first_hire_month: Annotated[int, Field(ge=0)] = 0
    hire_fte: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    cost_per_hire: NonNeg = 9_000.0


class Cost(_Model):
    """``[cost]``: loaded EUR per paid in-house FTE-month and per vendor FTE-month."""

    inhouse_fte_month: NonNeg = 0.0
    vendor_fte_month: NonNeg = 0.0


class Cohort(_Model):
    """In-house staff on the first day: ``fte`` with ``tenure_months`` of tenure."""

    fte: NonNeg
    tenure_months: Annotated[int, Field(ge=0)] = 24


class CapacityQueue(_Model):
    """One queue's demand, productivity assumptions and starting staff."""

    name: str
    volume: NonNeg | None = None
    growth: Annotated[float, Field(gt=-1.0, le=10.0)] | None = None
    aht: Annotated[Seconds, Field(gt=0.0)]
    occupancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.85
    shrinkage: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.30
    min_fte: NonNeg = 0.0
    vendor_share: Share = 0.0
    staff: tuple[Cohort, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _QUEUE.match(v):
            raise ValueError(f"expected channel:language like phone:de, got {v!r}")
        return v


class CapacityFile(_Model):
    """A validated capacity file (``path`` for messages)."""

    path: str = ""
    horizon: Horizon
    attrition: tuple[AttritionBand, ...] = (AttritionBand(tenure_from=0, monthly_rate=0.0),)
    hiring: Hiring = Hiring()
    cost: Cost = Cost()
    queues: tuple[CapacityQueue, ...]

    @model_validator(mode="after")
    def _check(self) -> CapacityFile:
        froms = [b.tenure_from for b in self.attrition]
        if not froms or froms[0] != 0:
            raise ValueError("attrition[1].tenure_from: the first band must start at tenure 0")
        for i in range(1, len(froms)):
            if froms[i] <= froms[i - 1]:
                raise ValueError(
                    f"attrition[{i + 1}].tenure_from: bands must be in increasing tenure order"
                )
        if not self.queues:
            raise ValueError("queue: define at least one [[queue]]")
        names = [q.name for q in self.queues]
        for i, n in enumerate(names):
            if names.index(n) != i:
                raise ValueError(f"queue[{i + 1}].name: queue {n!r} is defined twice")
        return self


def capacity_from_dict(data: Mapping[str, Any], path: str = "") -> CapacityFile:
    """Build a :class:`CapacityFile` from parsed TOML (raises ValidationError/ValueError)."""
    unknown = set(data) - {"capacity", "attrition", "hiring", "cost", "queue"}
    if unknown:
        raise ValueError(f"unknown top-level table(s): {', '.join(sorted(unknown))}")
    if "capacity" not in data:
        raise ValueError("capacity: missing [capacity] table with start = \"YYYY-MM\"")
    kwargs: dict[str, Any] = {"path": path, "horizon": data["capacity"],
                              "queues": list(data.get("queue", []))}
    for key in ("attrition", "hiring", "cost"):
        if key in data:
            kwargs[key] = data[key]
    return CapacityFile(**kwargs)


_TABLES = {"horizon": "capacity", "queues": "queue", "attrition": "attrition",
           "hiring": "hiring", "cost": "cost"}
_PREFIX = re.compile(r"(?:Value error, )?([A-Za-z_]+\[\d+\](?:\.[A-Za-z_]+)*): ")


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    msg = str(err.get("msg", ""))
    prefix = _PREFIX.match(msg)
    if prefix:  # a model validator naming its key
        return f"{prefix.group(1)}: {msg[prefix.end():]}"
    loc, item = locate_array_item(loc, data, _TABLES)
    if item is not None and len(loc) > 2 and loc[1] == "staff" and isinstance(loc[2], int):
        loc = [loc[0], f"staff[{loc[2] + 1}]", *loc[3:]]
    return describe_validation_error(loc, err, "capacity file")


def load_capacity(path: str | Path) -> CapacityFile:
    """Read and validate a capacity TOML file; errors name the file and the key."""
    path = Path(path)
    data = read_toml(path, "capacity file")
    try:
        return capacity_from_dict(data, str(path))
    except ValidationError as exc:
        raise WfmInputError(_describe(exc.errors()[0], data), file=str(path)) from None
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(path)) from None
