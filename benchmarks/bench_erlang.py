"""Benchmark: required agents for many intervals at once (Erlang C and Erlang A).

Random intervals with loads 0.5-500 Erlang, AHT 120-600 s, target 80/20 and,
for Erlang A, mean patience 60-600 s.  Prints intervals per second and the
peak memory numpy allocated per interval, with the machine noted.

    python benchmarks/bench_erlang.py            # 10^4, 10^5, 10^6 intervals
    python benchmarks/bench_erlang.py --sizes 100000
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

import numpy as np
import scipy

from wfm.erlang import required_agents


def bench(size: int, patience: bool, seed: int = 7) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.5, 500.0, size)
    aht = rng.uniform(120.0, 600.0, size)
    pat = rng.uniform(60.0, 600.0, size) if patience else None
    tracemalloc.start()
    start = time.perf_counter()
    agents = required_agents(load, aht, service_level=0.8, target_time=20.0, patience=pat)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(agents).all()
    return size / elapsed, peak / size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}; "
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
    )
    print(f"{'model':10} {'intervals':>10} {'intervals/s':>14} {'peak bytes/interval':>20}")
    for model, patience in (("Erlang C", False), ("Erlang A", True)):
        for size in args.sizes:
            rate, mem = bench(size, patience)
            print(f"{model:10} {size:>10,} {rate:>14,.0f} {mem:>20,.0f}")


if __name__ == "__main__":
    main()
