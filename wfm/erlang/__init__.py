"""Vectorised staffing kernels: Erlang B, C (M/M/n) and A (M/M/n+M).

Pure numpy/scipy functions over arrays of any shape; times in seconds; no
pandas and no I/O.  ``patience=None`` selects Erlang C, a number Erlang A.
"""

from wfm.erlang.metrics import (
    abandon_rate,
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
    wait_probability,
)
from wfm.erlang.required import Requirement, required_agents, required_agents_detail

__all__ = [
    "Requirement",
    "abandon_rate",
    "asa",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "required_agents_detail",
    "service_level",
    "wait_probability",
]
