"""Fuzzing the readers and loaders (hypothesis): whatever the bytes, the rows or the
TOML tables, the result is a valid value or a :class:`WfmInputError` naming the file,
never another exception (which the CLI would report as an internal error, exit 1)."""

from __future__ import annotations

import json
import math
import sys
import tempfile
import tomllib
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from _small_center import CENTER, SCENARIOS  # noqa: E402

from wfm.config import load_center  # noqa: E402
from wfm.config.scenario import load_scenarios  # noqa: E402
from wfm.config.schedule import load_schedule  # noqa: E402
from wfm.errors import WfmInputError  # noqa: E402
from wfm.io.events import read_events  # noqa: E402
from wfm.io.forecast import read_forecast  # noqa: E402
from wfm.io.history import read_history  # noqa: E402
from wfm.io.requirements import read_requirements  # noqa: E402

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
DIR = Path(tempfile.mkdtemp(prefix="wfm-fuzz-"))
CENTER_PATH = DIR / "center.toml"
CENTER_PATH.write_text(CENTER, encoding="utf-8")
CONFIG = load_center(CENTER_PATH)

READERS = {
    "history": lambda p: read_history(p),
    "history+config": lambda p: read_history(p, center=CONFIG),
    "forecast": lambda p: read_forecast(p, CONFIG),
    "requirements": lambda p: read_requirements(p, CONFIG),
    "events": lambda p: read_events(p, "Europe/Berlin", ["phone:de", "email:de"]),
}
HEADERS = {
    "history": "interval_start,channel,language,volume,aht_s",
    "history+config": "interval_start,channel,language,volume,aht_s",
    "forecast": "interval_start,channel,language,volume,aht_s",
    "requirements": "interval_start,channel,language,volume,aht_s,agents_required",
    "events": "start,end,channel,language,effect,value,name",
}


def read_or_domain_error(reader: str, data: bytes) -> None:
    path = DIR / f"{reader}.csv"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy overflow is a bug here too
        try:
            READERS[reader](path)
        except WfmInputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)


@pytest.mark.parametrize("reader", list(READERS))
@FUZZ
@given(data=st.binary(max_size=400))
def test_csv_readers_on_random_bytes(reader, data):
    read_or_domain_error(reader, data)


CELLS = st.one_of(
    st.sampled_from(["", "phone", "email", "de", "DE", "chat", "0", "-1", "1e308", "1e400",
                     "nan", "inf", "-inf", "3,5", "12", "300", "multiply", "exclude",
                     "2026-03-09T08:00:00+01:00", "2026-03-09T08:07:00+01:00",
                     "2026-03-29T02:30:00", "2026-10-25T02:30:00", "2026-03-09",
                     "2026-02-30", "08:00", "\"", "a\"b", "\x00", "\u00e9", " "]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)


@pytest.mark.parametrize("reader", list(READERS))
@FUZZ
@given(rows=st.lists(st.lists(CELLS, min_size=4, max_size=8), max_size=12),
       sep=st.sampled_from([",", ";", "\t"]))
def test_csv_readers_on_random_rows(reader, rows, sep):
    header = HEADERS[reader].replace(",", sep)
    text = header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    read_or_domain_error(reader, text.encode("utf-8", "surrogatepass"))


# ---- TOML ----

def toml_value(v) -> str:
    """A TOML literal of ``v`` (inline tables and arrays)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(x)}" for k, x in v.items()) + "}"


def toml_text(data: dict) -> str:
    return "\n".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in data.items()) + "\n"


SCALARS = st.one_of(
    st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
    st.sampled_from(["30m", "7m", "0s", "-5s", "80/20s", "120/20s", "24/7", "08:00-18:00",
                     "18:00-08:00", "25:00-26:00", "phone:de", "email:xx", "erlang_a", "chat",
                     "deferred", "inhouse", "vendor", "per_logged_hour", "Europe/Berlin"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["name", "price", "model", "mon-fri", "sat", "daily", "x"]), inner, max_size=3)),
    max_leaves=6)


def paths(data, prefix=()):
    """Every (path, value) in nested dicts and lists."""
    yield prefix, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from paths(v, (*prefix, i))


@st.composite
def mutated(draw, base: dict) -> dict:
    """``base`` with one to three values replaced, deleted or added."""
    data = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        spots = [p for p, v in paths(data) if p and isinstance(v, dict | list | str | int
                                                                | float)]
        path = draw(st.sampled_from(spots))
        parent = data
        for k in path[:-1]:
            parent = parent[k]
        action = draw(st.sampled_from(["set", "delete", "add"]))
        if action == "set":
            parent[path[-1]] = draw(VALUES)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["colour", "shrinkage", "interval", "target",
                                         "min_agents", "shares", "years"]))] = draw(VALUES)
    return data


def load_or_domain_error(load, text: str, name: str) -> None:
    path = DIR / name
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            load(path)
        except WfmInputError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)


CENTER_DATA = tomllib.loads(CENTER)
SCENARIO_DATA = tomllib.loads(SCENARIOS)


@FUZZ
@given(data=mutated(CENTER_DATA))
def test_center_and_schedule_loaders_on_mutated_tables(data):
    def load(path):
        center = load_center(path)
        load_schedule(path, center)
    load_or_domain_error(load, toml_text(data), "fuzz-center.toml")


@FUZZ
@given(data=mutated(SCENARIO_DATA))
def test_scenario_loader_on_mutated_tables(data):
    load_or_domain_error(lambda p: load_scenarios(p, CONFIG), toml_text(data),
                         "fuzz-scenarios.toml")


@FUZZ
@given(text=st.text(max_size=300))
def test_toml_loaders_on_random_text(text):
    load_or_domain_error(load_center, text, "fuzz-text.toml")
    load_or_domain_error(lambda p: load_scenarios(p, CONFIG), text, "fuzz-text2.toml")
