"""Channel types and callbacks (virtual hold).

References are independent of wfm's code: Erlang C written out here from its
closed form (Erlang B recursion), hand-computed trough fills, and a linear
program (scipy.optimize.linprog) for the lowest possible peak of live plus
callback work under the deadlines.
"""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from wfm.config import QueueConfig, center_from_dict, load_center
from wfm.errors import WfmInputError
from wfm.io.history import CHANNEL_ALIASES, read_history
from wfm.staffing import queue_requirement, staff_forecast
from wfm.staffing.callbacks import due_intervals, fill_troughs

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- channel types
def center(*queues, defaults=None):
    return center_from_dict({"center": {}, "defaults": defaults or {}, "queue": list(queues)})


def test_channel_types_bring_their_defaults():
    c = center(
        {"channel": "letter", "language": "de"},
        {"channel": "fax", "language": "de"},
        {"channel": "webform", "language": "de"},
        {"channel": "social", "language": "de"},
        {"channel": "callback", "language": "de"},
    )
    got = {q.channel: (q.channel_type, q.model, q.deadline, q.target) for q in c.queues}
    assert got["letter"] == ("letter", "deferred", 5 * 86400.0, None)
    assert got["fax"] == ("fax", "deferred", 86400.0, None)
    assert got["webform"] == ("webform", "deferred", 86400.0, None)
    assert got["social"] == ("social", "erlang_c", None, "80/1h")
    assert c.queue("social:de").target_time == 3600.0
    assert got["callback"] == ("callback", "deferred", 3 * 3600.0, None)


def test_queue_keys_override_and_type_beats_center_defaults():
    c = center(
        {"channel": "letter", "language": "de", "deadline": "3d"},
        {"channel": "social", "language": "en"},
        {"channel": "phone", "language": "de"},
        defaults={"target": "80/20s", "deadline": "24h"},
    )
    assert c.queue("letter:de").deadline == 3 * 86400.0  # the queue's own key
    assert c.queue("social:en").target == "80/1h"  # type default beats [defaults]
    assert c.queue("phone:de").target == "80/20s"  # phone: no type defaults
    assert c.queue("phone:de").model == "erlang_c"


def test_export_names_and_explicit_type():
    c = center(
        {"channel": "whatsapp", "language": "de"},
        {"channel": "briefe", "language": "de", "channel_type": "letter"},
        {"channel": "video", "language": "de", "target": "80/20s"},
    )
    assert c.queue("whatsapp:de").channel_type == "social"
    assert c.queue("briefe:de").model == "deferred"
    assert c.queue("video:de").channel_type is None
    for name in ("whatsapp", "facebook", "instagram", "messaging"):
        assert CHANNEL_ALIASES[name] == "social"
    assert CHANNEL_ALIASES["post"] == "letter"
    assert CHANNEL_ALIASES["web form"] == "webform"


def test_history_maps_social_networks_onto_social(tmp_path):
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume\n"
        "2026-03-23T08:00:00+01:00,WhatsApp,de,5\n"
        "2026-03-23T08:30:00+01:00,Facebook,de,2\n",
        encoding="utf-8",
    )
    h = read_history(path, center=c)
    assert set(h.frame["channel"]) == {"social"}


# ---------------------------------------------------------------- bad config
def write_center(tmp_path, callback):
    path = tmp_path / "c.toml"
    path.write_text(
        '[center]\ntimezone = "Europe/Berlin"\n[[queue]]\nchannel = "phone"\nlanguage = "de"\n'
        f'target = "80/20s"\ncallback = {callback}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "callback, words",
    [
        ('{ accept_share = 0.5, deadline = "2m", talk_time = "5m" }', "shorter than talk_time"),
        ('{ accept_share = 1.5, deadline = "2h" }', "accept_share"),
        ('{ accept_share = -0.1, deadline = "2h" }', "accept_share"),
        ('{ accept_share = 0.5 }', "deadline"),
        ('{ accept_share = 0.5, deadline = "2h", tries = 3 }', "unknown key"),
    ],
)
def test_bad_callback_is_located(tmp_path, callback, words):
    with pytest.raises(WfmInputError) as exc:
        load_center(write_center(tmp_path, callback))
    msg = str(exc.value)
    assert "queue[1] (phone:de).callback" in msg and words in msg
    assert "c.toml" in msg


def test_callback_needs_a_live_queue():
    with pytest.raises(ValueError, match="callback applies to live queues"):
        QueueConfig(
            channel="email", language="de", model="deferred", deadline="24h",
            callback={"accept_share": 0.5, "deadline": "2h"},
        )


def test_cli_bad_callback_exit_2_nothing_written(tmp_path):
    cfg = write_center(tmp_path, '{ accept_share = 0.5, deadline = "60s", talk_time = "330s" }')
    out = tmp_path / "req.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "wfm", "staff", str(ROOT / "examples/forecast_channels.csv"),
         "-c", str(cfg), "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "callback" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


# ---------------------------------------------------------------- trough fill, by hand
def test_fill_troughs_hand_cases():
    # the peak callback work (3 agent-intervals) fits in the next interval: level 13
    r = fill_troughs(np.array([10.0, 20, 10, 10]), np.array([0.0, 3, 0, 0]), np.ones(4, bool), 2)
    np.testing.assert_allclose(r.agents, [0, 0, 3, 0], atol=1e-5)
    assert r.level == pytest.approx(13.0, abs=1e-4)
    # both intervals of the window at 20: the level rises to 21.5, split 1.5 + 1.5
    r = fill_troughs(np.array([10.0, 20, 20, 10]), np.array([0.0, 3, 0, 0]), np.ones(4, bool), 2)
    np.testing.assert_allclose(r.agents, [0, 1.5, 1.5, 0], atol=1e-5)
    assert r.level == pytest.approx(21.5, abs=1e-4)
    # window closed: made in the next open interval (next week's first), counted late
    r = fill_troughs(np.array([5.0, 5, 0, 0]), np.array([0.0, 0, 2, 0]),
                     np.array([True, True, False, False]), 1)
    np.testing.assert_allclose(r.agents, [2, 0, 0, 0], atol=1e-5)
    assert r.late == 1.0
    np.testing.assert_array_equal(due_intervals(np.array([True, False, False, True]), 1),
                                  [0, 3, 3, 3])


def lp_min_peak(live, work, d):
    """Lowest max_t (live_t + x_t) over fluid schedules doing each interval's work
    within its window [s, s + d) (cyclic), by linear programming."""
    T = len(live)
    pairs = [(s, (s + k) % T) for s in range(T) for k in range(d)]
    n = len(pairs) + 1  # x_(s,t) and the peak L (last)
    c = np.zeros(n)
    c[-1] = 1.0
    a_eq = np.zeros((T, n))
    for j, (s, _) in enumerate(pairs):
        a_eq[s, j] = 1.0
    a_ub = np.zeros((T, n))
    for j, (_, t) in enumerate(pairs):
        a_ub[t, j] = 1.0
    a_ub[:, -1] = -1.0
    res = linprog(c, A_ub=a_ub, b_ub=-np.asarray(live), A_eq=a_eq, b_eq=work,
                  bounds=[(0, None)] * n, method="highs")
    assert res.success
    return res.fun


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fill_troughs_reaches_the_lp_min_peak(seed):
    rng = np.random.default_rng(seed)
    live = rng.uniform(2, 30, 24)
    work = rng.uniform(0, 4, 24) * (live > 15)
    r = fill_troughs(live, work, np.ones(24, bool), 3)
    assert (live + r.agents).max() == pytest.approx(lp_min_peak(live, work, 3), rel=1e-5)
    assert r.agents.sum() == pytest.approx(work.sum(), rel=1e-9)  # no work lost


# ---------------------------------------------------------------- callbacks in staffing
def erlang_c_wait(n, a):
    """P(wait) of M/M/n at load a Erlang, from the Erlang B recursion."""
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return n * b / (n - a * (1 - b)) if n > a else 1.0


def erlang_c_agents(calls, aht, interval, sl, t):
    a = calls * aht / interval
    n = max(1, math.floor(a) + 1)
    while 1 - erlang_c_wait(n, a) * math.exp(-(n - a) * t / aht) < sl:
        n += 1
    return n


def test_callbacks_against_hand_computation():
    calls = np.array([100.0, 30, 30, 30])  # per 30 min; 100 = 200 calls/h
    aht, interval = 300.0, 1800.0
    q = QueueConfig(channel="phone", language="de", model="erlang_c", target="80/20s",
                    deferred_occupancy=1.0,
                    callback={"accept_share": 0.5, "deadline": "1h", "talk_time": "360s"})
    req = queue_requirement(q, calls, np.full(4, aht), interval=interval,
                            open_mask=np.ones(4, bool), shrinkage=0.0)
    # 1. staffing without callbacks (21 agents at 200 calls/h: the reference notes)
    n0 = [erlang_c_agents(v, aht, interval, 0.8, 20) for v in calls]
    assert n0[0] == 21
    np.testing.assert_array_equal(req.required_without_callbacks, n0)
    # 2. half of the callers who would wait at that staffing call back
    cb = [0.5 * v * erlang_c_wait(n, v * aht / interval) for v, n in zip(calls, n0, strict=True)]
    np.testing.assert_allclose(req.callback_volume, cb, rtol=1e-9)
    # 3. the live queue on what is left
    live = [erlang_c_agents(v - c, aht, interval, 0.8, 20) for v, c in zip(calls, cb, strict=True)]
    # 4. callback work (agent-intervals at 360 s) in the troughs, due within 2 intervals
    work = np.array(cb) * 360.0 / interval
    total = np.asarray(live, float) + req.callback_agents
    np.testing.assert_allclose(total, req.on_duty_unrounded, rtol=1e-9)
    assert req.callback_agents.sum() == pytest.approx(work.sum(), rel=1e-9)
    # the peak interval's live need is below the no-callback staffing; its callbacks
    # go to the trough after it, so the peak falls
    assert live[0] < n0[0]
    assert total.max() == pytest.approx(lp_min_peak(np.array(live, float), work, 2), rel=1e-5)
    assert req.agents_required.max() < max(n0)


def test_example_shaves_the_peak_and_keeps_the_work():
    c = load_center(ROOT / "examples/center_channels.toml")
    from wfm.io.forecast import read_forecast

    fc = read_forecast(ROOT / "examples/forecast_channels.csv", c)
    table, _ = staff_forecast(fc.frame, c)
    phone = table[(table["channel"] == "phone")]
    assert phone["agents_required"].max() < phone["agents_required_no_callback"].max()
    # a callback moves work, it removes none: paid hours go up slightly
    assert phone["agents_required"].sum() >= phone["agents_required_no_callback"].sum()
    # callback on-duty hours = callbacks x 330 s / occupancy 0.9
    q = c.queue("phone:de")
    hours = phone["callback_agents"].sum() * 0.5
    assert hours == pytest.approx(phone["callback_volume"].sum() * 330 / 0.9 / 3600, rel=1e-3)
    assert q.callback.accept_share == 0.5
    others = table[table["channel"] != "phone"]
    assert (others["callback_volume"] == 0).all()
    assert (others["agents_required_no_callback"] == others["agents_required"]).all()
    assert isinstance(table, pd.DataFrame)


def test_requirements_with_callback_columns_read_back(tmp_path):
    from wfm.io.requirements import read_requirements
    from wfm.pipeline.staff import staff_file

    out = tmp_path / "req.csv"
    staff_file(ROOT / "examples/forecast_channels.csv", ROOT / "examples/center_channels.toml", out)
    c = load_center(ROOT / "examples/center_channels.toml")
    req = read_requirements(out, c)
    table = pd.read_csv(out)
    assert {"callback_volume", "callback_agents", "agents_required_no_callback"} <= set(table)
    phone = req.queues.index("phone:de")
    assert req.required[phone].max() == table[table["channel"] == "phone"]["agents_required"].max()


# ---------------------------------------------------------------- simulation check
def simulate_virtual_hold(rate, agents, aht, talk, accept, hours, seed):
    """M/M/n with virtual hold, simulated here (not with wfm.simulate): Poisson calls
    at ``rate`` per second, exponential handle times, ``agents`` on duty.  A caller
    finding every agent busy takes a callback with probability ``accept``; a freed
    agent serves the longest-waiting live caller first, else the oldest callback.
    Returns (share of live callers answered within 20 s, callback delays in s,
    callbacks per offered call)."""
    import heapq

    rng = np.random.default_rng(seed)
    end = hours * 3600.0
    events = [(rng.exponential(1 / rate), 1)]  # (time, 1 = arrival | 0 = agent frees)
    free, live, backlog = agents, [], []
    live_calls = answered = calls = 0
    delays = []
    while events:
        now, kind = heapq.heappop(events)
        if kind == 1:
            calls += 1
            nxt = now + rng.exponential(1 / rate)
            if nxt < end:
                heapq.heappush(events, (nxt, 1))
            if free > 0:
                free -= 1
                live_calls += 1
                answered += 1
                heapq.heappush(events, (now + rng.exponential(aht), 0))
            elif rng.random() < accept:
                backlog.append(now)
            else:
                live_calls += 1
                live.append(now)
        elif live:
            answered += now - live.pop(0) <= 20.0
            heapq.heappush(events, (now + rng.exponential(aht), 0))
        elif backlog:
            delays.append(now - backlog.pop(0))
            heapq.heappush(events, (now + rng.exponential(talk), 0))
        else:
            free += 1
    return answered / live_calls, np.array(delays), len(delays) / calls


def test_staffing_with_callbacks_holds_in_a_simulation():
    """The planned agents (live + callback work) meet the live target and make the
    callbacks within their deadline when simulated with virtual hold."""
    q = QueueConfig(channel="phone", language="de", model="erlang_c", target="80/20s",
                    callback={"accept_share": 0.5, "deadline": "1h", "talk_time": "300s"})
    calls = np.full(48, 100.0)  # 200 calls/h around the clock
    req = queue_requirement(q, calls, np.full(48, 300.0), interval=1800.0,
                            open_mask=np.ones(48, bool), shrinkage=0.0)
    n = int(req.agents_on_duty[0])
    assert (req.agents_on_duty == n).all()
    sl, delays, share = simulate_virtual_hold(200 / 3600, n, 300.0, 300.0, 0.5, 400, seed=7)
    assert sl >= 0.8
    assert np.quantile(delays, 0.99) <= 3600.0
    # fewer callbacks than planned: with the callback agents on duty fewer callers wait
    assert 0.0 < share <= req.callback_volume[0] / 100.0


def test_simulate_reads_callback_columns_and_simulates_callbacks(tmp_path):
    import json

    from typer.testing import CliRunner

    from wfm.cli import app

    cfg = tmp_path / "center.toml"
    cfg.write_text(
        '[center]\ntimezone = "Europe/Berlin"\ninterval = "30m"\n'
        '[[queue]]\nchannel = "phone"\nlanguage = "de"\nmodel = "erlang_a"\n'
        'target = "80/20s"\npatience = "120s"\n'
        'callback = { accept_share = 0.5, deadline = "1h", talk_time = "300s" }\n'
        '[[shift]]\nname = "s"\nlengths = ["4h"]\nstarts = "08:00"\n'
        '[[group]]\nname = "DE"\nskills = ["phone:de"]\nrate = 10\n',
        encoding="utf-8",
    )
    plan = tmp_path / "plan"
    plan.mkdir()
    lines = ["interval_start,channel,language,volume,aht_s,agents_required,"
             "callback_volume,callback_agents,agents_required_no_callback"]
    for k in range(8):
        t = f"2026-03-02T{8 + k // 2:02d}:{30 * (k % 2):02d}:00+01:00"
        lines.append(f"{t},phone,de,30,300,8,2.5,0.46,8")
    (plan / "requirements.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (plan / "shifts.csv").write_text(
        "group,day,start,end,breaks,agents,cost\nDE,2026-03-02,08:00,12:00,,8,320\n",
        encoding="utf-8")
    result = CliRunner().invoke(app, ["simulate", str(plan), "-c", str(cfg),
                                      "--replications", "2", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert not any("callbacks are not simulated" in n for n in out["notes"])
    cb = out["queues"][0]["callback"]  # tests/test_simulate_callbacks.py checks the figures
    assert cb["callback_share_erlang"] == pytest.approx(2.5 / 30)
    assert cb["callback_share"] > 0


# ------------------------------------------- several export channels in one queue
def test_history_sums_export_channels_of_one_queue(tmp_path):
    """WhatsApp and Facebook rows of one interval are parts of social:de: summed.

    Hand computation: 5 + 3 = 8 contacts; AHT weighted by volume
    (5 * 200 + 3 * 400) / 8 = 275 s; handled 4 + 3 = 7 where both give it."""
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume,aht_s\n"
        "2026-03-23T08:00:00+01:00,WhatsApp,de,5,200\n"
        "2026-03-23T08:00:00+01:00,Facebook,de,3,400\n"
        "2026-03-23T08:30:00+01:00,WhatsApp,de,2,100\n"
        "2026-03-23T08:30:00+01:00,Facebook,de,0,\n"
        "2026-03-23T09:00:00+01:00,Instagram,de,4,\n",
        encoding="utf-8",
    )
    h = read_history(path, center=c)
    f = h.frame.set_index(h.frame["interval_start"].dt.strftime("%H:%M"))
    assert f.loc["08:00", "volume"] == 8.0
    assert f.loc["08:00", "aht_s"] == pytest.approx(275.0)
    assert f.loc["08:30", "volume"] == 2.0
    assert f.loc["08:30", "aht_s"] == pytest.approx(100.0)  # the part without AHT has none
    assert f.loc["09:00", "volume"] == 4.0 and np.isnan(f.loc["09:00", "aht_s"])
    assert any("facebook/de, whatsapp/de" in w for w in h.warnings)


def test_history_sums_weighting_aht_by_handled(tmp_path):
    """With handled given, AHT is total handle time / handled over the parts:
    (4 * 300 + 1 * 600) / 5 = 360 s, not the volume-weighted 340 s."""
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume,aht_s,handled,abandoned\n"
        "2026-03-23T08:00:00+01:00,WhatsApp,de,4,300,4,0\n"
        "2026-03-23T08:00:00+01:00,Messenger,de,1,600,1,\n",
        encoding="utf-8",
    )
    row = read_history(path, center=c).frame.iloc[0]
    assert row["volume"] == 5.0 and row["handled"] == 5.0
    assert row["aht_s"] == pytest.approx(360.0)
    assert np.isnan(row["abandoned"])  # one part does not give it: unknown, not 0


def test_history_sums_weight_by_volume_only_where_handled_is_missing(tmp_path):
    """Per interval: 08:00 has handled on both parts -> (4*300 + 1*600) / 5 = 360 s;
    08:30 lacks it on one part -> by volume, (2*300 + 6*500) / 8 = 450 s."""
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume,aht_s,handled\n"
        "2026-03-23T08:00:00+01:00,WhatsApp,de,4,300,4\n"
        "2026-03-23T08:00:00+01:00,Messenger,de,1,600,1\n"
        "2026-03-23T08:30:00+01:00,WhatsApp,de,2,300,\n"
        "2026-03-23T08:30:00+01:00,Messenger,de,6,500,3\n",
        encoding="utf-8",
    )
    f = read_history(path, center=c).frame
    assert f["aht_s"].tolist() == pytest.approx([360.0, 450.0])
    assert f["handled"].iloc[0] == 5.0 and np.isnan(f["handled"].iloc[1])


def test_history_same_export_channel_twice_is_still_a_located_error(tmp_path):
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume\n"
        "2026-03-23T08:00:00+01:00,WhatsApp,de,5\n"
        "2026-03-23T08:00:00+01:00,Facebook,de,3\n"
        "2026-03-23T08:00:00+01:00,whatsapp,de,6\n",
        encoding="utf-8",
    )
    with pytest.raises(WfmInputError) as e:
        read_history(path, center=c)
    assert e.value.row == 4 and "line 2" in str(e.value) and "volume" in str(e.value)


def test_history_sums_export_channels_on_the_repeated_autumn_hour(tmp_path):
    """Naive local times on the autumn DST change: each export channel's first
    02:00 row is summer time and its second winter time, so the sum per
    instant is right (a queue-wide file order would mix them up)."""
    c = center({"channel": "social", "language": "de"})
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,channel,language,volume\n"
        "2026-10-25 02:00,WhatsApp,de,1\n"
        "2026-10-25 02:00,Facebook,de,10\n"
        "2026-10-25 02:00,WhatsApp,de,2\n"
        "2026-10-25 02:00,Facebook,de,20\n",
        encoding="utf-8",
    )
    f = read_history(path, center=c).frame
    utc = f["interval_start"].dt.tz_convert("UTC").dt.strftime("%H:%M")
    got = dict(zip(utc, f["volume"], strict=True))
    assert got["00:00"] == 11.0 and got["01:00"] == 22.0


def test_amazon_connect_queues_of_one_language_are_summed(tmp_path):
    c = center({"channel": "phone", "language": "de", "target": "80/20s"})
    path = tmp_path / "h.csv"
    path.write_text(
        "Timestamp,ChannelType,QueueName,IncomingContactVolume,AverageHandleTime\n"
        "2026-03-23T07:00:00Z,VOICE,Support_DE,10,300\n"
        "2026-03-23T07:00:00Z,VOICE,Billing_DE,30,100\n",
        encoding="utf-8",
    )
    row = read_history(path, center=c, preset="amazon-connect").frame.iloc[0]
    assert row["volume"] == 40.0 and row["aht_s"] == pytest.approx((10 * 300 + 30 * 100) / 40)
