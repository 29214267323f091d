"""``wfm scenario pilot`` and ``pilot-check``: plan a pilot on the scenario engine, check
its actuals against the success criteria."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PilotRun:
    """The pilot's window rows, the model's expected vendor values, the pilot file."""

    pilot: Any
    rows: list[dict[str, Any]]
    expected: dict[str, float]
    written: list[str] = field(default_factory=list)


def plan_pilot(pilot_path: Path, forecast: Path, config: Path,
               output: Path | None) -> PilotRun:
    """Baseline and pilot scenario on the forecast; figures for the pilot's weeks."""
    import re

    import pandas as pd

    from wfm.config import load_center
    from wfm.config.pilot import check_horizon, check_names, load_pilot
    from wfm.config.scenario import check_against_center, load_scenarios
    from wfm.errors import WfmInputError
    from wfm.io.atomic import write_csv
    from wfm.io.forecast import read_forecast
    from wfm.scenario.compare import compare
    from wfm.scenario.pilot import expected, pilot_scenario, window_rows

    pf = load_pilot(pilot_path)
    center = load_center(config)
    scen = load_scenarios(pf.scenario_path, center)
    check_names(pf, {p.name: p for p in scen.providers}, [s.name for s in scen.scenarios])
    check_horizon(pf, scen.settings.years)
    base = next(s for s in scen.scenarios if s.name == pf.pilot.baseline)
    two = scen.model_copy(update={"scenarios": (base, pilot_scenario(base, pf.pilot))})
    try:  # the vendor serves the pilot's queues
        check_against_center(two, center)
    except WfmInputError as exc:
        msg = re.sub(r"^scenario\[\d+\] \(.*\)(?:\.[\w\[\]]+)*: ", "", exc.message)
        raise WfmInputError(f"pilot.queues: {msg}", file=pf.path) from None
    fc = read_forecast(forecast, center)
    results = compare(two, center, fc.frame)
    vendor = scen.provider(pf.pilot.vendor)
    rows = window_rows(results, pf.pilot.weeks, pf.pilot.transition_cost)
    fcr = vendor.fcr if vendor.fcr is not None else scen.settings.baseline_fcr
    run = PilotRun(pf, rows, expected(results[1], pf.pilot.vendor, fcr))
    if output is not None:
        write_csv(output, pd.DataFrame(rows))
        run.written = [str(output)]
    return run


def check_pilot(actuals: Path, pilot_path: Path) -> tuple[Any, list[Any], list[str]]:
    """The pilot's actuals inside its window and queues against its success criteria;
    returns (pilot file, check rows, warnings)."""
    import numpy as np

    from wfm.config.pilot import load_pilot
    from wfm.config.scenario import queue_matches
    from wfm.errors import WfmInputError
    from wfm.io.pilot import read_actuals
    from wfm.scenario.pilot import check_actuals

    pf = load_pilot(pilot_path)
    a = read_actuals(actuals)
    p = pf.pilot
    inside = np.array([p.start <= w <= p.end for w in a.week_start])
    ours = np.array([queue_matches(p.queues, q) for q in a.queue])
    keep = inside & ours
    warnings = []
    if (~inside).any():
        warnings.append(f"{actuals}: {int((~inside).sum())} rows outside the pilot "
                        f"{p.start}..{p.end} ignored")
    if (inside & ~ours).any():
        warnings.append(f"{actuals}: {int((inside & ~ours).sum())} rows of queues outside "
                        f"the pilot ({', '.join(p.queues)}) ignored")
    if not keep.any() or a.contacts[keep].sum() <= 0:
        raise WfmInputError(f"no contacts inside the pilot {p.start}..{p.end} and queues "
                            f"{', '.join(p.queues)}", file=str(actuals))
    rows = check_actuals(a.contacts[keep], a.service_level[keep], a.fcr[keep], a.cost[keep],
                         pf.success)
    return pf, rows, warnings
