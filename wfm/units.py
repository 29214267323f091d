"""Parsing of the human forms planners type: durations and service-level targets.

Durations: ``20s``, ``30m``, ``8h``, ``1d``, ``1h30m``, or a bare number of
seconds.  Targets: ``80/20s`` (80 % answered within 20 s) or ``0.8/20``.
Everything is returned in seconds and fractions.
"""

from __future__ import annotations

import math
import re

_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(min|s|m|h|d)")


def parse_duration(text: str | float | int, *, name: str = "duration") -> float:
    """Seconds from ``20s``/``30m``/``8h``/``1d``/``1h30m`` or a number of seconds.

    Raises ValueError with the expected forms on anything else (negative,
    NaN or infinite values included).
    """
    if isinstance(text, bool):
        raise ValueError(f"{name}: expected a duration like 20s, 30m, 8h, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        s = str(text).strip().lower().replace(",", ".")
        try:
            value = float(s)
        except ValueError:
            pos, value = 0, 0.0
            for match in _PART.finditer(s):
                if match.start() != pos or s[pos : match.start()].strip():
                    break
                value += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
                pos = match.end()
            if pos != len(s) or pos == 0:
                raise ValueError(
                    f"{name}: expected a duration like 20s, 30m, 8h, 1d or seconds, got {text!r}"
                ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name}: must be a finite, non-negative duration, got {text!r}")
    return value


def parse_target(text: str) -> tuple[float, float]:
    """``80/20s`` -> (0.8, 20.0): service-level fraction and target time in seconds.

    The level may be a percentage (``80``) or a fraction (``0.8``); it must lie
    strictly between 0 and 100 % (100 % cannot be met by any finite staffing).
    """
    parts = str(text).split("/")
    if len(parts) != 2:
        raise ValueError(f"target: expected LEVEL/TIME like 80/20s, got {text!r}")
    try:
        level = float(parts[0].strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise ValueError(f"target: level must be a number like 80, got {parts[0]!r}") from None
    if level > 1.0:
        level /= 100.0
    if not 0.0 < level < 1.0:
        raise ValueError(
            f"target: service level must be above 0 and below 100 %, got {parts[0].strip()!r}"
        )
    seconds = parse_duration(parts[1], name="target time")
    return level, seconds


WEEKS_PER_YEAR = 52.0
"""The planning year: 52 weeks (364 days).  Every annual figure is a weekly one times
this constant (hours, contacts, FTE-years); a month is ``WEEKS_PER_YEAR / 12`` weeks."""


def fte(paid_hours: float, contract_hours_per_week: float, weeks: float = 1.0) -> float:
    """Full-time equivalents: paid hours / (contract hours per week * weeks).

    The one FTE definition of the package: ``paid_hours`` worked over ``weeks`` weeks
    (1 for a week's plan, :data:`WEEKS_PER_YEAR` for hours per year) by agents of
    ``contract_hours_per_week`` paid hours a week (the center's
    ``contract_hours_per_week``).
    """
    if contract_hours_per_week <= 0 or weeks <= 0:
        raise ValueError("contract hours per week and weeks must be above 0")
    return paid_hours / (contract_hours_per_week * weeks)
