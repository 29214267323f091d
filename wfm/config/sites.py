"""Sites: agent groups in other places, with their own timezone, holidays and premiums.

A center file may list ``[[site]]`` tables beside ``[center]``::

    [[site]]
    name = "Manila"
    timezone = "Asia/Manila"       # required, IANA name
    country = "PH"                 # public holidays (default: the timezone's country;
                                   # "none": no holidays)
    holidays = ["2026-12-24"]      # extra site holidays (ISO dates)
    [site.premiums]                # keys given here replace the center's [center.premiums]
    night_hours = "22:00-06:00"

and a ``[[group]]`` names its site with ``site = "Manila"`` (no ``site``: the group
works at the center, in the center's timezone, with the center's holidays and premiums).
A group's rate stays its own (money per paid hour, the group's ``rate``).

Errors name the TOML key (``site[2] (Manila).timezone``, ``group[3] (PH_EN).site``).
See docs/concepts/sites.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError, field_validator

from wfm.config.center import (
    Calendar,
    Premiums,
    describe_validation_error,
)


class SiteConfig(Calendar):
    """One site: ``name``, ``timezone`` (IANA), ``country`` (holidays; None: the
    timezone's country, ``none``: no holidays), extra ``holidays`` and ``premiums``
    (the center's table with the site's keys replacing the center's ones, filled in by
    :func:`sites_from_dict`; None only before that)."""

    name: str
    timezone: str
    country: str | None = None
    holidays: tuple[dt.date, ...] = ()
    premiums: Premiums | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must be a non-empty name")
        return v


def _label(rows: list[Any], i: int, table: str) -> str:
    row = rows[i] if i < len(rows) and isinstance(rows[i], Mapping) else {}
    return f"{table}[{i + 1}] ({row.get('name', '?')})"


def sites_from_dict(data: Mapping[str, Any], center_premiums: Premiums) -> tuple[SiteConfig, ...]:
    """The ``[[site]]`` tables of a parsed center TOML, checked, with their premium
    tables merged over ``center_premiums``; every ``[[group]]``'s ``site`` must name one.

    Raises ``ValueError`` whose message starts with the TOML key.
    """
    rows = data.get("site", [])
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("site: expected [[site]] tables")
    sites: list[SiteConfig] = []
    base = center_premiums.model_dump()
    for i, row in enumerate(rows):
        row = dict(row)
        own = row.pop("premiums", None)
        if own is not None and not isinstance(own, Mapping):
            raise ValueError(f"{_label(rows, i, 'site')}.premiums: expected a table")
        try:
            premiums = Premiums(**{**base, **(own or {})})
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [f"{_label(rows, i, 'site')}.premiums", *err.get("loc", ())]
            raise ValueError(describe_validation_error(loc, err)) from None
        try:
            sites.append(SiteConfig(**row, premiums=premiums))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = [_label(rows, i, "site"), *err.get("loc", ())]
            raise ValueError(describe_validation_error(loc, err)) from None
        if sites[-1].name in {s.name for s in sites[:-1]}:
            raise ValueError(f"{_label(rows, i, 'site')}.name: site {sites[-1].name!r} "
                             "is defined twice")
    known = {s.name for s in sites}
    groups = data.get("group", [])
    for i, g in enumerate(groups if isinstance(groups, list) else []):
        name = g.get("site") if isinstance(g, Mapping) else None
        if name is not None and name not in known:
            hint = f"known sites: {', '.join(sorted(known))}" if known else "no [[site]] is defined"
            raise ValueError(f"{_label(groups, i, 'group')}.site: no [[site]] named "
                             f"{name!r}; {hint}")
    return tuple(sites)


__all__ = ["SiteConfig", "sites_from_dict"]
