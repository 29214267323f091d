"""The self-contained HTML page of the report: a summary screen first, then the details.

One file, no link, no CDN: the plotly.js bundle of the ``plotly`` wheel and the figure
specs (:mod:`wfm.report.charts`) are inlined in ``<script>`` elements; a few lines of
script make the tables sortable.  Every text from the user's files is escaped with
:func:`html.escape` (tables, alerts, names) or :func:`wfm.report.charts.to_script_json`.
"""

from __future__ import annotations

import html

import pandas as pd

from wfm.report import labels as lb
from wfm.report.charts import plotly_js, to_script_json
from wfm.report.summary import Alert, Headline

_CSS = """body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1250px;color:#222;
padding:0 1em}h1{font-size:1.45em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.8em;
border-bottom:1px solid #ccc}h3{font-size:1em;margin:1em 0 .3em}
.meta{color:#555;font-size:.85em;margin:.2em 0 .8em}
.verdict{font-size:1.05em;line-height:1.5;padding:.6em .9em;border-radius:6px;margin:.6em 0}
.verdict.ok{background:#e6f4ea;border-left:6px solid #1e8e3e}
.verdict.miss{background:#fce8e6;border-left:6px solid #d93025}
.verdict.warn{background:#fef7e0;border-left:6px solid #f9ab00}
.two{display:grid;grid-template-columns:3fr 2fr;gap:1.5em}
@media(max-width:900px){.two{display:block}}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:.6em 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.35em .7em;min-width:8em}
.card .v{font-size:1.35em;font-weight:600}.card .k{color:#555;font-size:.8em}
ul.alerts{margin:.3em 0;padding-left:1.2em}ul.alerts li{margin:.2em 0}
li.miss{color:#a50e0e}li.note{color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none;position:sticky;top:0}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
td.text,th.text{text-align:left}tr.miss td{background:#fdf0ef}
p.note{color:#555;font-size:.9em}nav.toc a{margin-right:1em}
.chart{width:100%;min-height:200px}"""

_SORT_JS = """document.querySelectorAll('table.sortable').forEach(function(t){
t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
var asc=!th.classList.contains('sorted-asc');t.querySelectorAll('th').forEach(function(h){
h.classList.remove('sorted-asc','sorted-desc')});th.classList.add(asc?'sorted-asc':'sorted-desc');
var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);rows.sort(function(r,s){
var a=r.cells[i].dataset.v,c=s.cells[i].dataset.v,x=parseFloat(a),y=parseFloat(c);
var d=(isNaN(x)||isNaN(y))?String(a).localeCompare(String(c)):x-y;return asc?d:-d});
rows.forEach(function(r){b.appendChild(r)})})})});"""

_DRAW_JS = """var cfg={responsive:true,displaylogo:false,modeBarButtonsToRemove:['lasso2d',
'select2d']};Object.keys(FIGS).forEach(function(id){var f=FIGS[id];
Plotly.newPlot(id,f.data,f.layout,cfg)});"""


def e(text) -> str:
    """HTML-escaped text (quotes too)."""
    return html.escape(str(text), quote=True)


def table(frame: pd.DataFrame, table_id: str, highlight: pd.Series | None = None) -> str:
    """A sortable table: human labels, formatted numbers, raw values in ``data-v``."""
    kinds = [lb.kind(c, frame[c]) for c in frame.columns]
    head = "".join(f"<th class='{'text' if k == 'text' else 'num'}'>{e(lb.label(c))}</th>"
                   for c, k in zip(frame.columns, kinds, strict=True))
    rows = []
    marks = highlight.tolist() if highlight is not None else [False] * len(frame)
    for values, mark in zip(frame.itertuples(index=False), marks, strict=True):
        cells = []
        for v, k in zip(values, kinds, strict=True):
            raw = "" if v is None or (isinstance(v, float) and v != v) else v
            cls = " class='text'" if k == "text" else ""
            cells.append(f"<td{cls} data-v='{e(raw)}'>{e(lb.fmt(v, k))}</td>")
        rows.append(f"<tr{' class=miss' if mark else ''}>{''.join(cells)}</tr>")
    return (f"<table class='data sortable' id='table-{e(table_id)}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def cards(head: Headline) -> str:
    """The key figures of the planned week."""
    items = [(f"{head.paid_h:,.0f} h", "paid hours this week"),
             (f"{head.fte:,.1f}", f"FTE (at {head.fte_hours:g} paid h/week)"),
             (f"{head.cost:,.0f} EUR", "shift cost this week"),
             (f"{head.shifts:,}", "shifts"),
             (f"{head.short_h:,.1f} h", "required agent-h not covered")]
    if head.gap is not None:
        items.append((f"{head.gap:.2%}", "solver gap to the bound"))
    return "<div class='cards'>" + "".join(
        f"<div class='card'><div class='v'>{e(v)}</div><div class='k'>{e(k)}</div></div>"
        for v, k in items) + "</div>"


def verdict(status: pd.DataFrame, head: Headline, simulated: bool) -> str:
    """One paragraph: does the plan meet its targets (the week, every interval, every
    required hour), what it costs, and which queues miss."""
    week = status[status["misses_week"]]
    intervals = status[status["intervals_missed"] > 0].sort_values(
        "intervals_missed", ascending=False)
    short = status[status["shortfall_agent_h"] > 0]
    basis = "in the simulation" if simulated else "at the required agents (not simulated)"
    cost = (f"The plan pays {head.paid_h:,.0f} h = {head.fte:,.1f} FTE for "
            f"{head.cost:,.0f} EUR this week.")
    if len(week):
        rows = week[["queue", "service_level_sim", "target_sl"]].itertuples(index=False)
        names = ", ".join(f"{e(q)} ({v:.1%} against {t:.0%})" for q, v, t in rows)
        first, cls = f"The plan misses the week's service-level target {basis}: {names}.", \
            "miss"
    else:
        first, cls = f"Every queue reaches the week's service-level target {basis}.", "ok"
    more = []
    if len(intervals):
        more.append("Intervals below target: " + ", ".join(
            f"<b>{e(q)}</b> {n}" for q, n in intervals[["queue", "intervals_missed"]]
            .itertuples(index=False)) + ".")
    if len(short):
        more.append(f"{head.short_h:,.1f} required agent-h not covered: "
                    + ", ".join(f"<b>{e(q)}</b> {h:,.1f} h"
                                for q, h in short[["queue", "shortfall_agent_h"]]
                                .itertuples(index=False))
                    + ".")
    if more and cls == "ok":
        cls = "warn"
    return (f"<div class='verdict {cls}' id='verdict'><b>{first}</b> {cost}"
            + "".join(f"<br>{m}" for m in more) + "</div>")


def alert_list(items: list[Alert]) -> str:
    if not items:
        return "<p>No alerts.</p>"
    return "<ul class='alerts'>" + "".join(
        f"<li class='{a.level}'>{e(a.text)} <a href='#{e(a.anchor)}'>details</a></li>"
        for a in items) + "</ul>"


def scenario_box(answer: dict | None) -> str:
    """The scenario comparison's answer in three lines."""
    if not answer:
        return ""
    lines = [f"Cheapest to run: <b>{e(answer['cheapest_run'])}</b> "
             f"({answer['cheapest_run_eur']:,.0f} EUR per year)"]
    if answer.get("cheapest_tco"):
        lines.append(f"Lowest total cost of ownership: <b>{e(answer['cheapest_tco'])}</b>")
    if "best_service" in answer:
        lines.append(f"Best service: <b>{e(answer['best_service'])}</b> "
                     f"(contact-weighted SL {answer['best_service_sl']:.1%})")
        lines.append("Efficient (no other scenario is both cheaper and better served): "
                     + ", ".join(f"<b>{e(s)}</b>" for s in answer["efficient"]))
    return ("<h3>Scenarios</h3><ul>" + "".join(f"<li>{x}</li>" for x in lines)
            + "<li><a href='#scenarios'>cost per scenario and provider</a></li></ul>")


def page(title: str, meta: list[str], summary: str, sections: list[dict],
         figures: dict[str, dict]) -> str:
    """The HTML document: ``summary`` (HTML) then each section (``id``, ``title``,
    ``note``, ``charts`` (ids in ``figures``), ``tables`` (id, frame))."""
    toc = " ".join(f"<a href='#{e(s['id'])}'>{e(s['title'])}</a>" for s in sections)
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width,initial-scale=1'>"
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(title)}</h1><p class='meta'>{' · '.join(e(m) for m in meta)}</p>",
             f"<section id='summary'>{summary}<nav class='toc'>Details: {toc}</nav>"
             "</section>"]
    for s in sections:
        parts.append(f"<section id='{e(s['id'])}'><h2>{e(s['title'])}</h2>")
        if s.get("note"):
            parts.append(f"<p class='note'>{e(s['note'])}</p>")
        parts += [f"<div class='chart' id='{e(c)}'></div>" for c in s["charts"]]
        parts += [table(frame, name) for name, frame in s["tables"]]
        parts.append("</section>")
    parts += [f"<script>{plotly_js()}</script>",
              f"<script>var FIGS={to_script_json(figures)};{_DRAW_JS}{_SORT_JS}</script>",
              "</body></html>"]
    return "\n".join(parts)
