"""``wfm plan -o DIR`` killed at any moment: DIR is absent or the previous complete
result, byte for byte; nothing half-written is left inside it, and the next run
removes the hidden staging directory a SIGKILL leaves beside it.

Each run is a real ``python -m wfm plan`` subprocess on a small center
(tests/_small_center.py), killed with SIGINT (as Ctrl-C: the whole process group,
CBC included) or SIGKILL at fixed delays and when a given staging file appears.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _small_center import write_inputs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def snapshot(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())}


def start(paths: dict[str, Path], out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "wfm", "plan", str(paths["history"]), "-c",
         str(paths["center"]), "-o", str(out), "--time-limit", "20s",
         "--scenarios", str(paths["scenarios"]), "-q"],
        cwd=out.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True)


def kill_when(proc: subprocess.Popen, sig: int, out: Path, delay: float | None,
              staged: str | None) -> tuple[int, str, bool]:
    """Send ``sig`` to the run's process group after ``delay`` s or when a staging
    directory holds ``staged``; (exit code, stderr, whether it was still running)."""
    t0 = time.monotonic()
    while proc.poll() is None:
        if delay is not None and time.monotonic() - t0 >= delay:
            break
        if staged and any(out.parent.glob(f".{out.name}.*.partial/{staged}")):
            break
        time.sleep(0.02)
    running = proc.poll() is None
    if running:
        os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    if sig == signal.SIGKILL:
        with contextlib.suppress(ProcessLookupError):  # CBC, had it started, dies too
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, err.decode(), running


MOMENTS = [(signal.SIGINT, 0.3, None), (signal.SIGINT, 2.5, None),
           (signal.SIGINT, None, "requirements.csv"), (signal.SIGKILL, 1.0, None),
           (signal.SIGKILL, None, "forecast.csv"), (signal.SIGKILL, None, "shifts.csv"),
           (signal.SIGKILL, None, "report.html")]


def test_plan_killed_at_any_moment_leaves_previous_result(tmp_path):
    paths = write_inputs(tmp_path / "in")
    other = write_inputs(tmp_path / "other", seed=8)  # a different result
    out = tmp_path / "plan"
    first = start(paths, out)
    assert first.wait(timeout=300) == 0, first.stderr.read().decode()
    previous = snapshot(out)
    assert {"forecast.csv", "shifts.csv", "report.html"} <= set(previous)
    (out / "notes.txt").write_text("the planner's own file\n")
    previous = snapshot(out)
    interrupted = 0
    for sig, delay, staged in MOMENTS:
        rc, err, running = kill_when(start(other, out), sig, out, delay, staged)
        assert "Traceback" not in err, err
        now = snapshot(out) if out.exists() else None
        if not running:  # finished before the signal: a complete new result
            assert rc == 0, err
            assert set(now) == set(previous)
            previous = now
            continue
        interrupted += 1
        assert now == previous, f"{sig.name} at {delay or staged}: plan/ changed"
        if sig == signal.SIGINT:
            assert rc == 130, err
            assert err.strip().splitlines()[-1] == "interrupted", err
            assert not list(tmp_path.glob(".plan.*")), "SIGINT left a staging directory"
    assert interrupted >= 5
    # the next run cleans what SIGKILL left beside plan/ and publishes a complete result
    last = start(paths, out)
    assert last.wait(timeout=300) == 0, last.stderr.read().decode()
    assert not list(tmp_path.glob(".plan.*"))
    assert set(snapshot(out)) == set(previous)
    assert (out / "notes.txt").read_text() == "the planner's own file\n"
