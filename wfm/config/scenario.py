"""The scenario file: providers, their cost models, and scenarios routing work to them.

A scenario file has an optional ``[settings]`` table, one ``[[provider]]``
table per in-house site or vendor, and one ``[[scenario]]`` table per
alternative, each with ``[[scenario.route]]`` rules.  See
``examples/scenarios.toml`` and the README section "Comparing scenarios".

Units: money in EUR, prices per hour in EUR per agent hour, per minute in EUR
per handled minute, salaries in EUR per year, fractions in 0..1.
Validation errors name the file and the key (``provider[2].price.price``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from wfm.config.center import (
    CallbackConfig,
    CenterConfig,
    Hours,
    OpeningHours,
    Premiums,
    Seconds,
    Shrinkage,
    check_country,
    check_tables,
    clock_window,
    combined_shrinkage,
    describe_validation_error,
    locate_array_item,
    read_old_shrinkage,
    read_toml,
)
from wfm.errors import WfmInputError

# ceilings against typos and overflow (1e300 EUR): money, spans, factors below 1e12
NonNeg = Annotated[float, Field(ge=0.0, le=1e12)]
Positive = Annotated[float, Field(gt=0.0, le=1e12)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Surcharge = Annotated[float, Field(ge=-1.0, le=1e3)]

PricingModel = Literal[
    "per_productive_hour",
    "per_logged_hour",
    "per_handled_minute",
    "per_contact",
    "per_fte_month",
    "baseline",
]
PRICING_MODELS: tuple[str, ...] = get_args(PricingModel)
WINDOWS = ("always", "nights", "sundays", "holidays", "weekends", "off_hours")
PROVIDER_HOURS = "provider_hours"
"""A route's window: the ``hours`` of the route's provider, on its clock (a site's)."""


def check_when(v: str | dict[str, Any], extra: tuple[str, ...] = ()) -> str | dict[str, Any]:
    """A time window: one of :data:`WINDOWS` (and ``extra``) or an opening-hours table."""
    if isinstance(v, str):
        names = (*WINDOWS, *extra)
        if v not in names:
            raise ValueError(f"unknown window {v!r}; use {', '.join(names)} or a table")
    else:
        OpeningHours.parse(v)
    return v


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Settings(_Model):
    """File-wide settings.

    * ``years``: horizon of the total cost of ownership (TCO), years;
    * ``inflation``: yearly run-cost escalation, fraction (TCO_n = sum of
      run cost * (1 + inflation)^(y-1) + transition);
    * ``night``, ``country``: old keys.  The night window and the public holidays
      are the center's (``[center.premiums] night_hours``, ``[center] country``): one
      window and one holiday source for schedule and scenarios.  Given here they
      must agree with the center (else a located error); :func:`load_scenarios`
      fills both with the center's values;
    * ``baseline_fcr``: first-contact resolution behind the forecast's volume
      (needed when a provider sets ``fcr``); ``recontact``: probability q that
      an unresolved issue contacts again (1 = every one).
    """

    years: Annotated[int, Field(ge=1, le=30)] = 3
    inflation: Annotated[float, Field(ge=-0.5, le=1.0)] = 0.0
    night: str | None = None
    country: str | None = None
    baseline_fcr: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    recontact: Share = 1.0

    @field_validator("night")
    @classmethod
    def _night(cls, v: str | None) -> str | None:
        if v is not None:
            OpeningHours.parse({"daily": v})
        return v

    @field_validator("country")
    @classmethod
    def _country(cls, v: str | None) -> str | None:
        return None if v is None else check_country(v)


class InhouseCost(_Model):
    """In-house cost model (bpo-economics.md section 1.2), all amounts in EUR.

    Give ``annual_salary`` (gross EUR per FTE-year, FTE as the center's
    ``contract_hours_per_week``) or ``hourly_wage`` (gross EUR per paid hour);
    ``wage_uplift`` per language (e.g. native EN/FR speakers +0.10).  Premiums
    are fractions of the hourly wage on paid hours in the center's night window,
    on Sundays and on public holidays (a holiday replaces the Sunday premium; the
    night premium adds to both); unset, they are the center's ``[center.premiums]``
    (:meth:`with_center_premiums`), set they override its rates for this site.
    Overheads: team leaders and support staff per span of agent FTE at a
    loaded cost per year, technology per FTE-year plus a fixed platform cost,
    seats = peak concurrent agents * (1 + seat_reserve) * (1 - home_office),
    attrition = FTE * attrition * replacement_cost.
    """

    annual_salary: NonNeg | None = None
    hourly_wage: NonNeg | None = None
    wage_uplift: dict[str, Surcharge] = {}
    employer_oncost: Annotated[float, Field(ge=0.0, le=2.0)] = 0.21
    night_premium: NonNeg = 0.25
    sunday_premium: NonNeg = 0.50
    holiday_premium: NonNeg = 1.25
    team_leader_span: Positive = 12.0
    team_leader_cost: NonNeg = 65_000.0
    support_span: Positive = 35.0
    support_cost: NonNeg = 75_000.0
    tech_per_fte: NonNeg = 3_000.0
    platform_fixed: NonNeg = 0.0
    seat_cost: NonNeg = 5_500.0
    seat_reserve: NonNeg = 0.15
    home_office: Share = 0.0
    attrition: Annotated[float, Field(ge=0.0, le=3.0)] = 0.25
    replacement_cost: NonNeg = 9_000.0

    def with_center_premiums(self, premiums: Premiums) -> InhouseCost:
        """The premium rates not set in the file taken from the center's table."""
        mine = {"night_premium": premiums.night, "sunday_premium": premiums.sunday,
                "holiday_premium": premiums.holiday}
        update = {k: v for k, v in mine.items() if k not in self.model_fields_set}
        return self.model_copy(update=update) if update else self

    @model_validator(mode="after")
    def _wage(self) -> InhouseCost:
        if (self.annual_salary is None) == (self.hourly_wage is None):
            raise ValueError("give exactly one of annual_salary or hourly_wage")
        return self


class VendorPrice(_Model):
    """Vendor pricing (bpo-economics.md section 1.3), all amounts in EUR.

    ``model`` and its ``price``:

    * ``per_productive_hour``: EUR per productive hour = on-duty (logged-in)
      agent hours * ``productive_share`` (definitions vary: check the contract);
    * ``per_logged_hour``: EUR per on-duty (logged-in) agent hour;
    * ``per_handled_minute``: EUR per handled minute (volume * AHT / 60);
    * ``per_contact``: EUR per handled contact (repeats are billed too);
    * ``per_fte_month``: EUR per vendor FTE per month (paid hours / contract hours);
    * ``baseline``: ``baseline_fee`` EUR per month covers ``band`` = [low, high]
      handled contacts per month; ``rate_above`` EUR per contact above the band,
      ``rate_below`` EUR per contact credited below it.

    ``language_surcharge`` per language and ``off_hours_surcharge`` (nights,
    Sundays, holidays) multiply the unit price of the hour, minute or contact.
    ``minimum_monthly``: invoice floor, EUR per month.  SLA: when the
    contact-weighted service level is below ``sla_target``, ``sla_credit``
    (fraction of the invoice) is credited; at or above it ``sla_bonus`` is paid.
    Retained organisation: one client FTE at ``retained_cost`` per
    ``retained_span`` vendor FTE; ``licences_per_fte`` EUR per vendor FTE-year.

    ``when``: the intervals this price applies to, in a ``[[provider.price]]``
    list (first match wins; the last entry is ``"always"``); floor, SLA,
    retained organisation and licences apply to each entry's own part.
    """

    model: PricingModel
    when: str | dict[str, Any] = "always"
    price: NonNeg = 0.0
    productive_share: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0
    language_surcharge: dict[str, Surcharge] = {}
    off_hours_surcharge: Surcharge = 0.0
    minimum_monthly: NonNeg = 0.0
    baseline_fee: NonNeg = 0.0
    band: tuple[NonNeg, NonNeg] | None = None
    rate_above: NonNeg = 0.0
    rate_below: NonNeg = 0.0
    sla_target: Share | None = None
    sla_credit: Share = 0.0
    sla_bonus: Share = 0.0
    retained_span: Positive = 30.0
    retained_cost: NonNeg = 0.0
    licences_per_fte: NonNeg = 0.0

    @field_validator("when")
    @classmethod
    def _when(cls, v: str | dict[str, Any]) -> str | dict[str, Any]:
        return check_when(v)

    @model_validator(mode="after")
    def _consistent(self) -> VendorPrice:
        if self.model == "baseline":
            if self.band is None or self.band[0] > self.band[1]:
                raise ValueError("model baseline needs band = [low, high] contacts per month")
        elif self.price <= 0:
            raise ValueError(f"model {self.model} needs a price above 0")
        return self


class Provider(_Model):
    """An in-house site (``kind = "inhouse"``, table ``cost``) or a vendor (``price``).

    ``queues``: the ``channel:language`` queues it can serve (``*`` for all,
    ``*:tr`` or ``phone:*`` patterns); ``hours``: when it can serve (24/7 by
    default).  ``aht_factor`` multiplies the forecast AHT (1.05 = +5 %);
    ``fcr`` is its first-contact resolution (repeat contacts, see
    :func:`wfm.scenario.cost.repeat_factor`); ``absence_shrinkage`` and
    ``in_shift_shrinkage`` override the center's (the old ``shrinkage`` is read
    as in the center file); ``contract_hours_per_week``: a vendor's FTE for its
    ``per_fte_month`` price and the FTE column (default: the center's; an
    in-house provider's FTE is the center's).  ``transition_cost``/``exit_cost``:
    one-off EUR in the TCO.

    ``site``: an in-house provider at a ``[[site]]`` of the center file: its ``hours``
    are read on the site's clock, and its night, Sunday and holiday premiums are
    the site's (rates from ``[site.premiums]`` unless ``[provider.cost]`` sets them,
    night window, weekday and public holidays on the site's clock).
    """

    name: str
    kind: Literal["inhouse", "vendor"]
    queues: tuple[str, ...] = ("*",)
    hours: Hours = OpeningHours()
    aht_factor: Positive = 1.0
    fcr: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    absence_shrinkage: Shrinkage | None = None
    in_shift_shrinkage: Shrinkage | None = None
    contract_hours_per_week: Annotated[float, Field(gt=0.0, le=80.0)] | None = None
    transition_cost: NonNeg = 0.0
    exit_cost: NonNeg = 0.0
    site: str | None = None
    cost: InhouseCost | None = None
    price: tuple[VendorPrice, ...] | None = None

    @field_validator("price", mode="before")
    @classmethod
    def _one_or_list(cls, v: Any) -> Any:
        return [v] if isinstance(v, Mapping) else v

    @model_validator(mode="after")
    def _kind(self) -> Provider:
        if self.kind == "inhouse" and (self.cost is None or self.price is not None):
            raise ValueError("an inhouse provider needs a [provider.cost] table and no price")
        if self.kind == "vendor" and (self.price is None or self.cost is not None):
            raise ValueError("a vendor needs a [provider.price] table and no cost")
        if self.kind == "vendor" and self.site is not None:
            raise ValueError("site: only an inhouse provider works at a [[site]]; a vendor's "
                             "price is its own")
        if self.price is not None:
            if not self.price:
                raise ValueError("price: give a [provider.price] table or [[provider.price]] list")
            if self.price[-1].when != "always":
                raise ValueError(
                    f"price[{len(self.price)}].when: the last price of a list must apply "
                    'when = "always" (it takes what the others do not)'
                )
        return self

    def shrinkage(self, kinds: tuple[float, float]) -> float:
        """Combined shrinkage of this provider on a queue whose ``(absence, in_shift)``
        shrinkage is ``kinds`` (the center's): its own kinds where set."""
        a = kinds[0] if self.absence_shrinkage is None else self.absence_shrinkage
        s = kinds[1] if self.in_shift_shrinkage is None else self.in_shift_shrinkage
        return combined_shrinkage(a, s)

    def contract_hours(self, center: CenterConfig) -> float:
        """Paid hours a week of one FTE: the vendor's own, else the center's."""
        if self.contract_hours_per_week is None:
            return center.contract_hours_per_week
        return self.contract_hours_per_week

    def serves(self, queue: str) -> bool:
        """Does the provider serve ``channel:language`` (with ``*`` patterns)?"""
        return queue_matches(self.queues, queue)


def queue_matches(patterns: tuple[str, ...], queue: str) -> bool:
    """Does ``channel:language`` match one of ``patterns`` (``*``, ``*:tr``, ``phone:*``)?"""
    channel, language = queue.split(":")
    for pattern in patterns:
        if pattern == "*":
            return True
        c, _, lang = pattern.partition(":")
        if c in ("*", channel) and lang in ("*", language):
            return True
    return False


class Overflow(_Model):
    """Overflow of a route: the route's ``provider`` staffs a capped team, ``provider`` here
    takes the contacts that find every agent of that team busy (Erlang B blocking).

    The cap, agents on duty per interval: ``agents`` (a fixed number) or
    ``above`` (that fraction of the on-duty agents the route's provider would
    need for the whole volume, rounded down).
    """

    provider: str
    agents: Annotated[int, Field(ge=1)] | None = None
    above: Annotated[float, Field(gt=0.0, le=1.0)] | None = None

    @model_validator(mode="after")
    def _cap(self) -> Overflow:
        if (self.agents is None) == (self.above is None):
            raise ValueError("give exactly one of agents or above")
        return self


OVERFLOW_MODELS = ("erlang_c", "erlang_a")


class Route(_Model):
    """One routing rule: the first rule matching a queue and interval wins.

    ``queues``: patterns as for providers; ``when``: ``always``, ``nights``
    (the center's ``[center.premiums] night_hours``), ``sundays``, ``holidays``,
    ``weekends`` (Sat, Sun), ``off_hours`` (nights, Sundays, holidays), ``provider_hours``
    (the ``hours`` of the route's ``provider``, on its site's clock: follow-the-sun) or an
    opening-hours table (``{ "mon-sat" = "07:00-20:00" }``, center time).  Either
    ``provider`` (all of it) or ``shares`` (``{ inhouse = 0.7, nearshore = 0.3 }``, summing to 1);
    with ``provider``, ``overflow`` (:class:`Overflow`) caps its team and
    sends the blocked contacts to another provider.
    """

    queues: tuple[str, ...] = ("*",)
    when: str | dict[str, Any] = "always"
    provider: str | None = None
    shares: dict[str, Share] | None = None
    overflow: Overflow | None = None

    @field_validator("when")
    @classmethod
    def _when(cls, v: str | dict[str, Any]) -> str | dict[str, Any]:
        return check_when(v, (PROVIDER_HOURS,))

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is not None and abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"shares add up to {sum(v.values()):g}, not 1")
        return v

    @model_validator(mode="after")
    def _target(self) -> Route:
        if (self.provider is None) == (self.shares is None):
            raise ValueError("give exactly one of provider or shares")
        if self.overflow is not None and self.provider is None:
            raise ValueError("overflow needs provider (the capped team), not shares")
        if self.overflow is not None and self.overflow.provider == self.provider:
            raise ValueError("overflow.provider must differ from the route's provider")
        if self.when == PROVIDER_HOURS and self.provider is None:
            raise ValueError('when: "provider_hours" needs provider (whose hours), not shares')
        return self

    @property
    def targets(self) -> dict[str, float]:
        """Provider -> share before overflow."""
        return {self.provider: 1.0} if self.provider is not None else dict(self.shares or {})

    @property
    def providers(self) -> tuple[str, ...]:
        """Every provider the route can send work to (overflow included)."""
        extra = (self.overflow.provider,) if self.overflow is not None else ()
        return (*self.targets, *extra)


class Deflection(_Model):
    """Self-service, chatbot or community taking a share of some queues' contacts.

    ``queues``: patterns as for routes (``chat:*``); ``share``: share of the
    contacts taken, 0..1; ``aht``: mean handle time of the deflected kind of
    contact, seconds (default: the queue's AHT, volume only: bots take the
    simple contacts, so the rest gets longer, channel-models.md section 8);
    ``returns``: share of the deflected contacts that come back to an agent
    (contained, not resolved), at that AHT.
    """

    queues: tuple[str, ...] = ("*",)
    share: Annotated[float, Field(ge=0.0, le=1.0)]
    aht: Seconds | None = None
    returns: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0

    @field_validator("aht")
    @classmethod
    def _aht(cls, v: float | None) -> float | None:
        if v is not None and v <= 0:
            raise ValueError("aht must be above 0 s")
        return v


class CallbackRule(CallbackConfig):
    """Callbacks (virtual hold) on some live queues in one scenario, replacing the
    center file's ``callback`` of those queues (``accept_share = 0``: none)."""

    queues: tuple[str, ...] = ("*",)

    @property
    def callback(self) -> CallbackConfig:
        return CallbackConfig(**self.model_dump(exclude={"queues"}))


class FcrRule(_Model):
    """Another first-contact resolution for some queues in one scenario.

    ``queues``: patterns as for routes; ``fcr``: the scenario's FCR, 0 < fcr <= 1.
    The forecast keeps the FCR the center file gives the queue (``fcr``, else
    ``settings.baseline_fcr``); the repeat contacts change with the ratio of the two
    (:mod:`wfm.staffing.flows`).
    """

    queues: tuple[str, ...] = ("*",)
    fcr: Annotated[float, Field(gt=0.0, le=1.0)]


class Scenario(_Model):
    """One alternative: routing rules, then ``default`` for what no rule matches;
    ``deflection``: shares of contacts taken by self-service before routing;
    ``callback``: virtual hold on live queues; ``fcr``: another first-contact
    resolution on some queues (repeat contacts)."""

    name: str
    description: str = ""
    default: str | None = None
    route: tuple[Route, ...] = ()
    deflection: tuple[Deflection, ...] = ()
    callback: tuple[CallbackRule, ...] = ()
    fcr: tuple[FcrRule, ...] = ()


class ScenarioFile(_Model):
    """A validated scenario file (``path`` for messages)."""

    path: str = ""
    settings: Settings = Settings()
    providers: tuple[Provider, ...]
    scenarios: tuple[Scenario, ...]

    @model_validator(mode="after")
    def _fcr(self) -> ScenarioFile:
        if self.settings.baseline_fcr is None:
            for i, p in enumerate(self.providers):
                if p.fcr is not None:
                    raise ValueError(
                        f"provider[{i + 1}] ({p.name}).fcr: set settings.baseline_fcr, "
                        "the FCR behind the forecast volume"
                    )
        return self

    def provider(self, name: str) -> Provider:
        for p in self.providers:
            if p.name == name:
                return p
        raise KeyError(name)


def _matches(patterns: tuple[str, ...], queue: str) -> bool:
    return queue_matches(patterns, queue)


def check_against_center(scen: ScenarioFile, center: CenterConfig) -> None:
    """Cross-checks needing the center: names, queues, who serves what.

    Raises :class:`WfmInputError` naming the scenario file and the key.
    """
    fail = _failer(scen.path)
    _check_center_keys(scen, center, fail)
    names = [p.name for p in scen.providers]
    for i, p in enumerate(scen.providers):
        if names.count(p.name) > 1:
            fail(f"provider[{i + 1}].name", f"provider {p.name!r} is defined twice")
        for pattern in p.queues:
            _check_pattern(pattern, center, fail, f"provider[{i + 1}] ({p.name}).queues")
        _check_site(p, center, fail, f"provider[{i + 1}] ({p.name}).site")
    known = {q.key for q in center.queues}
    seen: set[str] = set()
    for i, s in enumerate(scen.scenarios):
        where = f"scenario[{i + 1}] ({s.name})"
        if s.name in seen:
            fail(f"{where}.name", f"scenario {s.name!r} is defined twice")
        seen.add(s.name)
        if s.default is not None and s.default not in names:
            fail(f"{where}.default", f"unknown provider {s.default!r}; known: {', '.join(names)}")
        for j, r in enumerate(s.route):
            rw = f"{where}.route[{j + 1}]"
            for pattern in r.queues:
                _check_pattern(pattern, center, fail, f"{rw}.queues")
            key = f"{rw}.provider" if r.provider is not None else f"{rw}.shares"
            targets = [(name, key) for name in r.targets]
            if r.overflow is not None:
                targets.append((r.overflow.provider, f"{rw}.overflow.provider"))
            for name, k in targets:
                if name not in names:
                    fail(k, f"unknown provider {name!r}; known: {', '.join(names)}")
                prov = scen.provider(name)
                for q in sorted(known):
                    if _matches(r.queues, q) and not prov.serves(q):
                        fail(k, f"provider {name!r} does not serve queue {q}")
            if r.overflow is not None:
                for q in center.queues:
                    if _matches(r.queues, q.key) and q.model not in OVERFLOW_MODELS:
                        fail(
                            f"{rw}.overflow",
                            f"overflow needs Erlang C or A queues; {q.key} is {q.model} "
                            "(narrow the route's queues)",
                        )
        if s.default is not None:
            prov = scen.provider(s.default)
            for q in sorted(known):
                always = any(_matches(r.queues, q) and r.when == "always" for r in s.route)
                if not always and not prov.serves(q):
                    fail(f"{where}.default", f"provider {s.default!r} does not serve queue {q}")
        else:
            for q in sorted(known):
                if not any(_matches(r.queues, q) for r in s.route):
                    fail(f"{where}.route", f"queue {q} is served by nobody; add a route or default")


def _check_center_keys(scen: ScenarioFile, center: CenterConfig, fail) -> None:
    """Old keys that must agree with the center: one night window, one holiday source,
    one in-house FTE."""
    night = scen.settings.night
    if night is not None and clock_window(night) != center.premiums.night_hours:
        fail("settings.night", f"{night} differs from the center's night window "
             f"{center.premiums.night_window}; one window for premiums and routing: remove "
             f'settings.night, or set [center.premiums] night_hours = "{night}"')
    country = scen.settings.country
    mine = center.holiday_country or "none"
    if country is not None and country != mine:
        fail("settings.country", f"{country} differs from the center's public holidays "
             f'({mine}); one holiday source: remove settings.country, or set country = '
             f'"{country}" in [center]')
    for i, p in enumerate(scen.providers):
        hours = p.contract_hours_per_week
        if p.kind == "inhouse" and hours is not None and hours != center.contract_hours_per_week:
            fail(f"provider[{i + 1}] ({p.name}).contract_hours_per_week",
                 f"{hours:g} h differs from the center's contract_hours_per_week = "
                 f"{center.contract_hours_per_week:g}; an in-house FTE is the center's: "
                 "remove this key, or set contract_hours_per_week in [center]")


def _check_site(p: Provider, center: CenterConfig, fail, key: str) -> None:
    """A provider's ``site`` names a ``[[site]]`` of the center file."""
    if p.site is None:
        return
    known = [s.name for s in center.sites]
    if p.site not in known:
        hint = f"known sites: {', '.join(known)}" if known else \
            "the center file defines no [[site]]"
        fail(key, f"no [[site]] named {p.site!r} in the center file; {hint}")


def resolved(scen: ScenarioFile, center: CenterConfig) -> ScenarioFile:
    """``scen`` with ``settings.night`` and ``settings.country`` the center's values."""
    settings = scen.settings.model_copy(update={
        "night": center.premiums.night_window, "country": center.holiday_country or "none"})
    return scen.model_copy(update={"settings": settings})


def _check_pattern(pattern: str, center: CenterConfig, fail, key: str) -> None:
    if pattern == "*":
        return
    channel, sep, language = pattern.partition(":")
    ok = sep and any(
        channel in ("*", q.channel) and language in ("*", q.language) for q in center.queues
    )
    if not ok:
        known = ", ".join(q.key for q in center.queues)
        fail(key, f"queue {pattern!r} matches no queue of the center; known: {known}")


def _failer(path: str):
    def fail(key: str, message: str):
        raise WfmInputError(f"{key}: {message}", file=path)

    return fail


def scenarios_from_dict(data: Mapping[str, Any], path: str = "") -> ScenarioFile:
    """Build a :class:`ScenarioFile` from parsed TOML (raises ValidationError/ValueError)."""
    unknown = set(data) - {"settings", "provider", "scenario"}
    if unknown:
        raise ValueError(f"unknown top-level table(s): {', '.join(sorted(unknown))}")
    check_tables(data, {"settings": False, "provider": True, "scenario": True})
    if not data.get("provider"):
        raise ValueError("provider: define at least one [[provider]]")
    if not data.get("scenario"):
        raise ValueError("scenario: define at least one [[scenario]]")
    providers = [
        read_old_shrinkage(dict(p), f"provider[{i + 1}] ({p.get('name', '?')})")
        if isinstance(p, Mapping) else p
        for i, p in enumerate(data.get("provider", []))
    ]
    return ScenarioFile(
        path=path,
        settings=dict(data.get("settings", {})),
        providers=providers,
        scenarios=list(data.get("scenario", [])),
    )


def load_scenarios(path: str | Path, center: CenterConfig) -> ScenarioFile:
    """Read and validate a scenario TOML file against the center; errors name file and key."""
    path = Path(path)
    data = read_toml(path, "scenario file")
    try:
        scen = scenarios_from_dict(data, str(path))
    except ValidationError as exc:
        raise WfmInputError(_describe(exc.errors()[0], data), file=str(path)) from None
    except ValueError as exc:
        raise WfmInputError(str(exc), file=str(path)) from None
    check_against_center(scen, center)
    return resolved(scen, center)


_TABLES = {"providers": "provider", "scenarios": "scenario", "settings": "settings"}
_KEY = r"[A-Za-z_]+(?:\[\d+\])?"
_KEY_PREFIX = re.compile(rf"(?:Value error, )?({_KEY}(?:\.{_KEY})*): ")
"""A model validator's message that starts with the key it is about (``price[2].when: ...``)."""


def _describe(err: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    loc = list(err.get("loc", ()))
    loc, item = locate_array_item(loc, data, _TABLES)
    if item is not None and len(loc) > 2 and isinstance(loc[2], int):
        # route[i] inside a scenario
        if loc[1] in ("route", "deflection", "callback", "fcr"):
            loc = [loc[0], f"{loc[1]}[{loc[2] + 1}]", *loc[3:]]
        # a single [provider.price] table is price, a [[provider.price]] list price[i]
        elif loc[1] == "price":
            one = isinstance(item.get("price"), Mapping)
            loc = [loc[0], *(["price"] if one else [f"price[{loc[2] + 1}]"]), *loc[3:]]
    # one format for every key: provider[2] (onshore).price[2].when, whether pydantic
    # located the error or a model validator named the key in its message
    prefix = _KEY_PREFIX.match(str(err.get("msg", "")))
    if loc and prefix:
        loc = [*loc, prefix.group(1)]
        err = {**err, "msg": str(err["msg"])[prefix.end():]}
    return describe_validation_error(loc, err, "scenario file")
