"""Scenario knobs on demand: deflection to self-service, and callbacks (virtual hold).

Deflection: self-service, chatbot or community takes a share of a queue's contacts.

The scenario knob ``[[scenario.deflection]]`` (``queues``, ``share`` d,
``aht`` of the deflected kind AHT_d, ``returns`` g) changes each matching
queue's forecast before routing and staffing (shared/reference/
channel-models.md section 8.2):

    contacts left      V' = V (1 - d) + V d g
    workload left      W' = V AHT - V d (1 - g) AHT_d
    AHT left           AHT' = W' / V'

With g = 0 this is the reference's residual AHT (AHT - d AHT_d) / (1 - d):
the bot takes the simple contacts, so the contacts left are longer and the
workload falls by less than the volume.  Without ``aht`` (AHT_d = AHT) only
the volume falls.  Several rules matching one queue apply one after another.
The scenario's contacts (and its cost per contact) still count the
deflected contacts: they are demand, served by self-service.
Callbacks: ``[[scenario.callback]]`` (``queues`` plus the keys of a queue's
``callback`` table) sets virtual hold on matching live queues for that scenario
(:func:`wfm.staffing.requirements.callback_requirement`); ``accept_share = 0``
turns a center file's callbacks off.
Pure functions; no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from wfm.config.scenario import Deflection, ScenarioFile, queue_matches
from wfm.errors import WfmInputError


def deflect(
    volume: np.ndarray, aht: np.ndarray, rule: Deflection
) -> tuple[np.ndarray, np.ndarray]:
    """Contacts per interval and their AHT (seconds) left for agents after ``rule``.

    Raises ``ValueError`` where the deflected contacts would take more work
    than the queue has (d (1 - g) AHT_d >= AHT).
    """
    volume = np.asarray(volume, dtype=float)
    aht = np.asarray(aht, dtype=float)
    d, g = rule.share, rule.returns
    aht_d = aht if rule.aht is None else np.full(aht.shape, rule.aht)
    left = volume * (1.0 - d + d * g)
    work = volume * (aht - d * (1.0 - g) * aht_d)
    bad = (volume > 0) & (work <= 0) & (left > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"share x aht of the deflected contacts ({d:g} x {aht_d[i]:g} s) leaves no work "
            f"of the queue's AHT {aht[i]:g} s"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        new_aht = np.where(left > 0, work / left, aht)
    return left, new_aht


def apply_deflection(scen: ScenarioFile, index: int, ctx: Any) -> Any:
    """``ctx`` (a :class:`wfm.scenario.compare.CompareContext`) with scenario
    ``index``'s deflection applied to its queues' volume and AHT.

    Raises :class:`WfmInputError` naming ``scenario[i] (name).deflection[j]``.
    """
    scenario = scen.scenarios[index]
    if not scenario.deflection:
        return ctx
    keys = [qd.key for qd in ctx.queues]
    queues = []
    for qd in ctx.queues:
        volume, aht = qd.volume, qd.aht
        for j, rule in enumerate(scenario.deflection):
            where = f"scenario[{index + 1}] ({scenario.name}).deflection[{j + 1}]"
            if not any(queue_matches(rule.queues, k) for k in keys):
                raise WfmInputError(
                    f"{where}.queues: matches no queue of the forecast; known: {', '.join(keys)}",
                    file=scen.path,
                )
            if queue_matches(rule.queues, qd.key):
                try:
                    volume, aht = deflect(volume, aht, rule)
                except ValueError as exc:
                    raise WfmInputError(f"{where}.aht: {qd.key}: {exc}", file=scen.path) from None
        queues.append(replace(qd, volume=volume, aht=aht, forecast_volume=qd.volume))
    return replace(ctx, queues=tuple(queues))


def apply_callbacks(scen: ScenarioFile, index: int, ctx: Any) -> Any:
    """``ctx`` with scenario ``index``'s callback rules set on its center's queues.

    Raises :class:`WfmInputError` naming ``scenario[i] (name).callback[j]``.
    """
    scenario = scen.scenarios[index]
    if not scenario.callback:
        return ctx
    center = ctx.center
    queues = list(center.queues)
    for j, rule in enumerate(scenario.callback):
        where = f"scenario[{index + 1}] ({scenario.name}).callback[{j + 1}].queues"
        hits = [i for i, q in enumerate(queues) if queue_matches(rule.queues, q.key)]
        if not hits:
            known = ", ".join(q.key for q in queues)
            raise WfmInputError(f"{where}: matches no queue; known: {known}", file=scen.path)
        for i in hits:
            if queues[i].model not in ("erlang_c", "erlang_a"):
                raise WfmInputError(
                    f"{where}: {queues[i].key} is {queues[i].model}; callbacks need a live "
                    "queue (erlang_c, erlang_a); narrow the patterns",
                    file=scen.path,
                )
            queues[i] = queues[i].model_copy(update={"callback": rule.callback})
    return replace(ctx, center=center.model_copy(update={"queues": tuple(queues)}))
