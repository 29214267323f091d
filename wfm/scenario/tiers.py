"""Scenario knob ``[[scenario.fcr]]`` and the center's contact flows in scenarios.

Every scenario staffs the offered contacts of :mod:`wfm.staffing.flows` (the same
function as ``wfm staff``): each queue's forecast (after deflection), plus the
escalations from the queues that feed it, plus its repeat contacts.  A scenario's
``[[scenario.fcr]]`` rules (``queues`` patterns, ``fcr``) set another first-contact
resolution on matching queues; the forecast keeps the center's (the queue's
``fcr``, else ``settings.baseline_fcr``).  With every repeat returning once more
(q = 1), the contacts of a queue scale by f_base / f_new in total, which is the
vendors' :func:`wfm.scenario.cost.repeat_factor`; the flows also move the repeats
in time (``repeat_delay``) and pass them on to the expert queue (``escalate``).

The scenario's contacts (and its cost per contact) count the forecast's contacts;
``handled`` contacts count the escalations and repeats.  Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from wfm.config import CenterConfig
from wfm.config.scenario import ScenarioFile, queue_matches
from wfm.errors import WfmInputError
from wfm.staffing.flows import apply_flows, has_flows


def fcr_overrides(scen: ScenarioFile, index: int, center: CenterConfig
                  ) -> tuple[CenterConfig, dict[str, float]]:
    """The center with a baseline FCR on every queue a rule names (its own ``fcr``, else
    ``settings.baseline_fcr``), and the scenario's FCR per queue key.

    Raises :class:`WfmInputError` naming ``scenario[i] (name).fcr[j]``.
    """
    scenario = scen.scenarios[index]
    queues = list(center.queues)
    out: dict[str, float] = {}
    for j, rule in enumerate(scenario.fcr):
        where = f"scenario[{index + 1}] ({scenario.name}).fcr[{j + 1}]"
        hits = [i for i, q in enumerate(queues) if queue_matches(rule.queues, q.key)]
        if not hits:
            known = ", ".join(q.key for q in queues)
            raise WfmInputError(f"{where}.queues: matches no queue; known: {known}",
                                file=scen.path)
        for i in hits:
            if queues[i].fcr is None:
                if scen.settings.baseline_fcr is None:
                    raise WfmInputError(
                        f"{where}.queues: {queues[i].key} has no fcr: set fcr on the queue in "
                        "the center file (or settings.baseline_fcr), the FCR behind the forecast",
                        file=scen.path,
                    )
                queues[i] = queues[i].model_copy(update={"fcr": scen.settings.baseline_fcr})
            out[queues[i].key] = rule.fcr
    return center.model_copy(update={"queues": tuple(queues)}), out


def apply_tiers(scen: ScenarioFile, index: int, ctx: Any) -> Any:
    """``ctx`` (a :class:`wfm.scenario.compare.CompareContext`) with the center's flows and
    scenario ``index``'s FCR rules applied to its queues (escalation targets added)."""
    from wfm.scenario.compare import _QueueData, queue_windows

    center, fcr = fcr_overrides(scen, index, ctx.center)
    if not has_flows(center, fcr):
        return ctx
    rows, demand = [], {}
    for qd in ctx.queues:
        rows.append(pd.DataFrame({"interval_start": qd.grid, "channel": qd.key.split(":")[0],
                                  "language": qd.key.split(":")[1], "volume": qd.volume,
                                  "aht_s": qd.aht}))
        base = qd.volume if qd.forecast_volume is None else qd.forecast_volume
        demand[qd.key] = pd.Series(base, index=qd.grid)
    flowed = apply_flows(pd.concat(rows, ignore_index=True), center, fcr)
    queues, masks = [], dict(ctx.masks)
    done = set()
    for (channel, language), part in flowed.groupby(["channel", "language"], sort=True):
        key = f"{channel}:{language}"
        grid = pd.DatetimeIndex(part["interval_start"])
        queue = center.queue(key)
        known = demand.get(key, pd.Series(dtype=float)).reindex(grid).fillna(0.0)
        queues.append(_QueueData(
            key, grid, part["volume"].to_numpy(float), part["aht_s"].to_numpy(float),
            center.hours_for(queue).is_open(grid), forecast_volume=known.to_numpy(float)))
        masks[key] = queue_windows(scen, center, grid)
        done.add(key)
    queues += [qd for qd in ctx.queues if qd.key not in done]
    queues.sort(key=lambda q: q.key)
    return replace(ctx, queues=tuple(queues), masks=masks)

