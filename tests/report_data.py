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
    return {"history": hist, "forecast": fc, "requirements": req, "coverage": cov,
            "shifts": shifts, "simulation": sim, "scenarios": scen,
            "scenarios.queues": scen_q, "uncovered": unc}


def write_report_files(directory: Path, hostile: bool = False) -> dict[str, pd.DataFrame]:
    """Render ``report.html`` and ``report.xlsx`` of :func:`frames` into ``directory``
    (the same functions as :func:`wfm.report.write_report`, without a center file)."""
    from wfm.io.atomic import write_atomic
    from wfm.report import build_summary, build_tables, render_html, write_workbook

    f = frames(hostile)
    hist = f["history"].assign(interval_start=pd.to_datetime(f["history"]["interval_start"],
                                                               utc=True))
    tables = build_tables(hist, f["forecast"], f["requirements"], f["coverage"], f["shifts"],
                          f["scenarios"], TZ, INTERVAL, f["simulation"])
    facts = build_summary(tables, f["shifts"], f["coverage"], INTERVAL, 40.0,
                          {"gap": 0.024, "status": "time limit"}, f["uncovered"],
                          f["scenarios"], f["scenarios.queues"], requested_gap=0.01)
    directory.mkdir(parents=True, exist_ok=True)
    text = render_html(tables, ["plan directory: plan/"], facts)
    write_atomic(directory / "report.html", lambda h: h.write(text))
    write_workbook(directory / "report.xlsx", tables, facts)
    return f
