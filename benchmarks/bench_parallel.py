"""How the wall time of the fan-out points falls with Dask workers.

    wfm staff examples/forecast.csv --config examples/center.toml -o /tmp/req.csv
    wfm schedule /tmp/req.csv --config examples/center.toml -o /tmp/plan_d --time-limit 30s
    python benchmarks/bench_parallel.py --plan /tmp/plan_d --requirements /tmp/req.csv \\
        [--replications 100] [--workers 1 2 4] [--what simulate backtest] [--cluster ADDR]

Times, for each worker count, (a) ``--replications`` replications of one week of the
plan (``wfm.simulate.simulate``) and (b) the backtest of ``examples/history.csv``
(``wfm.forecast.pipeline.backtest``, 56 origins, all candidate methods), each through
``wfm.parallel.map_tasks``: 1 worker runs in this process, N > 1 starts a local Dask
cluster of N processes for the call, as ``--workers N`` does (start-up included; it is
also timed alone).  The "N warm" rows send the same tasks, through ``cluster=ADDRESS``,
to a local cluster of N processes started (and its imports done) beforehand: the scaling
of the work itself.  (Those clusters sit idle during the other rows.)  ``--cluster``
adds a run on that existing scheduler.

Prints seconds, the speed-up over 1 worker, the machine (cores) and the load average
before and after each run, and checks that every run gives the numbers of the first.
"CPU s" is the CPU time of this process and of the workers of ``--workers N`` (counted
when they end, so it leaves out the warm and ``--cluster`` workers): what it has above
the 1-worker figure is Dask's own cost (start-up, imports in every worker, transfers).
With another start method than spawn the workers are not our children: no CPU figure.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def local_cluster(n: int):
    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                        silence_logs=logging.CRITICAL)


def warm(address: str) -> None:
    """Import what the tasks need in every worker (their first task pays it otherwise)."""
    from dask.distributed import Client

    with Client(address) as client:
        client.run(lambda: __import__("wfm.forecast.pipeline") and __import__("wfm.simulate"))


def cluster_startup(n: int) -> float:
    """Seconds to start and close a local cluster of ``n`` processes (no task)."""
    from dask.distributed import Client

    t0 = time.perf_counter()
    with local_cluster(n) as c, Client(c) as client:
        client.wait_for_workers(n)
    return time.perf_counter() - t0


def cpu() -> float:
    """CPU seconds of this process and of its ended children (the local workers)."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                 resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def bench(name: str, run, settings: list[tuple[str, dict]]) -> None:
    print(f"\n{name}")
    print(f"{'backend':>15s} {'seconds':>8s} {'speed-up':>8s} {'CPU s':>6s}  "
          "load avg before -> after")
    base = first = None
    for label, kw in settings:
        before, c0 = load(), cpu()
        t0 = time.perf_counter()
        out = run(**kw)
        el = time.perf_counter() - t0
        if first is None:
            first, base = out, el
        same = "" if np.array_equal(out, first, equal_nan=True) else "  RESULTS DIFFER"
        print(f"{label:>15s} {el:8.1f} {base / el:7.2f}x {cpu() - c0:6.1f}  "
              f"{before} -> {load()}{same}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--plan", required=True)
    p.add_argument("--requirements", default=None)
    p.add_argument("--config", default=str(ROOT / "examples" / "center.toml"))
    p.add_argument("--history", default=str(ROOT / "examples" / "history.csv"))
    p.add_argument("--events", default=str(ROOT / "examples" / "events.csv"))
    p.add_argument("--replications", type=int, default=100)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--what", nargs="+", default=["simulate", "backtest"],
                   choices=["simulate", "backtest"])
    p.add_argument("--cluster", default=None, help="also run on this Dask scheduler")
    a = p.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}, load average (1/5/15 min) {load()}")
    import dask
    import distributed  # noqa: F401 - registers its configuration

    print("Dask worker start method:",
          dask.config.get("distributed.worker.multiprocessing-method"),
          "(DASK_DISTRIBUTED__WORKER__MULTIPROCESSING_METHOD)")
    settings = [(f"{w} worker" + ("s" if w > 1 else "") + ("" if w > 1 else " (here)"),
                 {"workers": w}) for w in a.workers]
    with contextlib.ExitStack() as stack:
        run_all(a, settings, stack)


def run_all(a: argparse.Namespace, settings: list[tuple[str, dict]],
            stack: contextlib.ExitStack) -> None:
    warm_clusters = [stack.enter_context(local_cluster(w)) for w in a.workers if w > 1]
    for c in warm_clusters:
        warm(c.scheduler_address)
        settings.append((f"{len(c.workers)} warm", {"cluster": c.scheduler_address}))
    if a.cluster:
        settings.append(("cluster", {"cluster": a.cluster}))
    for w in a.workers:
        if w > 1:
            print(f"local cluster of {w} processes: start + close {cluster_startup(w):.1f} s")

    if "simulate" in a.what:
        from wfm.pipeline.simulate import load_inputs
        from wfm.simulate import simulate

        inputs = load_inputs(a.plan, a.config, a.requirements)

        def sim(**kw) -> np.ndarray:
            res = simulate(inputs.sim, replications=a.replications, seed=1, **kw)
            return res.total_mean["service_level"]

        bench(f"simulate: {a.replications} replications of one week of {a.plan}", sim,
              settings)

    if "backtest" in a.what:
        from wfm.forecast.pipeline import backtest
        from wfm.pipeline.forecast import forecast_inputs

        (prepared, _), _ = forecast_inputs(Path(a.history), Path(a.config), None, None, None,
                                           None, Path(a.events))

        def bt(**kw) -> np.ndarray:
            t = backtest(prepared, origins=56, **kw).table
            return t[["wape_day", "wape_week"]].to_numpy()

        bench(f"backtest: {len(prepared.queues)} queues of {a.history}, 56 origins", bt,
              settings)


if __name__ == "__main__":
    main()
