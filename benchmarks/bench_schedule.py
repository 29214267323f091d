"""Shift-planning benchmark: generated weekly instances, both solvers.

    python benchmarks/bench_schedule.py [--sizes small,medium,large,example] [--solvers highs,cbc]
        [--time-limit 60] [--gap 0.0001] [--seeds 4242]

``--seeds``: the generated instances' noise seeds (4242 is the benchmark's own; other
seeds are held-back instances of the same shape, e.g. ``--seeds 1,2,3``).

Instances (one week Monday-Sunday, cyclic, 30-min intervals, starts every 30 min,
shift lengths 4/6/8/10 h, German break rules; seed fixed):

* small:  1 queue (phone:de), 1 group;
* medium: 4 queues (phone/chat x de/en), 2 groups with overlapping skills (DE, DE_EN);
* example: the bundled example center (``examples/center.toml``, ``forecast.csv``);
* large:  15 queues (phone/chat/email x de/en/fr/it/tr), 8 groups (DE, EN, FR, IT,
  DE_EN, FR_IT, DE_TR, EMAIL back office), headcount limits on the small-language groups.

Requirements are smooth intraday shapes per channel x weekday factor x language scale x
lognormal noise, rounded up (not Erlang: the benchmark measures the scheduler).
Prints per solver: time to first plan (after the trivial empty plan), time to the
first plan within 1 % of the final bound, final objective, bound (max of LP bound and
full-MIP dual bound), gap, wall and CPU seconds, the load average at the end
(``gap`` is the plan's: the shortfall is costed inside the model,
``gap_before_fill`` before the safety-net fill pass).
Wall-clock times on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from wfm.config.schedule import ScheduleConfig
from wfm.schedule.instance import ShiftInstance, build_instance
from wfm.schedule.solve import SolveOptions, solve

LANG_SCALE = {"de": 1.0, "en": 0.55, "fr": 0.35, "it": 0.18, "tr": 0.12}
WEEKDAY = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.55, 0.40])
PEAK = {"phone": 60.0, "chat": 25.0, "email": 14.0}
PENALTY = {"phone": 200.0, "chat": 150.0, "email": 60.0}


def _shape(channel: str, h: np.ndarray) -> np.ndarray:
    if channel == "phone":
        s = 0.05 + np.exp(-(((h - 10.5) / 2.2) ** 2)) + 0.8 * np.exp(-(((h - 15.5) / 2.5) ** 2))
    elif channel == "chat":
        s = 0.08 + 0.6 * np.exp(-(((h - 12) / 3) ** 2)) + np.exp(-(((h - 20) / 2.2) ** 2))
    else:
        s = np.where((h >= 7) & (h < 22), 0.6 + 0.4 * np.exp(-(((h - 13) / 4) ** 2)), 0.0)
    return s


def requirements(queues: list[str], starts: pd.DatetimeIndex, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    h = (starts.hour + starts.minute / 60).to_numpy()
    day = WEEKDAY[starts.day_of_week.to_numpy()]
    rows = []
    for q in queues:
        ch, lang = q.split(":")
        base = PEAK[ch] * LANG_SCALE[lang] * _shape(ch, h) * day
        noisy = base * rng.lognormal(0.0, 0.08, len(h))
        r = np.ceil(noisy)
        if ch != "email":
            r = np.maximum(r, 1)  # at least one agent in every interval (24/7 queues)
        rows.append(r)
    return np.array(rows, dtype=int)


def make(size: str, seed: int = 4242) -> ShiftInstance:
    starts = pd.date_range("2026-03-02", periods=336, freq="30min", tz="Europe/Berlin")
    if size == "small":
        queues = ["phone:de"]
        groups = [dict(name="DE", skills=["phone:de"], rate=20.0)]
    elif size == "medium":
        queues = ["phone:de", "chat:de", "phone:en", "chat:en"]
        groups = [
            dict(name="DE", skills=["phone:de", "chat:de"], rate=20.0),
            dict(name="DE_EN", skills=queues, rate=23.0, max_headcount=90),
        ]
    elif size == "large":
        langs = ["de", "en", "fr", "it", "tr"]
        queues = [f"{c}:{lang}" for lang in langs for c in ("phone", "chat", "email")]

        def all_of(*ls: str) -> list[str]:
            return [q for q in queues if q.split(":")[1] in ls]

        groups = [
            dict(name="DE", skills=all_of("de"), rate=20.0),
            dict(name="EN", skills=all_of("en"), rate=21.0),
            dict(name="FR", skills=all_of("fr"), rate=22.0, max_headcount=50),
            dict(name="IT", skills=all_of("it"), rate=22.0, max_headcount=20),
            dict(name="DE_EN", skills=all_of("de", "en"), rate=23.0, max_headcount=40),
            dict(name="FR_IT", skills=all_of("fr", "it"), rate=24.0, max_headcount=20),
            dict(name="DE_TR", skills=all_of("de", "tr"), rate=22.0, max_headcount=30),
            dict(name="EMAIL", skills=[q for q in queues if q.startswith("email")], rate=19.0,
                 max_headcount=25),
        ]
    elif size == "example":
        return example_instance()
    else:
        raise ValueError(size)
    cfg = ScheduleConfig(
        rules=dict(understaffing_penalty=PENALTY),
        shifts=[dict(name="flex", lengths=["4h", "6h", "8h", "10h"], starts="00:00-23:30",
                     step="30m")],
        groups=groups,
    )
    return build_instance(starts, 1800.0, tuple(queues), requirements(queues, starts, seed), cfg)


def example_instance() -> ShiftInstance:
    """The bundled example (``examples/forecast.csv`` staffed with ``examples/center.toml``,
    as ``wfm staff`` then ``wfm schedule`` do): 10 queues, the spring-DST week."""
    import tempfile
    from pathlib import Path

    from wfm.config import load_center
    from wfm.config.schedule import load_schedule
    from wfm.io.requirements import read_requirements
    from wfm.pipeline.staff import staff_file

    root = Path(__file__).resolve().parent.parent / "examples"
    config = root / "center.toml"
    with tempfile.TemporaryDirectory() as tmp:
        req_path = Path(tmp) / "requirements.csv"
        staff_file(root / "forecast.csv", config, req_path)
        center = load_center(config)
        req = read_requirements(req_path, center)
    sched = load_schedule(config, center)
    return build_instance(req.starts, center.interval, req.queues, req.required, sched)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (CBC runs as one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="small,medium,large")
    ap.add_argument("--solvers", default="highs,cbc")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=1e-4)
    ap.add_argument("--strategy", default="auto")
    ap.add_argument("--seeds", default="4242", help="instance seeds, comma-separated")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at start (wall-clock limits: a loaded "
          "machine leaves the solver less CPU; cpu_s: this process and its CBC runs)")
    print("size    seed  solver  columns  req_agent_h  first_plan_s  within_1%_s  objective      "
          "bound          gap_%  gap_before_fill_%   wall_s   cpu_s  load  understaffed_h  status")
    cases = [(size, int(seed)) for size in args.sizes.split(",")
             for seed in (args.seeds.split(",") if size != "example" else ["4242"])]
    for size, seed in cases:
        inst = make(size, seed)
        for solver in args.solvers.split(","):
            t0, c0 = time.perf_counter(), _cpu()
            r = solve(inst, SolveOptions(solver=solver, time_limit=args.time_limit, gap=args.gap,
                                         strategy=args.strategy))
            wall, cpu = time.perf_counter() - t0, _cpu() - c0
            short = r.plan.short.sum() * inst.dt_h if r.plan is not None else float("nan")
            first = f"{r.first_plan_s:.1f}" if r.first_plan_s is not None else "-"
            near = [t for t, phase, obj in r.events
                    if phase != "lp bound" and obj - r.bound <= 0.01 * abs(obj)]
            within = f"{near[0]:.1f}" if near else "-"
            print(f"{size:7s} {seed:5d} {solver:6s} {len(inst.columns):8d} "
                  f"{inst.required.sum() * inst.dt_h:11.1f}  {first:>12s}  {within:>11s}  "
                  f"{r.objective:13,.1f}"
                  f"  {r.bound:13,.1f}  {100 * r.gap:6.2f}  {100 * r.gap_before_fill:17.2f}"
                  f"  {wall:6.1f}  {cpu:6.1f}  {os.getloadavg()[0]:4.1f}  {short:14.1f}  "
                  f"{r.status}", flush=True)
            for note in r.notes:
                print(f"        note: {note}")


if __name__ == "__main__":
    main()
