"""``wfm scenario compare``: the bundled example, and bad scenario files -> exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from wfm.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def run(scenarios: Path, *extra: str):
    return runner.invoke(
        app,
        [
            "scenario",
            "compare",
            str(scenarios),
            "--forecast",
            str(EXAMPLES / "forecast.csv"),
            "--config",
            str(EXAMPLES / "center.toml"),
            *extra,
        ],
    )


def test_example_writes_summary_queues_and_explain(tmp_path):
    out = tmp_path / "cmp.csv"
    res = run(EXAMPLES / "scenarios.toml", "-o", str(out), "--explain", "--json")
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out)
    totals = summary[summary["provider"] == "TOTAL"].set_index("scenario")
    assert list(totals.index) == [
        "A in-house",
        "B onshore",
        "C nearshore",
        "D hybrid",
        "E overflow",
    ]
    parts = summary[summary["provider"] != "TOTAL"].groupby("scenario")["run_cost_per_year_eur"]
    assert parts.sum().to_dict() == pytest.approx(totals["run_cost_per_year_eur"].to_dict())
    assert (totals["tco_eur"] >= 3 * totals["run_cost_per_year_eur"] - 1).all()
    queues = pd.read_csv(tmp_path / "cmp.queues.csv")
    assert set(queues["queue"]) >= {"phone:de", "chat:de", "email:tr"}
    explain = pd.read_csv(tmp_path / "cmp.explain.csv")
    assert explain.groupby("scenario")["eur_per_year"].sum().to_dict() == pytest.approx(
        totals["run_cost_per_year_eur"].to_dict(), rel=1e-6
    )
    payload = json.loads(res.output)
    assert payload["service_level"]["A in-house"]["phone:de"] > 0.8


BASE = (EXAMPLES / "scenarios.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('provider = "pool"', 'provider = "nobody"', "scenario[4] (D hybrid).route[1].provider"),
        ("price = 17.0", "price = -17.0", "provider[3] (nearshore).price.price"),
        ('default = "inhouse"         # what', "# what", "scenario[4] (D hybrid).route"),
        (
            'provider = "pool"',
            "shares = { pool = 0.6, inhouse = 0.3 }",
            "scenario[4] (D hybrid).route[1].shares",
        ),
        ('default = "onshore"', 'default = "pool"', "scenario[2] (B onshore).default"),
        ("annual_salary = 36000", "anual_salary = 36000", "provider[1] (inhouse).cost"),
        ('when = "off_hours"', 'when = "evenings"', "scenario[4] (D hybrid).route[2].when"),
        ("[[scenario]]", "[[scenarios]]", "unknown top-level table(s): scenarios"),
        ("baseline_fcr = 0.78", "", "provider[2] (onshore).fcr"),
        # old keys (the center holds country and night window now) are still checked
        ("[settings]\n", '[settings]\ncountry = "XX"\n', "settings.country"),
        ("[settings]\n", '[settings]\nnight = "20-06"\n', "settings.night"),
        (
            'provider = "pool"',
            "shares = { pool = 0.5, ghost = 0.5 }",
            "scenario[4] (D hybrid).route[1].shares: unknown provider 'ghost'",
        ),
        (
            'queues = ["*:fr", "*:tr"]',
            'queues = ["*:de"]',
            "provider 'pool' does not serve queue chat:de",
        ),
        ('queues = ["*:fr", "*:tr"]', 'queues = ["fax:de"]', "route[1].queues"),
        (
            'provider = "onshore", above',
            'provider = "pool", above',
            "scenario[5] (E overflow).route[1].overflow.provider: provider 'pool' does not serve",
        ),
        (
            "above = 0.9 }",
            "above = 0.9, agents = 3 }",
            "scenario[5] (E overflow).route[1].overflow: ",
        ),
        (
            'queues = ["phone:de", "phone:en"]\nprovider = "inhouse"',
            'queues = ["chat:de"]\nprovider = "inhouse"',
            "route[1].overflow: overflow needs Erlang C or A queues; chat:de is chat",
        ),
    ],
)
def test_bad_scenario_file_exits_2_naming_file_and_key(tmp_path, old, new, key):
    assert old in BASE
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out.csv"
    res = run(bad, "-o", str(out))
    assert res.exit_code == 2, res.output
    assert str(bad) in res.output
    assert key in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_sensitivity_moves_costs_the_expected_way():
    res = run(EXAMPLES / "scenarios.toml", "--sensitivity", "--json")
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    base = {
        r["scenario"]: r["run_cost_per_year_eur"]
        for r in payload["scenarios"]
        if r["provider"] == "TOTAL"
    }
    case = {(s["case"], s["scenario"]): s["run_cost_per_year_eur"] for s in payload["sensitivity"]}
    for name, cost in base.items():
        assert case["volume +10%", name] > cost > case["volume -10%", name]
        assert case["AHT +10%", name] > cost > case["AHT -10%", name]
    assert case["vendor price +10%", "A in-house"] == pytest.approx(base["A in-house"])
    assert case["vendor price +10%", "C nearshore"] > base["C nearshore"]


def test_quiet_prints_nothing_and_writes(tmp_path):
    out = tmp_path / "q.csv"
    res = run(EXAMPLES / "scenarios.toml", "-o", str(out), "--quiet")
    assert res.exit_code == 0 and res.output == ""
    assert out.exists() and (tmp_path / "q.queues.csv").exists()


def test_frontier_writes_the_sweep_with_endpoints_equal_to_b_and_a(tmp_path):
    out = tmp_path / "f.csv"
    res = run(
        EXAMPLES / "scenarios.toml", "-o", str(out), "--frontier", "--frontier-steps", "3", "--json"
    )
    assert res.exit_code == 0, res.output
    totals = pd.read_csv(out).query("provider == 'TOTAL'").set_index("scenario")
    front = pd.read_csv(tmp_path / "f.frontier.csv")
    # the default scenario is the first routing to a vendor: B onshore
    assert set(front["scenario"]) == {"B onshore"}
    assert list(front["inhouse_share"]) == [0.0, 0.5, 1.0]
    for share, name in ((0.0, "B onshore"), (1.0, "A in-house")):
        row = front[front["inhouse_share"] == share].iloc[0]
        assert row["run_cost_per_year_eur"] == pytest.approx(
            totals.loc[name, "run_cost_per_year_eur"], abs=0.02
        )
        assert row["tco_eur"] == pytest.approx(totals.loc[name, "tco_eur"], abs=0.02)
    assert "service_level_phone:de" in front.columns
    assert front["pareto"].any()
    assert len(json.loads(res.output)["frontier"]) == 3


def test_unknown_frontier_scenario_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "f.csv"
    res = run(EXAMPLES / "scenarios.toml", "-o", str(out), "--frontier", "--frontier-scenario", "Z")
    assert res.exit_code == 2
    assert "--frontier-scenario: unknown scenario 'Z'" in res.output
    assert "scenarios.toml" in res.output and "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []
