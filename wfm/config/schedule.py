"""Shift-planning configuration: shift templates, agent groups, break and weekly rules.

Lives in the center TOML beside ``[center]`` and ``[[queue]]``::

    [schedule]                 # global rules, premiums, penalties
    [[schedule.break_rule]]    # unpaid break by shift length (German ArbZG: > 6 h -> 30 min)
    [[shift]]                  # a template: lengths x allowed starts x days
    [[group]]                  # agents with the same skills, contract and pay

All durations accept ``30m``/``8h`` or seconds and are stored in **seconds**;
clock times are ``HH:MM`` local time of the center; money is per paid hour.
Errors name the file and the key (``group[2] (DE_EN).skills``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wfm.config.center import (
    DAYS,
    OLD_SCHEDULE_KEYS,
    CenterConfig,
    Premiums,
    Seconds,
    _day_range,
    center_from_dict,
    check_tables,
    clock_window,
    describe_validation_error,
    holiday_dates,
    read_toml,
)
from wfm.config.sites import SiteConfig, sites_from_dict
from wfm.errors import WfmInputError

Money = Annotated[float, Field(ge=0.0, le=1e9)]  # a sanity ceiling: 1e300 broke the LP




def _windows(value: Any) -> tuple[tuple[int, int], ...]:
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(w if isinstance(w, tuple) else clock_window(w) for w in items)


def _days(value: Any) -> tuple[int, ...]:
    if isinstance(value, tuple) and all(isinstance(d, int) for d in value):
        return value
    items = value if isinstance(value, list) else [value]
    out: set[int] = set()
    for item in items:
        out.update(_day_range(str(item)))
    return tuple(sorted(out))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BreakRule(_Model):
    """An unpaid break for shifts longer than ``above`` seconds (the longest matching rule wins).

    ``minutes`` is the break length in seconds (the name follows the TOML key people
    write: ``minutes = "30m"``).  ``earliest``/``latest`` bound the break *start*,
    measured from the shift start (seconds).  Without them the window is the middle
    of the shift +/- ``slack`` (default 1 h), clipped so that no stretch of work is
    longer than 6 h (ArbZG section 4).  ``step`` is the grid of break starts
    (default: the center interval).
    """

    above: Seconds
    minutes: Seconds
    earliest: Seconds | None = None
    latest: Seconds | None = None
    slack: Seconds = 3600.0
    step: Seconds | None = None

    @model_validator(mode="after")
    def _check(self) -> BreakRule:
        if self.minutes <= 0:
            raise ValueError("minutes (break length) must be above 0")
        if self.earliest is not None and self.latest is not None and self.latest < self.earliest:
            raise ValueError("latest break start is before earliest")
        return self


GERMAN_BREAKS = (
    BreakRule(above=6 * 3600.0, minutes=1800.0),
    BreakRule(above=9 * 3600.0, minutes=2700.0),
)


class ScheduleRules(_Model):
    """Global rules of the shift plan (``[schedule]``).

    * ``understaffing_penalty``: cost per missing agent-hour, by channel (``phone``)
      or queue (``phone:de``), the queue key winning; ``default_penalty`` otherwise.
    * ``overstaffing_cost``: small cost per idle on-duty agent-hour (tie-breaker).
    * ``wrap_week``: a week-long horizon is cyclic (Sunday night runs into Monday).
    * ``fte_hours``, ``premiums``, ``country``, ``holidays``: the center's
      ``contract_hours_per_week``, premium table and public holidays, copied from
      ``[center]`` by :func:`schedule_from_dict` (not keys of ``[schedule]``);
      ``holidays`` are extra dates beside the ``country``'s (:meth:`holiday_dates`).
    * ``days_off``, ``max_days_in_row``, ``min_rest``: weekly rules, see README
      (applied in aggregate per group by the shift model, per agent by the roster).
    * ``consecutive_days_off``: the roster gives every agent a block of this many
      consecutive days off (0: no block required).
    * ``fill_shortfalls``: after the solve, add shifts for every requirement a shift
      of a group within its headcount rules could still cover (``wfm.schedule.fill``);
      queues whose penalty is below every skilled group's rate may stay short.
    * ``rest_in_aggregate``: also require, per group with a headcount limit, that no
      more shifts start within (shortest shift + ``min_rest``) than there are agents
      (a valid consequence of the rest rule; off by default: it enlarges the model).
    """

    understaffing_penalty: dict[str, Money] = Field(default_factory=dict)
    default_penalty: Money = 150.0
    overstaffing_cost: Money = 0.5
    wrap_week: bool = True
    fte_hours: Annotated[float, Field(gt=0.0, le=168.0)] = 40.0
    country: str | None = None
    holidays: tuple[dt.date, ...] = ()
    premiums: Premiums = Premiums()
    break_rule: tuple[BreakRule, ...] = GERMAN_BREAKS
    days_off: Annotated[int, Field(ge=0, le=6)] = 2
    max_days_in_row: Annotated[int, Field(ge=1, le=7)] = 6
    consecutive_days_off: Annotated[int, Field(ge=0, le=6)] = 0
    min_rest: Seconds = 11 * 3600.0
    rest_in_aggregate: bool = False
    fill_shortfalls: bool = True
    service_level_over: Literal["interval", "day", "week"] = "interval"

    def holiday_dates(self, years: Iterable[int]) -> set[dt.date]:
        """Public holidays in ``years`` for the holiday premium (the center's source)."""
        return holiday_dates(self.country, self.holidays, years)

    def penalty(self, channel: str, language: str) -> float:
        """Understaffing penalty per missing agent-hour for one queue."""
        table = self.understaffing_penalty
        return table.get(f"{channel}:{language}", table.get(channel, self.default_penalty))

    def break_for(self, length: float) -> BreakRule | None:
        """The break rule for a shift of ``length`` seconds (None: no break)."""
        rules = [r for r in self.break_rule if length > r.above + 1e-9]
        return max(rules, key=lambda r: r.above) if rules else None


class ShiftTemplate(_Model):
    """Shifts a planner may use: every length in ``lengths`` (seconds), starting at any
    ``step`` (seconds) inside one of the ``starts`` windows (``"06:00-14:00"``, both ends
    allowed; ``"22:00-02:00"`` runs past midnight) on the ``days`` (``"mon-fri"``)."""

    name: str
    lengths: tuple[Seconds, ...]
    starts: Annotated[tuple[tuple[int, int], ...], BeforeValidator(_windows)] = ((0, 1410),)
    step: Seconds = 1800.0
    days: Annotated[tuple[int, ...], BeforeValidator(_days)] = tuple(range(7))

    @field_validator("lengths")
    @classmethod
    def _lengths(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(x <= 0 or x > 16 * 3600 for x in v):
            raise ValueError("give one or more lengths above 0 and at most 16h")
        return v

    @field_validator("step")
    @classmethod
    def _step(cls, v: float) -> float:
        if v < 60 or v % 60:
            raise ValueError("step must be whole minutes (e.g. 30m)")
        return v

    def start_minutes(self) -> list[int]:
        """Allowed start clock times (minutes after midnight) on the step grid."""
        step = int(self.step // 60)
        out: set[int] = set()
        for a, b in self.starts:
            end = b if b >= a else b + 1440
            out.update(m % 1440 for m in range(a, end + 1, 1) if m % step == 0)
        return sorted(out)


class AgentGroup(_Model):
    """Agents with the same skills, contract and pay.

    * ``skills``: queue keys ``channel:language`` the group can serve.
    * ``min_headcount``/``max_headcount``: agents available in the group.
    * ``min_weekly_hours``/``max_weekly_hours``: paid hours per agent-week (contract;
      part-timers get their own group).
    * ``rate``: base cost per paid hour; premiums from ``[schedule.premiums]``.
    * ``shifts``: names of the templates the group may work (default: all).
    * ``site``: the ``[[site]]`` the group works at (default: the center); its shift
      start windows are then clock times of the site (docs/concepts/sites.md).
    """

    name: str
    skills: tuple[str, ...]
    min_headcount: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    max_headcount: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    min_weekly_hours: Seconds = 0.0
    max_weekly_hours: Seconds = 40 * 3600.0
    rate: Money = 20.0
    shifts: tuple[str, ...] | None = None
    site: str | None = None

    @field_validator("skills")
    @classmethod
    def _skills(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(s.strip().lower() for s in v)
        if not out or any(s.count(":") != 1 for s in out):
            raise ValueError('give skills as queue keys "channel:language", e.g. "phone:de"')
        return out

    @model_validator(mode="after")
    def _check(self) -> AgentGroup:
        if self.max_headcount is not None and self.max_headcount < self.min_headcount:
            raise ValueError("max_headcount is below min_headcount")
        if self.max_weekly_hours < self.min_weekly_hours:
            raise ValueError("max_weekly_hours is below min_weekly_hours")
        return self


class ScheduleConfig(_Model):
    """Everything ``wfm schedule`` needs beyond the center: rules, templates, groups,
    and the ``sites`` the groups may work at with the center's name and timezone
    (``center_name``, ``center_timezone``: copied from ``[center]``)."""

    rules: ScheduleRules = ScheduleRules()
    shifts: tuple[ShiftTemplate, ...]
    groups: tuple[AgentGroup, ...]
    sites: tuple[SiteConfig, ...] = ()
    center_name: str = "center"
    center_timezone: str | None = None

    def site(self, name: str | None) -> SiteConfig | None:
        """The site called ``name`` (None: the center itself)."""
        return None if name is None else next(s for s in self.sites if s.name == name)

    @model_validator(mode="after")
    def _refs(self) -> ScheduleConfig:
        if not self.shifts:
            raise ValueError("define at least one [[shift]]")
        if not self.groups:
            raise ValueError("define at least one [[group]]")
        names = [s.name for s in self.shifts]
        if len(set(names)) != len(names):
            raise ValueError("shift name defined twice")
        gnames = [g.name for g in self.groups]
        if len(set(gnames)) != len(gnames):
            raise ValueError("group name defined twice")
        return self


def _old_keys_agree(rules: Mapping[str, Any], center: CenterConfig) -> None:
    """Old ``[schedule]`` keys must say what ``center`` says (never silently dropped)."""
    probe = center_from_dict({"center": {}, "schedule": rules,
                              "queue": [{"channel": "x", "language": "x", "target": "80/20s"}]})
    if "fte_hours" in rules and probe.contract_hours_per_week != center.contract_hours_per_week:
        raise ValueError(
            f"schedule.fte_hours: {rules['fte_hours']:g} differs from the center's "
            f"contract_hours_per_week = {center.contract_hours_per_week:g}"
        )
    if "premiums" in rules and probe.premiums != center.premiums:
        raise ValueError("schedule.premiums: differ from the center's [center.premiums]")


def schedule_from_dict(data: Mapping[str, Any], center: CenterConfig) -> ScheduleConfig:
    """Validate the schedule tables of a parsed center TOML against ``center``.

    Raises ``ValueError`` (with the key) or pydantic ``ValidationError``.
    """
    if "shift" not in data or "group" not in data:
        raise ValueError("shift planning needs [[shift]] and [[group]] tables in the config")
    check_tables(data, {"schedule": False, "shift": True, "group": True})
    rules = dict(data.get("schedule", {}))
    if "country" in rules:
        raise ValueError('schedule.country: set country in [center] (e.g. country = "DE")')
    # the center's holidays, premiums and FTE definition: old [schedule] keys were read
    # into the center by center_from_dict; a center built from other tables must agree
    _old_keys_agree(rules, center)
    rules = {k: v for k, v in rules.items() if k not in OLD_SCHEDULE_KEYS}
    rules.update(fte_hours=center.contract_hours_per_week, premiums=center.premiums,
                 country=center.holiday_country, holidays=center.holidays)
    cfg = ScheduleConfig(
        rules=rules,
        shifts=list(data.get("shift", [])),
        groups=list(data.get("group", [])),
        sites=sites_from_dict(data, center.premiums),
        center_name=center.name,
        center_timezone=center.timezone,
    )
    known = {q.key for q in center.queues}
    for i, g in enumerate(cfg.groups):
        for s in g.skills:
            if s not in known:
                raise ValueError(
                    f"group[{i + 1}] ({g.name}).skills: queue {s!r} is not in the config; "
                    f"known queues: {', '.join(sorted(known))}"
                )
        for name in g.shifts or ():
            if name not in {s.name for s in cfg.shifts}:
                raise ValueError(f"group[{i + 1}] ({g.name}).shifts: no [[shift]] named {name!r}")
    interval = center.interval
    for i, s in enumerate(cfg.shifts):
        for length in s.lengths:
            if length % interval:
                raise ValueError(
                    f"shift[{i + 1}] ({s.name}).lengths: {length / 3600:g} h is not a multiple "
                    f"of the {interval / 60:g}-minute interval"
                )
        if s.step % interval:
            raise ValueError(f"shift[{i + 1}] ({s.name}).step: not a multiple of the interval")
    for i, r in enumerate(cfg.rules.break_rule):
        if r.step is not None and r.step % interval:
            raise ValueError(f"schedule.break_rule[{i + 1}].step: not a multiple of the interval")
    return cfg


def load_schedule(path: str | Path, center: CenterConfig) -> ScheduleConfig:
    """Read the schedule tables of a center TOML; errors name the file and the key."""
    path = Path(path)
    data = read_toml(path)
    try:
        return schedule_from_dict(data, center)
    except ValidationError as exc:
        raise WfmInputError(_describe(exc.errors()[0], data), file=str(path)) from None
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(path)) from None


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    names = {"rules": "schedule", "shifts": "shift", "groups": "group"}
    if loc and loc[0] in names:
        table = names[str(loc[0])]
        if table != "schedule" and len(loc) > 1 and isinstance(loc[1], int):
            rows = data.get(table, [])
            label = rows[loc[1]].get("name", "?") if loc[1] < len(rows) else "?"
            loc = [f"{table}[{loc[1] + 1}] ({label})", *loc[2:]]
        else:
            loc = [table, *loc[1:]]
    return describe_validation_error(loc, err)


__all__ = [
    "DAYS",
    "AgentGroup",
    "BreakRule",
    "Premiums",
    "ScheduleConfig",
    "ScheduleRules",
    "ShiftTemplate",
    "load_schedule",
    "schedule_from_dict",
]
