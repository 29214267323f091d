"""The report's plan checks: the saving of a plan staffed for the week's (or day's)
service level against interval-by-interval staffing, and the verdict of ``wfm schedule
--verify`` (pure: the schedule summary and frames in, sentences and tables out).

Hours are paid hours of the planned week, service levels fractions 0..1.
"""

from __future__ import annotations

import math

import pandas as pd

from wfm.report import labels as lb
from wfm.report.summary import Alert

SAVING_FILE = "service_level_saving.csv"  # wfm.pipeline.sl_saving.SAVING_FILE
VERIFY_ROWS = ["round", "queue", "intervals_open", "intervals_missing", "sl_week_sim",
               "sl_week_ci95", "target", "met", "agents_added_h", "paid_h", "cost"]
UNMET_COLUMNS = ["queue", "intervals_missing", "intervals_short", "intervals_erlang",
                 "intervals_routing", "intervals_transient", "reason"]
# the checks' tables use column names of their own (the report's labels are by name)
RENAME = {"target": "target_sl", "paid_h": "round_paid_h", "cost": "round_cost_eur",
          "intervals_missing": "verify_intervals_missing",
          "intervals_short": "verify_intervals_short"}
LABELS = {
    "required_interval_h": ("Requirement interval by interval (agent-h)", "h"),
    "required_pooled_h": ("Requirement for the period's SL (agent-h)", "h"),
    "sl_erlang_plan": ("SL Erlang of the period at the plan", "pct"),
    "sl_week": ("SL simulated, week, this plan", "pct"),
    "sl_week_ci95": ("± 95 % (this plan)", "pct"),
    "sl_week_interval_plan": ("SL simulated, week, interval plan", "pct"),
    "sl_week_interval_plan_ci95": ("± 95 % (interval plan)", "pct"),
    "difference": ("Paired difference", "pct"),
    "difference_ci95": ("± 95 % (difference)", "pct"),
    "meets_target": ("Meets target (this plan)", "text"),
    "interval_plan_meets_target": ("Meets target (interval plan)", "text"),
    "round": ("Round", "int"),
    "intervals_open": ("Intervals with contacts", "int"),
    "verify_intervals_missing": ("Intervals missing target", "int"),
    "sl_week_sim": ("SL simulated, week", "pct"),
    "met": ("Met", "text"),
    "agents_added_h": ("Added to the requirement (agent-h)", "h"),
    "round_paid_h": ("Paid hours of the round's plan", "h"),
    "round_cost_eur": ("Cost of the round's plan (EUR)", "eur"),
    "verify_intervals_short": ("… scheduled below the requirement", "int"),
    "intervals_erlang": ("… Erlang below target", "int"),
    "intervals_routing": ("… lost to multi-skill routing", "int"),
    "intervals_transient": ("… arrivals and transients", "int"),
    "reason": ("Why", "text"),
}
lb.COLUMNS.update({k: v for k, v in LABELS.items() if k not in lb.COLUMNS})


def check_tables(schedule: dict | None, saving: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The checks' tables by sheet name: ``service_level_saving`` (per queue, both
    plans' requirement hours and simulated week) and ``verify`` / ``verify_unmet``."""
    out: dict[str, pd.DataFrame] = {}
    pooled = (schedule or {}).get("service_level_over")
    if pooled:
        out["service_level_saving"] = saving_table(pooled, saving)
    v = (schedule or {}).get("verify")
    if v:
        out["verify"] = pd.DataFrame(v.get("rows", []), columns=VERIFY_ROWS).rename(
            columns=RENAME)
        out["verify_unmet"] = pd.DataFrame(v.get("unmet", []), columns=UNMET_COLUMNS).rename(
            columns=RENAME)
    return out


def saving_table(pooled: dict, saving: pd.DataFrame | None) -> pd.DataFrame:
    """Per compared queue: requirement agent-hours interval by interval and pooled,
    Erlang's SL of the period at the plan, and (when simulated) both plans' simulated
    week with the paired difference (``service_level_saving.csv``)."""
    rows = [{"queue": q, "required_interval_h": r.get("required_interval_h"),
             "required_pooled_h": r.get("required_pooled_h"),
             "sl_erlang_plan": r.get("sl_plan")}
            for q, r in pooled.get("queues", {}).items()]
    frame = pd.DataFrame(rows, columns=["queue", "required_interval_h", "required_pooled_h",
                                        "sl_erlang_plan"])
    if saving is None:
        return frame
    out = frame.merge(saving, on="queue", how="outer").rename(columns=RENAME)
    return out.sort_values("queue", key=lambda q: q == "all", kind="stable").reset_index(
        drop=True)


def _pct(x) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) \
        else f"{x:.1%}"


def _ci(mean, half) -> str:
    if half is None or (isinstance(half, float) and not math.isfinite(half)):
        return _pct(mean)
    return f"{_pct(mean)} ± {half * 100:.1f} pt"


def _against_gap(pooled: dict) -> str:
    """Whether the cost saving is more than the interval plan's solver gap (a better
    interval plan could cost up to about that much less; the plan's own gap does not
    matter here: a better plan would only save more)."""
    base = pooled.get("interval_plan", {})
    gap, cost, saved = base.get("gap"), base.get("cost"), pooled.get("saving_cost")
    if not all(isinstance(x, (int, float)) and math.isfinite(x) for x in (gap, cost, saved)) \
            or not cost:
        return ""
    share = saved / cost
    return (f", {share:.1%} of its cost: more than its solver gap ({gap:.2%}), not solver "
            "noise" if abs(share) > gap else f", {share:.1%} of its cost: not more than its "
            f"solver gap ({gap:.2%}), within solver noise")


def _verified(pooled: dict) -> str:
    """What the saving is after ``--verify``: the verified plan against the interval plan
    (not verified), with the first plan's saving."""
    before = pooled.get("saving_paid_h_before_verify")
    if not isinstance(before, (int, float)):
        return ""
    return (f"; this is the plan --verify kept, against an interval plan not verified by "
            f"simulation (the first plan, before --verify, saved {before:,.1f} paid h)")


def saving_sentence(pooled: dict, saving: pd.DataFrame | None) -> str:
    """"X paid h saved (Y %) vs interval staffing; simulated week SL A vs B"."""
    base = pooled.get("interval_plan", {})
    over = pooled.get("over", "week")
    saved, share = pooled.get("saving_paid_h"), pooled.get("saving_share")
    if share is None and base.get("paid_h"):
        share = saved / base["paid_h"]
    text = (f"{saved:,.1f} paid h saved ({_pct(share)}) against "
            f"interval-by-interval staffing ({base.get('paid_h', float('nan')):,.1f} h, "
            f"planned in the same run){_against_gap(pooled)}{_verified(pooled)}")
    if saving is None or "sl_week" not in saving:
        return text + "; not simulated (wfm plan --simulate N compares both plans)"
    if not (saving["queue"] != "all").any():
        return text + "; no Erlang queue to compare in the simulation"
    rows = saving.set_index("queue")
    per = rows.drop(index="all", errors="ignore")
    key = per.index[0] if len(per) == 1 else "all"
    if key in rows.index:
        r = rows.loc[key]
        what = key if key != "all" else f"all {len(per)} compared queues"
        text += (f"; simulated week SL {_ci(r['sl_week'], r['sl_week_ci95'])} against "
                 f"{_ci(r['sl_week_interval_plan'], r['sl_week_interval_plan_ci95'])} "
                 f"({what}, paired difference {r['difference'] * 100:+.1f} ± "
                 f"{r['difference_ci95'] * 100:.1f} pt)")
    miss = per[~per["meets_target"].astype(bool)]
    text += ("; every compared queue meets its target over the week in the simulation's "
             "95 % interval" if miss.empty else "; below target over the week in the "
             "simulation: " + ", ".join(f"{q} {_ci(r['sl_week'], r['sl_week_ci95'])} against "
                                        f"{r.get('target_sl', r.get('target')):.0%}"
                                        for q, r in miss.iterrows()))
    if over == "day":
        text += " (simulated over the week, not per day)"
    return text


def verify_sentence(v: dict) -> str:
    """The verdict of ``wfm schedule --verify`` in one sentence."""
    unmet = v.get("unmet", [])
    rounds = f"{v.get('replans', v.get('rounds', 0))} re-plan(s), plan of round {v.get('rounds')}"
    if v.get("status") == "met" or not unmet:
        return (f"every simulated queue meets its target in the simulation's 95 % interval "
                f"({rounds}, {v.get('replications')} replications a round)")
    names = "; ".join(_unmet_short(u) for u in unmet)
    worse = got_worse_between_rounds(v.get("rows", []))
    trend = ("no queue got worse from one kept round to the next" if not worse else
             "got worse between kept rounds: " + ", ".join(worse))
    return f"stopped ({v.get('status')}; {rounds}); {trend}; still below target: {names}"


KIND_WORDS = {"short": "scheduled below the requirement", "erlang": "Erlang below target",
              "routing": "multi-skill routing", "transient": "arrivals and transients"}


def _unmet_short(u: dict) -> str:
    """``phone:en 10 intervals (10 multi-skill routing)``: a queue ``--verify`` left
    below target with its missed intervals by cause (the alert has the whole reason)."""
    n = int(u.get("intervals_missing", 0))
    causes = [f"{u[f'intervals_{k}']} {w}" for k, w in KIND_WORDS.items()
              if u.get(f"intervals_{k}")]
    why = ", ".join(causes) if causes else str(u.get("reason", ""))
    return f"{u['queue']} {n} interval{'' if n == 1 else 's'} ({why})"


def got_worse_between_rounds(rows: list[dict]) -> list[str]:
    """Queues whose missed intervals rose from one kept round of ``verify.csv``'s rows to
    the next (``wfm schedule --verify`` keeps no such round: a check, not a rule)."""
    if not rows:
        return []
    frame = pd.DataFrame(rows).pivot_table(index="round", columns="queue",
                                           values="intervals_missing", aggfunc="first")
    rise = frame.diff().fillna(0) > 0
    return [str(q) for q in frame.columns if rise[q].any()]


def check_answers(schedule: dict | None, saving: pd.DataFrame | None,
                  ) -> list[tuple[str, str, str]]:
    """The first screen's check lines: (section id, label, sentence)."""
    out = []
    pooled = (schedule or {}).get("service_level_over")
    if pooled and pooled.get("interval_plan"):
        label = "Service level over the " + str(pooled.get("over", "week"))
        out.append(("service-level-saving", label,
                    saving_sentence(pooled, saving)))
    if (schedule or {}).get("verify"):
        out.append(("verify", "Verified by simulation", verify_sentence(schedule["verify"])))
    return out


def verify_alerts(schedule: dict | None) -> list[Alert]:
    """One alert per queue ``--verify`` left below target, with its reason."""
    v = (schedule or {}).get("verify") or {}
    return [Alert("miss", f"after --verify {u['queue']} still misses its target in "
                  f"{u['intervals_missing']} interval{'' if u['intervals_missing'] == 1 else 's'}"
                  f": {u['reason']}", "verify")
            for u in v.get("unmet", [])]


def check_sections(tables: dict[str, pd.DataFrame]) -> list[dict]:
    """The report sections of the checks (no charts)."""
    out = []
    if "service_level_saving" in tables:
        out.append({"id": "service-level-saving", "title": "Service level over the week",
                    "note": "[schedule] service_level_over: each phone queue staffed for the "
                            "week's (day's) service level, against the interval-by-interval "
                            "plan of the same requirements (interval_plan/). Agent-hours of "
                            "both requirements, Erlang's service level of the period at the "
                            "plan, and both plans simulated with the same seeds "
                            "(service_level_saving.csv): the week's service level with its "
                            "95 % interval and the paired difference.",
                    "charts": [], "tables": [("service_level_saving",
                                              tables["service_level_saving"])]})
    if "verify" in tables:
        out.append({"id": "verify", "title": "Verified by simulation (wfm schedule --verify)",
                    "note": "One row per kept round and simulated queue (verify.csv): "
                            "intervals whose simulated service level misses the target in its "
                            "whole 95 % interval, the week's simulated service level, the "
                            "agent-hours added to the requirement; then the queues still "
                            "below target and why.",
                    "charts": [], "tables": [("verify", tables["verify"]),
                                             ("verify_unmet", tables["verify_unmet"])]})
    return out
