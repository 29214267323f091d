"""Route the forecast to providers, staff each provider's share, and price it.

For every scenario, each interval x queue is assigned by the first matching
route (else the scenario's ``default``) to one provider, or split by shares
summing to 1.  Each provider's share is then:

1. multiplied by its repeat factor (FCR feedback, :func:`repeat_factor`) and
   its AHT by ``aht_factor``;
2. staffed with :func:`wfm.staffing.queue_requirement` (the same engine as
   ``wfm staff``), open only in the intervals routed to it, with the
   center's shrinkage of both kinds (or the provider's own);
3. summed to hours per year (the forecast period scaled to
   :data:`wfm.units.WEEKS_PER_YEAR` weeks) and priced with :func:`inhouse_cost`
   or :func:`vendor_cost`.

The night window, the public holidays, the premium table and the FTE definition
are the center's (``[center]``, :class:`wfm.config.CenterConfig`); an in-house
provider at a ``[[site]]`` (``site = "Manila"``) has its ``hours`` and its night,
Sunday and holiday premiums on the site's clock, with the site's holidays and
premium rates (:func:`site_windows`).
Hours are *required* paid hours from staffing; with a shift plan's
overhead (``CompareContext.overhead``) in-house hours are scheduled hours.
Pure functions over a validated forecast frame; no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from wfm.config import CenterConfig, OpeningHours, QueueConfig
from wfm.config.center import Premiums, clock_window
from wfm.config.scenario import (
    PROVIDER_HOURS,
    Provider,
    Route,
    Scenario,
    ScenarioFile,
    VendorPrice,
    queue_matches,
)
from wfm.erlang import erlang_b
from wfm.errors import WfmInputError
from wfm.io.events import public_holidays
from wfm.scenario.cost import (
    MONTHS_PER_YEAR,
    LineItem,
    QueueWork,
    inhouse_cost,
    repeat_factor,
    tco,
    vendor_cost,
)
from wfm.scenario.deflection import apply_callbacks, apply_deflection
from wfm.scenario.tiers import apply_tiers
from wfm.staffing import apply_shrinkage, full_grid, queue_requirement, round_requirement
from wfm.units import WEEKS_PER_YEAR, fte


@dataclass(frozen=True)
class ProviderResult:
    """One provider within one scenario; money in EUR, hours per year."""

    provider: str
    kind: str
    pricing: str
    work: tuple[QueueWork, ...]
    items: tuple[LineItem, ...]
    fte: float
    peak_on_duty: float
    transition: float
    tco: float
    service_level: float = math.nan
    """Over the provider's queues, weighted by handled contacts in intervals with a target."""
    site: str | None = None
    """The ``[[site]]`` of an in-house provider (None: the center, or a vendor)."""

    @property
    def run_per_year(self) -> float:
        return sum(i.value for i in self.items)

    @property
    def contacts(self) -> float:
        return sum(w.contacts for w in self.work)

    @property
    def paid_hours(self) -> float:
        """Paid hours per year the cost is based on (scheduled for in-house with a plan)."""
        return sum(w.paid_hours for w in self.work)

    @property
    def required_hours(self) -> float:
        """Required paid hours per year from staffing."""
        return sum(w.required_hours for w in self.work)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: its providers, and the demand (forecast contacts per year).

    ``service_level``: per queue, weighted by handled contacts over intervals
    with a target; ``service_level_total``: the same over all queues.
    """

    name: str
    description: str
    providers: tuple[ProviderResult, ...]
    contacts: float
    years: int
    service_level: dict[str, float] = field(default_factory=dict)
    service_level_total: float = math.nan
    scheduled: bool = False

    @property
    def run_per_year(self) -> float:
        return sum(p.run_per_year for p in self.providers)

    @property
    def transition(self) -> float:
        return sum(p.transition for p in self.providers)

    @property
    def tco(self) -> float:
        return sum(p.tco for p in self.providers)


@dataclass(frozen=True)
class _QueueData:
    key: str
    grid: pd.DatetimeIndex
    volume: np.ndarray
    aht: np.ndarray
    open_mask: np.ndarray
    forecast_volume: np.ndarray | None = None
    """The forecast's contacts before deflection (None: ``volume``)."""


def window_masks(
    grid: pd.DatetimeIndex,
    night: str | tuple[int, int] | Premiums,
    holidays: str | None | Iterable[dt.date],
) -> dict[str, np.ndarray]:
    """Boolean masks over local interval starts: nights, sundays, holidays, weekends, off_hours.

    ``night``: the night window (``"23:00-06:00"``, minutes, or the center's
    :class:`Premiums`); ``holidays``: the public holiday dates, or a country code
    (``DE``, ``DE-BY``) to look them up.
    """
    premiums = night if isinstance(night, Premiums) else Premiums(night_hours=clock_window(night))
    nights = premiums.night_mask(grid)
    dow = grid.day_of_week.to_numpy()
    years = sorted(set(grid.year))
    days = public_holidays(holidays, years) if holidays is None or isinstance(holidays, str) \
        else set(holidays)
    local_days = grid.tz_localize(None).normalize() if grid.tz is not None else grid.normalize()
    hol = np.isin(local_days.to_numpy(), pd.DatetimeIndex(sorted(days)).to_numpy())
    sundays = dow == 6
    return {
        "always": np.ones(len(grid), dtype=bool),
        "nights": nights,
        "sundays": sundays,
        "holidays": hol,
        "weekends": dow >= 5,
        "off_hours": nights | sundays | hol,
    }


def window_mask(
    when: str | dict, masks: dict[str, np.ndarray], grid: pd.DatetimeIndex
) -> np.ndarray:
    """Intervals of a ``when`` window: a named window of ``masks`` or an opening-hours table."""
    return masks[when] if isinstance(when, str) else OpeningHours.parse(when).is_open(grid)


def route_windows(
    scenario: Scenario, queue: str, masks: dict[str, np.ndarray], grid: pd.DatetimeIndex
) -> list[tuple[Route, np.ndarray]]:
    """The routes matching ``queue``, each with the intervals it wins (first match wins).

    ``when = "provider_hours"`` is the route provider's ``hours`` (``masks["hours:NAME"]``,
    :func:`queue_windows`)."""
    assigned = np.zeros(len(grid), dtype=bool)
    out = []
    for r in scenario.route:
        if not queue_matches(r.queues, queue):
            continue
        when = f"hours:{r.provider}" if r.when == PROVIDER_HOURS else r.when
        take = window_mask(when, masks, grid) & ~assigned
        out.append((r, take))
        assigned |= take
    return out


def route_shares(
    scenario: Scenario, queue: str, masks: dict[str, np.ndarray], grid: pd.DatetimeIndex
) -> dict[str, np.ndarray]:
    """Share of the queue's volume per provider and interval (rows sum to 1 or 0).

    The first route matching the queue and the interval wins; the scenario's
    ``default`` takes what no route matched.  Intervals left with no provider
    have share 0 everywhere (the caller decides whether that is an error).
    Overflow is not applied here (it needs the volume: :func:`scenario_routing`).
    """
    n = len(grid)
    shares: dict[str, np.ndarray] = {}
    assigned = np.zeros(n, dtype=bool)
    for r, take in route_windows(scenario, queue, masks, grid):
        for name, s in r.targets.items():
            shares.setdefault(name, np.zeros(n))[take] += s
        assigned |= take
    if scenario.default is not None:
        shares.setdefault(scenario.default, np.zeros(n))[~assigned] += 1.0
    return shares


def overflow_split(
    agents: np.ndarray, volume: np.ndarray, aht: np.ndarray, interval: float
) -> np.ndarray:
    """Share of the contacts that overflow from a team of ``agents`` on duty: Erlang B.

    The capped team is a loss system (M/M/N/N): a contact finding all N agents
    busy goes at once to the overflow provider, so the overflow share is
    B(N, A) with A = volume * aht / interval (Erlang); the team's contacts are
    answered without waiting.  ``volume`` per interval, ``aht`` and
    ``interval`` in seconds.
    """
    load = np.asarray(volume, float) * np.asarray(aht, float) / interval
    return np.asarray(erlang_b(np.asarray(agents, float), load), float)


def provider_clock(prov: Provider, center: CenterConfig,
                   grid: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The interval starts ``grid`` on the provider's clock: its site's, else the center's."""
    return grid if prov.site is None else grid.tz_convert(center.site(prov.site).timezone)


def queue_windows(
    scen: ScenarioFile, center: CenterConfig, grid: pd.DatetimeIndex
) -> dict[str, np.ndarray]:
    """The center's :func:`window_masks` over ``grid``, and ``hours:NAME``: where each
    provider's ``hours`` (on its clock, :func:`provider_clock`) are open."""
    masks = window_masks(grid, center.premiums, center.holiday_dates(set(grid.year)))
    for p in scen.providers:
        masks[f"hours:{p.name}"] = p.hours.is_open(provider_clock(p, center, grid))
    return masks


def site_windows(center: CenterConfig, site_name: str,
                 grid: pd.DatetimeIndex) -> tuple[dict[str, np.ndarray], float]:
    """The premium windows of a site over the center's ``grid``, read on the site's clock
    (its night window, Sundays and public holidays), and the share of the year's days
    that are the site's public holidays (the year of ``grid``'s first interval)."""
    site = center.site(site_name)
    local = grid.tz_convert(site.timezone)
    masks = window_masks(local, site.premiums, site.holiday_dates(set(local.year)))
    share = len(site.holiday_dates([local[0].year])) / (7.0 * WEEKS_PER_YEAR)
    return masks, share


def _queues(frame: pd.DataFrame, center: CenterConfig) -> list[_QueueData]:
    out = []
    for (channel, language), rows in frame.groupby(["channel", "language"], sort=True):
        queue = center.queue(f"{channel}:{language}")
        grid = full_grid(rows["interval_start"], center.interval, center.tz)
        rows = rows.set_index("interval_start").reindex(grid)
        out.append(
            _QueueData(
                queue.key,
                grid,
                rows["volume"].fillna(0.0).to_numpy(float),
                rows["aht_s"].fillna(0.0).to_numpy(float),
                center.hours_for(queue).is_open(grid),
            )
        )
    return out


@dataclass(frozen=True)
class CompareContext:
    """Everything a scenario evaluation needs besides the scenario file (picklable).

    ``queues``: the forecast per queue on its full interval grid; ``masks``:
    window masks per queue; ``per_year``: factor from the forecast period to
    52 weeks; ``holiday_share``: the country's public holidays per year as a
    share of the year's days; ``*_factor``: sensitivity scalings of forecast
    volume, AHT and vendor prices; ``overhead``: scheduled / required paid
    hours per queue of a shift plan, applied to in-house providers (empty:
    required hours, see :mod:`wfm.scenario.scheduled`).
    """

    center: CenterConfig
    queues: tuple[_QueueData, ...]
    masks: dict[str, dict[str, np.ndarray]]
    per_year: float
    holiday_share: float
    volume_factor: float = 1.0
    aht_factor: float = 1.0
    price_factor: float = 1.0
    overhead: dict[str, float] = field(default_factory=dict)
    holiday_mode: bool | None = None
    """None: holiday hours = paid hours * holiday_share; False/True: no day / every day
    is a holiday (the two halves of :func:`evaluate_scenario`)."""

    @property
    def scheduled(self) -> bool:
        """Are in-house hours scheduled hours (a plan's overhead applied)?"""
        return bool(self.overhead)


def prepare(
    scen: ScenarioFile,
    center: CenterConfig,
    frame: pd.DataFrame,
    *,
    volume_factor: float = 1.0,
    aht_factor: float = 1.0,
    price_factor: float = 1.0,
    overhead: dict[str, float] | None = None,
) -> CompareContext:
    """The forecast ``frame`` (columns of ``read_forecast``) split per queue, with its windows.

    ``overhead``: scheduled / required hours per queue (:mod:`wfm.scenario.scheduled`).
    """
    queues = tuple(_queues(frame, center))
    span_weeks = max(len(q.grid) for q in queues) * center.interval / (7 * 86400.0)
    # the center's night window and public holidays (one of each for every step)
    masks = {q.key: queue_windows(scen, center, q.grid) for q in queues}
    # A holiday inside a one-week forecast scaled to 52 weeks would count 52 times
    # (and a week without one, never): holiday hours are the forecast's mean paid
    # hours per day times the center's public holidays in the forecast's year.
    first = min(q.grid[0] for q in queues)
    holidays_per_year = len(center.holiday_dates([first.year]))
    return CompareContext(
        center=center,
        queues=queues,
        masks=masks,
        per_year=WEEKS_PER_YEAR / span_weeks,
        holiday_share=holidays_per_year / (7.0 * WEEKS_PER_YEAR),
        volume_factor=volume_factor,
        aht_factor=aht_factor,
        price_factor=price_factor,
        overhead=dict(overhead or {}),
    )


def compare(
    scen: ScenarioFile,
    center: CenterConfig,
    frame: pd.DataFrame,
    *,
    volume_factor: float = 1.0,
    aht_factor: float = 1.0,
    price_factor: float = 1.0,
    overhead: dict[str, float] | None = None,
) -> list[ScenarioResult]:
    """Every scenario of ``scen`` on the forecast ``frame`` (columns of ``read_forecast``).

    The ``*_factor`` arguments scale forecast volume, AHT and vendor prices
    (sensitivity runs); ``overhead`` the scheduled / required hours per queue
    of a shift plan, applied to in-house providers.  Raises
    :class:`WfmInputError` (naming the scenario file and key) when an open
    interval is served by nobody or routed to a provider outside its hours.
    """
    ctx = prepare(
        scen,
        center,
        frame,
        volume_factor=volume_factor,
        aht_factor=aht_factor,
        price_factor=price_factor,
        overhead=overhead,
    )
    return [evaluate_scenario(scen, i, ctx) for i in range(len(scen.scenarios))]


Shares = dict[str, dict[str, np.ndarray]]
"""Per queue key, per provider name: share of the forecast volume per interval."""


@dataclass(frozen=True)
class Routing:
    """A scenario's routing: ``shares``, and ``caps`` (same keys): on-duty agents of a
    capped (overflow) team per interval, NaN where the provider is staffed to target."""

    shares: Shares
    caps: Shares = field(default_factory=dict)


def scenario_routing(scen: ScenarioFile, index: int, ctx: CompareContext) -> Routing:
    """The routing of scenario ``index``, checked: every open interval served once, in hours.

    Overflow routes split their cells by :func:`overflow_split`.  Raises
    :class:`WfmInputError` naming ``scenario[i] (name).route``.
    """
    scenario = scen.scenarios[index]
    where = f"scenario[{index + 1}] ({scenario.name})"
    out: Shares = {}
    caps: Shares = {}
    for qd in ctx.queues:
        shares = route_shares(scenario, qd.key, ctx.masks[qd.key], qd.grid)
        deferred = ctx.center.queue(qd.key).model == "deferred"
        if deferred and any(np.ptp(sh) > 1e-12 for sh in shares.values()):
            # e-mail arriving at night is worked from the backlog in opening hours: a
            # time-window route sent it to a provider with no open interval, and those
            # items vanished from the cost (no error)
            raise WfmInputError(
                f"{where}.route: deferred queue {qd.key} is routed by time window; "
                "route deferred work (e-mail, letters) by queue or share",
                file=scen.path,
            )
        covered = sum(shares.values()) if shares else np.zeros(len(qd.grid))
        gap = qd.open_mask & (covered < 1.0 - 1e-9)
        if gap.any():
            t = qd.grid[int(np.flatnonzero(gap)[0])].isoformat()
            raise WfmInputError(
                f"{where}.route: queue {qd.key} at {t} is served by nobody; "
                "add a route or a default",
                file=scen.path,
            )
        caps[qd.key] = _apply_overflow(scen, scenario, ctx, qd, shares)
        check_hours(scen, qd, shares, f"{where}.route", ctx.masks[qd.key])
        out[qd.key] = shares
    return Routing(out, caps)


def _apply_overflow(
    scen: ScenarioFile,
    scenario: Scenario,
    ctx: CompareContext,
    qd: _QueueData,
    shares: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Move the blocked share of each overflow route's cells (in place); return the caps."""
    caps: dict[str, np.ndarray] = {}
    queue = ctx.center.queue(qd.key)
    n = len(qd.grid)
    for r, take in route_windows(scenario, qd.key, ctx.masks[qd.key], qd.grid):
        cell = take & qd.open_mask
        if r.overflow is None or not cell.any():
            continue
        primary = scen.provider(r.provider)
        rf = repeat_factor(scen.settings.baseline_fcr, primary.fcr, scen.settings.recontact)
        v = qd.volume * ctx.volume_factor * rf
        a = qd.aht * ctx.aht_factor * primary.aht_factor
        if r.overflow.agents is not None:
            cap = np.full(n, float(r.overflow.agents))
        else:
            full = queue_requirement(
                queue, v, a, interval=ctx.center.interval, open_mask=cell, shrinkage=0.0
            ).agents_on_duty
            # rounded down, but at least one agent where the queue needs any: floor(0.9 * 1)
            # = 0 would send every contact of a small interval to the overflow provider
            cap = np.where(full >= 1, np.maximum(np.floor(r.overflow.above * full + 1e-9), 1), 0)
        blocked = np.where(cell, overflow_split(cap, v, a, ctx.center.interval), 0.0)
        blocked = np.clip(np.nan_to_num(blocked), 0.0, 1.0)
        shares[r.provider] = np.clip(shares[r.provider] - blocked, 0.0, None)
        shares[r.overflow.provider] = shares.get(r.overflow.provider, np.zeros(n)) + blocked
        caps.setdefault(r.provider, np.full(n, np.nan))[cell] = cap[cell]
    return caps


def check_hours(scen: ScenarioFile, qd: _QueueData, shares: dict[str, np.ndarray], key: str,
                masks: dict[str, np.ndarray] | None = None):
    """Raise :class:`WfmInputError` (at ``key``) if work is routed outside a provider's hours
    (``masks["hours:NAME"]`` of :func:`queue_windows`; else its hours on ``qd.grid``)."""
    for name, share in shares.items():
        hours = (masks or {}).get(f"hours:{name}")
        if hours is None:
            hours = scen.provider(name).hours.is_open(qd.grid)
        outside = qd.open_mask & (share > 0) & ~hours
        if outside.any():
            t = qd.grid[int(np.flatnonzero(outside)[0])].isoformat()
            raise WfmInputError(
                f"{key}: queue {qd.key} at {t} is routed to {name!r} "
                "outside its hours (provider.hours)",
                file=scen.path,
            )


@dataclass(frozen=True)
class _Work:
    """One provider's work on one queue: the yearly figures and the interval series."""

    work: QueueWork
    sl_num: float
    sl_den: float
    on_duty: pd.Series
    parts: tuple[QueueWork, ...] = ()
    """Per entry of a vendor's price list, the work in its window (empty for one price)."""


def evaluate(
    scen: ScenarioFile, scenario: Scenario, ctx: CompareContext, routing: Routing
) -> ScenarioResult:
    """Staff and price one scenario given its routing (see :func:`scenario_routing`)."""
    return _priced(scen, scenario, ctx, collect(scen, ctx, routing))


def evaluate_scenario(scen: ScenarioFile, index: int, ctx: CompareContext) -> ScenarioResult:
    """Route, staff and price scenario ``index`` (over its :func:`day_variants`),
    after its deflection (:mod:`wfm.scenario.deflection`)."""
    scenario = scen.scenarios[index]
    collected = [
        collect(scen, v, scenario_routing(scen, index, v)) for v in day_variants(scen, index, ctx)
    ]
    return combine(scen, scenario, ctx, collected)


def day_variants(scen: ScenarioFile, index: int, ctx: CompareContext) -> tuple[CompareContext, ...]:
    """``(ctx,)``, or for a scenario routing (or a vendor pricing) by ``holidays`` or
    ``off_hours`` two contexts: as if no day of the forecast were a public holiday, and
    as if every day were one.  The scenario's deflection, the center's contact flows
    with the scenario's FCR (:mod:`wfm.scenario.tiers`) and callbacks
    (:mod:`wfm.scenario.deflection`) are applied to each.

    :func:`combine` weights the two by the share of the year's days that are holidays
    (``ctx.holiday_share``), so the country's holidays of a whole year count whatever
    days the forecast period holds.
    """
    ctx = apply_deflection(scen, index, ctx)
    ctx = apply_callbacks(scen, index, apply_tiers(scen, index, ctx))
    windows = {r.when for r in scen.scenarios[index].route if isinstance(r.when, str)}
    windows |= {p.when for v in scen.providers for p in (v.price or ()) if isinstance(p.when, str)}
    if not windows & {"holidays", "off_hours"} or ctx.holiday_share <= 0:
        return (ctx,)
    return tuple(
        replace(ctx, masks=_holiday_masks(ctx.masks, holiday), holiday_mode=holiday)
        for holiday in (False, True)
    )


def combine(
    scen: ScenarioFile, scenario: Scenario, ctx: CompareContext, collected: list[_Collected]
) -> ScenarioResult:
    """Price the work of one or two :func:`day_variants` (weighted 1 - h : h)."""
    if len(collected) == 1:
        return _priced(scen, scenario, ctx, collected[0])
    return _priced(scen, scenario, ctx, _blend(collected[0], collected[1], ctx.holiday_share))


def _holiday_masks(
    masks: dict[str, dict[str, np.ndarray]], holiday: bool
) -> dict[str, dict[str, np.ndarray]]:
    """Window masks with every day (``holiday``) or no day a public holiday."""
    out = {}
    for key, m in masks.items():
        hol = np.full(len(m["holidays"]), holiday)
        out[key] = {**m, "holidays": hol, "off_hours": m["nights"] | m["sundays"] | hol}
    return out


_Collected = tuple[dict[str, list["_Work"]], float]


def collect(scen: ScenarioFile, ctx: CompareContext, routing: Routing) -> _Collected:
    """Every provider's work per queue, and the forecast contacts (per forecast period)."""
    center = ctx.center
    work: dict[str, list[_Work]] = {}
    contacts_total = 0.0
    for qd in ctx.queues:
        deferred = center.queue(qd.key).model == "deferred"
        demand = qd.volume if qd.forecast_volume is None else qd.forecast_volume
        volume = demand * ctx.volume_factor  # deflected contacts are still contacts
        contacts_total += volume.sum() if deferred else volume[qd.open_mask].sum()
        caps = routing.caps.get(qd.key, {})
        for name, share in routing.shares[qd.key].items():
            w = _queue_work(scen, ctx, qd, scen.provider(name), share, caps.get(name))
            if w is not None:
                work.setdefault(name, []).append(w)
    return work, contacts_total


def _blend_qw(a: QueueWork | None, b: QueueWork | None, h: float) -> QueueWork:
    """(1 - h) a + h b field by field; the service level weighted by handled contacts."""
    base = a if a is not None else b
    names = [
        f for f in QueueWork.__dataclass_fields__ if f not in ("queue", "language", "service_level")
    ]
    wa, wb = 1.0 - h, h
    values = {
        n: wa * (getattr(a, n) if a is not None else 0.0)
        + wb * (getattr(b, n) if b is not None else 0.0)
        for n in names
    }
    num = den = 0.0
    for w, x in ((wa, a), (wb, b)):
        if x is not None and math.isfinite(x.service_level):
            num += w * x.service_level * x.handled_contacts
            den += w * x.handled_contacts
    values["service_level"] = num / den if den > 0 else math.nan
    return QueueWork(queue=base.queue, language=base.language, **values)


def _blend(a: _Collected, b: _Collected, h: float) -> _Collected:
    """The year as (1 - h) of days like ``a`` (no holiday) and h like ``b`` (holidays)."""
    work: dict[str, list[_Work]] = {}
    for name in dict.fromkeys([*a[0], *b[0]]):
        by_a = {w.work.queue: w for w in a[0].get(name, [])}
        by_b = {w.work.queue: w for w in b[0].get(name, [])}
        for q in dict.fromkeys([*by_a, *by_b]):
            x, y = by_a.get(q), by_b.get(q)
            n_parts = len((x or y).parts)
            series = [w.on_duty for w in (x, y) if w is not None]
            on_duty = series[0] if len(series) == 1 else np.maximum(series[0], series[1])
            work.setdefault(name, []).append(
                _Work(
                    _blend_qw(x and x.work, y and y.work, h),
                    (1 - h) * (x.sl_num if x else 0.0) + h * (y.sl_num if y else 0.0),
                    (1 - h) * (x.sl_den if x else 0.0) + h * (y.sl_den if y else 0.0),
                    on_duty,  # seats for the busier of the two kinds of day
                    tuple(_blend_qw(x and x.parts[i], y and y.parts[i], h) for i in range(n_parts)),
                )
            )
    return work, a[1]


def _priced(
    scen: ScenarioFile, scenario: Scenario, ctx: CompareContext, collected: _Collected
) -> ScenarioResult:
    work, contacts_total = collected
    results = [
        _provider_result(scen, ctx, prov, work[prov.name])
        for prov in scen.providers
        if prov.name in work
    ]
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for ws in work.values():
        for w in ws:
            num[w.work.queue] = num.get(w.work.queue, 0.0) + w.sl_num
            den[w.work.queue] = den.get(w.work.queue, 0.0) + w.sl_den
    sl = {k: num[k] / den[k] for k in sorted(num) if den[k] > 0}
    total_den = sum(den[k] for k in sl)
    return ScenarioResult(
        scenario.name,
        scenario.description,
        tuple(results),
        contacts_total * ctx.per_year,
        scen.settings.years,
        sl,
        sum(num[k] for k in sl) / total_den if total_den > 0 else math.nan,
        ctx.scheduled,
    )


def _queue_work(  # noqa: PLR0913
    scen: ScenarioFile,
    ctx: CompareContext,
    qd: _QueueData,
    prov: Provider,
    share: np.ndarray,
    cap: np.ndarray | None = None,
) -> _Work | None:
    """Staff ``prov``'s ``share`` of queue ``qd``: yearly hours, minutes, contacts, SL.

    Where ``cap`` is finite the provider is a capped overflow team: ``cap``
    agents on duty, its contacts answered at once (service level 1); a shift
    plan's overhead (``ctx.overhead``, applied as max(f, 1) to in-house hours)
    leaves those cells unscaled.  Three steps: :func:`_staff_share` (per
    interval), :func:`_yearly` (per year, over all intervals and over each of a
    vendor's price windows, :func:`_price_windows`).
    """
    st = _staff_share(scen, ctx, qd, prov, share, cap)
    if st is None:
        return None
    if prov.site is not None:  # premium hours on the site's clock, with its holidays
        masks, h_site = site_windows(ctx.center, prov.site, qd.grid)
        ctx = replace(ctx, masks={**ctx.masks, qd.key: masks}, holiday_share=h_site,
                      holiday_mode=None)
    everything = np.ones(len(st.mask), dtype=bool)
    parts = tuple(_yearly(ctx, qd, st, sel) for sel in _price_windows(prov, ctx.masks[qd.key],
                                                                       qd.grid))
    v, sl, ok = st.handled, st.service_level, st.ok
    return _Work(
        _yearly(ctx, qd, st, everything),
        float((sl[ok] * v[ok]).sum()),
        float(v[ok].sum()),
        pd.Series(st.on_duty, index=qd.grid.tz_convert("UTC")),
        parts,
    )


@dataclass(frozen=True)
class _Staffing:
    """One provider's staffing of one queue, per interval of the forecast period.

    ``routed``: forecast contacts routed to it; ``handled``: with its repeat
    contacts; ``minutes``: handled minutes; ``paid``/``required``/``duty``: paid
    hours (a plan's overhead applied), required paid hours and on-duty hours;
    ``on_duty``: agents on duty; ``service_level``: at that staffing (1 for a
    capped overflow team's cells); ``mask``: open intervals with a share.
    """

    queue: QueueConfig
    routed: np.ndarray
    handled: np.ndarray
    minutes: np.ndarray
    paid: np.ndarray
    required: np.ndarray
    duty: np.ndarray
    on_duty: np.ndarray
    service_level: np.ndarray
    mask: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        """Intervals that count for the service level (a value and contacts)."""
        return np.isfinite(self.service_level) & (self.handled > 0)


def _staff_share(  # noqa: PLR0913
    scen: ScenarioFile,
    ctx: CompareContext,
    qd: _QueueData,
    prov: Provider,
    share: np.ndarray,
    cap: np.ndarray | None,
) -> _Staffing | None:
    """Step 1: repeat contacts and AHT factor, staffing with the provider's shrinkage,
    a capped team's fixed agents, a plan's overhead (None: the provider has no open
    interval of the queue)."""
    center = ctx.center
    queue = center.queue(qd.key)
    h = center.interval / 3600.0
    mask = qd.open_mask & (share > 0)
    if not mask.any():
        return None
    volume = qd.volume * ctx.volume_factor
    rf = repeat_factor(scen.settings.baseline_fcr, prov.fcr, scen.settings.recontact)
    v = volume * share * rf
    a = qd.aht * ctx.aht_factor * prov.aht_factor
    shrink = prov.shrinkage(center.shrinkage_kinds(queue))
    capped = np.zeros(len(mask), dtype=bool) if cap is None else mask & np.isfinite(cap)
    req = queue_requirement(
        queue, v, a, interval=center.interval, open_mask=mask & ~capped, shrinkage=shrink
    )
    on_duty, paid = req.agents_on_duty, req.agents_required * h
    if capped.any():
        fixed = np.where(capped, cap, 0.0)
        on_duty = np.where(capped, fixed, on_duty)
        paid = np.where(capped, round_requirement(apply_shrinkage(fixed, shrink)) * h, paid)
    required = paid
    if prov.kind == "inhouse" and ctx.overhead:  # a shift plan's hours, not the requirement
        # a plan short of its requirement (f < 1) does not make the requirement cheaper:
        # the service level is computed from the full requirement, so are the hours
        f = max(ctx.overhead.get(qd.key, 1.0), 1.0)
        # a capped overflow team is a fixed number of agents on duty, the N the Erlang B
        # split used: its cells are not scaled (that would change the team, not its split)
        f_t = np.where(capped, 1.0, f)
        paid, on_duty = paid * f_t, on_duty * f_t
    return _Staffing(
        queue=queue,
        routed=volume * share,
        handled=v,
        minutes=v * a / 60.0,
        paid=paid,
        required=required,
        duty=on_duty * h,
        on_duty=on_duty,
        service_level=np.where(capped & (v > 0), 1.0, req.service_level),
        mask=mask,
    )


def _yearly(ctx: CompareContext, qd: _QueueData, st: _Staffing, sel: np.ndarray) -> QueueWork:
    """Step 2: the yearly figures over the intervals ``sel``, premium hours included.

    Without a day variant (``ctx.holiday_mode`` None) routing does not depend on
    holidays: a share h of every interval is a public holiday (the year's holidays,
    not the forecast's dates), where the holiday premium replaces the Sunday premium
    and the whole interval is off-hours.  In one of the two day variants of
    :func:`day_variants` the holidays are in the masks.
    """
    m = ctx.masks[qd.key]
    per_year = ctx.per_year
    off = m["off_hours"]
    if ctx.holiday_mode is None:
        h_year = ctx.holiday_share
        ordinary = m["nights"] | m["sundays"]
        sundays = m["sundays"]
    else:
        h_year = float(ctx.holiday_mode)
        ordinary = off
        sundays = m["sundays"] & ~m["holidays"]

    def off_sum(x: np.ndarray) -> float:
        if ctx.holiday_mode is not None:
            return float(x[off & sel].sum())
        return float((1.0 - h_year) * x[ordinary & sel].sum() + h_year * x[sel].sum())

    v, sl, paid = st.handled, st.service_level, st.paid
    k = st.ok & sel
    ordinary_days = 1.0 - h_year if ctx.holiday_mode is None else 1.0
    deferred = st.queue.model == "deferred"
    routed = st.routed[sel] if deferred else st.routed[st.mask & sel]
    return QueueWork(
        queue=qd.key,
        language=st.queue.language,
        contacts=float(routed.sum()) * per_year,
        handled_contacts=float(v[sel].sum()) * per_year,
        handled_minutes=float(st.minutes[sel].sum()) * per_year,
        paid_hours=float(paid[sel].sum()) * per_year,
        required_hours=float(st.required[sel].sum()) * per_year,
        on_duty_hours=float(st.duty[sel].sum()) * per_year,
        night_hours=float(paid[m["nights"] & sel].sum()) * per_year,
        sunday_hours=float(paid[sundays & sel].sum()) * ordinary_days * per_year,
        holiday_hours=float(paid[sel].sum()) * per_year * h_year,
        off_on_duty_hours=off_sum(st.duty) * per_year,
        off_minutes=off_sum(st.minutes) * per_year,
        off_contacts=off_sum(v) * per_year,
        service_level=float((sl[k] * v[k]).sum() / v[k].sum()) if k.any() else math.nan,
    )


def _price_windows(
    prov: Provider, masks: dict[str, np.ndarray], grid: pd.DatetimeIndex
) -> list[np.ndarray]:
    """Step 3: for a vendor with a list of prices, the intervals each entry bills (first
    matching ``when`` wins); empty for one price."""
    if prov.price is None or len(prov.price) <= 1:
        return []
    assigned = np.zeros(len(grid), dtype=bool)
    sels = []
    for price in prov.price:
        sel = window_mask(price.when, masks, grid) & ~assigned
        sels.append(sel)
        assigned |= sel
    return sels


def _provider_result(
    scen: ScenarioFile, ctx: CompareContext, prov: Provider, work: list[_Work]
) -> ProviderResult:
    """Price one provider's work in a scenario (line items, FTE, peak on duty, TCO)."""
    ws = tuple(w.work for w in work)
    on_duty = work[0].on_duty
    for w in work[1:]:
        on_duty = on_duty.add(w.on_duty, fill_value=0.0)
    peak = float(on_duty.max())
    pf = ctx.price_factor
    hours = prov.contract_hours(ctx.center)
    if prov.kind == "inhouse":
        place = ctx.center if prov.site is None else ctx.center.site(prov.site)
        cost = prov.cost.with_center_premiums(place.premiums)
        items = inhouse_cost(cost, ws, peak, hours)
        pricing = "salary" if prov.cost.annual_salary is not None else "hourly wage"
    else:
        prices = [_scaled(p, pf) for p in prov.price]
        if len(prices) == 1:
            items = vendor_cost(prices[0], ws, hours)
        else:
            items = []
            for i, price in enumerate(prices):
                share = [w.parts[i] for w in work]
                label = f"price[{i + 1}] ({_when_label(price.when)})"
                items += [
                    replace(item, name=f"{label} {item.name}")
                    for item in vendor_cost(price, share, hours)
                ]
        pricing = " + ".join(dict.fromkeys(p.model for p in prices))
    run = sum(i.value for i in items)
    one_off = prov.transition_cost + prov.exit_cost
    sl_den = sum(w.sl_den for w in work)
    return ProviderResult(
        provider=prov.name,
        kind=prov.kind,
        pricing=pricing,
        work=ws,
        items=tuple(items),
        fte=fte(sum(w.paid_hours for w in ws), hours, WEEKS_PER_YEAR),
        peak_on_duty=peak,
        transition=one_off,
        tco=tco(run, scen.settings.years, scen.settings.inflation, one_off),
        service_level=sum(w.sl_num for w in work) / sl_den if sl_den > 0 else math.nan,
        site=prov.site,
    )


def _scaled(price: VendorPrice, factor: float) -> VendorPrice:
    """``price`` with its unit prices and fees times ``factor`` (sensitivity)."""
    if factor == 1.0:
        return price
    return price.model_copy(
        update={
            "price": price.price * factor,
            "baseline_fee": price.baseline_fee * factor,
            "rate_above": price.rate_above * factor,
            "rate_below": price.rate_below * factor,
        }
    )


def _when_label(when: str | dict) -> str:
    return when if isinstance(when, str) else ", ".join(f"{k} {v}" for k, v in when.items())


def per_month(per_year: float) -> float:
    """EUR per month from EUR per year (month = 52/12 weeks)."""
    return per_year / MONTHS_PER_YEAR
