"""Long-range capacity plan (wfm capacity): cohorts, hiring rule, trend, CLI and errors."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.capacity import Cohort, Policy, fit_trend, plan_queue, required_fte
from wfm.capacity.cohort import evaluate, survival

ROOT = Path(__file__).resolve().parents[1]


def test_hand_computed_cohort_example():
    """A six-month plan of one queue, computed by hand (not by wfm).

    Rules: attrition 10 %/month at tenure 0-2 months, 2 %/month from tenure 3;
    1 month training (productivity 0), then 0.5 in the first production month,
    1.0 after; lead = 1 + 1 = 2 months; starting staff 10 FTE with 12 months'
    tenure (2 %/month); required [10, 10, 10, 12, 12, 12] FTE.

    Staff alone: 10 * 0.98^t = 10, 9.8, 9.604, 9.41192, 9.2236816, 9.039207968.
    One hire of a class at tenure k gives 0 (k=0), 0.9*0.5 = 0.45, 0.81, 0.729,
    0.71442, 0.7001316 productive FTE and costs 1 + 0.9 + 0.81 + ... headcount-months to
    the end: 4.8535516 (class of month 0), 4.15342, 3.439, 2.71, 1.9, 1.0 (month 5).
    Months 2-5 are reachable (a class of month 0 is fully productive in month 2); they need
    0.396, 2.58808, 2.7763184, 2.960792032 FTE above the staff.

    * Month 3 needs 2.588: three of class 1 give 2.43 (two give 1.62 and would need
      about two more hires elsewhere), the rest, 0.158, is cheapest as one of class 2
      (0.45 at 3.439; class 0 would cost 4.85).
    * Month 4: 3 * 0.729 + 0.81 = 2.997 >= 2.776; month 2: 3 * 0.45 = 1.35 >= 0.396.
    * Month 5: 3 * 0.71442 + 0.729 = 2.87226, 0.0885 short: one of class 4 (0.45 in its
      first production month, 1.9) is cheaper than one of class 3 (2.71).

    Classes [0, 3, 1, 0, 1, 0], 17.79926 headcount-months; the enumeration below confirms no
    cheaper whole plan covers months 2-5.  Productive FTE: t1 9.8 (class 1 in class, the
    0.2 gap is the vendor's: month 1 is not reachable); t2 9.604 + 1.35 = 10.954;
    t3 9.41192 + 2.43 + 0.45 = 12.29192; t4 9.2236816 + 2.187 + 0.81 = 12.2206816;
    t5 9.039207968 + 2.14326 + 0.729 + 0.45 = 12.361467968.  Headcount t1 9.8 + 3 = 12.8,
    t2 9.604 + 2.7 + 1 = 13.304.  Leavers t0 10 * 0.02 = 0.2.  Surplus t3 0.29192.
    """
    policy = Policy(attrition=((0, 0.10), (3, 0.02)), training_months=1, ramp=(0.5,),
                    max_class_size=10)
    p = plan_queue(np.array([10, 10, 10, 12, 12, 12.0]), 0.0,
                   [Cohort(start=-12, fte=10.0)], policy)
    assert list(p.hires) == [0, 3, 1, 0, 1, 0]
    np.testing.assert_allclose(
        p.productive, [10, 9.8, 10.954, 12.29192, 12.2206816, 12.361467968], rtol=1e-12)
    assert p.headcount[1] == pytest.approx(12.8)
    assert p.headcount[2] == pytest.approx(13.304)
    assert p.leavers[0] == pytest.approx(0.2)
    np.testing.assert_allclose(p.vendor, [0, 0.2, 0, 0, 0, 0], atol=1e-12)
    assert p.surplus[3] == pytest.approx(0.29192)
    assert p.in_training[1] == pytest.approx(3.0)
    # no cheaper whole plan: enumerate classes 0..5 in months 0-4 (month 5's class is
    # still in training at the end, so it only costs)
    gain = {0: 0.0, 1: 0.45, 2: 0.81, 3: 0.729, 4: 0.71442, 5: 0.7001316}
    stay = [4.8535516, 4.15342, 3.439, 2.71, 1.9]
    need = {2: 0.396, 3: 2.58808, 4: 2.7763184, 5: 2.960792032}
    best = min(
        sum(n * c for n, c in zip(plan, stay, strict=True))
        for plan in itertools.product(range(6), repeat=5)
        if all(sum(n * gain[t - s] for s, n in enumerate(plan) if s <= t) >= need[t] - 1e-12
               for t in need))
    assert best == pytest.approx(17.79926)


def test_steady_hiring_leaves_no_ramp_buffer():
    """Flat requirement, 2 %/month attrition, 1 month training and a ramp 0.5, 0.75: each
    class replaces leavers, and the younger classes' ramp output counts, so the productive
    FTE stay within one hire's output (1 FTE) of the target once hiring has begun, where a
    rule sizing classes for their fully productive month alone runs ~1.25 hires above it."""
    policy = Policy(attrition=((0, 0.02),), training_months=1, ramp=(0.5, 0.75),
                    max_class_size=10)
    p = plan_queue(np.full(30, 50.0), 0.0, [Cohort(start=-24, fte=50.0)], policy)
    assert np.all(p.productive[3:] >= 50.0 - 1e-9)  # reachable months covered
    assert np.all(p.surplus[3:26] < 1.0)


def test_vendor_covers_what_no_class_can_reach():
    """First class in month 2, 2 months training, no ramp (lead 2): months 0-3 cannot be
    helped.

    Staff 5 FTE, no attrition, required 8: vendor 3 FTE in months 0-3; the class of month 2
    is productive from month 4: ceil(3 / 1) = 3 hires, vendor 0 from month 4 on.
    """
    policy = Policy(attrition=((0, 0.0),), training_months=2, ramp=(),
                    max_class_size=10, first_hire_month=2)
    p = plan_queue(np.full(6, 8.0), 0.0, [Cohort(start=-24, fte=5.0)], policy)
    np.testing.assert_allclose(p.vendor, [3, 3, 3, 3, 0, 0])
    assert list(p.hires) == [0, 0, 3, 0, 0, 0]


def test_class_size_limit_and_vendor_share():
    """max_class_size 2: a gap of 5 FTE is filled 2, 2, then 1; vendor_share 0.5 halves the
    in-house target and the vendor takes the rest."""
    policy = Policy(attrition=((0, 0.0),), training_months=0, ramp=(), max_class_size=2)
    p = plan_queue(np.full(4, 5.0), 0.0, [], policy)
    assert list(p.hires) == [2, 2, 1, 0]
    np.testing.assert_allclose(p.vendor, [3, 1, 0, 0])
    q = plan_queue(np.full(3, 10.0), 0.5, [Cohort(start=-24, fte=5.0)], policy)
    np.testing.assert_allclose(q.target, 5.0)
    np.testing.assert_allclose(q.vendor, 5.0)
    assert q.hires.sum() == 0


def test_required_fte_by_hand():
    """10,000 contacts * 300 s = 833.33 h; 40 h * 52/12 * 0.7 = 121.333 h per FTE-month;
    833.33 / 0.8 / 121.333 = 8.5852 FTE."""
    assert required_fte(10_000, 300, 0.8, 0.3, 40) == pytest.approx(8.5852, abs=1e-4)
    assert required_fte(0, 300, 0.8, 0.3, 40, min_fte=6) == 6


def test_survival_product():
    assert survival(0, 3, ((0, 0.1), (2, 0.5))) == pytest.approx(0.9 * 0.9 * 0.5)
    assert survival(5, 5, ((0, 0.1),)) == 1.0


@settings(max_examples=60, deadline=None)
@given(
    req=st.lists(st.floats(0, 50), min_size=1, max_size=14),
    rate=st.floats(0, 0.3), training=st.integers(0, 3),
    ramp=st.lists(st.floats(0.1, 1.0), max_size=3), staff=st.floats(0, 40),
    share=st.floats(0, 1),
)
def test_plan_invariants(req, rate, training, ramp, staff, share):
    """Headcount >= productive; productive + vendor >= required; hires are whole and within
    the class limit; without attrition and with no hires the staff stays constant."""
    policy = Policy(attrition=((0, rate),), training_months=training, ramp=tuple(ramp),
                    max_class_size=7)
    p = plan_queue(np.array(req), share, [Cohort(start=-30, fte=staff)], policy)
    assert np.all(p.headcount >= p.productive - 1e-9)
    assert np.all(p.productive + p.vendor >= p.required - 1e-9)
    assert np.all(p.hires <= 7) and np.all(p.hires == np.round(p.hires))
    flat = evaluate(np.array(req), np.array(req), [Cohort(start=-30, fte=staff)],
                    Policy(attrition=((0, 0.0),), training_months=0, ramp=(), max_class_size=0))
    np.testing.assert_allclose(flat.headcount, staff)


def test_trend_recovers_exponential_growth():
    """Weekly volume 1000 * 1.01^w: growth per year 1.01^52 - 1 = 67.77 %; level at the
    last week (w = 19) 1000 * 1.01^19 = 1208.1 per week = 5235 per month."""
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(20)]
    d = fit_trend(weeks, 1000 * 1.01 ** np.arange(20), "phone:de")
    assert d.growth == pytest.approx(1.01 ** 52 - 1, rel=1e-9)
    assert d.base == pytest.approx(1000 * 1.01 ** 19 * 52 / 12, rel=1e-9)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wfm", *args], capture_output=True,
                          text=True, cwd=cwd, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_example_runs_and_writes_18_months(tmp_path):
    out = tmp_path / "plan.csv"
    r = _cli("capacity", str(ROOT / "examples/capacity.toml"), "-o", str(out), "-q",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(out)
    assert t["month"].nunique() == 18 and t["queue"].nunique() == 4
    assert (t["hires"] >= 0).all() and (t["headcount_fte"] >= t["productive_fte"] - 1e-9).all()
    r = _cli("capacity", str(ROOT / "examples/capacity.toml"), "--explain", "--queue",
             "phone:de", "--month", "2027-03", cwd=tmp_path)
    assert r.returncode == 0 and "required_fte" in r.stdout


def test_history_supplies_level_and_trend(tmp_path):
    """A flat synthetic history of 8 weeks, 10 contacts per half hour: 3,360 per week,
    x 52/12 = 14,560 per month, growth 0."""
    start = pd.Timestamp("2026-01-05", tz="UTC")
    idx = pd.date_range(start, periods=8 * 7 * 48, freq="30min")
    pd.DataFrame({"interval_start": [t.isoformat() for t in idx], "channel": "phone",
                  "language": "de", "volume": 10, "aht_s": 300}).to_csv(
        tmp_path / "h.csv", index=False)
    (tmp_path / "c.toml").write_text(
        '[capacity]\nstart = "2026-03"\nmonths = 2\n[[queue]]\nname = "phone:de"\n'
        'aht = "300s"\n', encoding="utf-8")
    r = _cli("capacity", "c.toml", "--history", "h.csv", "-o", "p.csv", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    t = pd.read_csv(tmp_path / "p.csv")
    np.testing.assert_allclose(t["volume"], 3360 * 52 / 12, rtol=1e-9)


Q1 = '[capacity]\nstart = "2027-01"\n[[queue]]\nname="phone:de"\nvolume=1\ngrowth=0\naht="300s"\n'


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[capacity]\nstart = "2027-13"\n[[queue]]\nname="phone:de"\nvolume=1\ngrowth=0\n'
         'aht="300s"\n', "capacity.start"),
        ('[capacity]\nstart = "2027-01"\n[[queue]]\nname="phone:de"\nvolume=1\ngrowth=0\n'
         'aht="300s"\nocupancy=0.8\n', "queue[1] (phone:de).ocupancy: unknown key"),
        ('[capacity]\nstart = "2027-01"\n[[attrition]]\ntenure_from=2\nmonthly_rate=0.1\n'
         '[[queue]]\nname="phone:de"\nvolume=1\ngrowth=0\naht="300s"\n',
         "attrition[1].tenure_from"),
        ('[capacity]\nstart = "2027-01"\n[[queue]]\nname="phone:de"\naht="300s"\n',
         "queue[1] (phone:de).volume"),
        ('[capacity]\nstart = "2027-01"\n[[queue]]\nname="phone:de"\nvolume=1\ngrowth=0\n'
         'aht="300s"\nstaff=[{fte=-1}]\n', "queue[1] (phone:de).staff[1].fte"),
        # non-finite numbers (TOML nan / inf): the key and "finite", not a bound's message,
        # a plan of inf FTE, or an internal error (inhouse_fte_month = inf reached the MILP)
        (Q1.replace("growth=0", "growth=nan"), "queue[1] (phone:de).growth: Input should be "
         "a finite number"),
        (Q1.replace("volume=1", "volume=nan"), "queue[1] (phone:de).volume: Input should be "
         "a finite number"),
        (Q1 + "staff=[{fte=inf}]\n", "queue[1] (phone:de).staff[1].fte: Input should be a "
         "finite number"),
        ("[cost]\ninhouse_fte_month = inf\n" + Q1, "cost.inhouse_fte_month: Input should be "
         "a finite number"),
        # finite inputs whose required FTE overflows
        (Q1.replace("volume=1", "volume=1e308"), "queue[1] (phone:de): the required FTE of "
         "2027-01 is not a finite number"),
    ],
)
def test_bad_input_is_located_and_writes_nothing(tmp_path, text, where):
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    r = _cli("capacity", "c.toml", "-o", "p.csv", cwd=tmp_path)
    assert r.returncode == 2
    assert where in r.stderr and "c.toml" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "p.csv").exists()
    assert math.isfinite(len(r.stderr.splitlines())) and len(r.stderr.splitlines()) == 1


def _history(path: Path, weekly: list[float]) -> None:
    """A history of whole weeks (Monday 2026-01-05 on), every half hour the week's
    volume / 336."""
    idx = pd.date_range(pd.Timestamp("2026-01-05", tz="UTC"), periods=len(weekly) * 336,
                        freq="30min")
    pd.DataFrame({"interval_start": [t.isoformat() for t in idx], "channel": "phone",
                  "language": "de", "volume": np.repeat(np.asarray(weekly) / 336, 336),
                  "aht_s": 300}).to_csv(path, index=False)


def test_a_runaway_history_trend_is_located_not_an_overflow(tmp_path):
    """Weekly totals 336, 336e3, 336e5, 336e6: the log-linear growth is about 1e104 a year
    and the volume of a later month overflows a float (before: an OverflowError, exit 1)."""
    _history(tmp_path / "h.csv", [336, 336e3, 336e5, 336e6])
    (tmp_path / "c.toml").write_text('[capacity]\nstart = "2026-03"\nmonths = 60\n[[queue]]\n'
                                     'name = "phone:de"\naht = "300s"\n', encoding="utf-8")
    r = _cli("capacity", "c.toml", "--history", "h.csv", "-o", "p.csv", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: c.toml: queue[1] (phone:de): the volume of ")
    assert "from the --history trend" in r.stderr and len(r.stderr.splitlines()) == 1
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("cell", ["", "nan"])
def test_a_missing_history_volume_names_file_line_and_column(tmp_path, cell):
    """An empty or "nan" volume in --history: file, line (header = line 1) and column."""
    _history(tmp_path / "h.csv", [3360] * 8)
    lines = (tmp_path / "h.csv").read_text().splitlines(keepends=True)
    fields = lines[9].split(",")
    fields[3] = cell
    lines[9] = ",".join(fields)
    (tmp_path / "h.csv").write_text("".join(lines))
    (tmp_path / "c.toml").write_text('[capacity]\nstart = "2026-03"\nmonths = 2\n[[queue]]\n'
                                     'name = "phone:de"\naht = "300s"\n', encoding="utf-8")
    r = _cli("capacity", "c.toml", "--history", "h.csv", "-o", "p.csv", cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error: h.csv:10: column 'volume': ")
    assert len(r.stderr.splitlines()) == 1 and not (tmp_path / "p.csv").exists()
