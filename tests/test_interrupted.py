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
            # 130, or killed by the SIGINT itself (-2) after reporting it: both are
            # status 130 in a shell (128 + 2); CPython re-raises an interrupt that comes
            # while the interpreter exits
            assert rc in (130, -signal.SIGINT), err
            assert err.strip().splitlines()[-1] == "interrupted", err
            assert not list(tmp_path.glob(".plan.*")), "SIGINT left a staging directory"
    assert interrupted >= 5
    # the next run cleans what SIGKILL left beside plan/ and publishes a complete result
    last = start(paths, out)
    assert last.wait(timeout=300) == 0, last.stderr.read().decode()
    assert not list(tmp_path.glob(".plan.*"))
    assert set(snapshot(out)) == set(previous)
    assert (out / "notes.txt").read_text() == "the planner's own file\n"


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_next_run_removes_stale_staging_and_restores_a_half_swapped_result(tmp_path):
    from wfm.pipeline.plan import recover_interrupted

    dead, out = _dead_pid(), tmp_path / "plan"
    stale = tmp_path / f".plan.{dead}.abc.partial"
    (stale / "forecast.csv").parent.mkdir()
    (stale / "forecast.csv").write_text("half")
    old = tmp_path / f".plan.{dead}.old"
    old.mkdir()
    (old / "shifts.csv").write_text("previous")
    live = tmp_path / f".plan.{os.getppid()}.xyz.partial"  # a run that still lives
    live.mkdir()
    recover_interrupted(out)
    assert (out / "shifts.csv").read_text() == "previous"
    assert not stale.exists() and not old.exists() and live.exists()


def test_publish_without_an_exchange_call_keeps_user_files(tmp_path, monkeypatch):
    from wfm.pipeline import plan as wfm_plan

    monkeypatch.setattr(wfm_plan, "_exchange", lambda a, b: False)
    out, stage = tmp_path / "plan", tmp_path / ".plan.1.x.partial"
    out.mkdir(mode=0o750)
    stage.mkdir()
    (out / "forecast.csv").write_text("old")
    (out / "scenarios.csv").write_text("old run's scenarios")
    (out / "notes.txt").write_text("mine")
    (stage / "forecast.csv").write_text("new")
    wfm_plan._publish(stage, out, ["forecast.csv"])
    assert {p.name: p.read_text() for p in out.iterdir()} == {"forecast.csv": "new",
                                                               "notes.txt": "mine"}
    assert (stage / "forecast.csv").read_text() == "old"  # the caller removes it
    assert out.stat().st_mode & 0o777 == 0o750
