"""The report's tables, computed from the plan's files (pure: frames in, frames out).

Times are local to the center (tz-aware in, ``YYYY-MM-DD HH:MM`` text out for Excel).
Agent counts are persons, hours are agent-hours, money is EUR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HISTORY_DAYS = 21  # days of history shown before the forecast


def _local(series: pd.Series, tz) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_convert(tz)


def _text(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m-%d %H:%M")


def _queue(frame: pd.DataFrame) -> pd.Series:
    return frame["channel"] + ":" + frame["language"]


def forecast_data(history: pd.DataFrame, forecast: pd.DataFrame, tz) -> pd.DataFrame:
    """Last :data:`HISTORY_DAYS` days of history and the forecast with its 80 % band.

    Columns ``queue, interval_start, kind`` (history/forecast), ``volume, volume_lo80,
    volume_hi80`` (contacts per interval; the band is empty on history rows).
    """
    fc = forecast.assign(interval_start=_local(forecast["interval_start"], tz))
    hist = history.assign(interval_start=_local(history["interval_start"], tz))
    first = fc["interval_start"].min()
    hist = hist[(hist["interval_start"] < first)
                & (hist["interval_start"] >= first - pd.Timedelta(days=HISTORY_DAYS))]
    parts = [
        pd.DataFrame({"queue": _queue(hist), "interval_start": hist["interval_start"],
                      "kind": "history", "volume": hist["volume"],
                      "volume_lo80": np.nan, "volume_hi80": np.nan}),
        pd.DataFrame({"queue": _queue(fc), "interval_start": fc["interval_start"],
                      "kind": "forecast", "volume": fc["volume"],
                      "volume_lo80": fc.get("volume_lo80", np.nan),
                      "volume_hi80": fc.get("volume_hi80", np.nan)}),
    ]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)


def forecast_summary(data: pd.DataFrame) -> pd.DataFrame:
    """Per queue: contacts in the last history week, in the forecast, change per week."""
    rows = []
    for queue, g in data.groupby("queue", sort=True):
        hist, fc = g[g["kind"] == "history"], g[g["kind"] == "forecast"]
        last = hist[hist["interval_start"] >= hist["interval_start"].max() - pd.Timedelta(days=7)]
        days = fc["interval_start"].dt.normalize().nunique()
        fc_week = fc["volume"].sum() * 7 / days if days else 0.0
        hist_week = float(last["volume"].sum())
        rows.append({"queue": queue, "history_last_7d_contacts": round(hist_week, 1),
                     "forecast_contacts": round(float(fc["volume"].sum()), 1),
                     "forecast_days": days,
                     "change_per_week_pct": round(100 * (fc_week / hist_week - 1), 1)
                     if hist_week > 0 else None})
    return pd.DataFrame(rows)


def coverage_data(coverage: pd.DataFrame, tz) -> pd.DataFrame:
    """Required against scheduled agents per interval and queue (persons)."""
    return pd.DataFrame({
        "queue": _queue(coverage),
        "interval_start": _local(coverage["interval_start"], tz),
        "agents_required": coverage["agents_required"],
        "agents_scheduled": coverage["agents_scheduled"],
        "shortfall": coverage["shortfall"],
    })


def coverage_summary(data: pd.DataFrame, interval: float) -> pd.DataFrame:
    """Per queue: required, scheduled and short agent-hours, intervals short."""
    h = interval / 3600.0
    g = data.groupby("queue", sort=True)
    return pd.DataFrame({
        "required_agent_h": g["agents_required"].sum() * h,
        "scheduled_agent_h": g["agents_scheduled"].sum() * h,
        "shortfall_agent_h": g["shortfall"].sum() * h,
        "intervals_short": g["shortfall"].apply(lambda s: int((s > 0).sum())),
    }).round(1).reset_index()


def service_data(requirements: pd.DataFrame, tz) -> pd.DataFrame:
    """Service level per interval and queue *at the required staffing* (requirements.csv)."""
    return pd.DataFrame({
        "queue": _queue(requirements),
        "interval_start": _local(requirements["interval_start"], tz),
        "volume": requirements["volume"],
        "agents_required": requirements["agents_required"],
        "service_level": requirements.get("service_level", np.nan),
    })


def service_summary(data: pd.DataFrame) -> pd.DataFrame:
    """Per queue: lowest and volume-weighted service level (0..1) at required staffing."""
    rows = []
    for queue, g in data.groupby("queue", sort=True):
        ok = g["service_level"].notna() & (g["volume"] > 0)
        sl, vol = g.loc[ok, "service_level"], g.loc[ok, "volume"]
        rows.append({"queue": queue, "intervals_with_contacts": int(ok.sum()),
                     "min_service_level": round(float(sl.min()), 4) if ok.any() else None,
                     "weighted_service_level": round(float((sl * vol).sum() / vol.sum()), 4)
                     if ok.any() else None})
    return pd.DataFrame(rows)


def simulation_data(simulation: pd.DataFrame, tz) -> pd.DataFrame:
    """Simulated service level per interval and queue (``wfm simulate``'s CSV), 0..1.

    ``misses_target``: the whole 95 % interval of the simulated service level lies below
    the queue's target; queues without a service-level target have ``target_sl`` empty.
    """
    sim = simulation
    return pd.DataFrame({
        "queue": _queue(sim),
        "interval_start": _local(sim["interval_start"], tz),
        "offered": sim["offered"],
        "service_level_sim": sim["service_level_sim"],
        "service_level_ci95": sim["service_level_ci95"],
        "service_level_erlang_plan": sim.get("service_level_erlang_plan", np.nan),
        "target_sl": sim["target_sl"],
        "misses_target": sim["misses_target"].astype(str).str.lower().eq("true"),
    })


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    ok = values.notna() & (weights > 0)
    if not ok.any():
        return None
    return round(float((values[ok] * weights[ok]).sum() / weights[ok].sum()), 4)


def simulation_summary(data: pd.DataFrame) -> pd.DataFrame:
    """Per queue: offered contacts, offered-weighted simulated and Erlang (at the plan's
    agents) service level, the target and the intervals whose simulation misses it."""
    rows = []
    for queue, g in data.groupby("queue", sort=True):
        target = g["target_sl"].dropna()
        rows.append({
            "queue": queue, "offered_contacts": round(float(g["offered"].sum()), 1),
            "service_level_sim": _weighted(g["service_level_sim"], g["offered"]),
            "service_level_erlang_plan": _weighted(g["service_level_erlang_plan"],
                                                   g["offered"]),
            "target_sl": float(target.iloc[0]) if len(target) else None,
            "intervals_missed": int(g["misses_target"].sum()),
            "intervals_with_contacts": int((g["offered"] > 0).sum()),
        })
    return pd.DataFrame(rows)


def shifts_per_day(shifts: pd.DataFrame) -> pd.DataFrame:
    """Agents on shift per day (rows) and group (columns), plus a total."""
    if shifts.empty:
        return pd.DataFrame({"day": [], "total": []})
    table = shifts.pivot_table(index="day", columns="group", values="agents", aggfunc="sum",
                               fill_value=0)
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    return table.reset_index().astype({"day": str})


def shifts_per_site(shifts: pd.DataFrame) -> pd.DataFrame:
    """Agents on shift per day (center date, rows) and site (columns), plus a total;
    ``shifts.csv`` of a plan with ``[[site]]`` tables (its ``site`` column)."""
    return shifts_per_day(shifts.drop(columns="group").rename(columns={"site": "group"}))


def site_costs(shifts: pd.DataFrame) -> pd.DataFrame:
    """Per site: shifts (agents), paid hours and cost of the week (``shifts.csv``'s
    ``cost``, premiums on the site's clock included), and each site's share of the cost."""
    from wfm.scenario.scheduled import shift_paid_hours

    rows = []
    for site, part in shifts.groupby("site", sort=False):
        rows.append({"site": str(site), "shifts": int(part["agents"].sum()),
                     "paid_h": float(shift_paid_hours(part)),
                     "cost": float(part["cost"].sum()) if "cost" in part else float("nan")})
    out = pd.DataFrame(rows, columns=["site", "shifts", "paid_h", "cost"])
    total = out["cost"].sum()
    out["cost_share"] = out["cost"] / total if total else 0.0
    return out


def scenario_costs(scenarios: pd.DataFrame) -> pd.DataFrame:
    """The scenario summary (EUR): run cost per month and year, per contact, TCO."""
    cols = ["scenario", "provider", "pricing", "paid_hours_per_year", "fte",
            "run_cost_per_month_eur", "run_cost_per_year_eur", "cost_per_contact_eur",
            "transition_eur", "tco_eur"]
    return scenarios[[c for c in cols if c in scenarios.columns]].copy()


def for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """Tz-aware times as local ``YYYY-MM-DD HH:MM`` text (Excel has no timezones); text
    cells and headers from user files that would start a formula get a leading ``'``
    (:func:`wfm.report.labels.safe_cell`)."""
    from wfm.report.labels import safe_cell

    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = _text(out[col])
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out
