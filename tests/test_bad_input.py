"""The bad-input corpus: every input of every command, broken one way at a time.

Each case runs ``wfm`` in-process (``wfm.cli.main``) in a directory holding a small,
valid set of inputs (``tests/_small_center.py``) with one file changed, and checks the
contract of docs/concepts/errors.md: exit code 2, exactly one ``error:`` line on stderr
that names the file and the line (``history.csv:14``) or the TOML key
(``queue[1].target``) or the option (``--gap``), no traceback, and no file written or
changed.  A case that fails here is a bug in a reader or loader, not in this table.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _small_center import write_inputs  # noqa: E402

from wfm.cli import main  # noqa: E402

Edit = Callable[[str], str | bytes]



def _cut_in_row(text: str) -> str:
    """A file cut off in the middle of a row: the first half of the rows, then the
    first two fields of the next one (the row misses its later columns, whatever the
    values are, so the cut cannot land on a row that still parses)."""
    lines = text.splitlines(keepends=True)
    half = max(2, len(lines) // 2)
    return "".join(lines[:half]) + ",".join(lines[half].split(",")[:2])

def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run ``wfm argv`` in this process; (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as ex:
        main(argv)
    out, err = capsys.readouterr()
    return int(ex.value.code or 0), out, err


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Valid inputs of every command: center, scenarios, events, history (9 weeks),
    forecast (the week after), requirements (wfm staff) and plan/ (wfm schedule)."""
    d = tmp_path_factory.mktemp("base")
    paths = write_inputs(d)
    h = pd.read_csv(paths["history"])
    t = pd.to_datetime(h["interval_start"], utc=True)
    week = h[t >= t.max() - pd.Timedelta(days=6)].copy()
    week["interval_start"] = (pd.to_datetime(week["interval_start"], utc=True)
                              + pd.Timedelta(days=7)).dt.tz_convert("Europe/Berlin").map(
        lambda x: x.isoformat())
    week.to_csv(d / "forecast.csv", index=False)
    for argv in (["staff", str(d / "forecast.csv"), "-c", str(paths["center"]), "-o",
                  str(d / "requirements.csv"), "-q"],
                 ["schedule", str(d / "requirements.csv"), "-c", str(paths["center"]), "-o",
                  str(d / "plan"), "-q", "--time-limit", "10s"]):
        with pytest.raises(SystemExit) as ex:
            main(argv)
        assert ex.value.code in (0, None), argv
    shutil.copy(d / "forecast.csv", d / "plan" / "forecast.csv")
    shutil.copy(d / "requirements.csv", d / "plan" / "requirements.csv")
    return d


def sub(old: str, new: str, count: int = 1) -> Edit:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} not in the base file"
        return text.replace(old, new, count)
    return edit


def line(n: int, new: str) -> Edit:
    """Replace file line ``n`` (1-based; the header is line 1)."""
    def edit(text: str) -> str:
        lines = text.split("\n")
        lines[n - 1] = new
        return "\n".join(lines)
    return edit


def cell(n: int, column: int, value: str) -> Edit:
    """Set field ``column`` (0-based) of CSV line ``n`` to ``value``."""
    def edit(text: str) -> str:
        lines = text.split("\n")
        fields = lines[n - 1].split(",")
        fields[column] = value
        lines[n - 1] = ",".join(fields)
        return "\n".join(lines)
    return edit


def append(extra: str) -> Edit:
    return lambda text: text + extra


def const(content: str | bytes) -> Edit:
    return lambda text: content


def utf16(text: str) -> bytes:
    return text.encode("utf-16")


BINARY = bytes(range(256)) * 4
F = "{d}"
HIST = ["forecast", f"{F}/history.csv", "-o", f"{F}/out.csv"]
HISTC = [*HIST, "-c", f"{F}/center.toml"]
STAFF = ["staff", f"{F}/forecast.csv", "-c", f"{F}/center.toml", "-o", f"{F}/out.csv"]
SCHED = ["schedule", f"{F}/requirements.csv", "-c", f"{F}/center.toml", "-o", f"{F}/outdir",
         "--time-limit", "5s"]
SCEN = ["scenario", "compare", f"{F}/scenarios.toml", "-f", f"{F}/forecast.csv", "-c",
        f"{F}/center.toml", "-o", f"{F}/out.csv"]
SIM = ["simulate", f"{F}/plan", "-c", f"{F}/center.toml", "--replications", "2", "-o",
       f"{F}/out.csv"]
REPORT = ["report", f"{F}/plan", "--history", f"{F}/history.csv", "-c", f"{F}/center.toml"]
ERLANG = ["erlang", "--volume", "100", "--aht", "300s"]
EVENTS = [*HISTC, "--events", f"{F}/events.csv"]
PLAN = ["plan", f"{F}/history.csv", "-c", f"{F}/center.toml", "-o", f"{F}/outdir"]

MANILA = '\n[[site]]\nname = "Manila"\ntimezone = "Asia/Manila"\n'
INHOUSE = 'kind = "inhouse"\n'

# (id, argv, {file: edit}, fragments the error line must hold)
CASES: list[tuple[str, list[str], dict[str, Edit], list[str]]] = [
    # ---- history CSV (wfm forecast) ----
    ("hist-off-grid-no-config", HIST, {"history.csv": cell(14, 0, "2026-01-05T14:07:00+01:00")},
     ["history.csv:14", "interval_start", "30-minute grid"]),
    ("hist-off-grid-config", HISTC, {"history.csv": cell(14, 0, "2026-01-05T14:07:00+01:00")},
     ["history.csv:14", "interval_start", "grid"]),
    ("hist-conflicting-duplicate", HIST, {"history.csv": line(3, "2026-01-05T08:00:00+01:00,"
                                                                  "phone,de,99,300")},
     ["history.csv:3", "line 2"]),
    ("hist-bad-time", HIST, {"history.csv": cell(5, 0, "yesterday")},
     ["history.csv:5", "interval_start", "ISO 8601"]),
    ("hist-volume-text", HIST, {"history.csv": cell(6, 3, "abc")},
     ["history.csv:6", "volume"]),
    ("hist-volume-negative", HIST, {"history.csv": cell(7, 3, "-3")},
     ["history.csv:7", "volume"]),
    ("hist-volume-nan", HIST, {"history.csv": cell(8, 3, "nan")}, ["history.csv:8", "volume"]),
    ("hist-volume-inf", HIST, {"history.csv": cell(9, 3, "inf")}, ["history.csv:9", "volume"]),
    ("hist-volume-overflow", HIST, {"history.csv": cell(10, 3, "1e400")},
     ["history.csv:10", "volume"]),
    ("hist-volume-huge", HIST, {"history.csv": cell(10, 3, "1e300")},
     ["history.csv:10", "volume"]),
    ("hist-aht-negative", HIST, {"history.csv": cell(11, 4, "-300")},
     ["history.csv:11", "aht_s"]),
    ("hist-aht-huge", HIST, {"history.csv": cell(11, 4, "1e12")},
     ["history.csv:11", "aht_s"]),
    ("hist-empty-file", HIST, {"history.csv": const("")}, ["history.csv:1", "empty"]),
    ("hist-header-only", HIST, {"history.csv": lambda t: t.split("\n")[0] + "\n"},
     ["history.csv:2", "no data rows"]),
    ("hist-binary", HIST, {"history.csv": const(BINARY)}, ["history.csv", "UTF-8"]),
    ("hist-nul-bytes", HIST, {"history.csv": lambda t: t[:200] + "\x00\x00" + t[200:]},
     ["history.csv:", "NUL"]),
    ("hist-utf16", HIST, {"history.csv": utf16}, ["history.csv", "UTF-16"]),
    ("hist-missing-column", HIST, {"history.csv": sub("volume,", "vol,")},
     ["history.csv:1", "volume"]),
    ("hist-unknown-column", HIST, {"history.csv": line(1, "interval_start,channel,language,"
                                                          "volume,colour")},
     ["history.csv:1", "colour"]),
    ("hist-extra-field", HIST, {"history.csv": line(4, "2026-01-05T09:00:00+01:00,phone,de,"
                                                       "3,300,7")},
     ["history.csv:4", "fields"]),
    ("hist-unknown-queue", HISTC, {"history.csv": cell(12, 0 + 1, "chat")},
     ["history.csv:12", "chat:de", "not in the config"]),
    ("hist-bad-language", HIST, {"history.csv": cell(13, 2, "12")},
     ["history.csv:13", "language"]),
    ("hist-dst-gap", HISTC, {"history.csv": cell(15, 0, "2026-03-29T02:30:00")},
     ["history.csv:15", "does not exist"]),
    ("hist-huge-field", HIST, {"history.csv": cell(16, 2, "x" * 200_000)},
     ["history.csv:16", "field larger"]),
    ("hist-one-interval", HIST, {"history.csv": lambda t: "\n".join(t.split("\n")[:2]) + "\n"},
     ["history.csv", "interval"]),
    ("hist-not-found", ["forecast", f"{F}/nope.csv", "-o", f"{F}/out.csv"], {},
     ["nope.csv", "not found"]),
    ("hist-is-directory", ["forecast", f"{F}/plan", "-o", f"{F}/out.csv"], {},
     ["plan", "directory"]),
    # ---- center TOML ----
    ("center-shrinkage-1", STAFF, {"center.toml": sub("shrinkage = 0.30", "shrinkage = 1.0")},
     ["center.toml", "shrinkage"]),
    ("center-shrinkage-negative", STAFF, {"center.toml": sub("shrinkage = 0.30",
                                                             "shrinkage = -0.1")},
     ["center.toml", "shrinkage"]),
    ("center-shrinkage-text", STAFF, {"center.toml": sub("shrinkage = 0.30",
                                                         'shrinkage = "lots"')},
     ["center.toml", "shrinkage"]),
    ("center-target-over-100", STAFF, {"center.toml": sub('"80/20s"', '"120/20s"')},
     ["center.toml", "queue[1] (phone:de).target"]),
    ("center-interval-7m", STAFF, {"center.toml": sub('interval = "30m"', 'interval = "7m"')},
     ["center.toml", "interval"]),
    ("center-interval-bool", STAFF, {"center.toml": sub('interval = "30m"', "interval = true")},
     ["center.toml", "interval"]),
    ("center-queue-no-channel", STAFF, {"center.toml": sub('channel = "phone"\n', "")},
     ["center.toml", "queue[1]", "channel"]),
    ("center-bad-timezone", STAFF, {"center.toml": sub("Europe/Berlin", "Mars/Olympus")},
     ["center.toml", "timezone"]),
    ("center-unknown-key", STAFF, {"center.toml": sub('model = "erlang_a"',
                                                      'model = "erlang_a"\ncolour = "red"')},
     ["center.toml", "queue[1]", "colour"]),
    ("center-unknown-model", STAFF, {"center.toml": sub('"erlang_a"', '"erlang_z"')},
     ["center.toml", "queue[1] (phone:de).model"]),
    ("center-patience-negative", STAFF, {"center.toml": sub('"120s"', '"-5s"')},
     ["center.toml", "queue[1] (phone:de).patience"]),
    ("center-patience-nan", STAFF, {"center.toml": sub('"120s"', "nan")},
     ["center.toml", "queue[1] (phone:de).patience"]),
    ("center-occupancy-inf", STAFF, {"center.toml": sub("max_occupancy = 0.85",
                                                        "max_occupancy = inf")},
     ["center.toml", "max_occupancy"]),
    ("center-within-over-1", STAFF, {"center.toml": sub("within = 0.9", "within = 1.5")},
     ["center.toml", "queue[2] (email:de).within"]),
    ("center-hours-inverted", STAFF, {"center.toml": sub('"08:00-18:00"', '"18:00-18:00"')},
     ["center.toml", "opening_hours"]),
    ("center-hours-25h", STAFF, {"center.toml": sub('"08:00-18:00"', '"08:00-25:00"')},
     ["center.toml", "opening_hours"]),
    ("center-duplicate-queue", STAFF, {"center.toml": sub('channel = "email"',
                                                          'channel = "phone"')},
     ["center.toml", "phone:de"]),
    ("center-no-queues", STAFF, {"center.toml": lambda t: t.split("[[queue]]")[0]},
     ["center.toml", "queue"]),
    ("center-syntax", STAFF, {"center.toml": sub("shrinkage = 0.30", "shrinkage = = 0.3")},
     ["center.toml:5", "TOML"]),
    ("center-empty", STAFF, {"center.toml": const("")}, ["center.toml", "center"]),
    ("center-binary", STAFF, {"center.toml": const(BINARY)}, ["center.toml", "UTF-8"]),
    ("center-utf16", STAFF, {"center.toml": utf16}, ["center.toml", "UTF-16"]),
    ("center-min-agents-huge", STAFF, {"center.toml": sub('patience = "120s"',
                                                          'patience = "120s"\nmin_agents = '
                                                          '100000000000000000000')},
     ["center.toml", "queue[1] (phone:de).min_agents"]),
    # ---- shifts and groups (wfm schedule) ----
    ("shift-length-30h", SCHED, {"center.toml": sub('lengths = ["8h"]', 'lengths = ["30h"]')},
     ["center.toml", "shift[1] (early).lengths"]),
    ("shift-starts-25h", SCHED, {"center.toml": sub('"07:00-09:00"', '"25:00-26:00"')},
     ["center.toml", "shift[1] (early).starts"]),
    ("shift-no-name", SCHED, {"center.toml": sub('name = "early"\n', "")},
     ["center.toml", "shift[1]", "name"]),
    ("group-unknown-shift", SCHED, {"center.toml": sub("rate = 20.0",
                                                       'rate = 20.0\nshifts = ["evening"]')},
     ["center.toml", "group[1] (DE).shifts", "evening"]),
    ("group-unknown-skill", SCHED, {"center.toml": sub('"email:de"]', '"email:xx"]')},
     ["center.toml", "group[1] (DE).skills", "email:xx"]),
    ("group-headcount-negative", SCHED, {"center.toml": sub("max_headcount = 40",
                                                            "max_headcount = -1")},
     ["center.toml", "group[1] (DE).max_headcount"]),
    ("group-rate-nan", SCHED, {"center.toml": sub("rate = 20.0", "rate = nan")},
     ["center.toml", "group[1] (DE).rate"]),
    ("group-min-hours-above-max", SCHED, {"center.toml": sub(
        "rate = 20.0", 'rate = 20.0\nmin_weekly_hours = "30h"\nmax_weekly_hours = "20h"')},
     ["center.toml", "group[1] (DE)", "max_weekly_hours is below min_weekly_hours"]),
    ("group-min-headcount-above-max", SCHED, {"center.toml": sub(
        "max_headcount = 40", "max_headcount = 4\nmin_headcount = 5")},
     ["center.toml", "group[1] (DE)", "headcount"]),
    ("group-no-skills", SCHED, {"center.toml": sub('skills = ["phone:de", "email:de"]',
                                                   "skills = 3")},
     ["center.toml", "group[1] (DE).skills"]),
    ("schedule-no-shifts", SCHED, {"center.toml": lambda t: t.replace("[[shift]]", "[[shiftx]]")},
     ["center.toml", "shift"]),
    ("plan-horizon-14d", [*PLAN, "--horizon", "14d"], {}, ["--horizon", "7d"]),
    ("schedule-penalty-huge", SCHED, {"center.toml": sub(
        "days_off = 2", "days_off = 2\nunderstaffing_penalty = { phone = 1e300 }")},
     ["center.toml", "schedule.understaffing_penalty.phone"]),
    ("group-headcount-huge", SCHED, {"center.toml": sub("max_headcount = 40",
                                                        "max_headcount = 100000000000000000000")},
     ["center.toml", "group[1] (DE).max_headcount"]),
    ("schedule-unknown-key", SCHED, {"center.toml": sub("fte_hours = 40",
                                                        "fte_hours = 40\nfte_hourz = 3")},
     ["center.toml", "schedule", "fte_hourz"]),
    ("schedule-days-off-8", SCHED, {"center.toml": sub("days_off = 2", "days_off = 8")},
     ["center.toml", "schedule.days_off"]),
    ("break-longer-than-shift", SCHED, {"center.toml": append(
        '\n[[schedule.break_rule]]\nabove = "6h"\nminutes = "9h"\n')},
     ["center.toml", "break_rule"]),
    # ---- requirements CSV (wfm schedule) ----
    ("req-missing-column", SCHED, {"requirements.csv": sub("agents_required", "agents")},
     ["requirements.csv:1", "agents_required"]),
    ("req-negative", SCHED, {"requirements.csv": cell(3, 5, "-2")},
     ["requirements.csv:3", "agents_required"]),
    ("req-inf", SCHED, {"requirements.csv": cell(3, 5, "inf")},
     ["requirements.csv:3", "agents_required"]),
    ("req-off-grid", SCHED, {"requirements.csv": cell(4, 0, "2026-03-09T08:10:00+01:00")},
     ["requirements.csv:4", "grid"]),
    ("req-empty", SCHED, {"requirements.csv": const("")}, ["requirements.csv:1", "empty"]),
    ("req-header-only", SCHED, {"requirements.csv": lambda t: t.split("\n")[0] + "\n"},
     ["requirements.csv:2", "no data rows"]),
    # ---- forecast CSV (wfm staff) ----
    ("fc-volume-nan", STAFF, {"forecast.csv": cell(5, 3, "NaN")}, ["forecast.csv:5", "volume"]),
    ("fc-aht-zero", STAFF, {"forecast.csv": cell(6, 4, "0")}, ["forecast.csv:6", "aht_s"]),
    ("fc-aht-huge", STAFF, {"forecast.csv": cell(6, 4, "1e15")}, ["forecast.csv:6", "aht_s"]),
    ("fc-volume-huge", STAFF, {"forecast.csv": cell(6, 3, "1e15")},
     ["forecast.csv:6", "volume"]),
    ("fc-unknown-queue", STAFF, {"forecast.csv": cell(7, 2, "fr")},
     ["forecast.csv:7", "phone:fr"]),
    ("fc-off-grid", STAFF, {"forecast.csv": cell(8, 0, "2026-03-09T08:07:00+01:00")},
     ["forecast.csv:8", "grid"]),
    ("fc-conflicting-dup", STAFF, {"forecast.csv": lambda t: t + t.split("\n")[1].replace(
        ",phone,de,", ",phone,de,1") + "\n"}, ["forecast.csv:", "duplicate"]),
    ("fc-binary", STAFF, {"forecast.csv": const(BINARY)}, ["forecast.csv", "UTF-8"]),
    ("fc-utf16", STAFF, {"forecast.csv": utf16}, ["forecast.csv", "UTF-16"]),
    ("fc-semicolon-wrong-width", STAFF, {"forecast.csv": line(9, "2026-03-09;phone;de")},
     ["forecast.csv:9", "fields"]),
    ("fc-million-rows-bad-last", STAFF, {"forecast.csv": lambda t: t.rstrip("\n") + "\n" + (
        t.split("\n")[1] + "\n") * 1_000_000 + "2026-03-09T08:00:00+01:00,phone,de,x,300\n"},
     ["forecast.csv:500002", "data rows"]),
    ("fc-zero-rows", STAFF, {"forecast.csv": lambda t: t.split("\n")[0] + "\n\n\n"},
     ["forecast.csv:2", "no data rows"]),
    # ---- events CSV ----
    ("ev-end-before-start", EVENTS, {"events.csv": cell(2, 1, "2026-03-01")},
     ["events.csv:2", "end"]),
    ("ev-unknown-effect", EVENTS, {"events.csv": cell(2, 4, "double")},
     ["events.csv:2", "effect"]),
    ("ev-negative-value", EVENTS, {"events.csv": cell(2, 5, "-1")},
     ["events.csv:2", "value"]),
    ("ev-nan-value", EVENTS, {"events.csv": cell(2, 5, "nan")}, ["events.csv:2", "value"]),
    ("ev-unknown-queue", EVENTS, {"events.csv": cell(2, 2, "fax")}, ["events.csv:2", "fax"]),
    ("ev-bad-date", EVENTS, {"events.csv": cell(2, 0, "2026-02-30")},
     ["events.csv:2", "start"]),
    ("ev-binary", EVENTS, {"events.csv": const(BINARY)}, ["events.csv", "UTF-8"]),
    # ---- scenarios TOML ----
    ("scen-shares-over-100", SCEN, {"scenarios.toml": sub("vendor = 0.4", "vendor = 0.8")},
     ["scenarios.toml", "scenario[2]", "shares"]),
    ("scen-share-negative", SCEN, {"scenarios.toml": sub("inhouse = 0.6, vendor = 0.4",
                                                         "inhouse = 1.4, vendor = -0.4")},
     ["scenarios.toml", "shares"]),
    ("scen-unknown-provider", SCEN, {"scenarios.toml": sub('provider = "inhouse"\n',
                                                           'provider = "acme"\n')},
     ["scenarios.toml", "scenario[1]", "acme"]),
    ("scen-price-negative", SCEN, {"scenarios.toml": sub("price = 25.0", "price = -25.0")},
     ["scenarios.toml", "provider[2]", "price"]),
    ("scen-price-inf", SCEN, {"scenarios.toml": sub("price = 25.0", "price = inf")},
     ["scenarios.toml", "provider[2]", "price"]),
    ("scen-salary-huge", SCEN, {"scenarios.toml": sub("annual_salary = 36000",
                                                      "annual_salary = 1e300")},
     ["scenarios.toml", "provider[1] (inhouse).cost.annual_salary"]),
    ("scen-years-zero", SCEN, {"scenarios.toml": sub("years = 1", "years = 0")},
     ["scenarios.toml", "settings.years"]),
    ("scen-unknown-key", SCEN, {"scenarios.toml": sub("years = 1", "years = 1\nyearz = 2")},
     ["scenarios.toml", "yearz"]),
    ("scen-wrong-type", SCEN, {"scenarios.toml": sub("annual_salary = 36000",
                                                     'annual_salary = "a lot"')},
     ["scenarios.toml", "annual_salary"]),
    ("scen-unknown-queue", SCEN, {"scenarios.toml": sub('queues = ["*"]\nprovider',
                                                        'queues = ["fax:de"]\nprovider')},
     ["scenarios.toml", "fax:de"]),
    ("scen-syntax", SCEN, {"scenarios.toml": sub("[settings]", "[settings")},
     ["scenarios.toml", "line 1"]),
    ("scen-empty", SCEN, {"scenarios.toml": const("")}, ["scenarios.toml", "provider"]),
    ("scen-utf16", SCEN, {"scenarios.toml": utf16}, ["scenarios.toml", "UTF-16"]),
    # ---- sites in scenarios (docs/concepts/sites.md) ----
    ("scen-site-unknown", SCEN, {"center.toml": append(MANILA),
                                 "scenarios.toml": sub(INHOUSE, INHOUSE + 'site = "Cebu"\n')},
     ["scenarios.toml", "provider[1] (inhouse).site", "Cebu", "Manila"]),
    ("scen-site-without-site-tables", SCEN,
     {"scenarios.toml": sub(INHOUSE, INHOUSE + 'site = "Manila"\n')},
     ["scenarios.toml", "provider[1] (inhouse).site", "no [[site]]"]),
    ("scen-site-on-vendor", SCEN, {"center.toml": append(MANILA),
                                   "scenarios.toml": sub('kind = "vendor"\n',
                                                         'kind = "vendor"\nsite = "Manila"\n')},
     ["scenarios.toml", "provider[2] (vendor).site"]),
    ("scen-wage-negative", SCEN, {"scenarios.toml": sub("annual_salary = 36000",
                                                        "hourly_wage = -12.5")},
     ["scenarios.toml", "provider[1] (inhouse).cost.hourly_wage"]),
    ("scen-provider-hours-on-shares", SCEN,
     {"scenarios.toml": sub("shares = {", 'when = "provider_hours"\nshares = {')},
     ["scenarios.toml", "scenario[2] (split).route[1]", "provider_hours"]),
    ("scen-site-hours-bad", SCEN, {"center.toml": append(MANILA),
                                   "scenarios.toml": sub(INHOUSE, INHOUSE + 'site = "Manila"\n'
                                                         'hours = { daily = "25:00-26:00" }\n')},
     ["scenarios.toml", "provider[1] (inhouse).hours"]),
    ("scen-site-no-timezone", SCEN,
     {"center.toml": append('\n[[site]]\nname = "Manila"\ncountry = "PH"\n')},
     ["center.toml", "site[1] (Manila).timezone"]),
    # ---- plan directories (wfm simulate, wfm report) ----
    ("sim-missing-shifts", SIM, {"plan/shifts.csv": None}, ["shifts.csv"]),
    ("sim-corrupt-shifts", SIM, {"plan/shifts.csv": const(BINARY)}, ["shifts.csv", "UTF-8"]),
    ("sim-truncated-shifts", SIM, {"plan/shifts.csv": lambda t: _cut_in_row(t)},
     ["shifts.csv:"]),
    ("sim-shifts-bad-agents", SIM, {"plan/shifts.csv": cell(2, 5, "-4")},
     ["shifts.csv:2", "agents"]),
    ("sim-shifts-unknown-group", SIM, {"plan/shifts.csv": cell(2, 0, "XX")},
     ["shifts.csv:2", "group"]),
    ("sim-not-a-dir", [*SIM[:1], f"{F}/history.csv", *SIM[2:]], {},
     ["history.csv", "plan directory"]),
    ("sim-no-plan-dir", [*SIM[:1], f"{F}/nope", *SIM[2:]], {}, ["nope"]),
    ("report-missing-coverage", REPORT, {"plan/coverage.csv": None}, ["plan", "coverage.csv"]),
    ("report-corrupt-forecast", REPORT, {"plan/forecast.csv": const(BINARY)},
     ["forecast.csv", "UTF-8"]),
    ("report-truncated-coverage", REPORT, {"plan/coverage.csv": lambda t: _cut_in_row(t)},
     ["coverage.csv:"]),
    ("report-empty-uncovered", REPORT, {"plan/uncovered.csv": const("")},
     ["uncovered.csv:1", "empty file"]),
    # ---- options ----
    ("opt-erlang-volume-negative", ["erlang", "--volume", "-1", "--aht", "300s"], {},
     ["--volume"]),
    ("opt-erlang-aht-zero", ["erlang", "--volume", "100", "--aht", "0s"], {}, ["--aht"]),
    ("opt-erlang-interval-7m", [*ERLANG, "--interval", "7m"], {}, ["--interval"]),
    ("opt-erlang-target-120", [*ERLANG, "--target", "120/20s"], {}, ["--target"]),
    ("opt-erlang-volume-nan", ["erlang", "--volume", "nan", "--aht", "300s"], {}, ["--volume"]),
    ("opt-erlang-volume-inf", ["erlang", "--volume", "inf", "--aht", "300s"], {}, ["--volume"]),
    ("opt-erlang-aht-huge", ["erlang", "--volume", "100", "--aht", "1e9"], {}, ["--aht"]),
    ("opt-erlang-occupancy-0", [*ERLANG, "--max-occupancy", "0"], {}, ["--max-occupancy"]),
    ("opt-erlang-rows-huge", [*ERLANG, "--rows", "1000000"], {}, ["--rows"]),
    ("opt-erlang-factors-nan", [*ERLANG, "--concurrency", "2", "--aht-factors", "1,nan"], {},
     ["--aht-factors"]),
    ("opt-forecast-horizon", [*HIST, "--horizon", "1.5d"], {}, ["--horizon"]),
    ("opt-forecast-horizon-huge", [*HIST, "--horizon", "100000d"], {}, ["--horizon"]),
    ("opt-sim-replications-huge", [*SIM[:5], "--replications", "100000000", *SIM[7:]], {},
     ["--replications"]),
    ("opt-sim-cv-inf", [*SIM, "--cv", "inf"], {}, ["--cv"]),
    ("opt-forecast-method", [*HIST, "--method", "magic"], {}, ["--method"]),
    ("opt-forecast-timezone", [*HIST, "--timezone", "Mars/Olympus"], {}, ["timezone"]),
    ("opt-forecast-preset", [*HIST, "--preset", "avaya"], {}, ["preset", "avaya"]),
    ("opt-forecast-columns", [*HIST, "--columns", "Offered"], {}, ["column mapping"]),
    ("opt-schedule-solver", [*SCHED, "--solver", "gurobi"], {}, ["--solver"]),
    ("opt-schedule-gap", [*SCHED, "--gap", "150%"], {}, ["--gap"]),
    ("opt-schedule-time-limit", [*SCHED[:-1], "-5s"], {}, ["--time-limit"]),
    ("opt-sim-replications-1", [*SIM[:5], "--replications", "1", *SIM[7:]], {},
     ["--replications"]),
    ("opt-unknown-option", [*STAFF, "--colour"], {}, ["--colour"]),
    ("opt-plan-output-is-file", [*PLAN[:-1], f"{F}/history.csv"], {},
     ["history.csv", "directory"]),
    ("opt-plan-horizon-0", [*PLAN, "--horizon", "0d"], {}, ["--horizon"]),
]


def _snapshot(d: Path) -> dict[str, str]:
    return {str(p.relative_to(d)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("argv", "edits", "expect"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input(argv, edits, expect, base, tmp_path, capsys):
    d = tmp_path / "in"
    shutil.copytree(base, d)
    for name, edit in edits.items():
        path = d / name
        if edit is None:
            path.unlink()
            continue
        new = edit(path.read_text(encoding="utf-8"))
        if isinstance(new, bytes):
            path.write_bytes(new)
        else:
            path.write_text(new, encoding="utf-8")
    before = _snapshot(d)
    code, out, err = cli([a.replace(F, str(d)) for a in argv], capsys)
    errors = [x for x in err.splitlines() if x.strip() and not x.startswith("warning:")]
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert len(errors) == 1 and errors[0].startswith("error: "), err
    for fragment in expect:
        assert fragment in errors[0], (fragment, errors[0])
    assert _snapshot(d) == before, "a file was written or changed"
    assert not (d / "out.csv").exists() and not (d / "outdir").exists()


def test_corpus_size():
    assert len(CASES) >= 60


# Shift rules that cannot cover the requirements are not errors: the plan is the best
# partial one, with uncovered.csv giving the reason per queue and interval.
INFEASIBLE: list[tuple[str, dict[str, Edit], str, str]] = [
    ("no-group-serves-email", {"center.toml": sub('"phone:de", "email:de"]', '"phone:de"]')},
     "email:de", "skill missing"),
    ("headcount-zero", {"center.toml": sub("max_headcount = 40", "max_headcount = 0")},
     "phone:de", "headcount/hours limit"),
    ("headcount-too-small", {"center.toml": sub("max_headcount = 40", "max_headcount = 2")},
     "phone:de", "headcount/hours limit"),
    ("no-shift-reaches-evening", {"center.toml": lambda t: t.replace('"10:00-12:00"',
                                                                     '"07:00-07:30"')},
     "phone:de", "no shift covers"),
    ("min-hours-unreachable", {"center.toml": sub(
        "rate = 20.0", 'rate = 20.0\nmin_weekly_hours = "60h"\nmax_weekly_hours = "60h"')},
     "", ""),
    ("six-days-off", {"center.toml": sub("days_off = 2", "days_off = 6")}, "phone:de", ""),
]


@pytest.mark.parametrize(("edits", "queue", "reason"), [c[1:] for c in INFEASIBLE],
                         ids=[c[0] for c in INFEASIBLE])
def test_infeasible_rules_give_the_best_partial_plan(edits, queue, reason, base, tmp_path,
                                                     capsys):
    d = tmp_path / "in"
    shutil.copytree(base, d)
    for name, edit in edits.items():
        (d / name).write_text(edit((d / name).read_text(encoding="utf-8")), encoding="utf-8")
    code, out, err = cli([a.replace(F, str(d)) for a in SCHED] + ["-q"], capsys)
    assert code == 0, err
    assert "Traceback" not in out + err
    shifts = pd.read_csv(d / "outdir" / "shifts.csv")
    uncovered = pd.read_csv(d / "outdir" / "uncovered.csv")
    assert (uncovered["reason"].fillna("").str.len() > 0).all()
    if queue:
        rows = uncovered[uncovered["queue"] == queue]
        assert len(rows) > 0, uncovered
        assert rows["reason"].str.contains(reason, regex=False).any(), rows["reason"]
    assert shifts["agents"].ge(0).all()


@pytest.mark.parametrize(("exc", "code", "first"), [
    (RuntimeError("boom\nsecond line"), 1, "internal error: RuntimeError: boom second line"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_unexpected_exception_and_ctrl_c(exc, code, first, monkeypatch, capsys):
    """A bug is exit 1 with one short line (never 0, never a traceback); Ctrl-C is 130."""
    import wfm.staffing.calculator as calculator

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(calculator, "staffing_table", fail)
    monkeypatch.delenv("WFM_DEBUG", raising=False)
    got, out, err = cli(ERLANG, capsys)
    assert got == code
    assert "Traceback" not in out + err
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith(first), err
