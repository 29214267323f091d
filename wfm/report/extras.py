"""The report's optional sections: the long-range capacity plan (``capacity.csv`` of
``wfm capacity``), the vendor scorecard (``scorecard.csv``, ``scorecard.flips.csv``), the
pilot (``pilot.csv``, ``pilot.criteria.csv``) and the callbacks' peak shaving (the
callback columns of ``requirements.csv``).

Pure: frames in, tables and one summary line each out (``None`` when the section has no
answer).  FTE are full-time equivalents, money EUR, hours agent-hours, service levels
fractions 0..1.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

CAPACITY_FILE = "capacity.csv"
SCORECARD_FILE = "scorecard.csv"
SCORECARD_FLIPS_FILE = "scorecard.flips.csv"
PILOT_FILE = "pilot.csv"
PILOT_CRITERIA_FILE = "pilot.criteria.csv"
EXTRA_FILES = {"capacity": CAPACITY_FILE, "scorecard": SCORECARD_FILE,
               "scorecard_flips": SCORECARD_FLIPS_FILE, "pilot": PILOT_FILE,
               "pilot_criteria": PILOT_CRITERIA_FILE}


# --- capacity -------------------------------------------------------------------------

def hiring_classes(cap: pd.DataFrame) -> pd.DataFrame:
    """One row per hiring class (queue and month with hires > 0): persons hired, the
    hiring cost (EUR) and the headcount FTE of that month."""
    rows = cap[cap["hires"] > 0]
    return rows[["queue", "month", "hires", "hiring_cost_eur", "headcount_fte"]] \
        .reset_index(drop=True)


def capacity_summary(cap: pd.DataFrame) -> pd.DataFrame:
    """Per queue over the horizon: hires, the first class (month, persons), the vendor's
    peak FTE and its month, cost (in-house + vendor + hiring, EUR)."""
    out = []
    for queue, g in cap.groupby("queue", sort=False):
        hires = g[g["hires"] > 0]
        peak = g.loc[g["vendor_fte"].idxmax()]
        out.append({
            "queue": queue, "hires": int(g["hires"].sum()),
            "first_class_month": hires["month"].iloc[0] if len(hires) else "",
            "first_class_hires": int(hires["hires"].iloc[0]) if len(hires) else 0,
            "vendor_fte_peak": float(peak["vendor_fte"]), "vendor_peak_month": peak["month"],
            "cost_eur": float((g["inhouse_cost_eur"] + g["vendor_cost_eur"]
                               + g["hiring_cost_eur"]).sum())})
    return pd.DataFrame(out)


def capacity_answer(cap: pd.DataFrame) -> str | None:
    """"hire N agents by MONTH": the first month with a hiring class (all queues), the
    persons hired then, the total over the horizon and the vendor's peak."""
    hires = cap[cap["hires"] > 0]
    months = cap["month"].nunique()
    total_vendor = cap.groupby("month", sort=True)["vendor_fte"].sum()
    vendor = (f"; the vendor carries up to {total_vendor.max():,.1f} FTE "
              f"({total_vendor.idxmax()})" if total_vendor.max() > 0 else "")
    if not len(hires):
        return f"Capacity: no hiring needed in the {months} months planned{vendor}."
    first = hires["month"].min()
    cls = hires[hires["month"] == first]
    who = ", ".join(f"{q} {n}" for q, n in cls[["queue", "hires"]].itertuples(index=False))
    return (f"Capacity: hire {int(cls['hires'].sum())} agents by {first} ({who}); "
            f"{int(hires['hires'].sum())} hires over the {months} months{vendor}.")


# --- scorecard ------------------------------------------------------------------------

def closest_flip(flips: pd.DataFrame) -> pd.Series | None:
    """The flip with the smallest absolute weight change, or None."""
    f = flips.dropna(subset=["delta"])
    if not len(f):
        return None
    return f.loc[f["delta"].abs().idxmin()]


def scorecard_answer(card: pd.DataFrame, flips: pd.DataFrame) -> str | None:
    """"scorecard winner X; a weight change of ... flips it"."""
    if not len(card):
        return None
    win = card.sort_values("rank").iloc[0]
    text = f"Scorecard winner: {win['option']} (score {100 * win['score']:.1f} of 100)"
    f = closest_flip(flips)
    if f is None:
        return text + "; no change of a single weight flips it."
    return (text + f"; a weight change of {f['criterion']} {f['weight']:.3f} → "
            f"{f['flip_weight']:.3f} ({f['delta']:+.3f}) makes {f['challenger']} tie.")


def scorecard_contributions(card: pd.DataFrame, flips: pd.DataFrame) -> pd.DataFrame:
    """Per option and criterion: weight × normalised value (the score's parts, 0..1)."""
    weights = flips.drop_duplicates("criterion").set_index("criterion")["weight"]
    rows = []
    for r in card.sort_values("rank").itertuples(index=False):
        d = r._asdict()
        for c, w in weights.items():
            rows.append({"option": d["option"], "criterion": c,
                         "part": float(w) * float(d[f"{c}_score"])})
    return pd.DataFrame(rows, columns=["option", "criterion", "part"])


# --- pilot ----------------------------------------------------------------------------

def pilot_answer(rows: pd.DataFrame, criteria: pd.DataFrame) -> str | None:
    """The pilot's extra cost and whether the model expects each criterion met."""
    total = rows[rows["provider"] == "TOTAL"]
    if len(total) < 2:
        return None
    pilot = total.iloc[-1]
    name = criteria["pilot"].iloc[0] if len(criteria) else pilot["scenario"]
    weeks = f" ({int(criteria['weeks'].iloc[0])} weeks)" if len(criteria) else ""
    text = (f"Pilot {name}{weeks}: extra cost {pilot['extra_cost_eur']:+,.0f} EUR against "
            f"the baseline ({pilot['extra_if_staff_kept_eur']:+,.0f} EUR if the in-house staff "
            "stay)")
    if not len(criteria):
        return text + "."
    met = [f"{c.replace('_', ' ')} {_crit(c, v)} against {'≥' if b == 'at least' else '≤'} "
           f"{_crit(c, t)} ({'met' if ok else 'MISSED'})" for c, b, t, v, ok in
           criteria[["criterion", "bound", "target", "expected", "meets"]]
           .itertuples(index=False)]
    return text + "; the model expects " + ", ".join(met) + "."


def _crit(criterion: str, value: float) -> str:
    if value != value:
        return "–"
    return f"{value:.2f} EUR" if criterion == "cost_per_contact" else f"{value:.1%}"


def pilot_costs(rows: pd.DataFrame) -> pd.DataFrame:
    """Both sides of the pilot: run cost per provider (EUR over the pilot's weeks) and the
    transition cost, per scenario (baseline first)."""
    parts = rows[rows["provider"] != "TOTAL"][["scenario", "provider", "run_cost_eur"]]
    trans = rows[(rows["provider"] == "TOTAL") & (rows["transition_eur"] > 0)]
    extra = pd.DataFrame({"scenario": trans["scenario"], "provider": "transition",
                          "run_cost_eur": trans["transition_eur"]})
    return pd.concat([parts, extra], ignore_index=True).rename(
        columns={"run_cost_eur": "cost_eur"})


# --- callbacks ------------------------------------------------------------------------

CALLBACK_COLUMN = "agents_required_no_callback"
CALLBACK_COLUMNS = ("callback_volume", "callback_agents", CALLBACK_COLUMN)


def callback_data(requirements: pd.DataFrame) -> pd.DataFrame | None:
    """Per interval of the queues with callbacks: required agents with and without them
    (None when requirements.csv has no callback columns)."""
    if CALLBACK_COLUMN not in requirements.columns:
        return None
    req = requirements.assign(queue=requirements["channel"] + ":" + requirements["language"])
    has = req.groupby("queue")["callback_volume"].sum()
    keep = req[req["queue"].isin(has[has > 0].index)]
    return keep[["queue", "interval_start", "agents_required", CALLBACK_COLUMN,
                 "callback_volume", "callback_agents"]].reset_index(drop=True)


def callback_summary(data: pd.DataFrame, interval: float) -> pd.DataFrame:
    """Per queue with callbacks: callbacks, on-duty agent-hours making them, peak
    required agents without and with callbacks, and the paid agent-hours of both
    (``interval`` in seconds)."""
    h = interval / 3600.0
    out = []
    for queue, g in data.groupby("queue", sort=False):
        without, with_ = g[CALLBACK_COLUMN].max(), g["agents_required"].max()
        out.append({"queue": queue, "callbacks": float(g["callback_volume"].sum()),
                    "callback_agent_h": float(g["callback_agents"].sum() * h),
                    "peak_agents_no_callback": int(without), "peak_agents": int(with_),
                    "peak_change_pct": 100.0 * (with_ - without) / without if without else 0.0,
                    "paid_h_no_callback": float(g[CALLBACK_COLUMN].sum() * h),
                    "paid_h": float(g["agents_required"].sum() * h)})
    return pd.DataFrame(out)


def callback_answer(summary: pd.DataFrame) -> str | None:
    """"callbacks shave Q's peak from A to B agents"."""
    if not len(summary):
        return None
    parts = [f"{r.queue} from {r.peak_agents_no_callback} to {r.peak_agents} agents "
             f"({r.peak_change_pct:+.1f} %; paid hours "
             f"{r.paid_h - r.paid_h_no_callback:+,.1f} h)"
             for r in summary.itertuples(index=False)]
    return "Callbacks shave the peak: " + "; ".join(parts) + "."


# --- charts ---------------------------------------------------------------------------

def _esc(v) -> str:
    return html.escape(str(v))


def _nums(values) -> list:
    return [None if v != v else round(float(v), 4) for v in np.asarray(values, dtype=float)]


def capacity_chart(cap: pd.DataFrame, layout) -> dict:
    """Per queue (menu): monthly in-house productive FTE and vendor FTE stacked, the
    required FTE as a line, the hiring classes as markers labelled with their size."""
    queues = list(dict.fromkeys(cap["queue"]))
    traces, buttons = [], []
    for i, q in enumerate(queues):
        g = cap[cap["queue"] == q]
        x, cls = g["month"].astype(str).tolist(), g[g["hires"] > 0]
        traces += [
            {"type": "bar", "name": "in-house productive", "x": x,
             "y": _nums(g["productive_fte"]), "marker": {"color": "#1f77b4"}},
            {"type": "bar", "name": "vendor", "x": x, "y": _nums(g["vendor_fte"]),
             "marker": {"color": "#ff7f0e"}},
            {"type": "scatter", "mode": "lines", "name": "required", "x": x,
             "y": _nums(g["required_fte"]), "line": {"color": "#333", "width": 2}},
            {"type": "scatter", "mode": "markers+text", "name": "hiring class",
             "x": cls["month"].astype(str).tolist(), "y": _nums(cls["headcount_fte"]),
             "text": [f"+{int(n)}" for n in cls["hires"]], "textposition": "top center",
             "marker": {"symbol": "triangle-up", "size": 11, "color": "#2ca02c"},
             "hovertemplate": "%{x}: class of %{text} persons<extra></extra>"},
        ]
        visible = [j // 4 == i for j in range(4 * len(queues))]
        buttons.append({"label": _esc(q), "method": "update",
                        "args": [{"visible": visible}, {"title.text": f"Capacity: {_esc(q)}"}]})
    for j, tr in enumerate(traces):
        tr["visible"] = j < 4
    menu = {"buttons": buttons, "direction": "down", "x": 1, "xanchor": "right", "y": 1.18,
            "yanchor": "top"}
    return {"data": traces, "layout": layout(
        f"Capacity: {_esc(queues[0])}" if queues else "Capacity", height=340,
        barmode="stack", updatemenus=[menu] if queues else [],
        yaxis={"title": {"text": "FTE"}, "rangemode": "tozero"},
        xaxis={"type": "category"}, legend={"orientation": "h", "y": -0.15})}


def scorecard_chart(parts: pd.DataFrame, layout) -> dict:
    """Horizontal stacked bars: each option's score as the sum of weight × normalised
    value per criterion (winner on top)."""
    options = list(dict.fromkeys(parts["option"]))
    traces = [{"type": "bar", "orientation": "h", "name": _esc(c),
               "y": [_esc(o) for o in g["option"]], "x": _nums(g["part"]),
               "hovertemplate": f"%{{y}}, {_esc(c)}: %{{x:.3f}}<extra></extra>"}
              for c, g in parts.groupby("criterion", sort=False)]
    return {"data": traces, "layout": layout(
        "Scorecard: score by criterion (weight × normalised value)", barmode="stack",
        height=120 + 40 * max(len(options), 2),
        margin={"l": 150, "r": 20, "t": 40, "b": 40},
        xaxis={"title": {"text": "score (0..1)"}},
        yaxis={"autorange": "reversed", "type": "category"})}


def pilot_chart(costs: pd.DataFrame, layout) -> dict:
    """Stacked bars per side (baseline, pilot): run cost per provider and the transition
    cost over the pilot's weeks (EUR)."""
    sides = list(dict.fromkeys(costs["scenario"]))
    traces = []
    for provider, g in costs.groupby("provider", sort=False):
        vals = [float(g.loc[g["scenario"] == s, "cost_eur"].sum()) for s in sides]
        traces.append({"type": "bar", "name": _esc(provider), "x": [_esc(s) for s in sides],
                       "y": vals, "hovertemplate": f"%{{x}}, {_esc(provider)}: "
                                                   "%{y:,.0f} EUR<extra></extra>"})
    return {"data": traces, "layout": layout(
        "Pilot: cost of both sides over the pilot's weeks", barmode="stack", height=330,
        yaxis={"title": {"text": "EUR"}, "tickformat": ",.0f"},
        xaxis={"type": "category"})}


def callback_chart(data: pd.DataFrame, times, layout) -> dict:
    """Per queue with callbacks: required agents per interval without and with them."""
    traces = []
    for q, g in data.groupby("queue", sort=False):
        x = times(g["interval_start"])
        traces += [{"type": "scatter", "mode": "lines", "name": f"{_esc(q)} without callbacks",
                    "x": x, "y": _nums(g[CALLBACK_COLUMN]),
                    "line": {"color": "#999", "width": 1}},
                   {"type": "scatter", "mode": "lines", "name": f"{_esc(q)} with callbacks",
                    "x": x, "y": _nums(g["agents_required"]),
                    "line": {"color": "#1f77b4", "width": 1.5}}]
    return {"data": traces, "layout": layout(
        "Required agents with and without callbacks", height=330,
        yaxis={"title": {"text": "agents"}, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.15})}
