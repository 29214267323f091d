"""The report's contact-flow section for tiered centers: where each queue's contacts
come from (its own forecast, escalations in, repeat contacts) and where they go on.

Read from ``requirements.csv`` (its flow columns ``forecast_volume``,
``escalated_volume``, ``repeat_volume``, written by ``wfm staff`` when the center has
flows; :mod:`wfm.staffing.flows`) and the queues' FCR and escalation settings.  Pure:
frames in, a table and a chart spec out.  Contacts are summed over the plan's
intervals.

Per queue, ``total = first + repeats + escalated_in``:

* ``forecast_contacts``: the queue's own forecast;
* ``repeat_contacts``: every repeat in the queue's volume.  With ``fcr_in_forecast``
  (the default) the forecast already holds the repeats of its first contacts, which
  are (1 - FCR) of it: with every unresolved contact coming back, offered O and
  first contacts F satisfy O = F / FCR, so O - F = (1 - FCR) O.  To those come the
  repeats the flows add (``repeat_volume``: those of escalations in, or all of them
  when the forecast holds first contacts only);
* ``first_contacts``: the forecast less the repeats it holds;
* ``escalated_in``: escalations from other queues;
* ``escalated_out``: the share of the total the queue passes on, and to which queue.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

FLOW_TABLE = "flows"
FLOW_COLUMNS = ("forecast_volume", "escalated_volume", "repeat_volume")
_CONFIG_COLUMNS = ["queue", "fcr", "fcr_in_forecast", "escalate_to", "escalate_share"]


def flow_config(center) -> pd.DataFrame:
    """Per queue of ``center`` (:class:`wfm.config.CenterConfig`): FCR (NaN when not
    set), whether the forecast holds its repeats, the escalation target and share."""
    return pd.DataFrame([{
        "queue": q.key, "fcr": np.nan if q.fcr is None else float(q.fcr),
        "fcr_in_forecast": bool(q.fcr_in_forecast),
        "escalate_to": q.escalate.to if q.escalate is not None else "",
        "escalate_share": float(q.escalate.share) if q.escalate is not None else 0.0,
    } for q in center.queues], columns=_CONFIG_COLUMNS)


def flow_summary(requirements: pd.DataFrame, config: pd.DataFrame | None) -> pd.DataFrame | None:
    """The per-queue flow table (module docstring) for the queues that take part in a
    flow (an FCR below 1, an escalation out or in); None without flow columns or config.
    """
    if config is None or not set(FLOW_COLUMNS) <= set(requirements.columns):
        return None
    req = requirements.assign(queue=requirements["channel"] + ":" + requirements["language"])
    sums = req.groupby("queue", sort=True)[["volume", *FLOW_COLUMNS]].sum()
    cfg = config.set_index("queue").reindex(sums.index)
    fcr = cfg["fcr"].fillna(1.0).clip(upper=1.0)
    held = np.where(cfg["fcr_in_forecast"].fillna(True).astype(bool),
                    (1.0 - fcr) * sums["forecast_volume"], 0.0)
    out = pd.DataFrame({
        "queue": sums.index,
        "forecast_contacts": sums["forecast_volume"].to_numpy(),
        "first_contacts": (sums["forecast_volume"] - held).to_numpy(),
        "repeat_contacts": (held + sums["repeat_volume"]).to_numpy(),
        "escalated_in": sums["escalated_volume"].to_numpy(),
        "total_contacts": sums["volume"].to_numpy(),
        "fcr": cfg["fcr"].to_numpy(),
        "escalated_to": cfg["escalate_to"].fillna("").to_numpy(),
        "escalated_out": (cfg["escalate_share"].fillna(0.0) * sums["volume"]).to_numpy(),
    })
    part = (out["fcr"] < 1) | (out["escalated_to"] != "") | (out["escalated_in"] > 0)
    return out[part.to_numpy()].reset_index(drop=True)


def flow_chart(summary: pd.DataFrame, layout) -> dict:
    """Stacked bars per queue: first contacts, repeat contacts, escalations in (their
    sum is the contacts staffed); ``layout`` is :func:`wfm.report.charts._layout`."""
    x = [html.escape(str(q)) for q in summary["queue"]]
    traces = [{"type": "bar", "name": name, "x": x, "marker": {"color": color},
               "y": [round(float(v), 1) for v in summary[col]],
               "hovertemplate": "%{x}: %{y:,.0f} " + name.lower() + "<extra></extra>"}
              for col, name, color in (("first_contacts", "First contacts", "#1f77b4"),
                                       ("repeat_contacts", "Repeat contacts", "#ff7f0e"),
                                       ("escalated_in", "Escalated in", "#2ca02c"))]
    return {"data": traces, "layout": layout(
        "Contacts per queue by where they come from", barmode="stack",
        yaxis={"title": {"text": "contacts over the plan"}, "rangemode": "tozero"},
        height=360)}


def flow_tables(requirements: pd.DataFrame, config: pd.DataFrame | None) -> dict:
    """``{"flows": table}`` when the plan has flows, else ``{}`` (for build_tables)."""
    summary = flow_summary(requirements, config)
    return {} if summary is None or not len(summary) else {FLOW_TABLE: summary}


FLOW_NOTE = ("Where each queue's contacts come from, summed over the plan (requirements.csv: "
             "forecast_volume, escalated_volume, repeat_volume). First + repeat contacts + "
             "escalated in = contacts staffed. Repeats: with FCR f a forecast of offered "
             "contacts already holds (1 − f) of it as repeats; repeats of escalations (and of "
             "a forecast of first contacts only, fcr_in_forecast = false) are added. "
             "Escalated on: the queue's escalation share of its contacts.")


def flow_answer(summary: pd.DataFrame) -> str | None:
    """The first screen's line: of all contacts staffed in the flow queues, how many are
    repeats and escalations, e.g. "Contact flows: of 10,000 contacts staffed, 1,200
    (12.0 %) are repeat contacts and 800 (8.0 %) escalations"."""
    total = float(summary["total_contacts"].sum()) if len(summary) else 0.0
    if total <= 0:
        return None
    rep = float(summary["repeat_contacts"].sum())
    esc = float(summary["escalated_in"].sum())
    return (f"Contact flows: of {total:,.0f} contacts staffed in "
            f"{len(summary)} queue{'' if len(summary) == 1 else 's'}, {rep:,.0f} "
            f"({rep / total:.1%}) are repeat contacts and {esc:,.0f} ({esc / total:.1%}) "
            "escalations in.")


def flow_sections(tables: dict, figures: dict, layout) -> list[dict]:
    """The report section (and its chart, added to ``figures``) when the plan has flows."""
    if FLOW_TABLE not in tables:
        return []
    figures["chart-flows"] = flow_chart(tables[FLOW_TABLE], layout)
    return [{"id": "contact-flows", "title": "Contact flows: escalations and repeats",
             "note": FLOW_NOTE, "charts": ["chart-flows"],
             "tables": [(FLOW_TABLE, tables[FLOW_TABLE])]}]
