"""Center configuration: one validated model per concept, loaded from TOML.

A center file has a ``[center]`` table, an optional ``[defaults]`` table whose
keys apply to every queue unless the queue sets them, and one ``[[queue]]``
table per (channel, language) pair.  See ``examples/center.toml``.

Durations accept ``20s``/``30m``/``8h``/``1d`` or seconds; targets ``80/20s``.
Validation errors name the file and the key (``queue[2].patience``).

``[center]`` is the one place for what every step must agree on (see
docs/concepts/configuration.md): the timezone, the public holidays (``country``,
``DE`` or ``DE-BY``, plus extra ``holidays``), the premium table with the one night
window (``[center.premiums]``), the FTE definition (``contract_hours_per_week``) and
the two kinds of shrinkage (``absence_shrinkage``, ``in_shift_shrinkage``).
Old keys (``shrinkage``, ``[schedule] fte_hours``, ``[schedule.premiums]``) are read
as documented in :func:`center_from_dict`; the ones that would change a result
silently are errors that say what to write instead.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
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

from wfm.config.channels import ChannelType, with_channel_defaults
from wfm.errors import WfmInputError
from wfm.units import parse_duration, parse_target

Seconds = Annotated[float, BeforeValidator(lambda v: parse_duration(v))]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]

StaffingModel = Literal["erlang_c", "erlang_a", "chat", "deferred"]
MODELS: tuple[str, ...] = get_args(StaffingModel)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
Shrinkage = Annotated[float, Field(ge=0.0, lt=1.0)]

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


class CallbackConfig(_Model):
    """Virtual hold on a live queue: callers who would wait may ask to be called back.

    * ``accept_share``: share of the callers who would wait (all agents busy)
      who accept the callback offer, 0..1;
    * ``deadline``: promise window, the callback is made within it (seconds);
    * ``talk_time``: handle time of one callback, seconds, including dialling
      and failed attempts (default: the live call's AHT).
    """

    accept_share: Fraction
    deadline: Seconds
    talk_time: Seconds | None = None

    @model_validator(mode="after")
    def _times(self) -> CallbackConfig:
        if self.deadline <= 0:
            raise ValueError("deadline must be above 0 s")
        if self.talk_time is not None:
            if self.talk_time <= 0:
                raise ValueError("talk_time must be above 0 s")
            if self.deadline < self.talk_time:
                raise ValueError(
                    f"deadline ({self.deadline:g} s) is shorter than talk_time "
                    f"({self.talk_time:g} s): no callback can be made in time"
                )
        return self


class EscalationConfig(_Model):
    """A share of a queue's contacts escalated to another queue (first level to experts).

    * ``to``: the key of the queue that takes them (``"expert:de"``);
    * ``share``: share of the queue's offered contacts (its repeats included) escalated, 0..1;
    * ``aht``: handle time of an escalated contact at the target queue, seconds;
    * ``delay``: time from the contact at this queue to its arrival at the target
      (default 0 s: a warm transfer in the same interval).
    """

    to: str
    share: Fraction
    aht: Seconds
    delay: Seconds = 0.0

    @field_validator("to")
    @classmethod
    def _to(cls, v: str) -> str:
        v = v.strip().lower()
        if v.count(":") != 1:
            raise ValueError(f'expected a queue key "channel:language", got {v!r}')
        return v

    @model_validator(mode="after")
    def _times(self) -> EscalationConfig:
        if self.aht <= 0:
            raise ValueError("aht must be above 0 s")
        if self.delay < 0:
            raise ValueError("delay must be 0 s or more")
        return self


def parse_repeat_delay(value: Any) -> tuple[tuple[float, float], ...]:
    """``"1d"`` or ``{ "0s" = 0.2, "1d" = 0.5, "3d" = 0.3 }`` -> ((seconds, share), ...).

    The shares say when the repeat contacts of an unresolved contact come back; they
    must be in [0, 1] and sum to 1.
    """
    if isinstance(value, tuple) and all(isinstance(x, tuple) for x in value):
        return value
    if not isinstance(value, Mapping):
        d = parse_duration(value)
        if d < 0:
            raise ValueError("a repeat delay must be 0 s or more")
        return ((float(d), 1.0),)
    out = []
    for key, share in value.items():
        d = parse_duration(key)
        ok = isinstance(share, int | float) and not isinstance(share, bool) and 0 <= share <= 1
        if d < 0 or not ok:
            raise ValueError(f"{key!r}: give a delay >= 0 s and a share in [0, 1], got {share!r}")
        out.append((float(d), float(share)))
    if not out or abs(sum(s for _, s in out) - 1.0) > 1e-6:
        raise ValueError("the shares of repeat_delay must sum to 1")
    return tuple(out)


RepeatDelay = Annotated[tuple[tuple[float, float], ...], BeforeValidator(parse_repeat_delay)]


def clock_minutes(text: str) -> int:
    """``"06:30"`` -> 390 minutes after midnight (``24:00`` allowed as 1440)."""
    m = _CLOCK.match(str(text).strip())
    if not m or int(m.group(2)) >= 60 or int(m.group(1)) * 60 + int(m.group(2)) > 1440:
        raise ValueError(f'expected a clock time "HH:MM", got {text!r}')
    return int(m.group(1)) * 60 + int(m.group(2))


def clock_window(text: Any) -> tuple[int, int]:
    """``"06:00-14:00"`` -> (360, 840) minutes; the end may be below the start (past midnight)."""
    if isinstance(text, tuple | list) and len(text) == 2 and all(isinstance(x, int) for x in text):
        return int(text[0]), int(text[1])
    parts = str(text).split("-")
    if len(parts) == 1 and _CLOCK.match(parts[0].strip()):  # one start time
        m = clock_minutes(parts[0]) % 1440
        return m, m
    if len(parts) != 2:
        raise ValueError(f'expected a window "HH:MM-HH:MM", got {text!r}')
    return clock_minutes(parts[0]) % 1440, clock_minutes(parts[1])


class Premiums(_Model):
    """The center's pay premiums, fractions of the base rate per paid hour, and its one
    night window (``[center.premiums]``).

    ``night_hours`` (local ``"HH:MM-HH:MM"``, past midnight when the end is below the
    start; default ``23:00-06:00``, night work under ArbZG section 2) is the night of
    every step: the night premium of ``wfm schedule`` and of in-house scenario costs,
    the ``nights``/``off_hours`` routing windows and the vendors' off-hours surcharge.
    An interval is a night interval when its start lies in the window.  Sunday and
    public holiday do not add up (the larger applies); night adds to both.
    """

    night: Annotated[float, Field(ge=0.0)] = 0.25
    night_hours: Annotated[tuple[int, int], BeforeValidator(clock_window)] = (23 * 60, 6 * 60)
    sunday: Annotated[float, Field(ge=0.0)] = 0.50
    holiday: Annotated[float, Field(ge=0.0)] = 1.25

    @field_validator("night_hours")
    @classmethod
    def _window(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] == v[1] % 1440:
            raise ValueError('give a window "HH:MM-HH:MM" whose end differs from its start')
        return v

    @property
    def night_window(self) -> str:
        """The night window as ``"HH:MM-HH:MM"``."""
        a, b = self.night_hours
        return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"

    def night_mask(self, local_starts: pd.DatetimeIndex) -> np.ndarray:
        """Boolean mask: does each interval (local start) start inside the night window?"""
        times = pd.DatetimeIndex(local_starts)
        minute = (times.hour * 60 + times.minute).to_numpy()
        a, b = self.night_hours
        return (minute >= a) & (minute < b) if a < b else (minute >= a) | (minute < b % 1440)


def combined_shrinkage(absence: float, in_shift: float) -> float:
    """The share of paid time off the phones: 1 - (1 - absence) (1 - in_shift).

    ``absence`` is a share of paid days (leave, sickness, training days), ``in_shift`` a
    share of the paid time of an agent who is at work (coaching, meetings; breaks the
    scheduler places itself excluded), so the two multiply.  Written as
    a + s - a s, which is exactly ``absence`` when ``in_shift`` is 0 (and vice versa).
    """
    return absence + in_shift - absence * in_shift


def check_country(value: str) -> str:
    """``DE``/``de-by`` -> ``DE``/``DE-BY`` if the ``holidays`` package knows it; ``none``
    (no public holidays) stays ``none``."""
    import holidays as holidays_lib

    v = str(value).strip().upper()
    if v == "NONE":
        return "none"
    code, _, subdiv = v.partition("-")
    try:
        holidays_lib.country_holidays(code, subdiv=subdiv or None)
    except (NotImplementedError, KeyError, ValueError):
        raise ValueError(
            f"unknown country or subdivision {value!r}; use an ISO code like DE or DE-BY, "
            'or "none"'
        ) from None
    return v


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
    * ``absence_shrinkage``, ``in_shift_shrinkage``: override the center's (see
      :class:`CenterConfig`); the old ``shrinkage`` is read by :func:`center_from_dict`.
    * ``min_agents``: floor of on-duty agents in every open interval.
    * ``escalate``: a share of the contacts goes on to another queue
      (:class:`EscalationConfig`); ``fcr``: first-contact resolution, 0 < fcr <= 1,
      the unresolved contacts come back to this queue as repeat contacts after
      ``repeat_delay`` (a duration, or a table of durations and shares; default 1 d);
      ``fcr_in_forecast`` (default true): the forecast of this queue already holds its
      repeats (a history of offered contacts does), so ``fcr`` changes the volume only
      in a scenario with another FCR (see :mod:`wfm.staffing.flows`).
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
    absence_shrinkage: Shrinkage | None = None
    in_shift_shrinkage: Shrinkage | None = None
    min_agents: Annotated[int, Field(ge=0, le=100_000)] = 0
    opening_hours: Hours | None = None
    channel_type: ChannelType | None = None
    callback: CallbackConfig | None = None
    escalate: EscalationConfig | None = None
    fcr: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    repeat_delay: RepeatDelay = ((86400.0, 1.0),)
    fcr_in_forecast: bool = True

    @model_validator(mode="before")
    @classmethod
    def _channel_defaults(cls, data: Any) -> Any:
        """Fill in the defaults of the channel type (wfm.config.channels)."""
        return with_channel_defaults(data) if isinstance(data, Mapping) else data

    @model_validator(mode="after")
    def _callback_model(self) -> QueueConfig:
        if self.callback is not None and self.model not in ("erlang_c", "erlang_a"):
            raise ValueError(
                f"callback applies to live queues (erlang_c, erlang_a), not {self.model}"
            )
        return self

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


class Calendar(_Model):
    """The calendar of a place (the center, a site): ``timezone`` (IANA), ``country``
    for public holidays (``DE``, ``DE-BY``, ``none``; unset: the timezone's country) and
    extra ``holidays`` dates.  The fields are declared by each subclass."""

    @field_validator("country", check_fields=False)
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return None if v is None else check_country(v)

    @field_validator("timezone", check_fields=False)
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {v!r}; use an IANA name like Europe/Berlin or Asia/Manila"
            ) from None
        return v

    @property
    def holiday_country(self) -> str | None:
        """``country``, else the country of ``timezone``; None: no public holidays."""
        if self.country is not None:
            return None if self.country == "none" else self.country
        from wfm.io.events import country_for_timezone

        return country_for_timezone(self.timezone)

    def holiday_dates(self, years: Iterable[int]) -> set[dt.date]:
        """The public holidays of ``years``: the country's plus ``holidays`` (the one
        holiday source of forecast, schedule and scenarios)."""
        return holiday_dates(self.holiday_country, self.holidays, years)


class CenterConfig(Calendar):
    """The service center: interval, timezone, holidays, premiums, FTE, shrinkage, queues.

    * ``timezone``: IANA name; every clock time of the config is local time there.
    * ``country``: public holidays (``holidays`` package), ``DE`` or ``DE-BY``, or
      ``none``; unset: the country of ``timezone`` (as ``wfm forecast`` does without a
      config).  ``holidays``: extra dates (ISO) treated as public holidays everywhere.
      The one holiday source of forecast, schedule and scenarios
      (:meth:`holiday_dates`).
    * ``premiums``: the premium table and the one night window (:class:`Premiums`).
    * ``contract_hours_per_week``: paid hours a week of one full-time agent; FTE =
      paid hours / contract hours per week, per week (:func:`wfm.units.fte`).
    * ``absence_shrinkage``: share of paid days an agent is away (leave, sickness,
      training days); ``in_shift_shrinkage``: share of a present agent's paid time off
      the phones inside the shift (coaching, meetings; not the breaks that
      ``wfm schedule`` places).  Scheduled agents = on duty / ((1 - absence)
      (1 - in-shift)) (:func:`combined_shrinkage`).
    """

    name: str = "service center"
    timezone: str = "Europe/Berlin"
    interval: Seconds = 1800.0
    country: str | None = None
    holidays: tuple[dt.date, ...] = ()
    premiums: Premiums = Premiums()
    contract_hours_per_week: Annotated[float, Field(gt=0.0, le=80.0)] = 40.0
    absence_shrinkage: Shrinkage = 0.0
    in_shift_shrinkage: Shrinkage = 0.0
    opening_hours: Hours = OpeningHours()
    queues: tuple[QueueConfig, ...]
    sites: tuple[Calendar, ...] = ()
    """The ``[[site]]`` tables (:class:`wfm.config.sites.SiteConfig`, premiums merged over
    the center's), filled in by :func:`center_from_dict`; not a ``[center]`` key."""

    def site(self, name: str) -> Any:
        """The :class:`wfm.config.sites.SiteConfig` called ``name`` (KeyError if none)."""
        for s in self.sites:
            if getattr(s, "name", None) == name:
                return s
        raise KeyError(name)

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

    @model_validator(mode="after")
    def _escalations(self) -> CenterConfig:
        """Every ``escalate.to`` names another queue, and no chain comes back to itself."""
        keys = {q.key: i for i, q in enumerate(self.queues)}
        for i, q in enumerate(self.queues):
            if q.escalate is not None and q.escalate.to not in keys:
                raise ValueError(f"queue[{i + 1}] ({q.key}).escalate.to: unknown queue "
                                 f"{q.escalate.to!r}; known: {', '.join(sorted(keys))}")
        for i, q in enumerate(self.queues):
            if q.escalate is None:
                continue
            where = f"queue[{i + 1}] ({q.key}).escalate.to"
            chain, nxt = [q.key], q.escalate.to
            while nxt is not None:
                chain.append(nxt)
                if nxt == q.key:
                    raise ValueError(f"{where}: escalation cycle {' -> '.join(chain)}")
                esc = self.queues[keys[nxt]].escalate
                nxt = esc.to if esc is not None and len(chain) <= len(keys) else None
        return self

    @property
    def tz(self) -> dt.tzinfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def queue(self, key: str) -> QueueConfig:
        for q in self.queues:
            if q.key == key:
                return q
        raise KeyError(key)

    @property
    def shrinkage(self) -> float:
        """The center's combined shrinkage (both kinds, :func:`combined_shrinkage`)."""
        return combined_shrinkage(self.absence_shrinkage, self.in_shift_shrinkage)

    def shrinkage_kinds(self, queue: QueueConfig) -> tuple[float, float]:
        """``(absence, in_shift)`` of ``queue``: its own, else the center's."""
        a = self.absence_shrinkage if queue.absence_shrinkage is None else queue.absence_shrinkage
        s = (self.in_shift_shrinkage if queue.in_shift_shrinkage is None
             else queue.in_shift_shrinkage)
        return a, s

    def shrinkage_for(self, queue: QueueConfig) -> float:
        """Combined shrinkage of ``queue``: scheduled agents = on duty / (1 - this)."""
        return combined_shrinkage(*self.shrinkage_kinds(queue))

    def hours_for(self, queue: QueueConfig) -> OpeningHours:
        return self.opening_hours if queue.opening_hours is None else queue.opening_hours


def holiday_dates(
    country: str | None, extra: Iterable[dt.date], years: Iterable[int]
) -> set[dt.date]:
    """Public holidays of ``country`` (``DE``, ``DE-BY``; None: none) in ``years``, plus
    the ``extra`` dates that fall in them: the one holiday lookup of every step."""
    from wfm.io.events import public_holidays

    ys = sorted({int(y) for y in years})
    return public_holidays(country, ys) | {d for d in extra if d.year in ys}


SHRINKAGE_KINDS = ("absence_shrinkage", "in_shift_shrinkage")


def read_old_shrinkage(table: dict[str, Any], where: str) -> dict[str, Any]:
    """``table`` with the old ``shrinkage = x`` read as ``absence_shrinkage = x``,
    ``in_shift_shrinkage = 0`` (one figure grossed up as before: the same requirement,
    plan and simulation).  Raises ``ValueError`` naming ``where.shrinkage``."""
    if "shrinkage" not in table:
        return table
    out = dict(table)
    value = out.pop("shrinkage")
    if any(k in out for k in SHRINKAGE_KINDS):
        raise ValueError(
            f"{where}.shrinkage: give either shrinkage (one figure, the old form) or "
            "absence_shrinkage and in_shift_shrinkage, not both"
        )
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1
    if not ok:
        raise ValueError(f"{where}.shrinkage: must be a fraction in [0, 1), got {value!r}")
    out["absence_shrinkage"], out["in_shift_shrinkage"] = float(value), 0.0
    return out


def _old_schedule_keys(center: dict[str, Any], schedule: Mapping[str, Any]) -> dict[str, Any]:
    """Move the center-wide keys an old ``[schedule]`` table held into ``[center]``:
    ``fte_hours`` (as ``contract_hours_per_week``) and ``premiums``; ``holidays`` (a date
    list beside the country's) is an error that says what to write instead."""
    if "holidays" in schedule:
        raise ValueError(
            "schedule.holidays: public holidays come from [center] now, one source for "
            'forecast, schedule and scenarios: remove this list, set country = "DE" (or a '
            'region such as "DE-BY") in [center] and list any further days as [center] '
            'holidays = ["2026-12-24"]'
        )
    out = dict(center)
    if "fte_hours" in schedule:
        v = schedule["fte_hours"]
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 80:
            raise ValueError(f"schedule.fte_hours: must be hours per week in (0, 80], got {v!r}")
        given = out.get("contract_hours_per_week")
        if given is not None and given != v:
            raise ValueError(
                f"schedule.fte_hours: {v:g} differs from [center] contract_hours_per_week = "
                f"{given:g}; one FTE definition: remove schedule.fte_hours"
            )
        out["contract_hours_per_week"] = v
    if "premiums" in schedule:
        if "premiums" in out:
            raise ValueError(
                "schedule.premiums: the premium table is given twice; keep [center.premiums] "
                "(one table and night window for schedule and scenarios)"
            )
        out["premiums"] = schedule["premiums"]
    return out


OLD_SCHEDULE_KEYS = ("fte_hours", "premiums", "holidays")
"""``[schedule]`` keys that belong to ``[center]`` now (read by :func:`center_from_dict`)."""


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
    """Build a :class:`CenterConfig` from parsed TOML (raises ValidationError/ValueError).

    Old keys: ``shrinkage`` (center, defaults, queue) is read by
    :func:`read_old_shrinkage`; ``[schedule] fte_hours`` as ``contract_hours_per_week``
    and ``[schedule.premiums]`` as ``[center.premiums]`` (:func:`_old_schedule_keys`).
    """
    # [schedule], [[shift]], [[group]] belong to shift planning (wfm.config.schedule)
    # [[site]] (wfm.config.sites): where groups work, checked here so every step rejects
    # a bad one
    unknown = set(data) - {"center", "defaults", "queue", "schedule", "shift", "group", "site"}
    if unknown:
        raise ValueError(f"unknown top-level table(s): {', '.join(sorted(unknown))}")
    tables = {k: data.get(k, {}) for k in ("center", "defaults", "schedule")}
    for name, table in tables.items():
        if not isinstance(table, Mapping):
            raise ValueError(f"{name}: expected a table [{name}]")
    rows = data.get("queue", [])
    if not isinstance(rows, list) or not all(isinstance(q, Mapping) for q in rows):
        raise ValueError("queue: expected [[queue]] tables")
    center = read_old_shrinkage(dict(tables["center"]), "center")
    if "sites" in center:
        raise ValueError("center.sites: unknown key; define sites as [[site]] tables")
    center = _old_schedule_keys(center, tables["schedule"])
    defaults = read_old_shrinkage(dict(tables["defaults"]), "defaults")
    queues = []
    for i, q in enumerate(rows):
        label = f"queue[{i + 1}] ({q.get('channel', '?')}:{q.get('language', '?')})"
        # channel-type defaults (letter, social, ...) are more specific than [defaults]
        queues.append({**defaults, **with_channel_defaults(read_old_shrinkage(dict(q), label))})
    config = CenterConfig(**center, queues=queues)
    if "site" in data:
        from wfm.config.sites import sites_from_dict

        sites = sites_from_dict(data, config.premiums)
        config = config.model_copy(update={"sites": sites})
    return config


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


def locate_array_item(
    loc: list[Any], data: Mapping[str, Any], tables: Mapping[str, str]
) -> tuple[list[Any], Mapping[str, Any] | None]:
    """Map pydantic's location to the TOML one: the field name at ``loc[0]`` to its table
    (``tables``: field -> table), and an index into an array of tables to
    ``table[i] (name)``, 1-based.  Returns the location and the array item (``{}`` when
    the file has no such item; None when the location is not inside an array of
    tables)."""
    if not loc or loc[0] not in tables:
        return loc, None
    loc = [tables[loc[0]], *loc[1:]]
    if len(loc) < 2 or not isinstance(loc[1], int):
        return loc, None
    items = data.get(loc[0], [])
    item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else {}
    item = item if isinstance(item, Mapping) else {}
    label = f" ({item['name']})" if "name" in item else ""
    return [f"{loc[0]}[{loc[1] + 1}]{label}", *loc[2:]], item


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    msg = str(err.get("msg", "")).removeprefix("Value error, ")
    if not loc and msg.startswith("queue["):  # a validator across queues names its key
        return msg
    if loc and loc[0] == "queues":
        loc[0] = "queue"
        if len(loc) > 1 and isinstance(loc[1], int):
            q = data.get("queue", [])[loc[1]] if loc[1] < len(data.get("queue", [])) else {}
            label = f"{q.get('channel', '?')}:{q.get('language', '?')}"
            loc = [f"queue[{loc[1] + 1}] ({label})", *loc[2:]]
    elif loc and loc[0] == "premiums" and "premiums" not in data.get("center", {}):
        loc = ["schedule", *loc]  # the old place of the premium table
    else:
        loc = ["center", *loc]
    return describe_validation_error(loc, err)
