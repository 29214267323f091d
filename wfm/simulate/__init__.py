"""Plan verification by simulation: a multi-skill discrete-event model of a week."""

from wfm.simulate.engine import SimInput, SimResult, simulate, simulate_once

__all__ = ["SimInput", "SimResult", "simulate", "simulate_once"]
