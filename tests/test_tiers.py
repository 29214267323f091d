"""Service tiers (escalation to experts) and repeat contacts from first-contact resolution.

References are independent of wfm's code: the geometric series worked by hand, a
customer-by-customer Monte Carlo simulation and a causal recursion over many
periods written here, and Erlang C from its closed form.
"""

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.config import center_from_dict, load_center
from wfm.errors import WfmInputError
from wfm.staffing import staff_forecast
from wfm.staffing.flows import first_contacts, queue_flows, repeat_kernel, with_repeats

ROOT = Path(__file__).resolve().parents[1]
PHONE = {"channel": "phone", "language": "de", "target": "80/20s"}
EXPERT = {"channel": "expert", "language": "de", "target": "80/60s"}


def center(*queues):
    return center_from_dict({"center": {"interval": "30m"}, "queue": list(queues)})


# ---------------------------------------------------------------- configuration errors
def write(tmp_path, phone_extra, expert_extra=""):
    path = tmp_path / "c.toml"
    path.write_text(
        '[center]\ninterval = "30m"\n'
        f'[[queue]]\nchannel = "phone"\nlanguage = "de"\ntarget = "80/20s"\n{phone_extra}\n'
        f'[[queue]]\nchannel = "expert"\nlanguage = "de"\ntarget = "80/60s"\n{expert_extra}\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "phone, expert, words",
    [
        ('escalate = { to = "expert:de", share = 1.5, aht = "600s" }', "",
         "queue[1] (phone:de).escalate.share"),
        ('escalate = { to = "expert:de", share = -0.1, aht = "600s" }', "",
         "queue[1] (phone:de).escalate.share"),
        ('escalate = { to = "expert:fr", share = 0.1, aht = "600s" }', "",
         "queue[1] (phone:de).escalate.to: unknown queue 'expert:fr'"),
        ('escalate = { to = "expert:de", share = 0.1, aht = "600s" }',
         'escalate = { to = "phone:de", share = 0.1, aht = "300s" }',
         "escalation cycle phone:de -> expert:de -> phone:de"),
        ('escalate = { to = "phone:de", share = 0.1, aht = "600s" }', "",
         "escalation cycle phone:de -> phone:de"),
        ('escalate = { to = "expert:de", share = 0.1 }', "", "queue[1] (phone:de).escalate.aht"),
        ("fcr = 0", "", "queue[1] (phone:de).fcr"),
        ("fcr = 1.2", "", "queue[1] (phone:de).fcr"),
        ('fcr = 0.8\nrepeat_delay = { "1d" = 0.5, "2d" = 0.4 }', "",
         "queue[1] (phone:de).repeat_delay: the shares of repeat_delay must sum to 1"),
    ],
)
def test_bad_flows_are_located(tmp_path, phone, expert, words):
    with pytest.raises(WfmInputError) as exc:
        load_center(write(tmp_path, phone, expert))
    assert words in str(exc.value) and "c.toml" in str(exc.value)


def test_cli_bad_escalation_exit_2_nothing_written(tmp_path):
    cfg = write(tmp_path, 'escalate = { to = "expert:de", share = 1.5, aht = "600s" }')
    fc = tmp_path / "f.csv"
    fc.write_text("interval_start,channel,language,volume,aht_s\n"
                  "2026-03-23T08:00:00+01:00,phone,de,100,300\n", encoding="utf-8")
    out = tmp_path / "req.csv"
    proc = subprocess.run([sys.executable, "-m", "wfm", "staff", str(fc), "-c", str(cfg),
                           "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "escalate.share" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


# ---------------------------------------------------------------- repeats: the geometric series
def test_repeats_by_hand_flat_load():
    # 10 first contacts every interval, FCR 0.8, repeats one interval later.  By hand:
    # O = 10 (1 + 0.2 + 0.04 + ...) = 10 / 0.8 = 12.5; repeats 2.5 an interval.
    k = repeat_kernel(((1800.0, 1.0),), 1800.0, 48)
    o = with_repeats(np.full(48, 10.0), 0.8, k)
    np.testing.assert_allclose(o, 12.5, rtol=1e-12)
    # total repeats = first contacts x (1/FCR - 1)
    first = np.random.default_rng(1).uniform(0, 30, 48)
    o = with_repeats(first, 0.6, repeat_kernel(((0.0, 0.3), (86400.0 / 4, 0.7)), 1800.0, 48))
    assert o.sum() - first.sum() == pytest.approx(first.sum() * (1 / 0.6 - 1), rel=1e-12)
    np.testing.assert_allclose(first_contacts(o, 0.6, repeat_kernel(
        ((0.0, 0.3), (86400.0 / 4, 0.7)), 1800.0, 48)), first, atol=1e-9)


def test_repeats_by_hand_one_spike():
    # 100 first contacts in interval 0 of 4, FCR 0.5, every repeat 1 interval later, horizon
    # repeating: interval j receives 100 * 0.5^j * (1 + 0.5^4 + 0.5^8 + ...)
    # = 100 0.5^j / (1 - 1/16)
    o = with_repeats(np.array([100.0, 0, 0, 0]), 0.5, repeat_kernel(((1800.0, 1.0),), 1800.0, 4))
    np.testing.assert_allclose(o, [100 * 0.5**j / (1 - 0.5**4) for j in range(4)], rtol=1e-12)


def simulate_repeats(first, fcr, delays, shares, rng, reps):
    """Customer by customer: each contact is resolved with probability fcr, else the
    customer calls again after a delay drawn from ``shares``; counted on a circular horizon."""
    n = len(first)
    counts = np.zeros(n)
    for _ in range(reps):
        arrivals = rng.poisson(first)
        for t0, m in enumerate(arrivals):
            for _ in range(m):
                t = t0
                while True:
                    counts[t % n] += 1
                    if rng.random() < fcr:
                        break
                    t += delays[rng.choice(len(delays), p=shares)]
    return counts / reps


def test_repeats_match_a_simulation_of_customers():
    first = np.array([2.0, 6.0, 10.0, 4.0, 1.0, 0.0, 3.0, 8.0])
    fcr, delays, shares = 0.7, [0, 1, 3], [0.2, 0.5, 0.3]
    sim = simulate_repeats(first, fcr, delays, shares, np.random.default_rng(7), 4000)
    k = repeat_kernel(tuple((d * 900.0, s) for d, s in zip(delays, shares, strict=True)), 900.0, 8)
    model = with_repeats(first, fcr, k)
    # standard error of a mean count over 4000 runs is below 0.06 here
    np.testing.assert_allclose(model, sim, atol=0.25)
    assert sim.sum() == pytest.approx(first.sum() / fcr, rel=0.01)


def test_repeats_match_a_causal_recursion_run_to_steady_state():
    rng = np.random.default_rng(3)
    first = rng.uniform(0, 20, 48)
    delays = {0: 0.1, 5: 0.6, 47: 0.3}
    o = np.zeros(48 * 60)
    f = np.tile(first, 60)
    for t in range(len(o)):  # O_t = F_t + 0.25 sum_k w_k O_{t-k}, the same period over and over
        back = sum(w * o[t - d] for d, w in delays.items() if d and t - d >= 0)
        o[t] = (f[t] + 0.25 * back) / (1 - 0.25 * delays[0])
    k = repeat_kernel(tuple((d * 1800.0, w) for d, w in delays.items()), 1800.0, 48)
    np.testing.assert_allclose(with_repeats(first, 0.75, k), o[-48:], rtol=1e-9)


# ---------------------------------------------------------------- escalation
def test_escalation_and_expert_repeats_by_hand():
    c = center({**PHONE, "fcr": 0.8, "fcr_in_forecast": False,
                "escalate": {"to": "expert:de", "share": 0.1, "aht": "600s", "delay": "1h"}},
               {**EXPERT, "fcr": 0.5, "repeat_delay": "0s"})
    v = np.zeros(48)
    v[10] = 80.0
    flows = queue_flows(c.queues, {"phone:de": (v, np.full(48, 300.0))}, 1800.0)
    phone, expert = flows["phone:de"], flows["expert:de"]
    # phone: 80 first contacts, 100 offered (80 / 0.8), repeats a day later (interval 10 again
    # on a one-day circular horizon)
    assert phone.volume[10] == pytest.approx(100.0)
    assert phone.repeats.sum() == pytest.approx(20.0)
    # 10 % of 100 escalate 1 h (2 intervals) later; FCR 0.5 same interval: 10 / 0.5 = 20
    assert expert.escalated[12] == pytest.approx(10.0)
    assert expert.volume[12] == pytest.approx(20.0)
    assert expert.aht[12] == pytest.approx(600.0)
    assert expert.volume.sum() == pytest.approx(20.0)


def erlang_c_agents(calls, aht, interval, sl, t):
    """Smallest n with 1 - C(n, a) exp(-(n - a) t / aht) >= sl (Erlang B recursion)."""
    a = calls * aht / interval
    n = math.floor(a) + 1
    while True:
        b = 1.0
        for k in range(1, n + 1):
            b = a * b / (k + a * b)
        c = n * b / (n - a * (1 - b))
        if 1 - c * math.exp(-(n - a) * t / aht) >= sl:
            return n
        n += 1


def test_staff_forecast_staffs_the_expert_queue_from_escalations():
    c = center({**PHONE, "escalate": {"to": "expert:de", "share": 0.15, "aht": "900s"}},
               {**EXPERT, "fcr": 0.75, "repeat_delay": "0s"})
    starts = pd.date_range("2026-03-23 08:00", periods=4, freq="30min", tz="Europe/Berlin")
    frame = pd.DataFrame({"interval_start": starts, "channel": "phone", "language": "de",
                          "volume": [100.0, 200.0, 300.0, 200.0], "aht_s": 300.0})
    table, _ = staff_forecast(frame, c)
    expert = table[table["channel"] == "expert"]
    phone = table[table["channel"] == "phone"]
    np.testing.assert_allclose(phone["volume"], [100, 200, 300, 200])  # unchanged
    want = np.array([100.0, 200, 300, 200]) * 0.15 / 0.75
    np.testing.assert_allclose(expert["volume"], want)
    np.testing.assert_allclose(expert["escalated_volume"], want * 0.75)
    np.testing.assert_allclose(expert["repeat_volume"], want * 0.25)
    assert list(expert["agents_on_duty"]) == [
        erlang_c_agents(x, 900.0, 1800.0, 0.8, 60.0) for x in want]


def test_fcr_in_forecast_leaves_the_forecast_alone_and_false_adds_repeats():
    v = np.random.default_rng(0).uniform(0, 50, 96)
    a = np.full(96, 300.0)
    inside = center({**PHONE, "fcr": 0.8})
    outside = center({**PHONE, "fcr": 0.8, "fcr_in_forecast": False})
    np.testing.assert_allclose(queue_flows(inside.queues, {"phone:de": (v, a)}, 1800.0)
                               ["phone:de"].volume, v)
    got = queue_flows(outside.queues, {"phone:de": (v, a)}, 1800.0)["phone:de"]
    assert got.volume.sum() == pytest.approx(v.sum() / 0.8)
    np.testing.assert_allclose(got.aht, 300.0)


def test_a_new_fcr_scales_contacts_by_the_ratio_of_fcrs():
    # f_base / f_new, the repeat factor with q = 1 (shared/reference, scenario section 1.1):
    # 0.80 -> 0.85: 0.80 / 0.85 = 0.941 of the contacts
    v = np.random.default_rng(2).uniform(5, 50, 336)
    c = center({**PHONE, "fcr": 0.8, "repeat_delay": {"1d": 0.7, "2d": 0.3}})
    got = queue_flows(c.queues, {"phone:de": (v, np.full(336, 300.0))}, 1800.0,
                      fcr={"phone:de": 0.85})["phone:de"]
    assert got.volume.sum() == pytest.approx(v.sum() * 0.80 / 0.85, rel=1e-9)
    assert got.repeats.sum() == pytest.approx(v.sum() * (0.80 / 0.85 - 1), rel=1e-9)


# ---------------------------------------------------------------- scenarios: what FCR saves
SCEN_CENTER = center_from_dict({
    "center": {"timezone": "Europe/Berlin", "interval": "1h", "absence_shrinkage": 0.2},
    "queue": [
        {**PHONE, "fcr": 0.8, "repeat_delay": {"1d": 0.7, "2d": 0.3},
         "escalate": {"to": "expert:de", "share": 0.1, "aht": "600s"}},
        {**EXPERT},
    ],
})


def week_forecast() -> pd.DataFrame:
    grid = pd.date_range("2026-04-27", periods=24 * 7, freq="1h", tz="Europe/Berlin")
    v = 60.0 + 40.0 * np.sin(np.arange(len(grid)) * 2 * np.pi / 24)
    return pd.DataFrame({"interval_start": grid, "channel": "phone", "language": "de",
                         "volume": v, "aht_s": 300.0})


def fcr_scenarios(*rules, baseline=None):
    from wfm.config.scenario import scenarios_from_dict

    return scenarios_from_dict({
        "settings": {} if baseline is None else {"baseline_fcr": baseline},
        "provider": [{"name": "inhouse", "kind": "inhouse", "cost": {"annual_salary": 36000}}],
        "scenario": [{"name": f"s{i}", "default": "inhouse", "fcr": list(r)}
                     for i, r in enumerate(rules)],
    })


def test_fcr_knob_cuts_repeats_escalations_and_hours():
    from wfm.scenario.compare import compare

    base, better = compare(fcr_scenarios([], [{"queues": ["phone:*"], "fcr": 0.85}]),
                           SCEN_CENTER, week_forecast())
    work = [{w.queue: w for w in r.providers[0].work} for r in (base, better)]
    v = week_forecast()["volume"].sum() * 52.0
    # by hand: the forecast holds the repeats at FCR 0.80; at 0.85 the phone line gets
    # 0.80 / 0.85 of the calls, and the expert line 10 % of those
    assert work[0]["phone:de"].handled_contacts == pytest.approx(v)
    assert work[1]["phone:de"].handled_contacts == pytest.approx(v * 0.80 / 0.85)
    assert work[0]["expert:de"].handled_contacts == pytest.approx(0.1 * v)
    assert work[1]["expert:de"].handled_contacts == pytest.approx(0.1 * v * 0.80 / 0.85)
    assert better.providers[0].paid_hours < base.providers[0].paid_hours
    assert better.run_per_year < base.run_per_year
    assert better.contacts == pytest.approx(base.contacts)  # the forecast's demand


def test_fcr_knob_totals_equal_the_vendor_repeat_factor():
    # one engine: the flows' totals agree with wfm.scenario.cost.repeat_factor (q = 1),
    # itself checked against the reference's 78 % -> 75 % example in test_scenario_cost
    from wfm.scenario.cost import repeat_factor

    v = week_forecast()
    flows = queue_flows(SCEN_CENTER.queues, {"phone:de": (v["volume"].to_numpy(),
                                                         v["aht_s"].to_numpy())},
                        3600.0, fcr={"phone:de": 0.9})
    assert flows["phone:de"].volume.sum() / v["volume"].sum() == pytest.approx(
        repeat_factor(0.8, 0.9))


def test_fcr_knob_errors_are_located(tmp_path):
    from wfm.config.scenario import load_scenarios
    from wfm.scenario.compare import compare

    with pytest.raises(WfmInputError, match=re.escape("s0).fcr[1].queues: matches no queue")):
        compare(fcr_scenarios([{"queues": ["chat:*"], "fcr": 0.9}]), SCEN_CENTER,
                week_forecast())
    with pytest.raises(WfmInputError, match=re.escape("expert:de has no fcr")):
        compare(fcr_scenarios([{"queues": ["expert:*"], "fcr": 0.9}]), SCEN_CENTER,
                week_forecast())
    # with settings.baseline_fcr the expert line's forecast FCR is that one
    compare(fcr_scenarios([{"queues": ["expert:*"], "fcr": 0.9}], baseline=0.7), SCEN_CENTER,
            week_forecast())
    path = tmp_path / "s.toml"
    path.write_text(
        '[[provider]]\nname = "inhouse"\nkind = "inhouse"\n[provider.cost]\n'
        'annual_salary = 36000\n[[scenario]]\nname = "x"\ndefault = "inhouse"\n'
        '[[scenario.fcr]]\nqueues = ["phone:*"]\nfcr = 1.5\n', encoding="utf-8")
    with pytest.raises(WfmInputError, match=r"scenario\[1\] \(x\)\.fcr\[1\]\.fcr"):
        load_scenarios(path, SCEN_CENTER)


def test_example_expert_line_through_staff_and_scenarios(tmp_path):
    out = tmp_path / "req.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "wfm", "staff", "examples/forecast_channels.csv", "-c",
         "examples/center_channels.toml", "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "expert:de:" in proc.stdout and "escalated in" in proc.stdout
    req = pd.read_csv(out)
    expert = req[req["channel"] == "expert"]
    phone = req[req["channel"] == "phone"]
    # 10 % of the offered calls, and their repeats at 70 % FCR: / 0.7
    assert expert["escalated_volume"].sum() == pytest.approx(0.1 * phone["volume"].sum(),
                                                             rel=1e-3)
    assert expert["volume"].sum() == pytest.approx(0.1 * phone["volume"].sum() / 0.7, rel=1e-3)
    assert (expert["agents_required"] > 0).any()


def test_expert_queue_through_schedule_and_simulate_served_by_a_group(tmp_path):
    """staff -> schedule -> simulate: the expert line, with no forecast of its own, gets a
    requirement from escalations, a group with the skill expert:de covers it, and the
    simulation serves its contacts (as independent arrivals, see docs/concepts/tiers.md)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(TIERS_CENTER, encoding="utf-8")
    grid = pd.date_range("2026-04-27 08:00", periods=24 * 7, freq="1h", tz="Europe/Berlin")
    grid = grid[(grid.hour >= 8) & (grid.hour < 20)]
    fc = tmp_path / "f.csv"
    pd.DataFrame({"interval_start": [t.isoformat() for t in grid], "channel": "phone",
                  "language": "de", "volume": 80.0 + 40 * np.sin((grid.hour - 8) / 12 * np.pi),
                  "aht_s": 300.0}).to_csv(fc, index=False)
    req, plan = tmp_path / "req.csv", tmp_path / "plan"

    def wfm(*args):
        proc = subprocess.run([sys.executable, "-m", "wfm", *map(str, args)],
                              capture_output=True, text=True, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    wfm("staff", fc, "-c", cfg, "-o", req, "-q")
    wfm("schedule", req, "-c", cfg, "-o", plan, "-q")
    coverage = pd.read_csv(plan / "coverage.csv")
    expert = coverage[coverage["channel"] == "expert"]
    assert expert["agents_required"].sum() > 0
    assert expert["agents_scheduled"].sum() >= expert["agents_required"].sum() * 0.9
    out = wfm("simulate", plan, "-c", cfg, "--requirements", req, "--replications", "2",
              "--json")
    assert "expert:de" in out


TIERS_CENTER = """
[center]
timezone = "Europe/Berlin"
interval = "1h"
absence_shrinkage = 0.1
opening_hours = { daily = "08:00-20:00" }

[[queue]]
channel = "phone"
language = "de"
target = "80/20s"
fcr = 0.8
escalate = { to = "expert:de", share = 0.15, aht = "600s" }

[[queue]]
channel = "expert"
language = "de"
target = "80/60s"
fcr = 0.7
repeat_delay = "0s"

[schedule]
days_off = 2

[[shift]]
name = "early"
lengths = ["8h"]
starts = "08:00-09:00"
step = "1h"

[[shift]]
name = "late"
lengths = ["8h"]
starts = "12:00"
step = "1h"

[[group]]
name = "L1"
skills = ["phone:de"]
max_headcount = 60

[[group]]
name = "EXP"
skills = ["expert:de", "phone:de"]
max_headcount = 30
"""


@settings(max_examples=60, deadline=None)
@given(
    first=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=60),
    fcr=st.floats(0.05, 1.0),
    delays=st.lists(st.tuples(st.integers(0, 200), st.floats(0.01, 1.0)), min_size=1,
                    max_size=4),
)
def test_repeat_invariants(first, fcr, delays):
    """Total = first / FCR; never below the first contacts; first_contacts inverts it."""
    total = sum(w for _, w in delays)
    k = repeat_kernel(tuple((d * 900.0, w / total) for d, w in delays), 900.0, len(first))
    f = np.array(first)
    o = with_repeats(f, fcr, k)
    assert o.sum() == pytest.approx(f.sum() / fcr, rel=1e-9, abs=1e-6)
    assert (o >= f - 1e-6).all()
    np.testing.assert_allclose(first_contacts(o, fcr, k), f, atol=1e-6)


def test_untouched_queues_keep_their_rows():
    from wfm.staffing.flows import apply_flows

    c = center({**PHONE, "escalate": {"to": "expert:de", "share": 0.1, "aht": "600s"}},
               {**EXPERT}, {"channel": "chat", "language": "de", "model": "chat",
                            "target": "80/60s"})
    a = pd.date_range("2026-03-23 08:00", periods=4, freq="30min", tz="Europe/Berlin")
    b = pd.date_range("2026-03-23 09:00", periods=2, freq="30min", tz="Europe/Berlin")
    frame = pd.concat([
        pd.DataFrame({"interval_start": a, "channel": "phone", "language": "de",
                      "volume": 10.0, "aht_s": 300.0}),
        pd.DataFrame({"interval_start": b, "channel": "chat", "language": "de",
                      "volume": 5.0, "aht_s": 200.0})], ignore_index=True)
    out = apply_flows(frame, c)
    assert len(out[out["channel"] == "chat"]) == 2  # not regridded
    np.testing.assert_allclose(out[out["channel"] == "expert"]["volume"], 1.0)


def test_no_history_warning_spares_queues_fed_by_escalations(tmp_path):
    """phone:de (history) escalates to expert:de, which escalates to specialist:de:
    both get their volume from the flows and are not warned about.  chat:de (no
    history, no inbound flow) and backoffice:de (fed only by chat:de, which has no
    history either) are."""
    from wfm.pipeline.forecast import forecast_inputs

    config = tmp_path / "c.toml"
    config.write_text(
        '[center]\ntimezone = "Europe/Berlin"\ninterval = "30m"\n'
        '[[queue]]\nchannel = "phone"\nlanguage = "de"\ntarget = "80/20s"\n'
        'escalate = { to = "expert:de", share = 0.1, aht = "600s" }\n'
        '[[queue]]\nchannel = "expert"\nlanguage = "de"\ntarget = "80/60s"\nfcr = 0.7\n'
        'escalate = { to = "specialist:de", share = 0.2, aht = "900s" }\n'
        '[[queue]]\nchannel = "specialist"\nlanguage = "de"\ntarget = "80/60s"\n'
        '[[queue]]\nchannel = "chat"\nlanguage = "de"\ntarget = "80/60s"\n'
        'escalate = { to = "backoffice:de", share = 0.1, aht = "600s" }\n'
        '[[queue]]\nchannel = "backoffice"\nlanguage = "de"\ntarget = "80/60s"\n',
        encoding="utf-8",
    )
    times = pd.date_range("2026-03-02 08:00", "2026-03-20 17:30", freq="30min",
                          tz="Europe/Berlin")
    times = times[(times.hour >= 8) & (times.hour < 18)]
    history = tmp_path / "h.csv"
    history.write_text("interval_start,channel,language,volume,aht_s\n" + "".join(
        f"{t.isoformat()},phone,de,20,300\n" for t in times), encoding="utf-8")
    _, warnings = forecast_inputs(history, config, None, None, None, None, None)
    absent = [w for w in warnings if w.startswith("no history")]
    assert absent == ["no history for chat:de, backoffice:de: not forecast"]
