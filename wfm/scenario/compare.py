"""Route the forecast to providers, staff each provider's share, and price it.

For every scenario, each interval x queue is assigned by the first matching
route (else the scenario's ``default``) to one provider, or split by shares
summing to 1.  Each provider's share is then:

1. multiplied by its repeat factor (FCR feedback, :func:`repeat_factor`) and
   its AHT by ``aht_factor``;
2. staffed with :func:`wfm.staffing.queue_requirement` (the same engine as
   ``wfm staff``), open only in the intervals routed to it, with the
   provider's shrinkage;
3. summed to hours per year (the forecast period scaled to 52 weeks) and
   priced with :func:`inhouse_cost` or :func:`vendor_cost`.

Hours are *required* paid hours from staffing, not scheduled hours of a
shift plan.  Pure functions over a validated forecast frame; no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import holidays as holidays_lib
import numpy as np
import pandas as pd

from wfm.config import CenterConfig, OpeningHours
from wfm.errors import WfmInputError
from wfm.scenario.config import Provider, Route, Scenario, ScenarioFile, queue_matches
from wfm.scenario.cost import (
    MONTHS_PER_YEAR,
    WEEKS_PER_YEAR,
    LineItem,
    QueueWork,
    fte,
    inhouse_cost,
    repeat_factor,
    tco,
    vendor_cost,
)
from wfm.staffing import full_grid, queue_requirement


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

    @property
    def run_per_year(self) -> float:
        return sum(i.value for i in self.items)

    @property
    def contacts(self) -> float:
        return sum(w.contacts for w in self.work)

    @property
    def paid_hours(self) -> float:
        return sum(w.paid_hours for w in self.work)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: its providers, and the demand (forecast contacts per year)."""

    name: str
    description: str
    providers: tuple[ProviderResult, ...]
    contacts: float
    years: int
    service_level: dict[str, float] = field(default_factory=dict)

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


def window_masks(grid: pd.DatetimeIndex, night: str, country: str) -> dict[str, np.ndarray]:
    """Boolean masks over local interval starts: nights, sundays, holidays, weekends, off_hours."""
    nights = OpeningHours.parse({"daily": night}).is_open(grid)
    dow = grid.day_of_week.to_numpy()
    code, _, subdiv = country.upper().partition("-")
    years = sorted(set(grid.year))
    cal = holidays_lib.country_holidays(code, subdiv=subdiv or None, years=years)
    local_days = grid.tz_localize(None).normalize() if grid.tz is not None else grid.normalize()
    hol = np.isin(local_days.to_numpy(), pd.DatetimeIndex(list(cal.keys())).to_numpy())
    sundays = dow == 6
    return {
        "always": np.ones(len(grid), dtype=bool),
        "nights": nights,
        "sundays": sundays,
        "holidays": hol,
        "weekends": dow >= 5,
        "off_hours": nights | sundays | hol,
    }


def route_shares(
    scenario: Scenario, queue: str, masks: dict[str, np.ndarray], grid: pd.DatetimeIndex
) -> dict[str, np.ndarray]:
    """Share of the queue's volume per provider and interval (rows sum to 1 or 0).

    The first route matching the queue and the interval wins; the scenario's
    ``default`` takes what no route matched.  Intervals left with no provider
    have share 0 everywhere (the caller decides whether that is an error).
    """
    n = len(grid)
    shares: dict[str, np.ndarray] = {}
    assigned = np.zeros(n, dtype=bool)
    rules: list[Route] = [r for r in scenario.route if queue_matches(r.queues, queue)]
    for r in rules:
        window = (
            masks[r.when] if isinstance(r.when, str) else OpeningHours.parse(r.when).is_open(grid)
        )
        take = window & ~assigned
        for name, s in r.targets.items():
            shares.setdefault(name, np.zeros(n))[take] += s
        assigned |= take
    if scenario.default is not None:
        shares.setdefault(scenario.default, np.zeros(n))[~assigned] += 1.0
    return shares


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


def compare(
    scen: ScenarioFile,
    center: CenterConfig,
    frame: pd.DataFrame,
    *,
    volume_factor: float = 1.0,
    aht_factor: float = 1.0,
    price_factor: float = 1.0,
) -> list[ScenarioResult]:
    """Every scenario of ``scen`` on the forecast ``frame`` (columns of ``read_forecast``).

    The ``*_factor`` arguments scale forecast volume, AHT and vendor prices
    (sensitivity runs).  Raises :class:`WfmInputError` (naming the scenario
    file and key) when an open interval is served by nobody or routed to a
    provider outside its hours.
    """
    queues = _queues(frame, center)
    span_weeks = max(len(q.grid) for q in queues) * center.interval / (7 * 86400.0)
    per_year = WEEKS_PER_YEAR / span_weeks
    masks = {
        q.key: window_masks(q.grid, scen.settings.night, scen.settings.country) for q in queues
    }
    # A holiday inside a one-week forecast scaled to 52 weeks would count 52 times
    # (and a week without one, never): holiday hours are the forecast's mean paid
    # hours per day times the country's public holidays in the forecast's year.
    first = min(q.grid[0] for q in queues)
    code, _, subdiv = scen.settings.country.upper().partition("-")
    holidays_per_year = len(
        holidays_lib.country_holidays(code, subdiv=subdiv or None, years=[first.year])
    )
    holiday_share = holidays_per_year / (7.0 * WEEKS_PER_YEAR)  # share of a year's days
    return [
        _scenario(
            scen, i, s, center, queues, masks, per_year, volume_factor, aht_factor, price_factor,
            holiday_share,
        )
        for i, s in enumerate(scen.scenarios)
    ]


def _scenario(  # noqa: PLR0913 - one scenario's inputs, unpacked once by compare()
    scen, index, scenario, center, queues, masks, per_year, vf, af, pf, holiday_share
):
    where = f"scenario[{index + 1}] ({scenario.name})"
    h = center.interval / 3600.0
    settings = scen.settings
    work: dict[str, list[QueueWork]] = {}
    on_duty_series: dict[str, np.ndarray] = {}
    sl_num: dict[str, float] = {}
    sl_den: dict[str, float] = {}
    contacts_total = 0.0
    for qd in queues:
        queue = center.queue(qd.key)
        m = masks[qd.key]
        volume = qd.volume * vf
        aht = qd.aht * af
        contacts_total += volume[qd.open_mask].sum() if queue.model != "deferred" else volume.sum()
        shares = route_shares(scenario, qd.key, m, qd.grid)
        if queue.model == "deferred" and any(np.ptp(sh) > 1e-12 for sh in shares.values()):
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
        for name, share in shares.items():
            prov: Provider = scen.provider(name)
            routed = qd.open_mask & (share > 0)
            outside = routed & ~prov.hours.is_open(qd.grid)
            if outside.any():
                t = qd.grid[int(np.flatnonzero(outside)[0])].isoformat()
                raise WfmInputError(
                    f"{where}.route: queue {qd.key} at {t} is routed to {name!r} "
                    "outside its hours (provider.hours)",
                    file=scen.path,
                )
            if not routed.any() and queue.model != "deferred":
                continue
            mask = qd.open_mask & (share > 0)
            if not mask.any():
                continue
            rf = repeat_factor(settings.baseline_fcr, prov.fcr, settings.recontact)
            v = volume * share * rf
            a = aht * prov.aht_factor
            shrink = prov.shrinkage if prov.shrinkage is not None else center.shrinkage_for(queue)
            req = queue_requirement(
                queue, v, a, interval=center.interval, open_mask=mask, shrinkage=shrink
            )
            paid = req.agents_required * h
            duty = req.agents_on_duty * h
            minutes = v * a / 60.0
            off = m["off_hours"]
            hol = m["holidays"]
            sl = req.service_level
            ok = np.isfinite(sl) & (v > 0)
            qw = QueueWork(
                queue=qd.key,
                language=queue.language,
                contacts=float(
                    (volume * share)[mask].sum()
                    if queue.model != "deferred"
                    else (volume * share).sum()
                )
                * per_year,
                handled_contacts=float(v.sum()) * per_year,
                handled_minutes=float(minutes.sum()) * per_year,
                paid_hours=float(paid.sum()) * per_year,
                on_duty_hours=float(duty.sum()) * per_year,
                night_hours=float(paid[m["nights"]].sum()) * per_year,
                sunday_hours=float(paid[m["sundays"] & ~hol].sum()) * per_year,
                holiday_hours=float(paid.sum()) * per_year * holiday_share,
                off_on_duty_hours=float(duty[off].sum()) * per_year,
                off_minutes=float(minutes[off].sum()) * per_year,
                off_contacts=float(v[off].sum()) * per_year,
                service_level=float((sl[ok] * v[ok]).sum() / v[ok].sum()) if ok.any() else math.nan,
            )
            work.setdefault(name, []).append(qw)
            sl_num[qd.key] = sl_num.get(qd.key, 0.0) + float((sl[ok] * v[ok]).sum())
            sl_den[qd.key] = sl_den.get(qd.key, 0.0) + float(v[ok].sum())
            series = pd.Series(req.agents_on_duty, index=qd.grid.tz_convert("UTC"))
            prev = on_duty_series.get(name)
            on_duty_series[name] = series if prev is None else prev.add(series, fill_value=0.0)
    results = []
    for prov in scen.providers:
        if prov.name not in work:
            continue
        ws = tuple(work[prov.name])
        peak = float(on_duty_series[prov.name].max())
        if prov.kind == "inhouse":
            items = inhouse_cost(prov.cost, ws, peak, prov.contract_hours_per_week)
            pricing = "salary" if prov.cost.annual_salary is not None else "hourly wage"
        else:
            price = prov.price
            if pf != 1.0:
                price = price.model_copy(
                    update={
                        "price": price.price * pf,
                        "baseline_fee": price.baseline_fee * pf,
                        "rate_above": price.rate_above * pf,
                        "rate_below": price.rate_below * pf,
                    }
                )
            items = vendor_cost(price, ws, prov.contract_hours_per_week)
            pricing = price.model
        run = sum(i.value for i in items)
        one_off = prov.transition_cost + prov.exit_cost
        results.append(
            ProviderResult(
                provider=prov.name,
                kind=prov.kind,
                pricing=pricing,
                work=ws,
                items=tuple(items),
                fte=fte(sum(w.paid_hours for w in ws), prov.contract_hours_per_week),
                peak_on_duty=peak,
                transition=one_off,
                tco=tco(run, settings.years, settings.inflation, one_off),
            )
        )
    sl = {k: sl_num[k] / sl_den[k] for k in sorted(sl_num) if sl_den[k] > 0}
    return ScenarioResult(
        scenario.name,
        scenario.description,
        tuple(results),
        contacts_total * per_year,
        settings.years,
        sl,
    )


def per_month(per_year: float) -> float:
    """EUR per month from EUR per year (month = 52/12 weeks)."""
    return per_year / MONTHS_PER_YEAR
