import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wfm.cli import app

ROOT = Path(__file__).resolve().parents[1]
CENTER = str(ROOT / "examples" / "center.toml")
runner = CliRunner()


def test_erlang_table_marks_requirement():
    result = runner.invoke(
        app,
        ["erlang", "--volume", "100", "--aht", "300s", "--interval", "30m", "--target", "80/20s"],
    )
    assert result.exit_code == 0, result.output
    line = next(li for li in result.output.splitlines() if "required" in li)
    assert line.split()[0] == "21"
    assert "82.6 %" in line


def test_erlang_json_erlang_a():
    result = runner.invoke(
        app,
        [
            "erlang",
            "--volume",
            "100",
            "--aht",
            "5m",
            "--target",
            "80/20s",
            "--patience",
            "2m",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["required_agents"] == 19
    assert data["binding"] == "service_level"
    req = next(li for li in data["lines"] if li["required"])
    assert req["abandon_rate"] == pytest.approx(0.0604, abs=1e-4)


def test_erlang_chat():
    result = runner.invoke(
        app,
        [
            "erlang",
            "--volume",
            "30",
            "--aht",
            "420s",
            "--target",
            "80/60s",
            "--patience",
            "180s",
            "--concurrency",
            "3",
            "--aht-factors",
            "1,1.2857142857142858,1.6428571428571428",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["required_agents"] == 4  # channel-models.md 1.5


@pytest.mark.parametrize(
    "args",
    [
        ["--volume", "100", "--aht", "0s"],
        ["--volume", "100", "--aht", "abc"],
        ["--volume", "-1", "--aht", "300s"],
        ["--volume", "100", "--aht", "300s", "--target", "120/20s"],
        ["--volume", "100", "--aht", "300s", "--max-abandon", "5%"],
        ["--volume", "100", "--aht", "300s", "--basis", "sometimes"],
        ["--volume", "100", "--aht", "300s", "--concurrency", "3", "--aht-factors", "1,x"],
    ],
)
def test_erlang_bad_options_exit_2(args):
    result = runner.invoke(app, ["erlang", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_staff_writes_requirements(tmp_path):
    out = tmp_path / "req.csv"
    result = runner.invoke(
        app, ["staff", str(ROOT / "examples" / "forecast.csv"), "-c", CENTER, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3340
    assert rows[0]["interval_start"].endswith("+01:00")
    assert {"agents_required", "agents_unrounded", "binding_target"} <= set(rows[0])
    assert "phone:de" in result.output


BAD_FORECASTS = {
    "missing column": ("interval_start,channel,language,volume\n", "missing column(s) aht_s"),
    "negative volume": (
        "interval_start,channel,language,volume,aht_s\n2026-03-23T08:00:00+01:00,phone,de,-1,300\n",
        ":2: column 'volume'",
    ),
    "zero aht": (
        "interval_start,channel,language,volume,aht_s\n2026-03-23T08:00:00+01:00,phone,de,4,0\n",
        ":2: column 'aht_s'",
    ),
    "nan": (
        "interval_start,channel,language,volume,aht_s\n2026-03-23T08:00:00+01:00,phone,de,NaN,300\n",
        ":2: column 'volume'",
    ),
    "unknown queue": (
        "interval_start,channel,language,volume,aht_s\n2026-03-23T08:00:00+01:00,phone,xx,4,300\n",
        ":2: column 'language'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FORECASTS))
def test_staff_bad_forecast_one_line_exit_2_no_output(tmp_path, case):
    text, expected = BAD_FORECASTS[case]
    src = tmp_path / "fc.csv"
    src.write_text(text)
    out = tmp_path / "req.csv"
    result = runner.invoke(app, ["staff", str(src), "-c", CENTER, "-o", str(out)])
    assert result.exit_code == 2
    assert expected in result.output
    assert result.output.strip().count("\n") == 0  # one line
    assert not out.exists()
    assert not list(tmp_path.glob(".req.csv*"))


def test_staff_bad_config_exit_2(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text('[[queue]]\nchannel = "phone"\nlanguage = "de"\nmodel = "erlang_q"\n')
    out = tmp_path / "req.csv"
    result = runner.invoke(
        app, ["staff", str(ROOT / "examples" / "forecast.csv"), "-c", str(bad), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "model" in result.output and str(bad) in result.output
    assert not out.exists()


def test_python_dash_m_and_help():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "wfm", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "erlang" in proc.stdout and "staff" in proc.stdout


def test_output_that_cannot_be_written_is_a_user_error(tmp_path):
    """A directory where the output file should go: one line, exit code 2, no
    traceback (the console script's own handler, so run it as a process)."""
    import subprocess
    import sys

    blocked = tmp_path / "requirements.csv"
    blocked.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "wfm", "staff", str(ROOT / "examples" / "forecast.csv"),
         "-c", CENTER, "-o", str(blocked), "--quiet"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == f"error: {blocked}: cannot write the output: it is a directory"
    assert list(tmp_path.iterdir()) == [blocked] and not list(blocked.iterdir())


def test_an_interrupt_inside_a_module_initialisation_reads_as_interrupted(monkeypatch, capsys):
    """Ctrl-C inside a C extension's initialisation surfaces as ImportError
    ("initialization failed") with the KeyboardInterrupt as its context: exit 130 and
    "interrupted", not "internal error" (exit 1)."""
    import wfm.cli as cli

    def interrupted_import(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise ImportError("initialization failed") from None

    def failing(*args, **kwargs):
        raise ImportError("initialization failed")

    monkeypatch.setattr(cli, "app", interrupted_import)
    assert cli._exit_code(["plan"]) == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    monkeypatch.setattr(cli, "app", failing)  # the same error without an interrupt: a bug
    assert cli._exit_code(["plan"]) == 1
    assert "internal error" in capsys.readouterr().err
