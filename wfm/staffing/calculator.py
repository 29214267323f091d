"""The single-interval staffing calculator behind ``wfm erlang``.

Given a volume per interval, a handle time and targets, it finds the minimal
agents (Erlang C, Erlang A with patience, or the chat model with concurrency)
and tabulates service around that number.  Pure: no printing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from wfm.config import DEFAULT_CHAT_AHT_FACTORS
from wfm.erlang import abandon_rate, asa, occupancy, required_agents_detail, service_level
from wfm.erlang.chat import chat_metrics, chat_required_agents
from wfm.errors import WfmInputError

# the note beside the minimal staffing: which target set it (short, one line)
_BINDING_LABEL = {
    "service_level": "required: SL",
    "asa": "required: ASA",
    "abandon_rate": "required: abandon",
    "occupancy": "required: occupancy",
}


@dataclass(frozen=True)
class CalculatorInput:
    """One interval: ``volume`` contacts per ``interval`` seconds, ``aht`` seconds.

    Targets: ``service_level`` within ``target_time`` s, ``max_asa`` s,
    ``max_abandon_rate`` and ``max_occupancy`` fractions.  ``patience`` (s)
    selects Erlang A; ``concurrency`` > 1 the chat model with ``aht_factors``
    (AHT at k chats / AHT at one chat).
    """

    volume: float
    aht: float
    interval: float = 1800.0
    service_level: float | None = 0.8
    target_time: float | None = 20.0
    patience: float | None = None
    concurrency: int = 1
    aht_factors: tuple[float, ...] | None = None
    max_asa: float | None = None
    max_abandon_rate: float | None = None
    max_occupancy: float | None = None
    basis: str = "offered"


@dataclass(frozen=True)
class CalculatorLine:
    agents: int
    service_level: float
    asa: float
    abandon_rate: float
    occupancy: float
    required: bool
    note: str


@dataclass(frozen=True)
class StaffingTable:
    title: str
    load: float
    required_agents: int
    binding: str
    lines: list[CalculatorLine]

    def as_dict(self) -> dict:
        out = asdict(self)
        for line in out["lines"]:
            for key, value in line.items():
                if isinstance(value, float) and not np.isfinite(value):
                    line[key] = None
        return out


def _check(spec: CalculatorInput) -> None:
    if spec.aht <= 0:
        raise WfmInputError("--aht must be above 0 s")
    if spec.interval <= 0:
        raise WfmInputError("--interval must be above 0")
    if spec.patience is not None and spec.patience <= 0:
        raise WfmInputError("--patience must be above 0 s")
    if spec.max_abandon_rate is not None and spec.patience is None:
        raise WfmInputError("--max-abandon needs --patience (Erlang A)")
    given = (spec.service_level, spec.max_asa, spec.max_abandon_rate, spec.max_occupancy)
    if all(v is None for v in given):
        raise WfmInputError("give a target: --target, --max-asa, --max-abandon or --max-occupancy")


def _factors(spec: CalculatorInput) -> tuple[float, ...]:
    if spec.aht_factors is not None:
        if len(spec.aht_factors) != spec.concurrency or spec.aht_factors[0] != 1.0:
            raise WfmInputError(
                f"--aht-factors needs {spec.concurrency} values starting with 1 (one per chat)"
            )
        return spec.aht_factors
    if spec.concurrency > len(DEFAULT_CHAT_AHT_FACTORS):
        raise WfmInputError("--aht-factors is needed for a concurrency above 5")
    return DEFAULT_CHAT_AHT_FACTORS[: spec.concurrency]


def staffing_table(spec: CalculatorInput, rows: int = 4) -> StaffingTable:
    """Minimal agents for ``spec`` and the metrics from ``rows`` below to ``rows`` above."""
    _check(spec)
    load = spec.volume * spec.aht / spec.interval
    rate = spec.volume / spec.interval
    targets = dict(
        service_level=spec.service_level,
        target_time=spec.target_time,
        max_asa=spec.max_asa,
        max_abandon_rate=spec.max_abandon_rate,
        max_occupancy=spec.max_occupancy,
        patience=spec.patience,
        basis=spec.basis,
    )
    t = spec.target_time if spec.target_time is not None else 0.0
    if spec.concurrency > 1:
        factors = _factors(spec)
        aht_list = [f * spec.aht for f in factors]
        req = chat_required_agents(rate, aht_list, **targets)
        shown = ", ".join(f"{a:.0f}" for a in aht_list)
        model = f"chat, up to {spec.concurrency} at once (AHT {shown} s)"
    else:
        req = required_agents_detail(load, spec.aht, **targets)
        model = "Erlang A" if spec.patience is not None else "Erlang C"
    n_req = int(np.asarray(req.agents))
    binding = str(np.asarray(req.binding))
    agents = np.arange(max(0, n_req - rows), n_req + rows + 1)
    if spec.concurrency > 1:
        m = chat_metrics(agents, rate, aht_list, t, spec.patience, spec.basis)
        sl, w, ab, occ = m.service_level, m.asa, m.abandon_rate, m.occupancy
    else:
        sl = service_level(agents, load, spec.aht, t, spec.patience, spec.basis)
        w = asa(agents, load, spec.aht, spec.patience)
        ab = abandon_rate(agents, load, spec.aht, spec.patience)
        occ = occupancy(agents, load, spec.aht, spec.patience)
    if spec.service_level is None:
        sl = np.full(agents.shape, np.nan)
    lines = [
        CalculatorLine(
            agents=int(n),
            service_level=float(sl[i]),
            asa=float(w[i]),
            abandon_rate=float(ab[i]),
            occupancy=float(occ[i]),
            required=bool(n == n_req),
            note=f"← {_BINDING_LABEL.get(binding, binding)}" if n == n_req else "",
        )
        for i, n in enumerate(agents)
    ]
    parts = [f"{spec.volume:g} contacts per {spec.interval / 60:g} min × {spec.aht:g} s"]
    parts.append(f"load {load:.2f} Erlang, {model}")
    if spec.patience is not None:
        parts.append(f"patience {spec.patience:g} s")
    if spec.service_level is not None:
        parts.append(f"target {100 * spec.service_level:g} % within {t:g} s ({spec.basis})")
    return StaffingTable("; ".join(parts), load, n_req, binding, lines)
