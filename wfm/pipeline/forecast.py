"""``wfm forecast``'s step: read history, events and holidays; backtest; summarise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.forecast.pipeline import Backtest, Prepared, backtest, prepare


def forecast_inputs(
    path: Path,
    config: Path | None,
    timezone: str | None,
    country: str | None,
    preset: str | None,
    columns: str | None,
    events_path: Path | None,
) -> tuple[tuple[Prepared, pd.DataFrame | None], list[str]]:
    """Read history, events and holidays; returns ``((prepared, events), warnings)``.

    Holidays: with a ``config``, the center's (``[center] country``); ``country`` may
    repeat it but not differ.  Without one, ``country`` (``DE``, ``DE-BY``; ``"none"``:
    none), ``None`` the country of the history's timezone (none when that was guessed
    from the file's UTC offsets).
    User mistakes raise :class:`wfm.errors.WfmInputError`.
    """
    from wfm.config import load_center
    from wfm.io.events import country_for_timezone, public_holidays, read_events
    from wfm.io.history import parse_column_mapping, read_history

    center = load_center(config) if config else None
    mapping = parse_column_mapping(columns) if columns else None
    hist = read_history(path, center=center, timezone=timezone, preset=preset, columns=mapping)
    tz = hist.timezone
    keys = sorted(set(hist.frame["channel"] + ":" + hist.frame["language"]))
    ev = read_events(events_path, tz, queues=keys) if events_path else None
    years = history_years(hist.frame["interval_start"])
    if center is not None:  # the center's holidays, the ones schedule and scenarios use
        check_country_option(country, center, config)
        days = center.holiday_dates(years)
    else:
        if country is None:  # a zone guessed from UTC offsets names no country
            country = None if hist.timezone_guessed else country_for_timezone(tz)
        elif country.lower() == "none":
            country = None
        days = public_holidays(country, years)
    prepared = prepare(hist.frame, hist.interval, tz, holidays=days, events=ev)
    warnings = list(hist.warnings)
    if center is not None:  # a queue fed by escalations has volume without history
        from wfm.staffing.flows import escalation_targets

        fed = escalation_targets(center, set(prepared.queues))
        absent = [q.key for q in center.queues if q.key not in set(prepared.queues) | fed]
        if absent:
            warnings.append(f"no history for {', '.join(absent)}: not forecast")
    return (prepared, ev), warnings


def check_country_option(country: str | None, center: Any, config: Path) -> None:
    """``--country`` beside a config must name the center's holidays (one source)."""
    if country is None:
        return
    given = "none" if country.strip().lower() == "none" else country.strip().upper()
    mine = center.holiday_country or "none"
    if given != mine:
        from wfm.errors import WfmInputError

        raise WfmInputError(
            f"center.country: --country {country} differs from the config's public holidays "
            f"({mine}); one holiday source for forecast, schedule and scenarios: drop "
            f'--country or set country = "{given}" in [center]',
            file=str(config),
        )


def history_years(starts: pd.Series) -> list[int]:
    """The years whose holidays a forecast from ``starts`` may meet (one before, two after)."""
    first, last = int(starts.dt.year.min()), int(starts.dt.year.max())
    return list(range(first - 1, last + 3))


def run_backtest(
    prepared: Prepared,
    origins: int,
    methods: list[str] | None = None,
    workers: int = 1,
    cluster: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Backtest:
    """The rolling-origin backtest; queues fan out on ``workers`` local Dask processes or
    the Dask scheduler at ``cluster``; ``progress(queue)`` after each queue."""
    return backtest(prepared, origins=origins, methods=methods, progress=progress,
                    workers=workers, cluster=cluster)


def forecast_summary(frame: pd.DataFrame, result: Backtest) -> list[dict[str, Any]]:
    """Per queue of a forecast: method, contacts per day, AHT (s), backtest WAPE."""
    rows = []
    table = result.table
    for (channel, language), g in frame.groupby(["channel", "language"], sort=False):
        key = f"{channel}:{language}"
        days = g["interval_start"].dt.tz_localize(None).dt.normalize().nunique()
        day_label, week_label = g["model"].iloc[0], g["model"].iloc[-1]
        score = {}
        for h, label in (("day", day_label), ("week", week_label)):
            pick = (
                table[(table["queue"] == key) & (table["method"] == label.split("(")[0])]
                if not table.empty
                else table
            )
            score[h] = float(pick[f"wape_{h}"].iloc[0]) if len(pick) else None
        vol = g["volume"].sum()
        method = day_label if day_label == week_label else f"day {day_label}, then {week_label}"
        rows.append(
            {
                "queue": key,
                "method": method,
                "contacts_per_day": float(vol / days),
                "aht_s": float((g["volume"] * g["aht_s"]).sum() / vol) if vol > 0 else 0.0,
                "wape_day": score["day"],
                "wape_week": score["week"],
            }
        )
    return rows
