"""Center configuration: one validated model per concept, loaded from TOML.

A center file has a ``[center]`` table, an optional ``[defaults]`` table whose
keys apply to every queue unless the queue sets them, and one ``[[queue]]``
table per (channel, language) pair.  See ``examples/center.toml``.

Durations accept ``20s``/``30m``/``8h``/``1d`` or seconds; targets ``80/20s``.
Validation errors name the file and the key (``queue[2].patience``).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wfm.errors import WfmInputError
from wfm.units import parse_duration, parse_target

Seconds = Annotated[float, BeforeValidator(lambda v: parse_duration(v))]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]

StaffingModel = Literal["erlang_c", "erlang_a", "chat", "deferred"]
MODELS: tuple[str, ...] = get_args(StaffingModel)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")

# Practitioner concurrency factors f(k) = k * AHT_1 / AHT_k for k = 1..5 allowed
# chats (Call Centre Helper, "Erlang C for chat"; see shared/reference/
# channel-models.md section 1.2): AHT_k / AHT_1 = k / f(k).
DEFAULT_CHAT_AHT_FACTORS = (1.0, 2 / 1.7, 3 / 2.5, 4 / 2.9, 5 / 3.5)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class OpeningHours(_Model):
    """Weekly opening windows in local time; ``24/7`` when empty.

    ``windows[d]`` lists (start, end) minutes after midnight for weekday d
    (0 = Monday); a window ending before it starts runs past midnight into the
    next day.  An interval is open when its start lies in a window.
    """

    windows: tuple[tuple[tuple[int, int], ...], ...] = tuple(((0, 1440),) for _ in DAYS)

    @classmethod
    def parse(cls, value: Any) -> OpeningHours:
        """From ``"24/7"`` or a table like ``{"mon-fri" = "08:00-20:00", sat = "closed"}``."""
        if isinstance(value, OpeningHours):
            return value
        if value is None or (isinstance(value, str) and value.strip() == "24/7"):
            return cls()
        if not isinstance(value, Mapping):
            raise ValueError('expected "24/7" or a table of weekday = "HH:MM-HH:MM"')
        days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
        seen: set[int] = set()
        for key, spec in value.items():
            targets = _day_range(str(key))
            specs = spec if isinstance(spec, list) else [spec]
            for d in targets:
                if d in seen:
                    raise ValueError(f"weekday {DAYS[d]} is given twice")
                seen.add(d)
                for s in specs:
                    if str(s).strip().lower() == "closed":
                        continue
                    days[d].append(_window(str(s)))
        return cls(windows=tuple(tuple(w) for w in days))

    @property
    def always_open(self) -> bool:
        return all(w == ((0, 1440),) for w in self.windows)

    def is_open(self, local_starts: pd.DatetimeIndex | pd.Series) -> np.ndarray:
        """Boolean mask: is the interval starting at each local time open?"""
        times = pd.DatetimeIndex(local_starts)
        if self.always_open:
            return np.ones(len(times), dtype=bool)
        weekday = times.day_of_week.to_numpy()
        minute = (times.hour * 60 + times.minute).to_numpy()
        mask = np.zeros(len(times), dtype=bool)
        for d, windows in enumerate(self.windows):
            for start, end in windows:
                if end > start:
                    mask |= (weekday == d) & (minute >= start) & (minute < end)
                else:  # past midnight: [start, 24:00) today and [0, end) tomorrow
                    mask |= (weekday == d) & (minute >= start)
                    mask |= (weekday == (d + 1) % 7) & (minute < end)
        return mask


def _day_range(key: str) -> list[int]:
    k = key.strip().lower()
    if k in ("daily", "all", "mon-sun"):
        return list(range(7))
    if "-" in k:
        first, last = (p.strip() for p in k.split("-", 1))
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"unknown weekday range {key!r}; use mon..sun, e.g. mon-fri")
        i, j = DAYS.index(first), DAYS.index(last)
        return list(range(i, j + 1)) if i <= j else [*range(i, 7), *range(0, j + 1)]
    if k not in DAYS:
        raise ValueError(f"unknown weekday {key!r}; use mon, tue, wed, thu, fri, sat, sun")
    return [DAYS.index(k)]


def _window(text: str) -> tuple[int, int]:
    m = _WINDOW.match(text.strip())
    if not m:
        raise ValueError(f'expected "HH:MM-HH:MM" or "closed", got {text!r}')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= 1440 or end > 1440 or m1 >= 60 or m2 >= 60 or start == end:
        raise ValueError(f"invalid opening window {text!r}")
    return start, end


Hours = Annotated[OpeningHours, BeforeValidator(OpeningHours.parse)]


class QueueConfig(_Model):
    """One stream of work (channel x language) with its staffing model and targets.

    Units: durations in seconds, fractions in 0..1.

    * ``model``: ``erlang_c`` (no abandonment), ``erlang_a`` (exponential
      patience, needs ``patience``), ``chat`` (concurrency ``concurrency`` with
      handle time growing by ``aht_factors``), ``deferred`` (e-mail, letters:
      ``deadline`` with share ``within``).
    * ``target``: ``"80/20s"`` = 80 % answered within 20 s (basis ``basis``:
      over offered contacts by default, abandons count as misses).
    * ``max_occupancy``: cap applied as its own step, agents >= load / cap.
    * ``shrinkage``: paid time lost (breaks, absence, training), applied last:
      scheduled = on duty / (1 - shrinkage).
    * ``min_agents``: floor of on-duty agents in every open interval.
    """

    channel: str
    language: str
    model: StaffingModel = "erlang_c"
    target: str | None = None
    basis: Literal["offered", "answered"] = "offered"
    max_asa: Seconds | None = None
    max_abandon_rate: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    max_occupancy: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    patience: Seconds | None = None
    concurrency: Annotated[int, Field(ge=1, le=10)] = 1
    aht_factors: tuple[Annotated[float, Field(gt=0.0)], ...] | None = None
    deadline: Seconds | None = None
    within: Annotated[float, Field(gt=0.0, le=1.0)] = 0.9
    deferred_occupancy: Annotated[float, Field(gt=0.0, le=1.0)] = 0.9
    shrinkage: Annotated[float, Field(ge=0.0, lt=1.0)] | None = None
    min_agents: Annotated[int, Field(ge=0, le=100_000)] = 0
    opening_hours: Hours | None = None

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.language}"

    @property
    def service_level(self) -> float | None:
        return None if self.target is None else parse_target(self.target)[0]

    @property
    def target_time(self) -> float | None:
        return None if self.target is None else parse_target(self.target)[1]

    @property
    def chat_aht_factors(self) -> tuple[float, ...]:
        """AHT_k / AHT_1 for k = 1..concurrency."""
        if self.aht_factors is not None:
            return self.aht_factors
        if self.concurrency > len(DEFAULT_CHAT_AHT_FACTORS):
            raise ValueError("give aht_factors for a concurrency above 5")
        return DEFAULT_CHAT_AHT_FACTORS[: self.concurrency]

    @field_validator("channel", "language")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip().lower()
        if not v or ":" in v or "," in v:
            raise ValueError("must be a non-empty name without ':' or ','")
        return v

    @field_validator("target")
    @classmethod
    def _target(cls, v: str | None) -> str | None:
        if v is not None:
            parse_target(v)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> QueueConfig:
        if self.model == "erlang_a" and self.patience is None:
            raise ValueError("model erlang_a needs patience (mean time before abandoning)")
        if self.patience is not None and self.patience <= 0:
            raise ValueError("patience must be above 0 s")
        if self.model == "deferred":
            if self.deadline is None or self.deadline <= 0:
                raise ValueError("model deferred needs deadline (e.g. 24h) above 0")
        elif self.target is None and self.max_asa is None and self.max_abandon_rate is None:
            raise ValueError("give a target (e.g. 80/20s), max_asa or max_abandon_rate")
        if self.max_abandon_rate is not None and self.patience is None:
            raise ValueError("max_abandon_rate needs patience (Erlang A)")
        if self.model == "chat":
            factors = self.chat_aht_factors
            if len(factors) != self.concurrency:
                raise ValueError("aht_factors needs one factor per concurrency level")
            if abs(factors[0] - 1.0) > 1e-12:
                raise ValueError("aht_factors must start with 1.0 (AHT at one chat)")
        elif self.concurrency != 1 or self.aht_factors is not None:
            raise ValueError("concurrency and aht_factors apply to model chat only")
        return self


class CenterConfig(_Model):
    """The service center: interval length, timezone, opening hours, queues."""

    name: str = "service center"
    timezone: str = "Europe/Berlin"
    interval: Seconds = 1800.0
    shrinkage: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    opening_hours: Hours = OpeningHours()
    queues: tuple[QueueConfig, ...]

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {v!r}; use a name like Europe/Berlin") from None
        return v

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: float) -> float:
        if v < 60 or v % 60 or 86400 % v:
            raise ValueError("interval must be whole minutes dividing a day (e.g. 15m, 30m, 1h)")
        return v

    @model_validator(mode="after")
    def _unique(self) -> CenterConfig:
        if not self.queues:
            raise ValueError("define at least one [[queue]]")
        keys = [q.key for q in self.queues]
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"queue defined twice: {', '.join(dupes)}")
        return self

    @property
    def tz(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def queue(self, key: str) -> QueueConfig:
        for q in self.queues:
            if q.key == key:
                return q
        raise KeyError(key)

    def shrinkage_for(self, queue: QueueConfig) -> float:
        return self.shrinkage if queue.shrinkage is None else queue.shrinkage

    def hours_for(self, queue: QueueConfig) -> OpeningHours:
        return self.opening_hours if queue.opening_hours is None else queue.opening_hours


def check_tables(data: Mapping[str, Any], tables: Mapping[str, bool]) -> None:
    """Raise ``ValueError`` naming the key when ``data[key]`` is not a table
    (``tables[key]`` False, ``[key]``) or an array of tables (True, ``[[key]]``)."""
    for key, array in tables.items():
        if key not in data:
            continue
        value = data[key]
        if array:
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise ValueError(f"{key}: expected an array of tables [[{key}]]")
        elif not isinstance(value, Mapping):
            raise ValueError(f"{key}: expected a table [{key}]")


def center_from_dict(data: Mapping[str, Any]) -> CenterConfig:
    """Build a :class:`CenterConfig` from parsed TOML (raises ValidationError)."""
    # [schedule], [[shift]], [[group]] belong to shift planning (wfm.config.schedule)
    unknown = set(data) - {"center", "defaults", "queue", "schedule", "shift", "group"}
    if unknown:
        raise ValueError(f"unknown top-level table(s): {', '.join(sorted(unknown))}")
    check_tables(data, {"center": False, "defaults": False, "queue": True})
    defaults = dict(data.get("defaults", {}))
    queues = [{**defaults, **q} for q in data.get("queue", [])]
    return CenterConfig(**dict(data.get("center", {})), queues=queues)


def read_toml(path: str | Path, what: str = "config file") -> dict[str, Any]:
    """The tables of a TOML file (UTF-8, BOM allowed); a missing, unreadable or
    invalid file is a :class:`WfmInputError` naming the file (and line)."""
    from wfm.io.text import read_text

    path = Path(path)
    text = read_text(path, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise WfmInputError(
            f"not valid TOML: {exc}", file=str(path), row=int(line.group(1)) if line else None
        ) from None


def load_center(path: str | Path) -> CenterConfig:
    """Read and validate a center TOML file; errors name the file and the key."""
    path = Path(path)
    data = read_toml(path)
    try:
        return center_from_dict(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise WfmInputError(_describe(err, data), file=str(path)) from None
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(path)) from None


def describe_validation_error(
    loc: list[Any], err: Mapping[str, Any], fallback: str = "config"
) -> str:
    """``key.path: message`` for one pydantic error at the user-facing location ``loc``.

    Shared by the center, schedule and scenario loaders, which map pydantic's
    field names to their TOML table names before calling it.
    """
    loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
    key = ".".join(str(p) for p in loc) or fallback
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    return f"{key}: {msg}"


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    if loc and loc[0] == "queues":
        loc[0] = "queue"
        if len(loc) > 1 and isinstance(loc[1], int):
            q = data.get("queue", [])[loc[1]] if loc[1] < len(data.get("queue", [])) else {}
            label = f"{q.get('channel', '?')}:{q.get('language', '?')}"
            loc = [f"queue[{loc[1] + 1}] ({label})", *loc[2:]]
    elif loc:
        loc = ["center", *loc]
    return describe_validation_error(loc, err)
