"""The optional steps of ``wfm plan``: ``--capacity`` (``wfm capacity``), ``--scorecard``
(``wfm scenario compare --scorecard``, costs from the plan's scenarios) and ``--pilot``
(``wfm scenario pilot`` on the plan's forecast).  Each writes its CSV into the staging
directory; the report picks them up (:data:`wfm.report.extras.EXTRA_FILES`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.errors import WfmInputError
from wfm.report.extras import (
    CAPACITY_FILE,
    PILOT_CRITERIA_FILE,
    PILOT_FILE,
    SCORECARD_FILE,
    SCORECARD_FLIPS_FILE,
)

EXTRA_STEPS = ("scorecard", "pilot", "capacity")
EXTRA_FILES = (CAPACITY_FILE, SCORECARD_FILE, SCORECARD_FLIPS_FILE, PILOT_FILE,
               PILOT_CRITERIA_FILE)


def check_extras(opts: Any, center: Any) -> None:
    """Load and check the capacity, scorecard and pilot files (before the forecast)."""
    if opts.capacity is not None:
        from wfm.config.capacity import load_capacity

        load_capacity(opts.capacity)
    if opts.scorecard is not None:
        if opts.scenarios is None:
            raise WfmInputError("--scorecard needs --scenarios: the cost criterion comes "
                                "from the scenario comparison", file=str(opts.scorecard))
        from wfm.pipeline.scorecard import load_checked

        load_checked(opts.scorecard, opts.scenarios)
    if opts.pilot is not None:
        from wfm.config.pilot import check_horizon, check_names, load_pilot
        from wfm.config.scenario import load_scenarios

        pf = load_pilot(opts.pilot)
        scen = load_scenarios(pf.scenario_path, center)
        check_names(pf, {p.name: p for p in scen.providers}, [s.name for s in scen.scenarios])
        check_horizon(pf, scen.settings.years)


def run_extras(opts: Any, stage: Path, scenario_rows: pd.DataFrame | None,
               progress: Callable[[str, str], None], done: Callable[[str], None]) -> list[str]:
    """Run the optional steps that ``opts`` asks for; returns their warnings."""
    from wfm.io.atomic import write_csv

    if opts.scorecard is not None and scenario_rows is not None:
        from wfm.pipeline.scorecard import load_checked, rank_scorecard

        progress("scorecard", "")
        ranking = rank_scorecard(load_checked(opts.scorecard, opts.scenarios),
                                 scenario_rows.to_dict("records"))
        card, flips = scorecard_frames(ranking)
        write_csv(stage / SCORECARD_FILE, card)
        write_csv(stage / SCORECARD_FLIPS_FILE, flips)
        done("scorecard")
    if opts.pilot is not None:
        from wfm.pipeline.pilot import plan_pilot

        progress("pilot", "")
        run = plan_pilot(opts.pilot, stage / "forecast.csv", opts.config, stage / PILOT_FILE)
        write_csv(stage / PILOT_CRITERIA_FILE, pilot_criteria(run))
        done("pilot")
    if opts.capacity is not None:
        from wfm.pipeline.capacity import capacity_file

        progress("capacity", "")
        capacity_file(opts.capacity, stage / CAPACITY_FILE, opts.history, opts.config)
        done("capacity")
    return []


def scorecard_frames(r: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A :class:`wfm.scenario.scorecard.Ranking` as two tables: per option (rank, score
    0..1, each criterion's value and its normalised score ``<criterion>_score``), and
    the weights with the flips (``flip_weight``: the weight at which ``challenger`` ties
    the winner; smallest ``|delta|`` first, criteria without a flip last)."""
    rows = []
    for rank_no, i in enumerate(r.order, 1):
        row: dict[str, Any] = {"rank": rank_no, "option": r.names[i],
                               "score": float(r.scores[i])}
        row.update({c: float(r.raw[i, j]) for j, c in enumerate(r.criteria)})
        row.update({f"{c}_score": float(r.norm[i, j]) for j, c in enumerate(r.criteria)})
        rows.append(row)
    weight = dict(zip(r.criteria, map(float, r.weights), strict=True))
    flips = [{"criterion": f.criterion, "weight": weight[f.criterion],
              "flip_weight": f.weight, "delta": f.delta, "share": f.share,
              "challenger": f.challenger}
             for f in sorted(r.flips, key=lambda f: abs(f.delta))]
    flipped = {f["criterion"] for f in flips}
    flips += [{"criterion": c, "weight": w, "flip_weight": math.nan, "delta": math.nan,
               "share": math.nan, "challenger": ""}
              for c, w in weight.items() if c not in flipped]
    return pd.DataFrame(rows), pd.DataFrame(flips)


CRITERIA = (("service_level", "at least"), ("fcr", "at least"), ("cost_per_contact", "at most"))


def pilot_criteria(run: Any) -> pd.DataFrame:
    """The pilot's success criteria with the model's expected values; ``meets`` is False
    when the model has no value (NaN)."""
    p, s = run.pilot.pilot, run.pilot.success
    rows = []
    for name, bound in CRITERIA:
        target = getattr(s, name)
        if target is None:
            continue
        value = float(run.expected[name])
        meets = (value >= target if bound == "at least" else value <= target) \
            if not math.isnan(value) else False
        rows.append({"pilot": p.name, "weeks": p.weeks, "criterion": name, "bound": bound,
                     "target": float(target), "expected": value, "meets": bool(meets)})
    return pd.DataFrame(rows, columns=["pilot", "weeks", "criterion", "bound", "target",
                                       "expected", "meets"])
