"""What every command shares: the console, user-error handling, option parsers, formats."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import typer
from rich.console import Console

from wfm.errors import WfmInputError
from wfm.units import parse_duration

console = Console(highlight=False)
T = TypeVar("T")


def run(action: Callable[[], T]) -> T:
    """Run ``action``; user mistakes become one line on stderr and exit code 2."""
    try:
        return action()
    except WfmInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def warn(messages: list[str]) -> None:
    """Each message as a ``warning:`` line on stderr."""
    for w in messages:
        typer.echo(f"warning: {w}", err=True)


def duration(name: str) -> Callable[[str], float]:
    """A parser of option ``name``'s duration text (``30s``, ``4m``, ``1h``) to seconds."""

    def parse(text: str) -> float:
        try:
            return parse_duration(text, name=name)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parse


def positive_duration(text: str, name: str) -> float:
    """A duration in seconds that must be above 0 s."""
    value = duration(name)(text)
    if value <= 0:
        raise typer.BadParameter("must be above 0 s", param_hint=name)
    return value


def whole_days(text: str, name: str = "--horizon", example: str = "7d") -> int:
    """``7d`` -> 7; anything that is not a whole number of days is a bad parameter."""
    seconds = duration(name)(text)
    if seconds < 86400 or seconds % 86400:
        raise typer.BadParameter(f"horizon must be whole days, e.g. {example}", param_hint=name)
    if seconds > 731 * 86400:
        raise typer.BadParameter("at most two years (731d)", param_hint=name)
    return int(seconds // 86400)


def fraction(text: str, name: str | None = None) -> float:
    """``85``, ``85%`` or ``0.85`` -> 0.85; ``name`` is the option, for the message."""
    try:
        value = float(str(text).strip().rstrip("%").replace(",", "."))
    except ValueError:
        raise typer.BadParameter(f"expected a percentage like 85 or 0.85, got {text!r}",
                                 param_hint=name) from None
    if value > 1.0:
        value /= 100.0
    if not 0.0 < value <= 1.0:  # also NaN
        raise typer.BadParameter(f"expected a value above 0 and at most 100 %, got {text!r}",
                                 param_hint=name)
    return value


def relative_gap(text: str) -> float:
    """``1%`` -> 0.01, ``0.01`` -> 0.01 (a relative gap, 0 <= gap < 1)."""
    t = text.strip()
    try:
        value = float(t.rstrip("%").replace(",", ".")) / (100.0 if t.endswith("%") else 1.0)
    except ValueError:
        raise typer.BadParameter(f"expected 0.01 or 1%, got {text!r}", param_hint="--gap") from None
    if not 0.0 <= value < 1.0:
        raise typer.BadParameter("must be at least 0 and below 100 %", param_hint="--gap")
    return value


def check_solver(solver: str) -> None:
    if solver not in ("highs", "cbc"):
        raise typer.BadParameter("solver must be highs or cbc", param_hint="--solver")


def pct(value: float | None) -> str:
    """``0.853`` -> ``85.3 %``; None or NaN -> ``-``."""
    return "-" if value is None or np.isnan(value) else f"{100 * value:.1f} %"


def secs(value: float | None) -> str:
    """Seconds with one decimal; infinite -> ``∞``; None or NaN -> ``-``."""
    if value is None or np.isnan(value):
        return "-"
    return "∞" if np.isinf(value) else f"{value:.1f} s"


def status_progress(message: str) -> tuple[object, Callable[[str], None] | None]:
    """A spinner on stderr (when it is a terminal) and the callback that updates it."""
    from contextlib import nullcontext

    err = Console(stderr=True)
    if not err.is_terminal:
        return nullcontext(), None
    status = err.status(message)
    return status, status.update
