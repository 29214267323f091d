from pathlib import Path

import pytest

from wfm.config import load_center
from wfm.errors import WfmInputError
from wfm.io.forecast import read_forecast

ROOT = Path(__file__).resolve().parents[1]
CENTER = load_center(ROOT / "examples" / "center.toml")
HEADER = "interval_start,channel,language,volume,aht_s\n"


def write(tmp_path, text, name="forecast.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_example_forecast_reads():
    fc = read_forecast(ROOT / "examples" / "forecast.csv", CENTER)
    assert len(fc.frame) == 3340
    assert str(fc.frame["interval_start"].dt.tz) == "Europe/Berlin"
    sunday = fc.frame[(fc.frame["channel"] == "phone") & (fc.frame["language"] == "de")]
    sunday = sunday[sunday["interval_start"].dt.day == 29]
    assert len(sunday) == 46  # spring DST change: a 23-hour day


def test_german_excel_export_with_bom(tmp_path):
    text = (
        "interval_start;channel;language;volume;aht_s\n"
        "2026-03-23T08:00:00+01:00;phone;de;12,5;300,5\n"
        "2026-03-23 08:30;Phone;DE;10;280\n"
    )
    path = write(tmp_path, "\ufeff" + text)
    fc = read_forecast(path, CENTER)
    assert fc.frame["volume"].tolist() == [12.5, 10.0]
    assert fc.frame["aht_s"].tolist() == [300.5, 280.0]
    assert fc.frame["interval_start"].iloc[1].isoformat() == "2026-03-23T08:30:00+01:00"


def test_utc_offsets_are_converted(tmp_path):
    path = write(tmp_path, HEADER + "2026-03-23T07:00:00Z,phone,de,5,300\n")
    fc = read_forecast(path, CENTER)
    assert fc.frame["interval_start"].iloc[0].isoformat() == "2026-03-23T08:00:00+01:00"


def test_exact_duplicates_dropped_with_warning(tmp_path):
    row = "2026-03-23T08:00:00+01:00,phone,de,5,300\n"
    fc = read_forecast(write(tmp_path, HEADER + row + row), CENTER)
    assert len(fc.frame) == 1
    assert "duplicate" in fc.warnings[0]


@pytest.mark.parametrize(
    ("body", "row", "column", "message"),
    [
        ("2026-03-23T08:00:00+01:00,phone,de,-3,300\n", 2, "volume", "volume >= 0"),
        ("2026-03-23T08:00:00+01:00,phone,de,abc,300\n", 2, "volume", "'abc'"),
        ("2026-03-23T08:00:00+01:00,phone,de,nan,300\n", 2, "volume", "volume"),
        ("2026-03-23T08:00:00+01:00,phone,de,,300\n", 2, "volume", "empty cell"),
        ("2026-03-23T08:00:00+01:00,phone,de,5,0\n", 2, "aht_s", "above 0"),
        ("2026-03-23T08:00:00+01:00,phone,xx,5,300\n", 2, "language", "not in the config"),
        ("2026-03-23T08:00:00+01:00,fax,de,5,300\n", 2, "channel", "not in the config"),
        ("2026-03-23T08:10:00+01:00,phone,de,5,300\n", 2, "interval_start", "grid"),
        ("yesterday,phone,de,5,300\n", 2, "interval_start", "ISO 8601"),
        ("2026-03-29 02:30,phone,de,5,300\n", 2, "interval_start", "DST"),
        ("2026-03-23T08:00:00+01:00,phone,de,5\n", 2, None, "expected 5 fields"),
        (
            "2026-03-23T08:00:00+01:00,phone,de,5,300\n2026-03-23T08:00:00+01:00,phone,de,6,300\n",
            3,
            None,
            "conflicting duplicate of line 2",
        ),
    ],
)
def test_bad_rows_name_file_row_column(tmp_path, body, row, column, message):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(WfmInputError) as err:
        read_forecast(path, CENTER)
    text = str(err.value)
    assert text.startswith(f"{path}:{row}: ")
    if column:
        assert f"column '{column}'" in text
    assert message in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interval_start,channel,language,volume\n", "missing column(s) aht_s"),
        ("interval_start,channel,language,volume,aht_s,colour\n", "unknown column 'colour'"),
        ("", "empty file"),
        (HEADER, "no data rows"),
    ],
)
def test_bad_header(tmp_path, text, message):
    with pytest.raises(WfmInputError) as err:
        read_forecast(write(tmp_path, text), CENTER)
    assert message in str(err.value)


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(WfmInputError, match="file not found"):
        read_forecast(tmp_path / "nope.csv", CENTER)
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "2026-03-23T08:00:00+01:00,phone,de,5,300 \xe9\n").encode("latin-1"))
    with pytest.raises(WfmInputError, match="UTF-8"):
        read_forecast(path, CENTER)


def test_repeated_autumn_hour_is_read_in_file_order_per_queue(tmp_path):
    """The same rule as the history reader (one time parser): the first
    02:30 of 25 October 2026 is summer time (+02:00), the second winter time."""
    rows = [
        "2026-10-25 02:30,phone,de,5,300",
        "2026-10-25 02:30,chat,de,7,400",
        "2026-10-25 02:30,phone,de,6,300",
        "2026-10-25 02:30,chat,de,8,400",
    ]
    fc = read_forecast(write(tmp_path, HEADER + "\n".join(rows) + "\n"), CENTER).frame
    for channel, first, second in (("phone", 5, 6), ("chat", 7, 8)):
        q = fc[fc["channel"] == channel].sort_values("interval_start")
        offsets = [t.utcoffset().total_seconds() / 3600 for t in q["interval_start"]]
        assert offsets == [2.0, 1.0]
        assert q["volume"].tolist() == [first, second]
