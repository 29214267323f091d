"""A small plan made by hand for the report's tests (two days, two queues, two groups,
two scenarios): the report's inputs as ``wfm plan`` writes them, in well under a second.

Names can be hostile (HTML, a formula) to check that the report escapes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TZ = "Europe/Berlin"
INTERVAL = 1800.0
HOSTILE_CHANNEL = "=HYPERLINK(\"x\")"
HOSTILE_LANGUAGE = "<img src=x onerror=alert(1)>"
HOSTILE_GROUP = "+<script>alert(2)</script>"
HOSTILE_PROVIDER = "@</script><b>vendor"


def frames(hostile: bool = False) -> dict[str, pd.DataFrame]:
    """The plan's frames: history (3 weeks), forecast, requirements, coverage, shifts,
    simulation, scenarios, scenarios.queues, uncovered.

    Queue ``phone:de`` (or the hostile one) is short 2 agents in the intervals 20..23 of
    the first day and misses its target there in the simulation; ``chat:en`` meets it."""
    channel = HOSTILE_CHANNEL if hostile else "phone"
    language = HOSTILE_LANGUAGE if hostile else "de"
    group = HOSTILE_GROUP if hostile else "DE"
    vendor = HOSTILE_PROVIDER if hostile else "nearshore"
    qs = [(channel, language), ("chat", "en")]
    starts = pd.date_range("2026-11-16", periods=96, freq="30min", tz=TZ)
    hstarts = pd.date_range("2026-10-26", periods=21 * 48, freq="30min", tz=TZ)
    shape = 10 + 30 * np.sin(np.pi * (np.arange(96) % 48) / 48) ** 2

    def per_queue(times, cols):
        parts = []
        for c, lang in qs:
            parts.append(pd.DataFrame({"interval_start": [t.isoformat() for t in times],
                                       "channel": c, "language": lang, **cols}))
        return pd.concat(parts, ignore_index=True)

    hist = per_queue(hstarts, {"volume": np.tile(shape[:48], 21), "aht_s": 300.0})
    fc = per_queue(starts, {"volume": shape, "aht_s": 300.0, "volume_lo80": shape * 0.8,
                            "volume_hi80": shape * 1.2})
    req = fc.assign(agents_required=np.ceil(shape / 4).tolist() * 2,
                    service_level=0.85)
    sched = req["agents_required"].to_numpy().copy()
    short = np.zeros(len(req))
    short[20:24] = 2  # first queue, first day 10:00-12:00
    sched = sched - short
    cov = req[["interval_start", "channel", "language", "agents_required"]].assign(
        agents_scheduled=sched, shortfall=short)
    sl = np.where(short > 0, 0.55, 0.9)
    sim = req[["interval_start", "channel", "language"]].assign(
        offered=req["volume"], service_level_sim=sl, service_level_ci95=0.05,
        service_level_erlang_plan=np.where(short > 0, 0.6, 0.88), target_sl=0.8,
        misses_target=short > 0)
    shifts = pd.DataFrame({"group": [group, group, "EN"], "day": ["2026-11-16", "2026-11-17",
                                                                  "2026-11-16"],
                           "start": ["08:00", "22:00", "09:00"], "end": ["16:30", "06:00",
                                                                         "13:00"],
                           "breaks": ["12:00-12:30", "02:00-02:30", ""],
                           "agents": [10, 4, 3], "cost": [2000.0, 1100.5, 300.25]})
    scen = pd.DataFrame({
        "scenario": ["A in-house", "A in-house", "B vendor", "B vendor", "B vendor"],
        "provider": ["inhouse", "TOTAL", "inhouse", vendor, "TOTAL"],
        "fte": [30.0, 30.0, 20.0, 12.0, 32.0],
        "run_cost_per_month_eur": [150000.0, 150000.0, 90000.0, 30000.0, 120000.0],
        "run_cost_per_year_eur": [1799070.78, 1799070.78, 1080000.0, 360000.0, 1440000.0],
        "tco_eur": [64766548.17, 64766548.17, 4.0e6, 1.5e6, 5.5e6]})
    scen_q = pd.DataFrame({"scenario": ["A in-house", "A in-house", "B vendor", "B vendor"],
                           "provider": ["inhouse", "inhouse", "inhouse", vendor],
                           "queue": [f"{channel}:{language}", "chat:en"] * 2,
                           "contacts_per_year": [1000.0, 3000.0, 1000.0, 3000.0],
                           "service_level": [0.9, 0.8, 0.7, 0.9]})
    unc = pd.DataFrame({"queue": [f"{channel}:{language}"], "from": [starts[20].isoformat()],
                        "to": [starts[24].isoformat()], "intervals": [4], "agent_hours": [4.0],
                        "reason": [f"headcount/hours limit ({group})"]})
    return {"history": hist, "forecast": fc, "requirements": with_callbacks(req),
            "coverage": cov, "shifts": shifts, "simulation": sim, "scenarios": scen,
            "scenarios.queues": scen_q, "uncovered": unc,
            **extras(f"{channel}:{language}", vendor)}


def with_callbacks(req: pd.DataFrame) -> pd.DataFrame:
    """The first queue has callbacks: its peak of 10 required agents (intervals 19..29 of
    each day, where 10 + 30 sin² > 36) is cut to 9, and one agent makes the 4 callbacks
    of each of the intervals 0..5 of the first day; the other queue has none.

    Hand facts: peak 10 -> 9 (-10.0 %), 24 callbacks, 6 x 0.5 = 3.0 agent-h making them,
    paid hours (agents_required, as in wfm staff) -22 x 0.5 + 3.0 = -8.0."""
    without = req["agents_required"].to_numpy().copy()
    with_ = without.copy()
    with_[:96] = np.minimum(with_[:96], 9)
    cb_agents = np.zeros(len(req))
    cb_agents[0:6] = 1.0
    with_ += cb_agents
    return req.assign(agents_required=with_, callback_volume=4.0 * cb_agents,
                      callback_agents=cb_agents, agents_required_no_callback=without)


def extras(queue: str, vendor: str) -> dict[str, pd.DataFrame]:
    """capacity.csv (3 months, two queues), scorecard.csv + flips, pilot.csv + criteria.

    Hand facts: the first classes are in 2027-02 (5 + 3 = 8 persons), 10 hires in all;
    the vendor's total peaks at 6 + 1 = 7 FTE in 2027-02.  The scorecard's winner is
    ``vendor`` (0.6 x 1 + 0.4 x 0.25 = 0.7); the closest flip is cost's -0.15.  The
    pilot costs 1,000 EUR more than its baseline; it meets its service level, misses FCR.
    """
    months = ["2027-01", "2027-02", "2027-03"]
    cap = pd.DataFrame({
        "month": months * 2, "queue": [queue] * 3 + ["chat:en"] * 3,
        "required_fte": [20.0, 21.0, 22.0, 8.0, 8.5, 9.0],
        "productive_fte": [16.0, 15.0, 21.0, 8.0, 7.5, 9.0],
        "headcount_fte": [16.0, 20.0, 23.0, 8.0, 11.0, 11.0],
        "hires": [0, 5, 2, 0, 3, 0], "vendor_fte": [4.0, 6.0, 1.0, 0.0, 1.0, 0.0],
        "inhouse_cost_eur": [100.0] * 6, "vendor_cost_eur": [10.0] * 6,
        "hiring_cost_eur": [0.0, 500.0, 200.0, 0.0, 300.0, 0.0]})
    card = pd.DataFrame({"rank": [1, 2], "option": [vendor, "in-house"],
                         "score": [0.7, 0.4], "cost": [1.0e6, 2.0e6], "csat": [3.0, 4.0],
                         "cost_score": [1.0, 0.0], "csat_score": [0.25, 1.0]})
    flips = pd.DataFrame({"criterion": ["csat", "cost"], "weight": [0.4, 0.6],
                          "flip_weight": [0.8, 0.45], "delta": [0.4, -0.15],
                          "share": [0.57, 0.43], "challenger": ["in-house", "in-house"]})
    pilot = pd.DataFrame({
        "scenario": ["base", "base", "pilot: P", "pilot: P", "pilot: P"],
        "provider": ["inhouse", "TOTAL", "inhouse", vendor, "TOTAL"],
        "contacts": [1000.0, 1000.0, 800.0, 200.0, 1000.0],
        "paid_hours": [100.0, 100.0, 80.0, 25.0, 105.0], "fte": [2.0, 2.0, 1.6, 0.5, 2.1],
        "run_cost_eur": [5000.0, 5000.0, 4000.0, 1500.0, 5500.0],
        "transition_eur": [0.0, 0.0, 0.0, 0.0, 500.0],
        "extra_cost_eur": [None, None, None, None, 1000.0],
        "extra_if_staff_kept_eur": [None, None, None, None, 2000.0]})
    criteria = pd.DataFrame({"pilot": ["P", "P"], "weeks": [12, 12],
                             "criterion": ["service_level", "fcr"],
                             "bound": ["at least", "at least"], "target": [0.8, 0.75],
                             "expected": [0.85, 0.7], "meets": [True, False]})
    return {"capacity": cap, "scorecard": card, "scorecard_flips": flips, "pilot": pilot,
            "pilot_criteria": criteria}


def write_report_files(directory: Path, hostile: bool = False) -> dict[str, pd.DataFrame]:
    """Render ``report.html`` and ``report.xlsx`` of :func:`frames` into ``directory``
    (the same functions as :func:`wfm.report.write_report`, without a center file)."""
    from wfm.io.atomic import write_atomic
    from wfm.report import build_summary, build_tables, render_html, write_workbook

    f = frames(hostile)
    hist = f["history"].assign(interval_start=pd.to_datetime(f["history"]["interval_start"],
                                                               utc=True))
    tables = build_tables(hist, f["forecast"], f["requirements"], f["coverage"], f["shifts"],
                          f["scenarios"], TZ, INTERVAL, f["simulation"],
                          {k: f[k] for k in ("capacity", "scorecard", "scorecard_flips",
                                             "pilot", "pilot_criteria")})
    facts = build_summary(tables, f["shifts"], f["coverage"], INTERVAL, 40.0,
                          {"gap": 0.024, "status": "time limit"}, f["uncovered"],
                          f["scenarios"], f["scenarios.queues"], requested_gap=0.01)
    directory.mkdir(parents=True, exist_ok=True)
    text = render_html(tables, ["plan directory: plan/"], facts)
    write_atomic(directory / "report.html", lambda h: h.write(text))
    write_workbook(directory / "report.xlsx", tables, facts)
    return f
