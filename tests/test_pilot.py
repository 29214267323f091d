"""Pilot plans (wfm scenario pilot) and the check of their actuals (pilot-check)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wfm.config.pilot import Success
from wfm.scenario.pilot import check_actuals

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "examples"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wfm", *args], capture_output=True,
                          text=True, cwd=cwd, env={"PYTHONPATH": str(ROOT), "PATH": ""})


def test_check_actuals_by_hand():
    """Weeks of 100 and 300 contacts: SL 0.8, 0.9 -> (80 + 270) / 400 = 0.875;
    FCR 0.7, 0.8 -> (70 + 240) / 400 = 0.775; cost 500 + 900 = 1400 / 400 = 3.5 EUR."""
    rows = check_actuals(np.array([100.0, 300]), np.array([0.8, 0.9]), np.array([0.7, 0.8]),
                         np.array([500.0, 900]),
                         Success(service_level=0.88, fcr=0.77, cost_per_contact=3.5))
    got = {r.criterion: r for r in rows}
    assert got["service_level"].actual == pytest.approx(0.875)
    assert not got["service_level"].passed
    assert got["fcr"].actual == pytest.approx(0.775) and got["fcr"].passed
    assert got["cost_per_contact"].actual == pytest.approx(3.5) and got["cost_per_contact"].passed


def test_pilot_example_matches_compare(tmp_path):
    """The baseline's cost over the 12 pilot weeks is compare's run cost per year * 12/52,
    and the pilot's extra cost is pilot - baseline + transition."""
    r = _cli("scenario", "pilot", str(EX / "pilot.toml"), "-f", str(EX / "forecast.csv"),
             "-c", str(EX / "center.toml"), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    c = _cli("scenario", "compare", str(EX / "scenarios.toml"), "-f", str(EX / "forecast.csv"),
             "-c", str(EX / "center.toml"), "--json", cwd=tmp_path)
    base = next(x for x in json.loads(c.stdout)["scenarios"]
                if x["scenario"] == "A in-house" and x["provider"] == "TOTAL")
    rows = {(x["scenario"], x["provider"]): x for x in d["rows"]}
    assert rows[("A in-house", "TOTAL")]["run_cost_eur"] == pytest.approx(
        base["run_cost_per_year_eur"] * 12 / 52, rel=1e-6)
    pilot = rows[("pilot: EN e-mail nearshore", "TOTAL")]
    vendor = rows[("pilot: EN e-mail nearshore", "nearshore")]
    assert pilot["extra_cost_eur"] == pytest.approx(
        pilot["run_cost_eur"] - rows[("A in-house", "TOTAL")]["run_cost_eur"] + 40000)
    assert pilot["extra_if_staff_kept_eur"] == pytest.approx(vendor["run_cost_eur"] + 40000)
    assert vendor["contacts"] > 0 and d["expected"]["fcr"] == pytest.approx(0.72)


def test_pilot_check_example(tmp_path):
    r = _cli("scenario", "pilot-check", str(EX / "pilot-actuals.csv"), "--pilot",
             str(EX / "pilot.toml"), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["passed"] is False
    assert {x["criterion"]: x["passed"] for x in d["criteria"]} == {
        "service_level": True, "fcr": False, "cost_per_contact": True}
    assert "1 rows outside the pilot" in r.stderr


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("start = 2027-03-01", "start = 2029-12-10"), "pilot.weeks: the pilot 2029-12-10"),
        (("start = 2027-03-01", "start = 2026-12-01"), "pilot.start"),
        (('vendor = "nearshore"', 'vendor = "nearshor"'), "pilot.vendor: unknown provider"),
        (('vendor = "nearshore"', 'vendor = "inhouse"'), "pilot.vendor: 'inhouse' is not"),
        (('vendor = "nearshore"\n', 'vendor = "pool"\n'), "pilot.queues: provider 'pool' does"),
        (("weeks = 12", "weeks = 0"), "weeks"),
        (('when = "always"', 'when = "noon"'), "when"),
    ],
)
def test_bad_pilots_are_located_and_write_nothing(tmp_path, change, where):
    text = (EX / "pilot.toml").read_text(encoding="utf-8").replace(*change)
    if "pool" in change[1]:
        text = text.replace('queues = ["email:en"]', 'queues = ["email:de"]')
    text = text.replace('scenarios = "scenarios.toml"', f'scenarios = "{EX / "scenarios.toml"}"')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    r = _cli("scenario", "pilot", "p.toml", "-f", str(EX / "forecast.csv"), "-c",
             str(EX / "center.toml"), "-o", "out.csv", cwd=tmp_path)
    assert r.returncode == 2, r.stdout
    assert where in r.stderr and "p.toml" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out.csv").exists()


def test_bad_actuals_are_located(tmp_path):
    text = (EX / "pilot-actuals.csv").read_text(encoding="utf-8").replace(",0.88,", ",88,")
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    r = _cli("scenario", "pilot-check", "a.csv", "--pilot", str(EX / "pilot.toml"),
             cwd=tmp_path)
    assert r.returncode == 2
    assert "a.csv:5: column 'service_level': expected a fraction 0..1, found 88" in r.stderr
