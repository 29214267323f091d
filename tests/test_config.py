from pathlib import Path

import pandas as pd
import pytest

from wfm.config import OpeningHours, load_center
from wfm.errors import WfmInputError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "center.toml"
QUEUE = 'channel = "phone"\nlanguage = "de"\n'


def write(tmp_path, text):
    path = tmp_path / "center.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_loads():
    center = load_center(EXAMPLE)
    keys = {q.key for q in center.queues}
    for channel in ("phone", "chat", "email"):
        for language in ("de", "en"):
            assert f"{channel}:{language}" in keys
    assert {"phone:fr", "phone:tr"} <= keys
    assert center.interval == 1800
    assert center.timezone == "Europe/Berlin"
    assert center.queue("phone:de").patience == 120
    assert center.queue("phone:de").service_level == 0.8
    assert center.queue("phone:de").max_occupancy == 0.85  # from [defaults]
    assert center.shrinkage_for(center.queue("phone:de")) == 0.30


def test_defaults_are_overridden_by_queue(tmp_path):
    path = write(
        tmp_path,
        f'[defaults]\ntarget = "80/20s"\nmin_agents = 3\n[[queue]]\n{QUEUE}min_agents = 1\n',
    )
    q = load_center(path).queues[0]
    assert q.min_agents == 1 and q.target == "80/20s"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f'[[queue]]\n{QUEUE}model = "erlang_a"\ntarget = "80/20s"\n', "needs patience"),
        (f'[[queue]]\n{QUEUE}model = "magic"\ntarget = "80/20s"\n', "model"),
        (f'[[queue]]\n{QUEUE}target = "120/20s"\n', "below 100"),
        (f'[[queue]]\n{QUEUE}target = "80/20s"\npatiense = "90s"\n', "patiense: unknown key"),
        (f'[[queue]]\n{QUEUE}target = "80/20s"\nshrinkage = 1.5\n', "shrinkage"),
        (f"[[queue]]\n{QUEUE}\n", "give a target"),
        (f'[center]\ninterval = "7m"\n[[queue]]\n{QUEUE}target = "80/20s"\n', "interval"),
        (f'[center]\ntimezone = "Mars/Olympus"\n[[queue]]\n{QUEUE}target = "80/20s"\n', "timezone"),
        (f'[[queue]]\n{QUEUE}target = "80/20s"\n[[queue]]\n{QUEUE}target = "80/20s"\n', "twice"),
        (f'[[queue]]\n{QUEUE}model = "deferred"\n', "deadline"),
        (f'[[queue]]\n{QUEUE}target = "80/20s"\nconcurrency = 2\n', "chat only"),
        ("[center]\n", "at least one"),
        (
            f'[[queue]]\n{QUEUE}target = "80/20s"\nopening_hours = {{ xyz = "08:00-20:00" }}\n',
            "weekday",
        ),
        (
            f'[[queue]]\n{QUEUE}target = "80/20s"\nopening_hours = {{ mon = "25:00-20:00" }}\n',
            "opening",
        ),
        ("[[queue]\n", "not valid TOML"),
        (f'[extra]\n[[queue]]\n{QUEUE}target = "80/20s"\n', "unknown top-level"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(WfmInputError) as err:
        load_center(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(WfmInputError, match="not found"):
        load_center(tmp_path / "nope.toml")


def test_opening_hours_masks_local_times():
    hours = OpeningHours.parse({"mon-fri": "08:00-20:00", "sat": "22:00-02:00", "sun": "closed"})
    times = pd.DatetimeIndex(
        [
            "2026-03-23 07:30",  # Mon before opening
            "2026-03-23 08:00",  # Mon opening
            "2026-03-23 19:30",  # Mon last interval
            "2026-03-23 20:00",  # Mon closed
            "2026-03-28 23:00",  # Sat night window
            "2026-03-29 01:30",  # Sun early: Saturday's window runs past midnight
            "2026-03-29 02:00",  # Sun closed
        ]
    )
    assert hours.is_open(times).tolist() == [False, True, True, False, True, True, False]
    assert OpeningHours.parse("24/7").is_open(times).all()
