"""Sensitivity of the scenario costs: volume, AHT and vendor prices ±10 %.

Each case is one full :func:`wfm.scenario.compare.compare` run with a scaled input;
the six cases are independent tasks for :func:`wfm.parallel.map_tasks` (in this
process, on local Dask processes or on a running Dask scheduler; same rows).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from wfm.config import CenterConfig
from wfm.config.scenario import ScenarioFile

CASES: tuple[tuple[str, dict[str, float]], ...] = (
    ("volume -10%", {"volume_factor": 0.9}),
    ("volume +10%", {"volume_factor": 1.1}),
    ("AHT -10%", {"aht_factor": 0.9}),
    ("AHT +10%", {"aht_factor": 1.1}),
    ("vendor price -10%", {"price_factor": 0.9}),
    ("vendor price +10%", {"price_factor": 1.1}),
)


def sensitivity_case(
    case: tuple[str, dict[str, float]],
    *,
    scen: ScenarioFile,
    center: CenterConfig,
    frame: pd.DataFrame,
    overhead: dict[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Rows ``case, scenario, run_cost_per_year_eur, tco_eur`` (EUR) of one case;
    ``overhead``: scheduled / required hours per queue for in-house work (``--schedule``)."""
    from wfm.scenario.compare import compare

    label, factors = case
    return [
        {
            "case": label,
            "scenario": r.name,
            "run_cost_per_year_eur": round(r.run_per_year, 2),
            "tco_eur": round(r.tco, 2),
        }
        for r in compare(scen, center, frame, overhead=overhead, **factors)
    ]


def sensitivity(
    scen: ScenarioFile,
    center: CenterConfig,
    frame: pd.DataFrame,
    *,
    overhead: dict[str, float] | None = None,
    workers: int = 1,
    cluster: str | None = None,
) -> list[dict[str, Any]]:
    """The rows of every case of :data:`CASES`, case by case in that order."""
    from wfm.parallel import map_tasks

    run = partial(sensitivity_case, scen=scen, center=center, frame=frame, overhead=overhead)
    per_case = map_tasks(run, CASES, workers=workers, cluster=cluster, chunk_size=1)
    return [row for rows in per_case for row in rows]
