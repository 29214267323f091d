"""Charts (matplotlib, inline SVG) and the self-contained HTML page of the report.

matplotlib draws without a display (``Figure`` objects, no pyplot state) and writes SVG
that is pasted into the page, so the report opens offline: no script, no CDN, no link.
"""

from __future__ import annotations

import html
import io
import re

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.dates import MO, DateFormatter, WeekdayLocator
from matplotlib.figure import Figure

_SVG_HEAD = re.compile(r"^.*?(?=<svg)", re.S)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_META = re.compile(r"<metadata>.*?</metadata>", re.S)


def svg(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no namespace URLs)."""
    buf = io.StringIO()
    # text as <text> (the browser's sans-serif), not glyph paths: smaller, and no glyph
    # ids repeated across the charts of one page
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    text = _META.sub("", _SVG_HEAD.sub("", buf.getvalue(), count=1))
    return _XMLNS.sub("", text)


def forecast_chart(data: pd.DataFrame, queue: str) -> str:
    """History (grey) and forecast (blue) with its 80 % band for one queue, contacts/interval."""
    g = data[data["queue"] == queue]
    hist, fc = g[g["kind"] == "history"], g[g["kind"] == "forecast"]
    fig = Figure(figsize=(10, 2.2))
    ax = fig.subplots()
    x_h = hist["interval_start"].dt.tz_localize(None)
    x_f = fc["interval_start"].dt.tz_localize(None)
    ax.plot(x_h, hist["volume"], color="0.45", lw=0.7, label="history")
    ax.fill_between(x_f, fc["volume_lo80"], fc["volume_hi80"], color="tab:blue", alpha=0.25,
                    lw=0, label="80 % band")
    ax.plot(x_f, fc["volume"], color="tab:blue", lw=0.9, label="forecast")
    ax.set_title(queue, loc="left", fontsize=10)
    ax.set_ylabel("contacts / interval", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper left", ncols=3, frameon=False)
    ax.xaxis.set_major_locator(WeekdayLocator(byweekday=MO))
    ax.xaxis.set_major_formatter(DateFormatter("%a %d.%m"))
    ax.margins(x=0)
    return svg(fig)


def _grid(data: pd.DataFrame, value: str) -> tuple[np.ndarray, list[str], pd.DatetimeIndex]:
    table = data.pivot_table(index="queue", columns="interval_start", values=value,
                             aggfunc="sum", dropna=False)
    return table.to_numpy(dtype=float), list(table.index), pd.DatetimeIndex(table.columns)


def _time_axis(ax, starts: pd.DatetimeIndex) -> None:
    days = np.flatnonzero(starts.tz_localize(None).time == pd.Timestamp("00:00").time())
    ax.set_xticks(days, [starts[i].strftime("%a %d.%m") for i in days], fontsize=7)


def coverage_chart(data: pd.DataFrame) -> str:
    """Heatmap queue x interval of scheduled - required agents; shortfall in red."""
    sched, queues, starts = _grid(data, "agents_scheduled")
    req, _, _ = _grid(data, "agents_required")
    diff = np.clip(sched - req, -5, 5)
    fig = Figure(figsize=(11, 0.35 * len(queues) + 1.2))
    ax = fig.subplots()
    im = ax.imshow(diff, aspect="auto", interpolation="nearest", cmap="RdBu",
                   norm=TwoSlopeNorm(vcenter=0, vmin=-5, vmax=5))
    ax.set_yticks(range(len(queues)), queues, fontsize=7)
    _time_axis(ax, starts)
    cbar = fig.colorbar(im, ax=ax, pad=0.01)
    cbar.set_label("scheduled − required (agents; red = short)", fontsize=7)
    cbar.ax.tick_params(labelsize=7)
    return svg(fig)


def service_chart(data: pd.DataFrame) -> str:
    """Heatmap queue x interval of the service level at the required staffing (0..1)."""
    sl, queues, starts = _grid(data.assign(service_level=data["service_level"]), "service_level")
    vol, _, _ = _grid(data, "volume")
    sl = np.where(vol > 0, sl, np.nan)
    fig = Figure(figsize=(11, 0.35 * len(queues) + 1.2))
    ax = fig.subplots()
    ax.set_facecolor("0.9")
    im = ax.imshow(sl, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0.5, vmax=1)
    ax.set_yticks(range(len(queues)), queues, fontsize=7)
    _time_axis(ax, starts)
    cbar = fig.colorbar(im, ax=ax, pad=0.01)
    cbar.set_label("service level at required agents (grey: no contacts / no SL target)",
                   fontsize=7)
    cbar.ax.tick_params(labelsize=7)
    return svg(fig)


def simulation_chart(data: pd.DataFrame) -> str:
    """Heatmap queue x interval of the simulated service level (0..1); a red cross marks
    each interval whose 95 % interval lies wholly below the target (red cross)."""
    sl, queues, starts = _grid(data, "service_level_sim")
    vol, _, _ = _grid(data, "offered")
    miss, _, _ = _grid(data.assign(misses_target=data["misses_target"].astype(float)),
                       "misses_target")
    sl = np.where(vol > 0, sl, np.nan)
    fig = Figure(figsize=(11, 0.35 * len(queues) + 1.2))
    ax = fig.subplots()
    ax.set_facecolor("0.9")
    im = ax.imshow(sl, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0.5, vmax=1)
    rows, cols = np.nonzero(miss > 0)
    ax.scatter(cols, rows, s=16, c="red", marker="x", linewidths=0.8, label="misses target")
    ax.set_yticks(range(len(queues)), queues, fontsize=7)
    _time_axis(ax, starts)
    if len(rows):
        ax.legend(fontsize=7, frameon=False, loc="upper right", bbox_to_anchor=(1, 1.12))
    cbar = fig.colorbar(im, ax=ax, pad=0.01)
    cbar.set_label("simulated service level (grey: no contacts)", fontsize=7)
    cbar.ax.tick_params(labelsize=7)
    return svg(fig)


def shifts_chart(table: pd.DataFrame) -> str:
    """Stacked bars: agents on shift per day and group."""
    groups = [c for c in table.columns if c not in ("day", "total")]
    fig = Figure(figsize=(8, 3))
    ax = fig.subplots()
    bottom = np.zeros(len(table))
    for g in groups:
        ax.bar(table["day"], table[g], bottom=bottom, label=g)
        bottom += table[g].to_numpy(dtype=float)
    ax.set_ylabel("shifts (agents)", fontsize=8)
    ax.tick_params(labelsize=7)
    if not groups:
        ax.text(0.5, 0.5, "no shifts planned", ha="center", va="center", transform=ax.transAxes)
        return svg(fig)
    ax.legend(fontsize=7, ncols=min(len(groups), 6), frameon=False, loc="upper left",
              bbox_to_anchor=(0, 1.15))
    return svg(fig)


def scenario_chart(costs: pd.DataFrame) -> str:
    """Horizontal stacked bars: run cost per year (EUR) per scenario and provider."""
    rows = costs[costs["provider"] != "TOTAL"]
    names = list(dict.fromkeys(rows["scenario"]))
    fig = Figure(figsize=(8, 0.5 * len(names) + 1.2))
    ax = fig.subplots()
    left = np.zeros(len(names))
    for provider in dict.fromkeys(rows["provider"]):
        vals = np.array([rows.loc[(rows["scenario"] == n) & (rows["provider"] == provider),
                                  "run_cost_per_year_eur"].sum() for n in names]) / 1e6
        ax.barh(names, vals, left=left, label=provider)
        left += vals
    ax.invert_yaxis()
    ax.set_xlabel("run cost per year (million EUR)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return svg(fig)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}
th{background:#f3f3f3}td:first-child{text-align:left}p.note{color:#555;font-size:.9em}
figure{margin:.5em 0}svg{max-width:100%;height:auto}"""


def page(title: str, meta: list[str], sections: list[dict]) -> str:
    """The HTML document; each section: ``id``, ``title``, ``note``, ``charts``, ``tables``."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in meta) + "</ul>"]
    for s in sections:
        parts.append(f"<section id='{s['id']}'><h2>{html.escape(s['title'])}</h2>")
        if s.get("note"):
            parts.append(f"<p class='note'>{html.escape(s['note'])}</p>")
        parts += [f"<figure class='chart'>{c}</figure>" for c in s["charts"]]
        for name, frame in s["tables"]:
            parts.append(frame.to_html(index=False, na_rep="-", border=0,
                                       classes="data", table_id=name))
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
