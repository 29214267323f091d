"""The report's interactive charts as plotly.js figure specs (plain ``dict``: data, layout).

The page draws them with the plotly.js bundle that ships inside the ``plotly`` wheel,
inlined once (:func:`plotly_js`), so the file opens offline.  Every text that comes from
the user's files (queue, group, provider, scenario names) is HTML-escaped here, because
plotly.js renders a subset of HTML in labels; the specs are serialised by
:func:`to_script_json`, which also escapes ``<``, ``>`` and ``&`` so no name can close the
``<script>`` element.
"""

from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd

GREY, BLUE, RED = "#777", "#1f77b4", "#d62728"
_BASE = {"margin": {"l": 70, "r": 20, "t": 40, "b": 40}, "font": {"size": 11},
         "hovermode": "closest", "plot_bgcolor": "#fff"}


def plotly_js() -> str:
    """The minified plotly.js of the installed ``plotly`` package (no network); read
    from the package's data directly (importing ``plotly.offline`` costs 0.3 s)."""
    from importlib.resources import files

    bundle = files("plotly") / "package_data" / "plotly.min.js"
    if bundle.is_file():
        return bundle.read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs  # another layout of the package

    return get_plotlyjs()


def _esc(values) -> list[str]:
    return [html.escape(str(v)) for v in values]


def _list(values) -> list:
    """Floats as JSON numbers, NaN as null (plotly's gap)."""
    out = []
    for v in np.asarray(values, dtype=float).tolist():
        out.append(None if math.isnan(v) else round(v, 4))
    return out


def _times(series: pd.Series) -> list[str]:
    return series.dt.strftime("%Y-%m-%d %H:%M").tolist()


def _layout(title: str, **more) -> dict:
    return {**_BASE, "title": {"text": title, "x": 0, "font": {"size": 13}}, **more}


def forecast_chart(data: pd.DataFrame) -> dict:
    """History (grey), forecast (blue) and its 80 % band, contacts per interval; a menu
    picks the queue (one queue shown at a time)."""
    queues = sorted(data["queue"].unique())
    traces, buttons = [], []
    for i, q in enumerate(queues):
        g = data[data["queue"] == q]
        hist, fc = g[g["kind"] == "history"], g[g["kind"] == "forecast"]
        x_f = _times(fc["interval_start"])
        name = html.escape(q)
        traces += [
            {"type": "scatter", "mode": "lines", "name": "history", "legendgroup": "h",
             "x": _times(hist["interval_start"]), "y": _list(hist["volume"]),
             "line": {"color": GREY, "width": 1}},
            {"type": "scatter", "mode": "lines", "name": "80 % band (low)", "x": x_f,
             "y": _list(fc["volume_lo80"]), "line": {"width": 0}, "showlegend": False,
             "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines", "name": "80 % band", "x": x_f,
             "y": _list(fc["volume_hi80"]), "fill": "tonexty", "line": {"width": 0},
             "fillcolor": "rgba(31,119,180,0.25)"},
            {"type": "scatter", "mode": "lines", "name": "forecast", "x": x_f,
             "y": _list(fc["volume"]), "line": {"color": BLUE, "width": 1.5}},
        ]
        visible = [j // 4 == i for j in range(4 * len(queues))]
        buttons.append({"label": name, "method": "update",
                        "args": [{"visible": visible}, {"title.text": f"Forecast: {name}"}]})
    for j, tr in enumerate(traces):
        tr["visible"] = j < 4
    menu = {"buttons": buttons, "direction": "down", "x": 1, "xanchor": "right", "y": 1.18,
            "yanchor": "top", "showactive": True}
    title = f"Forecast: {html.escape(queues[0])}" if queues else "Forecast"
    return {"data": traces, "layout": _layout(
        title, height=330, updatemenus=[menu] if queues else [],
        yaxis={"title": {"text": "contacts / interval"}, "rangemode": "tozero"},
        xaxis={"rangeslider": {"visible": False}},
        legend={"orientation": "h", "y": -0.15})}


def _grid(data: pd.DataFrame, value: str) -> tuple[np.ndarray, list[str], pd.Index]:
    table = data.pivot_table(index="queue", columns="interval_start", values=value,
                             aggfunc="sum", dropna=False)
    return table.to_numpy(dtype=float), list(table.index), table.columns


def _heat_layout(title: str, n: int) -> dict:
    return _layout(title, height=max(220, 26 * n + 110),
                   yaxis={"autorange": "reversed", "type": "category"},
                   xaxis={"type": "date"})


def coverage_chart(data: pd.DataFrame) -> dict:
    """Heatmap queue × interval of scheduled − required agents (red: short, ±5 clipped);
    hover shows both counts."""
    sched, queues, starts = _grid(data, "agents_scheduled")
    req, _, _ = _grid(data, "agents_required")
    x = _times(pd.Series(starts))
    z = np.clip(sched - req, -5, 5)
    custom = np.nan_to_num(np.stack([req, sched], axis=-1))
    trace = {"type": "heatmap", "x": x, "y": _esc(queues), "z": [_list(r) for r in z],
             "customdata": custom.tolist(), "zmin": -5, "zmax": 5, "zmid": 0,
             "colorscale": [[0, "#b2182b"], [0.5, "#f7f7f7"], [1, "#2166ac"]],
             "colorbar": {"title": {"text": "sched. − req."}},
             "hovertemplate": "%{y} %{x}<br>required %{customdata[0]}, scheduled "
                              "%{customdata[1]}<extra></extra>"}
    return {"data": [trace], "layout": _heat_layout(
        "Scheduled − required agents (red = short)", len(queues))}


def _sl_trace(z: np.ndarray, queues: list[str], x: list[str], label: str) -> dict:
    return {"type": "heatmap", "x": x, "y": _esc(queues), "z": [_list(r) for r in z],
            "zmin": 0.5, "zmax": 1, "colorscale": "Viridis",
            "colorbar": {"title": {"text": "SL"}, "tickformat": ".0%"},
            "hovertemplate": f"%{{y}} %{{x}}<br>{label} %{{z:.1%}}<extra></extra>"}


def service_chart(data: pd.DataFrame) -> dict:
    """Heatmap queue × interval of the service level at the required agents (0..1);
    empty where there are no contacts or no target."""
    sl, queues, starts = _grid(data, "service_level")
    vol, _, _ = _grid(data, "volume")
    sl = np.where(vol > 0, sl, np.nan)
    trace = _sl_trace(sl, queues, _times(pd.Series(starts)), "SL at required agents")
    return {"data": [trace], "layout": _heat_layout(
        "Service level at the required agents", len(queues))}


def simulation_chart(data: pd.DataFrame) -> dict:
    """Heatmap queue × interval of the simulated service level; red crosses mark the
    intervals whose 95 % interval lies wholly below the target."""
    sl, queues, starts = _grid(data, "service_level_sim")
    vol, _, _ = _grid(data, "offered")
    sl = np.where(vol > 0, sl, np.nan)
    x = _times(pd.Series(starts))
    miss = data[data["misses_target"]]
    traces = [_sl_trace(sl, queues, x, "simulated SL"),
              {"type": "scatter", "mode": "markers", "name": "misses target",
               "x": _times(miss["interval_start"]), "y": _esc(miss["queue"]),
               "customdata": _list(miss["service_level_sim"]),
               "marker": {"symbol": "x", "color": RED, "size": 8},
               "hovertemplate": "%{y} %{x}<br>misses target: simulated %{customdata:.1%}"
                                "<extra></extra>"}]
    lay = _heat_layout("Simulated service level (× = misses target)", len(queues))
    lay["legend"] = {"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"}
    return {"data": traces, "layout": lay}


def shifts_chart(table: pd.DataFrame, by: str = "group") -> dict:
    """Stacked bars: agents on shift per day and ``by`` (the table's other columns:
    groups, or sites)."""
    groups = [c for c in table.columns if c not in ("day", "total")]
    days = table["day"].astype(str).tolist()
    traces = [{"type": "bar", "name": html.escape(g), "x": days, "y": _list(table[g]),
               "hovertemplate": f"{html.escape(g)} %{{x}}: %{{y}} agents<extra></extra>"}
              for g in groups]
    lay = _layout(f"Agents on shift per day and {by}", height=320, barmode="stack",
                  yaxis={"title": {"text": "shifts (agents)"}})
    if not groups:
        lay["annotations"] = [{"text": "no shifts planned", "showarrow": False,
                               "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}]
    return {"data": traces, "layout": lay}


def scenario_chart(costs: pd.DataFrame) -> dict:
    """Horizontal stacked bars: run cost per year (EUR) per scenario and provider."""
    rows = costs[costs["provider"] != "TOTAL"]
    names = list(dict.fromkeys(rows["scenario"]))
    traces = []
    for provider in dict.fromkeys(rows["provider"]):
        vals = [float(rows.loc[(rows["scenario"] == n) & (rows["provider"] == provider),
                               "run_cost_per_year_eur"].sum()) for n in names]
        traces.append({"type": "bar", "orientation": "h", "name": html.escape(provider),
                       "y": _esc(names), "x": vals,
                       "hovertemplate": f"%{{y}}, {html.escape(provider)}: "
                                        "%{x:,.0f} EUR/year<extra></extra>"})
    return {"data": traces, "layout": _layout(
        "Run cost per year by scenario and provider", barmode="stack",
        height=60 + 40 * max(len(names), 2) + 60,
        xaxis={"title": {"text": "EUR per year"}, "tickformat": ",.0f"},
        yaxis={"autorange": "reversed", "type": "category"})}


def to_script_json(value) -> str:
    """JSON safe inside a ``<script>`` element (``<``, ``>``, ``&`` as ``\\u`` escapes)."""
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
