"""Benchmark of ``wfm simulate``: engines on M/M/n+M, and a week of the bundled example.

``python benchmarks/bench_simulate.py engines`` compares the wfm heapq engine with ciw
and SimPy (if installed: ``pip install ciw simpy``) on one stationary M/M/n+M day:
wall time, contacts per second and the service level each one estimates.
``python benchmarks/bench_simulate.py week PLAN_DIR --config examples/center.toml
--requirements REQ.csv [--replications 20] [--workers 2]`` times replications of one week
of a plan (seconds each).  ``python benchmarks/bench_simulate.py validate [BASES...]``
repeats the Erlang agreement check of the tests on other seed sets.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

N, AHT, PAT, TT, LOAD, HOURS = 50, 300.0, 120.0, 20.0, 48.0, 24
SEEDS = 5  # replications (days) per engine


def bench_wfm(seed: int) -> tuple[float, int, float]:
    from wfm.simulate import SimInput, simulate_once

    T, dt = HOURS * 2, 1800.0
    inp = SimInput(np.full((1, T), LOAD * dt / AHT), np.full((1, T), AHT), np.array([PAT]),
                   np.array([TT]), np.ones((1, 1), bool), np.full((1, T), N), dt)
    t0 = time.perf_counter()
    r = simulate_once(inp, np.random.default_rng(seed))
    el = time.perf_counter() - t0
    return el, int(r.offered.sum()), float(r.within.sum() / r.offered.sum())


def bench_ciw(seed: int) -> tuple[float, int, float]:
    import ciw

    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LOAD / AHT)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT)],
        number_of_servers=[N],
        reneging_time_distributions=[ciw.dists.Exponential(rate=1 / PAT)],
    )
    ciw.seed(seed)
    t0 = time.perf_counter()
    sim = ciw.Simulation(net)
    sim.simulate_until_max_time(HOURS * 3600.0)
    el = time.perf_counter() - t0
    recs = sim.get_all_records()
    served = [r for r in recs if r.record_type == "service"]
    reneged = [r for r in recs if r.record_type == "renege"]
    within = sum(r.waiting_time <= TT for r in served)
    total = len(served) + len(reneged)
    return el, total, within / total


def bench_simpy(seed: int) -> tuple[float, int, float]:
    import simpy

    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=N)
    out = {"n": 0, "within": 0}

    def contact(env):
        arrive = env.now
        out["n"] += 1
        with agents.request() as req:
            res = yield req | env.timeout(rng.exponential(PAT))
            if req in res:
                if env.now - arrive <= TT:
                    out["within"] += 1
                yield env.timeout(rng.exponential(AHT))

    def source(env):
        while True:
            yield env.timeout(rng.exponential(AHT / LOAD))
            env.process(contact(env))

    env.process(source(env))
    t0 = time.perf_counter()
    env.run(until=HOURS * 3600.0)
    el = time.perf_counter() - t0
    return el, out["n"], out["within"] / out["n"]


def engines() -> None:
    from wfm.erlang import service_level

    print(f"M/M/{N}+M, load {LOAD} Erlang, AHT {AHT:g} s, patience {PAT:g} s, "
          f"{HOURS} h x {SEEDS} seeds; "
          f"Erlang A SL {service_level(N, LOAD, AHT, TT, PAT):.4f}")
    for name, fn in (("wfm heapq", bench_wfm), ("ciw", bench_ciw), ("simpy", bench_simpy)):
        try:
            runs = [fn(seed) for seed in range(1, SEEDS + 1)]
        except ImportError:
            print(f"{name:10s} not installed")
            continue
        el = sum(r[0] for r in runs)
        n = sum(r[1] for r in runs)
        sl = np.array([r[2] for r in runs])
        half = 2.776 * sl.std(ddof=1) / np.sqrt(SEEDS)
        print(f"{name:10s} {el:7.2f} s  {n / el:9,.0f} contacts/s  SL {sl.mean():.4f} "
              f"± {half:.4f}")


def week(plan: str, config: str, requirements: str | None, replications: int,
         workers: int) -> None:
    from wfm.pipeline.simulate import load_inputs
    from wfm.simulate import simulate

    inputs = load_inputs(plan, config, requirements)
    t0 = time.perf_counter()
    res = simulate(inputs.sim, replications=replications, seed=1, workers=workers)
    el = time.perf_counter() - t0
    print(f"{replications} replications of one week ({int(res.offered.sum())} contacts, "
          f"{res.events / replications:,.0f} events each), {workers} worker(s): {el:.1f} s, "
          f"{el / replications:.2f} s per replication")


def validate(bases: list[int]) -> None:
    """The Erlang agreement check of tests/test_simulate.py on other seed sets."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import test_simulate as ts
    from scipy.stats import t as student

    from wfm.erlang import abandon_rate, asa, occupancy, service_level

    z: dict[str, list[float]] = {"sl": [], "asa": [], "ab": [], "occ": []}
    tq = student.ppf(0.975, ts.REPS - 1)
    for base in bases:
        for k, (n, load, aht, pat, tt) in enumerate(ts.POINTS):
            m = ts.replicated_metrics(ts.single(n, load, aht, pat, tt, ts.T), ts.REPS, base + k)
            p = None if np.isinf(pat) else pat
            want = {"sl": service_level(n, load, aht, tt, p), "asa": asa(n, load, aht, p),
                    "ab": abandon_rate(n, load, aht, p), "occ": occupancy(n, load, aht, p)}
            for name, value in want.items():
                if p is None and name == "ab":
                    continue
                se = m[name].std(ddof=1) / np.sqrt(ts.REPS)
                z[name].append((m[name].mean() - value) / se)
    allz = np.concatenate([np.array(v) for v in z.values()])
    hits = int((np.abs(allz) <= tq).sum())
    print(f"seed bases {bases}: {hits}/{len(allz)} = {100 * hits / len(allz):.1f} % of Erlang "
          "values inside the simulated 95 % interval")
    for name, v in z.items():
        a = np.array(v)
        print(f"  {name:4s} {len(a):3d} checks, z mean {a.mean():+.2f}, sd {a.std():.2f}")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="what", required=True)
    sub.add_parser("engines")
    w = sub.add_parser("week")
    w.add_argument("plan")
    w.add_argument("--config", required=True)
    w.add_argument("--requirements", default=None)
    w.add_argument("--replications", type=int, default=20)
    w.add_argument("--workers", type=int, default=1)
    v = sub.add_parser("validate")
    v.add_argument("bases", nargs="*", type=int, default=list(range(1000, 3000, 100)))
    a = p.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}")
    if a.what == "engines":
        engines()
    elif a.what == "validate":
        validate(a.bases)
    else:
        week(a.plan, a.config, a.requirements, a.replications, a.workers)


if __name__ == "__main__":
    main()
