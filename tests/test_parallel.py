"""``wfm.parallel``: the same results in this process, on local Dask processes and on a
running Dask cluster (a 2-worker local process cluster, started once for the module)."""

from __future__ import annotations

import math
import operator
from functools import partial

import numpy as np
import pytest
from test_forecast import TZ, simulated_history
from test_simulate import two_languages
from test_simulate_cli import write_plan
from typer.testing import CliRunner

from wfm import parallel
from wfm.cli import app
from wfm.errors import WfmInputError
from wfm.forecast.pipeline import backtest, prepare
from wfm.parallel import chunked, map_tasks
from wfm.simulate import simulate

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    """Address of a scheduler with two single-threaded worker processes."""
    import logging

    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                      silence_logs=logging.CRITICAL) as local:
        yield local.scheduler_address


@pytest.fixture
def quick_timeout(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 1.0)


def test_chunked_splits_evenly_in_order():
    assert chunked(10, 4) == [range(0, 3), range(3, 6), range(6, 8), range(8, 10)]
    assert chunked(3, 8) == [range(0, 1), range(1, 2), range(2, 3)]
    assert chunked(0, 4) == []
    assert chunked(7, 1) == [range(0, 7)]


def test_in_process_keeps_order_and_reports_each_item():
    seen: list[int] = []
    assert map_tasks(operator.neg, [3, 1, 2], progress=seen.append) == [-3, -1, -2]
    assert seen == [0, 1, 2]
    with pytest.raises(ValueError, match="workers"):
        map_tasks(operator.neg, [1], workers=0)


def test_cluster_keeps_order_in_chunks_and_reraises(cluster):
    seen: list[int] = []
    items = list(range(37))
    got = map_tasks(math.factorial, items, cluster=cluster, chunk_size=5, progress=seen.append)
    assert got == [math.factorial(i) for i in items]
    assert sorted(seen) == items  # once per item, whatever the completion order
    with pytest.raises(ValueError, match="math domain error"):
        map_tasks(math.sqrt, [4.0, -1.0], cluster=cluster)


def test_simulation_is_the_same_in_process_on_local_workers_and_on_a_cluster(cluster):
    inp = two_languages(False)
    runs = [simulate(inp, replications=6, seed=11, keep=True),
            simulate(inp, replications=6, seed=11, keep=True, workers=2),
            simulate(inp, replications=6, seed=11, keep=True, cluster=cluster)]
    for other in runs[1:]:
        for m in runs[0].mean:
            np.testing.assert_array_equal(runs[0].mean[m], other.mean[m])
            np.testing.assert_array_equal(runs[0].half[m], other.half[m])
        for a, b in zip(runs[0].per_replication, other.per_replication, strict=True):
            np.testing.assert_array_equal(a.offered, b.offered)
            np.testing.assert_array_equal(a.wait_sum, b.wait_sum)
    # replication r is default_rng([seed, r]) wherever it runs: not the same draw twice
    offered = [r.offered.sum() for r in runs[0].per_replication]
    assert len(set(offered)) > 1


def test_backtest_per_queue_is_the_same_on_a_cluster(cluster):
    frame = simulated_history(weeks=7, queues=(("email", "de", 800.0), ("email", "tr", 12.0),
                                                ("phone", "de", 1500.0)))
    p = prepare(frame, 1800, TZ)
    done: list[str] = []
    local = backtest(p, origins=8)
    remote = backtest(p, origins=8, cluster=cluster, progress=done.append)
    assert sorted(done) == sorted(p.queues)
    assert list(remote.queues) == list(local.queues) == list(p.queues)
    for key, a in local.queues.items():
        b = remote.queues[key]
        assert a.chosen == b.chosen and a.dispersion == b.dispersion
        for m in a.preds:
            np.testing.assert_array_equal(a.preds[m], b.preds[m])
    assert "split" in remote.queues["email:tr"].preds  # the sparse queue's own candidates
    assert local.table.equals(remote.table)


def test_scenario_sensitivity_is_the_same_on_a_cluster(cluster):
    from pathlib import Path

    from wfm.config import load_center
    from wfm.config.scenario import load_scenarios
    from wfm.io.forecast import read_forecast
    from wfm.scenario.sensitivity import CASES, sensitivity, sensitivity_case

    ex = Path(__file__).resolve().parents[1] / "examples"
    center = load_center(ex / "center.toml")
    scen = load_scenarios(ex / "scenarios.toml", center)
    frame = read_forecast(ex / "forecast.csv", center).frame
    frame = frame[frame["interval_start"] < frame["interval_start"].min() + np.timedelta64(2, "D")]
    rows = sensitivity(scen, center, frame, cluster=cluster)
    assert [r["case"] for r in rows[:: len(scen.scenarios)]] == [c[0] for c in CASES]
    one = partial(sensitivity_case, scen=scen, center=center, frame=frame)
    n = len(scen.scenarios)
    assert rows[:n] == one(CASES[0]) and rows[-n:] == one(CASES[-1])  # in this process


def test_unreachable_cluster_is_one_clear_line(quick_timeout):
    with pytest.raises(WfmInputError, match=r"--cluster tcp://127.0.0.1:9: no Dask scheduler"):
        map_tasks(operator.neg, [1, 2], cluster="tcp://127.0.0.1:9")
    with pytest.raises(WfmInputError, match="missing port"):
        map_tasks(operator.neg, [1, 2], cluster="localhost")


def test_scheduler_without_workers_is_one_clear_line(quick_timeout):
    import logging

    from dask.distributed import LocalCluster

    empty = LocalCluster(n_workers=0, processes=False, dashboard_address=None,
                         scheduler_kwargs={"dashboard_address": ":0"},
                         silence_logs=logging.CRITICAL)
    with empty, pytest.raises(WfmInputError, match="the scheduler has no workers"):
        map_tasks(operator.neg, [1, 2], cluster=empty.scheduler_address)


def test_cli_simulate_on_a_cluster_and_a_bad_address(tmp_path, cluster, quick_timeout):
    cfg, plan = write_plan(tmp_path)
    base = ["simulate", str(plan), "-c", str(cfg), "--replications", "4", "--seed", "3", "-q"]
    here, there = tmp_path / "here.csv", tmp_path / "there.csv"
    assert runner.invoke(app, [*base, "-o", str(here)]).exit_code == 0
    res = runner.invoke(app, [*base, "-o", str(there), "--cluster", cluster])
    assert res.exit_code == 0, res.output
    assert there.read_bytes() == here.read_bytes()
    bad = tmp_path / "bad.csv"
    res = runner.invoke(app, [*base, "-o", str(bad), "--cluster", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --cluster tcp://127.0.0.1:9: ")
    assert "Traceback" not in res.output and not bad.exists()
