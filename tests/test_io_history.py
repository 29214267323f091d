from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wfm.config import center_from_dict
from wfm.errors import WfmInputError
from wfm.io.history import parse_column_mapping, read_history

HEADER = "interval_start,channel,language,volume,aht_s\n"


def center(hours="24/7", interval="30m"):
    return center_from_dict(
        {
            "center": {"timezone": "Europe/Berlin", "interval": interval},
            "queue": [
                {"channel": "phone", "language": "de", "target": "80/20s", "opening_hours": hours},
                {"channel": "chat", "language": "en", "target": "80/60s"},
            ],
        }
    )


def write(tmp_path, text, name="history.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def day_rows(day, n=48, queue="phone,de", step="30min", tz="Europe/Berlin", naive=True):
    """Rows for every interval of a local day; naive local times or with offsets."""
    start = pd.Timestamp(day, tz=tz)
    end = pd.Timestamp(pd.Timestamp(day) + pd.Timedelta(days=1), tz=tz)
    grid = pd.date_range(
        start.tz_convert("UTC"), end.tz_convert("UTC"), freq=step, inclusive="left"
    ).tz_convert(tz)
    times = [t.strftime("%Y-%m-%d %H:%M") if naive else t.isoformat() for t in grid]
    return "".join(f"{t},{queue},{i + 1},300\n" for i, t in enumerate(times)), len(grid)


def test_german_excel_export_semicolon_decimal_comma_bom(tmp_path):
    text = (
        "interval_start;channel;language;volume;aht_s\n"
        "2026-03-23T08:00:00+01:00;phone;de;12;300,5\n"
        "2026-03-23 08:30;Phone;DE;10;280\n"
    )
    h = read_history(write(tmp_path, "\ufeff" + text), center=center())
    assert h.frame["volume"].tolist() == [12.0, 10.0]
    assert h.frame["aht_s"].tolist() == [300.5, 280.0]
    assert h.frame["interval_start"].iloc[1].isoformat() == "2026-03-23T08:30:00+01:00"


def test_tab_separated(tmp_path):
    text = "interval_start\tchannel\tlanguage\tvolume\n2026-03-23T08:00:00Z\tchat\ten\t4\n"
    h = read_history(write(tmp_path, text), center=center())
    assert h.frame["interval_start"].iloc[0].isoformat() == "2026-03-23T09:00:00+01:00"
    assert np.isnan(h.frame["aht_s"].iloc[0])


def test_autumn_dst_day_has_50_intervals_in_file_order(tmp_path):
    body, n = day_rows("2026-10-25")
    assert n == 50
    h = read_history(write(tmp_path, HEADER + body), center=center())
    assert len(h.frame) == 50
    # the two local 02:00 rows: first is summer time (+02:00), second winter (+01:00)
    two = h.frame[h.frame["interval_start"].dt.hour == 2]
    assert [t.isoformat() for t in two["interval_start"]] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T02:30:00+01:00",
    ]
    # file line k holds volume k: nothing shifted
    assert h.frame["volume"].tolist() == list(range(1, 51))
    assert h.gaps["phone:de"] == 0


def test_spring_dst_day_has_46_intervals(tmp_path):
    body, n = day_rows("2026-03-29")
    assert n == 46
    h = read_history(write(tmp_path, HEADER + body), center=center())
    assert len(h.frame) == 46
    assert h.gaps["phone:de"] == 0
    assert h.frame["volume"].tolist() == list(range(1, 47))


def test_offsets_on_dst_day_are_honored(tmp_path):
    body, _ = day_rows("2026-10-25", naive=False)
    h = read_history(write(tmp_path, HEADER + body), center=center())
    assert len(h.frame) == 50 and h.frame["volume"].tolist() == list(range(1, 51))


def test_interval_and_hours_inferred_without_config(tmp_path):
    body = ""
    for day in ("2026-03-02", "2026-03-03"):
        for hh in range(8, 18):
            for mm in ("00", "15", "30", "45"):
                body += f"{day} {hh:02d}:{mm},phone,de,3,200\n"
    h = read_history(write(tmp_path, HEADER + body), timezone="Europe/Berlin")
    assert h.interval == 900
    # the grid spans first..last interval; the night between is closed, not a gap
    assert h.gaps == {"phone:de": 0}
    night = h.frame[h.frame["interval_start"].dt.hour < 8]
    assert len(night) > 0 and (night["volume"] == 0).all()


def test_gap_inside_opening_hours_is_reported_not_zero(tmp_path):
    rows = "".join(f"2026-03-02 {h:02d}:00,phone,de,5,300\n" for h in range(8, 12) if h != 10)
    rows += "".join(f"2026-03-02 {h:02d}:30,phone,de,5,300\n" for h in range(8, 12))
    c = center(hours={"daily": "08:00-12:00"})
    h = read_history(write(tmp_path, HEADER + rows), center=c)
    assert h.gaps["phone:de"] == 1
    missing = h.frame[h.frame["volume"].isna()]
    assert missing["interval_start"].iloc[0].isoformat() == "2026-03-02T10:00:00+01:00"
    assert any("missing inside opening hours" in w for w in h.warnings)


def test_missing_interval_outside_hours_is_closed(tmp_path):
    rows = "2026-03-02 11:30,phone,de,5,300\n2026-03-02 12:30,phone,de,0,0\n"
    c = center(hours={"daily": "08:00-12:00"})
    h = read_history(write(tmp_path, HEADER + rows), center=c)
    assert h.gaps["phone:de"] == 0
    assert h.frame["volume"].tolist() == [5.0, 0.0, 0.0]


def test_exact_duplicates_dropped_with_warning(tmp_path):
    row = "2026-03-23T08:00:00+01:00,phone,de,5,300\n"
    h = read_history(write(tmp_path, HEADER + row + row), center=center())
    assert len(h.frame) == 1
    assert any("duplicate" in w for w in h.warnings)


def test_genesys_preset(tmp_path):
    text = (
        "Interval Start UTC Date,Queue,Media Type,Skill Set,Language,Offered,"
        "Interactions Handled,Total Handle Time (Seconds)\n"
        "2026-03-23T07:00:00Z,Support DE,voice,,German,10,8,2400\n"
        "2026-03-23T07:30:00.000Z,Support DE,voice,,German,4,0,0\n"
    )
    h = read_history(write(tmp_path, text), center=center(), preset="genesys")
    assert h.frame["channel"].tolist() == ["phone", "phone"]
    assert h.frame["language"].tolist() == ["de", "de"]
    assert h.frame["aht_s"].iloc[0] == 300.0 and np.isnan(h.frame["aht_s"].iloc[1])
    assert h.frame["interval_start"].iloc[0].isoformat() == "2026-03-23T08:00:00+01:00"


def test_amazon_connect_preset_language_from_queue_name(tmp_path):
    text = (
        "QueueName,QueueId,ChannelType,TimeStamp,IntervalDuration,IncomingContactVolume,"
        "AverageHandleTime,ContactsHandled\n"
        "Chat_EN,q1,CHAT,2026-03-23T07:00:00Z,30mins,7,412.5,7\n"
    )
    h = read_history(write(tmp_path, text), center=center(), preset="amazon-connect")
    assert (h.frame["channel"].iloc[0], h.frame["language"].iloc[0]) == ("chat", "en")
    assert h.frame["aht_s"].iloc[0] == 412.5


def test_user_column_mapping(tmp_path):
    text = "Start;Kanal;Sprache;Angebot\n2026-03-23 08:00;phone;de;3\n"
    mapping = parse_column_mapping(
        "Start=interval_start,Kanal=channel,Sprache=language,Angebot=volume"
    )
    h = read_history(write(tmp_path, text), center=center(), columns=mapping)
    assert h.frame["volume"].tolist() == [3.0]


def test_bad_mapping_target():
    with pytest.raises(WfmInputError, match="SOURCE=TARGET"):
        parse_column_mapping("Offered=contacts")


@pytest.mark.parametrize(
    ("body", "row", "column", "message"),
    [
        ("2026-03-23T08:00:00+01:00,phone,de,-3,300\n", 2, "volume", "volume >= 0"),
        ("2026-03-23T08:00:00+01:00,phone,de,abc,300\n", 2, "volume", "'abc'"),
        ("2026-03-23T08:00:00+01:00,phone,de,,300\n", 2, "volume", "empty cell"),
        ("2026-03-23T08:00:00+01:00,phone,de,5,-1\n", 2, "aht_s", ">= 0"),
        ("2026-03-23T08:00:00+01:00,phone,xx,5,300\n", 2, "language", "not in the config"),
        ("2026-03-23T08:00:00+01:00,fax,de,5,300\n", 2, "channel", "not in the config"),
        ("2026-03-23T08:10:00+01:00,phone,de,5,300\n", 2, "interval_start", "grid"),
        ("yesterday,phone,de,5,300\n", 2, "interval_start", "ISO 8601"),
        ("2026-03-29 02:30,phone,de,5,300\n", 2, "interval_start", "does not exist"),
        ("2026-10-25 02:30,phone,de,5,300\n", 2, "interval_start", "occurs twice"),
        ("2026-03-23T08:00:00+01:00,phone,de,5\n", 2, None, "expected 5 fields"),
        (
            "2026-03-23T08:00:00+01:00,phone,de,5,300\n2026-03-23T08:30:00+01:00,phone,de,5,300\n"
            "2026-03-23T08:00:00+01:00,phone,de,6,300\n",
            4,
            "volume",
            "line 2 and line 4",
        ),
        (  # a blank cell against a value is a conflict too (it raised StopIteration)
            "2026-03-23T08:00:00+01:00,phone,de,5,300\n2026-03-23T08:00:00+01:00,phone,de,5,\n",
            3,
            "aht_s",
            "line 2 and line 3",
        ),
    ],
)
def test_bad_rows_name_file_row_column(tmp_path, body, row, column, message):
    path = write(tmp_path, HEADER + body)
    with pytest.raises(WfmInputError) as err:
        read_history(path, center=center())
    assert err.value.file == str(path)
    assert err.value.row == row
    assert err.value.column == column
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_unknown_column_named(tmp_path):
    path = write(tmp_path, "interval_start,channel,language,volume,colour\n")
    with pytest.raises(WfmInputError) as err:
        read_history(path, center=center())
    assert err.value.column == "colour" and err.value.row == 1


def test_missing_file_and_empty_file(tmp_path):
    with pytest.raises(WfmInputError, match="not found"):
        read_history(tmp_path / "nope.csv", center=center())
    with pytest.raises(WfmInputError, match="no data rows"):
        read_history(write(tmp_path, HEADER), center=center())


def test_unknown_timezone(tmp_path):
    with pytest.raises(WfmInputError, match="timezone"):
        read_history(write(tmp_path, HEADER), timezone="Mars/Olympus")


def test_example_history_reads_if_present():
    path = Path(__file__).resolve().parents[1] / "examples" / "history.csv"
    if not path.exists():
        pytest.skip("examples/history.csv not generated")
    from wfm.config import load_center

    c = load_center(path.parent / "center.toml")
    h = read_history(path, center=c)
    assert set(h.queues) == {q.key for q in c.queues}
    assert sum(h.gaps.values()) == 0


def test_calabrio_preset_headerless_local_date_time(tmp_path):
    fields = [
        "30",
        "20261025",
        "02:30",
        "7",
        "Hotline_DE",
        "12",
        "0",
        "2",
        "0",
        "10",
        "150",
        "40",
        "2400",
        "600",
        "60",
        "30",
        "4",
        "8",
        "100",
        "1",
        "1",
    ]
    second = fields.copy()
    second[5] = "9"
    third = fields.copy()
    third[2], third[5] = "3:00", "4"
    text = "\n".join(";".join(f) for f in (fields, second, third)) + "\n"
    h = read_history(write(tmp_path, text), center=center(), preset="calabrio")
    assert h.gaps == {"phone:de": 1}  # 02:00 winter time is missing from the file
    known = h.frame[h.frame["volume"].notna()].reset_index(drop=True)
    assert known["channel"].tolist() == ["phone"] * 3
    assert [t.isoformat() for t in known["interval_start"]] == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]
    assert known["volume"].tolist() == [12.0, 9.0, 4.0]
    assert known["aht_s"].iloc[0] == (2400 + 600) / 10
    assert known["abandoned"].iloc[0] == 2.0


def test_calabrio_bad_date_is_located(tmp_path):
    fields = ["30", "2026-10-25", "08:00", "7", "Hotline_DE"] + ["0"] * 16
    with pytest.raises(WfmInputError) as err:
        read_history(write(tmp_path, ",".join(fields) + "\n"), center=center(), preset="calabrio")
    assert (err.value.row, err.value.column) == (1, "date")


def test_hourly_history_with_half_hour_config_is_an_error(tmp_path):
    rows = "".join(
        f"2026-03-{d:02d} {h:02d}:00,phone,de,5,300\n" for d in range(2, 8) for h in range(24)
    )
    with pytest.raises(WfmInputError, match="60-minute intervals"):
        read_history(write(tmp_path, HEADER + rows), center=center())
