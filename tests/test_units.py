import math

import pytest

from wfm.units import parse_duration, parse_target


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("20s", 20),
        ("30m", 1800),
        ("8h", 28800),
        ("1d", 86400),
        ("1h30m", 5400),
        ("90", 90),
        (45, 45),
        ("2,5m", 150),
        ("15min", 900),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "x", "-5", "20q", "5s5", "nan", "inf", True])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_targets():
    assert parse_target("80/20s") == (0.8, 20.0)
    level, t = parse_target("0.9/1h")
    assert math.isclose(level, 0.9) and t == 3600
    assert parse_target("95%/30s") == (0.95, 30.0)


@pytest.mark.parametrize("text", ["100/20s", "0/20s", "120/20s", "80", "80/zz", "a/20s"])
def test_bad_targets(text):
    with pytest.raises(ValueError, match="target"):
        parse_target(text)
