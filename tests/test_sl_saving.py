"""``service_level_over = "week"`` in ``wfm plan``: the interval-by-interval plan of the
same requirements is planned and simulated beside it (same seeds), the paid hours saved
and both simulated weeks reach the report.  The statistics against hand computation."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _small_center import write_inputs
from typer.testing import CliRunner

from wfm.cli import app
from wfm.report.checks import saving_sentence
from wfm.simulate.compare import compare_weeks, mean_half, week_levels

runner = CliRunner()
T975_2 = 4.302652729911275  # Student t, 97.5 % quantile, 2 degrees of freedom (tables: 4.303)


def _rep(within, offered, answered=None):
    within, offered = np.asarray(within, float), np.asarray(offered, float)
    return SimpleNamespace(within=within, offered=offered, due=None,
                           answered=offered if answered is None else np.asarray(answered, float),
                           answered_due=None)


def test_week_levels_sum_over_intervals_before_dividing():
    # queue 0: (8 + 1) / (10 + 2) = 0.75 (not the mean of 0.8 and 0.5); queue 1 on the
    # answered basis: 3 / 4; both: (9 + 3) / (12 + 4)
    rep = _rep([[8, 1], [2, 1]], [[10, 2], [5, 1]], answered=[[10, 2], [3, 1]])
    out = week_levels([rep], [0, 1], answered=[False, True])
    np.testing.assert_allclose(out, [[0.75, 0.75, 12 / 16]])
    only_first = week_levels([rep], [0], answered=[False, True])
    np.testing.assert_allclose(only_first, [[0.75, 0.75]])


def test_mean_half_is_the_student_interval():
    mean, half = mean_half(np.array([[0.8], [0.9], [0.85]]))
    assert mean[0] == pytest.approx(0.85)
    assert half[0] == pytest.approx(T975_2 * 0.05 / np.sqrt(3))
    mean, half = mean_half(np.array([[0.7, np.nan]]))
    assert mean[0] == 0.7 and np.isnan(half[0]) and np.isnan(mean[1])


def test_paired_difference_is_narrower_than_the_two_intervals():
    a = np.array([[0.80, 0.80], [0.90, 0.90], [0.85, 0.85]])
    b = a + np.array([[0.05], [0.06], [0.04]])  # the same draws, 5 points better
    out = compare_weeks(["phone:de"], [0.8], a, b).set_index("queue")
    assert out.loc["phone:de", "difference"] == pytest.approx(-0.05)
    assert out.loc["phone:de", "difference_ci95"] == pytest.approx(T975_2 * 0.01 / np.sqrt(3))
    assert out.loc["phone:de", "difference_ci95"] < out.loc["phone:de", "sl_week_ci95"]
    assert bool(out.loc["all", "meets_target"]) and bool(out.loc["all",
                                                              "interval_plan_meets_target"])
    with pytest.raises(ValueError):
        compare_weeks(["phone:de"], [0.8], a, b[:2])


def test_the_sentence_names_a_queue_below_target_over_the_week():
    pooled = {"over": "week", "interval_plan": {"paid_h": 1000.0, "gap": 0.01},
              "saving_paid_h": 80.0, "saving_share": 0.08}
    saving = pd.DataFrame({"queue": ["phone:de", "phone:en", "all"], "target": [0.8] * 3,
                           "sl_week": [0.85, 0.78, 0.83], "sl_week_ci95": [0.01] * 3,
                           "sl_week_interval_plan": [0.9, 0.85, 0.88],
                           "sl_week_interval_plan_ci95": [0.01] * 3,
                           "difference": [-0.05, -0.07, -0.05],
                           "difference_ci95": [0.005] * 3,
                           "meets_target": [True, False, True],
                           "interval_plan_meets_target": [True] * 3})
    text = saving_sentence(pooled, saving)
    assert text.startswith("80.0 paid h saved (8.0%) against interval-by-interval staffing "
                           "(1,000.0 h")
    assert "all 2 compared queues" in text and "-5.0 ± 0.5 pt" in text
    assert "below target over the week in the simulation: phone:en 78.0% ± 1.0 pt" in text
    assert "not simulated" in saving_sentence(pooled, None)
    # the cost saving against the interval plan's gap: 2,000 of 25,000 = 8 % > 1 %
    pooled["interval_plan"]["cost"], pooled["saving_cost"] = 25_000.0, 2_000.0
    assert ("(1,000.0 h, planned in the same run), 8.0% of its cost: more than its solver "
            "gap (1.00%), not solver noise;") in \
        saving_sentence(pooled, saving)
    pooled["interval_plan"]["gap"] = 0.09
    assert "not more than its solver gap (9.00%), within solver noise" in \
        saving_sentence(pooled, saving)
    # a plan dearer than the interval plan by more than its gap is not noise either
    pooled["interval_plan"]["gap"], pooled["saving_cost"] = 0.0005, -375.0
    assert "-1.5% of its cost: more than its solver gap (0.05%), not solver noise" in \
        saving_sentence(pooled, saving)


SHORT_SHIFTS = """[[shift]]
name = "short"
lengths = ["4h"]
starts = "08:00-14:00"

[[shift]]
name = "early\""""


@pytest.fixture(scope="module")
def week_plan(tmp_path_factory) -> Path:
    """The small center (phone:de Erlang A, e-mail) with 4-hour shifts, planned for the
    week's service level and simulated 10 times."""
    d = tmp_path_factory.mktemp("slweek")
    paths = write_inputs(d)
    text = paths["center"].read_text(encoding="utf-8")
    text = text.replace("days_off = 2\n", 'days_off = 2\nservice_level_over = "week"\n')
    paths["center"].write_text(text.replace('[[shift]]\nname = "early"', SHORT_SHIFTS),
                               encoding="utf-8")
    out = d / "plan"
    res = runner.invoke(app, ["plan", str(paths["history"]), "--config", str(paths["center"]),
                              "-o", str(out), "--simulate", "10", "--time-limit", "20s"])
    assert res.exit_code == 0, res.output
    return out


def test_week_plan_saves_hours_at_the_weekly_target_in_simulation(week_plan):
    s = json.loads((week_plan / "schedule_summary.json").read_text())["service_level_over"]
    base = pd.read_csv(week_plan / "interval_plan" / "shifts.csv")
    mine = pd.read_csv(week_plan / "shifts.csv")
    assert s["interval_plan"]["time_limit_s"] == 20.0  # the same limit as the plan
    assert s["saving_paid_h"] > 0
    # the plans' own files agree with the summary: shift cost is paid hours x rate 20
    assert base["cost"].sum() - mine["cost"].sum() == pytest.approx(s["saving_cost"])
    assert s["saving_cost"] == pytest.approx(20.0 * s["saving_paid_h"])
    # both plans simulated with the same seeds; the week plan meets the week's target
    sim_a = pd.read_csv(week_plan / "simulation.csv")
    sim_b = pd.read_csv(week_plan / "interval_plan" / "simulation.csv")
    assert len(sim_a) == len(sim_b) and (sim_a["offered"] > 0).any()
    cmp = pd.read_csv(week_plan / "service_level_saving.csv").set_index("queue")
    row = cmp.loc["phone:de"]
    assert bool(row["meets_target"]) and bool(row["interval_plan_meets_target"])
    assert row["sl_week"] + row["sl_week_ci95"] >= 0.8
    # the week's SL of simulation.csv, offered-weighted, is close to the replications' mean
    de = sim_a[sim_a["channel"] == "phone"]
    weighted = (de["service_level_sim"] * de["offered"]).sum() / de["offered"].sum()
    assert weighted == pytest.approx(row["sl_week"], abs=0.02)


def test_report_shows_the_saving_on_its_first_screen(week_plan):
    html = (week_plan / "report.html").read_text(encoding="utf-8")
    s = json.loads((week_plan / "schedule_summary.json").read_text())["service_level_over"]
    head = html[:html.index("<nav class='toc'>")]
    assert "Service level over the week:" in head
    assert f"{s['saving_paid_h']:,.1f} paid h saved" in head
    assert "simulated week SL" in head and "id='service-level-saving'" in html
    summary = pd.read_excel(week_plan / "report.xlsx", sheet_name="Summary")
    line = summary[summary["Item"] == "Service level over the week"]["Value"].iloc[0]
    assert "paid h saved" in line and "simulated week SL" in line
    sheet = pd.read_excel(week_plan / "report.xlsx", sheet_name="service_level_saving")
    assert {"phone:de", "all"} <= set(sheet["queue"])


def test_verify_verdict_reaches_the_rebuilt_report(week_plan, tmp_path):
    """wfm schedule --verify into a plan directory, then wfm report: the first screen
    has the verdict, an alert per queue left below target, and the rounds' table."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    center = tmp_path / "center.toml"  # interval staffing: --verify checks intervals
    center.write_text((week_plan.parent / "center.toml").read_text(encoding="utf-8")
                      .replace('service_level_over = "week"\n', ""), encoding="utf-8")
    res = runner.invoke(app, ["schedule", str(plan / "requirements.csv"), "-c", str(center),
                              "-o", str(plan), "--time-limit", "10s", "--verify",
                              "--verify-rounds", "1", "--verify-replications", "5", "--json"])
    assert res.exit_code == 0, res.output
    v = json.loads(res.output)["verify"]
    res = runner.invoke(app, ["report", str(plan), "--history",
                              str(week_plan.parent / "history.csv"), "-c", str(center)])
    assert res.exit_code == 0, res.output
    html = (plan / "report.html").read_text(encoding="utf-8")
    head = html[:html.index("<nav class='toc'>")]
    assert "Verified by simulation:" in head
    assert "Service level over the week" not in head  # this summary has no saving
    for u in v["unmet"]:
        assert f"after --verify {u['queue']} still misses its target" in head
    if not v["unmet"]:
        assert "every simulated queue meets its target" in head
    assert "id='verify'" in html
    sheet = pd.read_excel(plan / "report.xlsx", sheet_name="verify")
    assert set(sheet["round"]) == {r["round"] for r in v["rows"]}


def test_a_compared_queue_missing_from_the_requirements_is_a_located_error(week_plan,
                                                                           tmp_path):
    """The saving's queues come from the requirements the plan was made from; another
    requirements file without one of them is a one-line error naming it, and nothing is
    written (before: the queue was silently left out of service_level_saving.csv)."""
    import shutil

    from wfm.errors import WfmInputError
    from wfm.pipeline.sl_saving import simulate_both

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    before = {p: p.read_bytes() for p in plan.rglob("*.csv")}
    pooled = json.loads((plan / "schedule_summary.json").read_text())["service_level_over"]
    req = pd.read_csv(plan / "requirements.csv")
    other = tmp_path / "requirements_email_only.csv"
    req[req["channel"] != "phone"].to_csv(other, index=False)
    with pytest.raises(WfmInputError) as err:
        simulate_both(plan, week_plan.parent / "center.toml", other, "simulation.csv",
                      pooled, 2, 1)
    assert str(err.value).startswith(f"{other}: queue phone:de ")
    assert "\n" not in str(err.value)
    assert {p: p.read_bytes() for p in plan.rglob("*.csv")} == before


def test_verify_keeps_the_comparison_with_the_interval_plan(week_plan, tmp_path):
    """wfm schedule --verify with service_level_over = "week": the verified plan's summary
    still compares it with the interval plan (before: the key was dropped and the report
    said nothing of the saving), says that the interval plan is not verified, and keeps
    the first plan's saving; the rebuilt report shows the saving with that caveat."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    center = week_plan.parent / "center.toml"
    res = runner.invoke(app, ["schedule", str(plan / "requirements.csv"), "-c", str(center),
                              "-o", str(plan), "--time-limit", "5s", "--verify",
                              "--verify-rounds", "1", "--verify-replications", "5", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{"):])
    p = out["service_level_over"]
    base = p["interval_plan"]
    assert p["saving_paid_h"] == pytest.approx(base["paid_h"] - out["paid_h"])
    assert p["saving_cost"] == pytest.approx(base["cost"] - out["cost"])
    assert p["saving_paid_h"] <= p["saving_paid_h_before_verify"] + 1e-9  # verify only adds
    assert base["time_limit_s"] == 5.0
    assert "not verified" in p["notes"][0]
    assert json.loads((plan / "schedule_summary.json").read_text())["service_level_over"] == p
    res = runner.invoke(app, ["report", str(plan), "--history",
                              str(week_plan.parent / "history.csv"), "-c", str(center)])
    assert res.exit_code == 0, res.output
    html = (plan / "report.html").read_text(encoding="utf-8")
    head = html[:html.index("<nav class='toc'>")]
    assert "Service level over the week:" in head and "Verified by simulation:" in head
    assert f"{p['saving_paid_h']:,.1f} paid h saved" in head
    assert "against an interval plan not verified by simulation" in head


def _snapshot(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_schedule_removes_a_stale_interval_plan_and_keeps_the_users_files(week_plan,
                                                                          tmp_path):
    """wfm schedule -o PLAN without service_level_over over a plan that had it: the old
    interval_plan/ and the comparison of the two plans (service_level_saving.csv) go in
    the same step as the new plan arrives (before: they stayed and read as current);
    the plan directory's other files stay; no staging directory is left."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    (plan / "notes.txt").write_text("the planner's own file\n")
    center = tmp_path / "center.toml"
    center.write_text((week_plan.parent / "center.toml").read_text(encoding="utf-8")
                      .replace('service_level_over = "week"\n', ""), encoding="utf-8")
    res = runner.invoke(app, ["schedule", str(plan / "requirements.csv"), "-c", str(center),
                              "-o", str(plan), "--time-limit", "5s", "-q"])
    assert res.exit_code == 0, res.output
    assert not (plan / "interval_plan").exists()
    assert not (plan / "service_level_saving.csv").exists()
    assert "service_level_over" not in json.loads((plan / "schedule_summary.json").read_text())
    assert (plan / "notes.txt").read_text() == "the planner's own file\n"
    for name in ("forecast.csv", "requirements.csv", "report.html", "simulation.csv"):
        assert (plan / name).read_bytes() == (week_plan / name).read_bytes()
    assert not [p for p in plan.iterdir() if p.name.startswith(".")]  # no staging left


def test_schedule_replaces_the_interval_plan_whole(week_plan, tmp_path):
    """A second week run: interval_plan/ is the new run's only; its simulation of the
    old interval plan (written by wfm plan --simulate) does not stay beside it."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    assert (plan / "interval_plan" / "simulation.csv").exists()
    res = runner.invoke(app, ["schedule", str(plan / "requirements.csv"), "-c",
                              str(week_plan.parent / "center.toml"), "-o", str(plan),
                              "--time-limit", "5s", "-q"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (plan / "interval_plan").iterdir()) == [
        "coverage.csv", "shifts.csv", "uncovered.csv"]


def test_schedule_failing_while_writing_leaves_the_output_as_it_was(week_plan, tmp_path,
                                                                     monkeypatch):
    """An error after some files are written (here: the summary cannot be written)
    leaves every file of the output byte for byte as before, and no staging directory
    (before: shifts.csv, coverage.csv, ... of the new plan beside the old summary)."""
    import shutil

    import wfm.pipeline.schedule as sched
    from wfm.errors import WfmInputError

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    before = _snapshot(plan)

    def full_disk(path, summary):
        raise WfmInputError("cannot write the output: No space left on device", file=str(path))

    monkeypatch.setattr(sched, "write_summary", full_disk)
    center = tmp_path / "center.toml"
    center.write_text((week_plan.parent / "center.toml").read_text(encoding="utf-8")
                      .replace('service_level_over = "week"\n', ""), encoding="utf-8")
    with pytest.raises(WfmInputError) as err:
        sched.run_schedule(plan / "requirements.csv", center, plan, "highs", 5.0, 0.005)
    assert str(err.value).startswith(f"{plan / 'schedule_summary.json'}: cannot write")
    assert _snapshot(plan) == before
    assert not [p for p in plan.iterdir() if p.name.startswith(".")]  # no staging left
    # a new output directory is not left behind empty
    with pytest.raises(WfmInputError):
        sched.run_schedule(plan / "requirements.csv", center, tmp_path / "new", "highs",
                           5.0, 0.005)
    assert not (tmp_path / "new").exists()


def test_schedule_into_the_current_directory_and_after_a_kill(week_plan, tmp_path,
                                                              monkeypatch):
    """-o . publishes into the working directory itself (the directory is kept, its
    entries replaced), and a staging directory a killed run left is removed."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    dead = plan / ".wfm-schedule.999999999.abc.partial"  # no such process
    (dead / "interval_plan").mkdir(parents=True)
    monkeypatch.chdir(plan)
    res = runner.invoke(app, ["schedule", "requirements.csv", "-c",
                              str(week_plan.parent / "center.toml"), "-o", ".",
                              "--time-limit", "5s", "-q"])
    assert res.exit_code == 0, res.output
    assert not dead.exists()
    assert (plan / "interval_plan" / "shifts.csv").exists()
    assert not (plan / "interval_plan" / "simulation.csv").exists()


@pytest.mark.parametrize("text", ["", "foo,bar\n1,2\n"])
def test_report_names_a_broken_saving_file(week_plan, tmp_path, text):
    """wfm report of a plan whose service_level_saving.csv is empty or has other columns:
    one located line, exit 2 (before: internal error, EmptyDataError / KeyError)."""
    import shutil

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    (plan / "service_level_saving.csv").write_text(text)
    res = runner.invoke(app, ["report", str(plan), "--history",
                              str(week_plan.parent / "history.csv"), "-c",
                              str(week_plan.parent / "center.toml")])
    assert res.exit_code == 2, res.output
    assert f"{plan / 'service_level_saving.csv'}:1: " in res.output


def test_report_writes_both_files_or_neither(week_plan, tmp_path, monkeypatch):
    """wfm report failing on report.xlsx (e.g. open in Excel) leaves report.html as it
    was too (before: a new report.html beside the old workbook)."""
    import shutil

    import wfm.report
    from wfm.errors import WfmInputError

    plan = tmp_path / "plan"
    shutil.copytree(week_plan, plan)
    before = _snapshot(plan)

    def locked(path, tables, facts):
        raise WfmInputError("cannot write the output: Permission denied", file=str(path))

    monkeypatch.setattr(wfm.report, "write_workbook", locked)
    res = runner.invoke(app, ["report", str(plan), "--history",
                              str(week_plan.parent / "history.csv"), "-c",
                              str(week_plan.parent / "center.toml")])
    assert res.exit_code == 2, res.output
    assert f"{plan / 'report.xlsx'}: cannot write" in res.output
    assert _snapshot(plan) == before
    assert not [p for p in plan.iterdir() if p.name.startswith(".")]
