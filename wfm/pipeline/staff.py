"""``wfm staff``'s step: forecast CSV to requirements CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def staff_file(forecast: Path, config: Path,
               output: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Read the center file and the forecast, staff every interval x queue, write the
    requirements CSV atomically; returns the per-queue summary and the warnings."""
    from wfm.config import load_center
    from wfm.io.atomic import write_csv
    from wfm.io.forecast import read_forecast
    from wfm.staffing import format_requirements, staff_forecast
    from wfm.staffing.summary import summarize_requirements

    center = load_center(config)
    fc = read_forecast(forecast, center)
    table, warnings = staff_forecast(fc.frame, center)
    write_csv(output, format_requirements(table))
    return summarize_requirements(table, center), [*fc.warnings, *warnings]
