"""wfm forecast / wfm forecast backtest end to end on small generated histories."""

import json
from pathlib import Path

import pandas as pd
import pytest
from test_forecast import simulated_history
from typer.testing import CliRunner

from wfm.cli import app
from wfm.config import load_center
from wfm.errors import WfmInputError
from wfm.io.events import country_for_timezone, public_holidays, read_events
from wfm.io.forecast import read_forecast

ROOT = Path(__file__).resolve().parents[1]
CENTER = str(ROOT / "examples" / "center.toml")
runner = CliRunner()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    frame = simulated_history(weeks=9, queues=(("email", "de", 3000.0), ("email", "tr", 15.0)))
    frame = frame.drop(columns=["handled", "abandoned", "open"])
    frame["interval_start"] = [t.isoformat() for t in frame["interval_start"]]
    path = tmp_path_factory.mktemp("hist") / "history.csv"
    frame.to_csv(path, index=False)
    return path


def test_forecast_writes_contract_that_staff_reads(history, tmp_path):
    out = tmp_path / "forecast.csv"
    result = runner.invoke(
        app, ["forecast", str(history), "-o", str(out), "--config", CENTER, "--horizon", "7d"]
    )
    assert result.exit_code == 0, result.output
    fc = read_forecast(out, load_center(CENTER))
    assert set(fc.frame["language"]) == {"de", "tr"}
    assert len(fc.frame) == 2 * 7 * 48
    header = out.read_text().splitlines()[0].split(",")
    assert header[:5] == ["interval_start", "channel", "language", "volume", "aht_s"]
    assert {"volume_lo80", "volume_hi95", "model"} <= set(header)
    req = tmp_path / "req.csv"
    staffed = runner.invoke(app, ["staff", str(out), "--config", CENTER, "-o", str(req), "-q"])
    assert staffed.exit_code == 0, staffed.output
    # email:tr is open Mon-Sat 08-18 in the config: nothing forecast outside
    tr = fc.frame[fc.frame["language"] == "tr"]
    hours = tr["interval_start"].dt.hour
    assert (tr.loc[(hours < 8) | (hours >= 18), "volume"] == 0).all()


def test_forecast_without_config(history, tmp_path):
    out = tmp_path / "f.csv"
    result = runner.invoke(
        app,
        [
            "forecast",
            str(history),
            "-o",
            str(out),
            "--timezone",
            "Europe/Berlin",
            "--method",
            "mean4",
            "--horizon",
            "2d",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert (frame["model"] == "mean4").all() and len(frame) == 2 * 2 * 48


def test_backtest_table_marks_choice(history):
    args = ["forecast", "backtest", str(history), "--config", CENTER, "--origins", "14"]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "auto → " in result.output and " * " in result.output
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    chosen = {r["queue"]: r["method"] for r in data["rows"] if r["chosen"]}
    assert set(chosen) == {"email:de", "email:tr"}
    methods = {r["method"] for r in data["rows"] if r["queue"] == "email:tr"}
    assert "split" in methods  # email:tr is sparse: the channel-split candidate is tried


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("2026-01-05T08:00:00+01:00,email,de,-1,300\n", ":2: column 'volume'"),
        ("2026-01-05T08:00:00+01:00,phone,xx,1,300\n", ":2: column 'language'"),
        ("2026-01-05T08:07:00+01:00,email,de,1,300\n", ":2: column 'interval_start'"),
    ],
)
def test_bad_history_exit_2_nothing_written(tmp_path, body, where):
    path = tmp_path / "bad.csv"
    path.write_text("interval_start,channel,language,volume,aht_s\n" + body)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["forecast", str(path), "-o", str(out), "--config", CENTER])
    assert result.exit_code == 2
    assert str(path) + where in result.output
    assert not out.exists()


def test_bad_options_exit_2(history, tmp_path):
    out = tmp_path / "o.csv"
    assert runner.invoke(app, ["forecast", str(history)]).exit_code == 2  # no -o
    r = runner.invoke(app, ["forecast", str(history), "-o", str(out), "--method", "magic"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["forecast", str(history), "-o", str(out), "--horizon", "36h"])
    assert r.exit_code == 2
    assert not out.exists()


def test_events_file_errors_are_located(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(
        "start,end,channel,language,effect,value\n"
        "2026-09-14,2026-09-28,phone,de,multiply,1.3\n"
        "2026-09-14,2026-09-10,phone,de,multiply,1.3\n"
    )
    with pytest.raises(WfmInputError) as err:
        read_events(path, "Europe/Berlin")
    assert (err.value.row, err.value.column) == (3, "end")
    path.write_text("start,end,effect,value\n2026-09-14,2026-09-15,double,2\n")
    with pytest.raises(WfmInputError, match="multiply or exclude"):
        read_events(path, "Europe/Berlin")
    path.write_text("start,end,effect,value\n2026-09-14,2026-09-15,multiply,\n")
    with pytest.raises(WfmInputError, match="needs a value"):
        read_events(path, "Europe/Berlin")
    path.write_text("start,end,effect\n2026-09-14,2026-09-15T12:00,exclude\n")
    ev = read_events(path, "Europe/Berlin")
    assert ev["start"].iloc[0] == pd.Timestamp("2026-09-13T22:00Z")
    assert ev["channel"].iloc[0] == "" and ev["effect"].iloc[0] == "exclude"


def test_holidays_from_timezone():
    assert country_for_timezone("Europe/Berlin") == "DE"
    days = public_holidays("DE", [2026])
    assert pd.Timestamp("2026-10-03").date() in days
    assert pd.Timestamp("2026-01-06").date() not in days  # Epiphany: some states only
    assert pd.Timestamp("2026-01-06").date() in public_holidays("DE-BY", [2026])
    with pytest.raises(WfmInputError):
        public_holidays("XX", [2026])


@pytest.mark.parametrize(
    ("cells", "row", "column", "message"),
    [
        ("phnoe,de", 3, "channel", "no queue has channel 'phnoe'"),
        ("phone,xx", 3, "language", "no queue has language 'xx'"),
        ("email,fr", 3, "language", "no queue email:fr"),
    ],
)
def test_events_naming_no_queue_are_errors(tmp_path, cells, row, column, message):
    """A typo in an event's queue made it apply to nothing, silently."""
    path = tmp_path / "events.csv"
    path.write_text(
        "start,end,channel,language,effect,value\n"
        "2026-09-14,2026-09-28,phone,,multiply,1.3\n"
        f"2026-09-14,2026-09-28,{cells},multiply,1.3\n"
    )
    queues = ["phone:de", "phone:fr", "email:de"]
    with pytest.raises(WfmInputError, match=message) as err:
        read_events(path, "Europe/Berlin", queues=queues)
    assert (err.value.row, err.value.column) == (row, column)
    path.write_text("start,end,channel,language,effect,value\n2026-09-14,2026-09-28,,fr,exclude,\n")
    assert len(read_events(path, "Europe/Berlin", queues=queues)) == 1
