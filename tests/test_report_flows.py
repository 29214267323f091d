"""The report's contact-flow section (tiered centers): figures by hand, the section only
with flows, escaped names in the page, a formula-safe sheet, and the chart drawn.

Hand facts: a flat phone forecast of P contacts, FCR f = 0.8, 10 % escalated to the
expert line, whose FCR is 0.7.  The forecast of offered calls holds its repeats, so the
first contacts are f P and the repeats (1 - f) P (O = F / f); 0.1 P go on to the expert
line, which staffs 0.1 P / 0.7 (its escalations and their repeats, F / f again).  When
the forecast holds first contacts only, the phone line staffs P / f.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from report_data import HOSTILE_CHANNEL, HOSTILE_LANGUAGE, INTERVAL, TZ, frames

from wfm.config import center_from_dict, load_center
from wfm.report import build_summary, build_tables, render_html, write_workbook
from wfm.report import flows as fl
from wfm.staffing import staff_forecast

EX = Path(__file__).resolve().parents[1] / "examples"
P = 10.0 * 336  # 10 contacts per half-hour for a week
ROUND = 336 * 0.5e-4  # requirements.csv rounds the flow columns to 4 decimals per interval


def tiered(in_forecast: bool = True):
    return center_from_dict({"center": {"interval": "30m", "timezone": TZ}, "queue": [
        {"channel": "phone", "language": "de", "target": "80/20s", "fcr": 0.8,
         "fcr_in_forecast": in_forecast,
         "escalate": {"to": "expert:de", "share": 0.1, "aht": "600s"}},
        {"channel": "expert", "language": "de", "target": "80/60s", "fcr": 0.7},
        {"channel": "chat", "language": "en", "target": "80/60s"},
    ]})


def requirements(center) -> pd.DataFrame:
    grid = pd.date_range("2026-11-16", periods=336, freq="30min", tz=TZ)
    frame = pd.concat([pd.DataFrame({"interval_start": grid, "channel": c, "language": lang,
                                     "volume": 10.0, "aht_s": 300.0})
                       for c, lang in (("phone", "de"), ("chat", "en"))], ignore_index=True)
    table, _ = staff_forecast(frame, center)
    return table


@pytest.mark.parametrize("in_forecast, total", [(True, P), (False, P / 0.8)])
def test_flow_figures_by_hand(in_forecast, total):
    c = tiered(in_forecast=in_forecast)
    s = fl.flow_summary(requirements(c), fl.flow_config(c)).set_index("queue")
    assert list(s.index) == ["expert:de", "phone:de"]  # chat:en takes no part in a flow
    phone, expert = s.loc["phone:de"], s.loc["expert:de"]
    assert phone["forecast_contacts"] == pytest.approx(P)
    assert phone["total_contacts"] == pytest.approx(total, abs=ROUND)
    assert phone["first_contacts"] == pytest.approx(0.8 * total if in_forecast else P, abs=ROUND)
    assert phone["repeat_contacts"] == pytest.approx(0.2 * total, abs=ROUND)
    assert phone["escalated_in"] == 0
    assert (phone["escalated_to"], phone["escalated_out"]) == ("expert:de",
                                                               pytest.approx(0.1 * total))
    assert expert["forecast_contacts"] == 0 and expert["first_contacts"] == 0
    assert expert["escalated_in"] == pytest.approx(0.1 * total, abs=ROUND)
    assert expert["total_contacts"] == pytest.approx(0.1 * total / 0.7, abs=ROUND)
    assert expert["repeat_contacts"] == pytest.approx(0.1 * total * (1 / 0.7 - 1), abs=ROUND)
    for r in (phone, expert):  # the parts add up to what is staffed
        assert r["first_contacts"] + r["repeat_contacts"] + r["escalated_in"] == pytest.approx(
            r["total_contacts"], abs=ROUND)


def test_no_flow_columns_no_section():
    f = frames()
    assert "forecast_volume" not in f["requirements"]
    c = tiered()
    assert fl.flow_tables(f["requirements"], fl.flow_config(c)) == {}
    assert fl.flow_tables(requirements(c), None) == {}
    figures: dict = {}
    assert fl.flow_sections({}, figures, lambda *a, **k: {}) == [] and figures == {}


def test_channels_example_agrees_with_wfm_staff(tmp_path):
    """`wfm staff` prints the expert line's contacts from its own table; the report's
    flow table from requirements.csv must agree (and 4,467 = 3,127 / 0.7)."""
    import re

    from typer.testing import CliRunner

    from wfm.cli import app

    out = tmp_path / "req.csv"
    res = CliRunner().invoke(app, ["staff", str(EX / "forecast_channels.csv"), "-c",
                                   str(EX / "center_channels.toml"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    total, fc, esc, rep = map(float, re.search(
        r"expert:de: (\d+) contacts offered = (\d+) forecast \+ (\d+) escalated in \+ (\d+) "
        "repeat", text).groups())
    s = fl.flow_summary(pd.read_csv(out), fl.flow_config(
        load_center(EX / "center_channels.toml"))).set_index("queue")
    e, p = s.loc["expert:de"], s.loc["phone:de"]
    assert (e["total_contacts"], e["forecast_contacts"], e["escalated_in"],
            e["repeat_contacts"]) == pytest.approx((total, fc, esc, rep), abs=0.5)
    assert e["total_contacts"] == pytest.approx(e["escalated_in"] / 0.7)
    assert p["escalated_out"] == pytest.approx(e["escalated_in"], rel=1e-4)


def write_flow_report(directory: Path) -> None:
    """The hand-made plan of tests/report_data.py (hostile names) whose first queue
    escalates to an expert line: requirements with the flow columns of wfm staff."""
    f = frames(hostile=True)
    c = tiered()
    req = requirements(c)  # then phone:de renamed as the hostile queue (the config's
    hostile = req["channel"] == "phone"  # own names are checked, a CSV's are not)
    req.loc[hostile, "channel"], req.loc[hostile, "language"] = HOSTILE_CHANNEL, HOSTILE_LANGUAGE
    req = req.assign(interval_start=req["interval_start"].map(pd.Timestamp.isoformat))
    config = fl.flow_config(c).replace("phone:de", f"{HOSTILE_CHANNEL}:{HOSTILE_LANGUAGE}")
    hist = f["history"].assign(interval_start=pd.to_datetime(f["history"]["interval_start"],
                                                               utc=True))
    tables = build_tables(hist, f["forecast"], req, f["coverage"], f["shifts"], None, TZ,
                          INTERVAL, None, {"flow_config": config})
    facts = build_summary(tables, f["shifts"], f["coverage"], INTERVAL, 40.0)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.html").write_text(render_html(tables, ["flows"], facts),
                                           encoding="utf-8")
    write_workbook(directory / "report.xlsx", tables, facts)


def test_flow_section_in_page_and_workbook_escaped_and_formula_safe(tmp_path):
    write_flow_report(tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "id='contact-flows'" in page and "chart-flows" in page
    assert HOSTILE_LANGUAGE not in page  # the <img> name only ever as escaped text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    rows = list(wb["flows"].iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:6] == ["queue", "forecast_contacts", "first_contacts", "repeat_contacts",
                        "escalated_in", "total_contacts"]
    queues = [r[0] for r in rows[1:]]
    assert queues == ["'" + HOSTILE_CHANNEL + ":" + HOSTILE_LANGUAGE, "expert:de"]
    hostile = rows[1]
    assert hostile[head.index("total_contacts")] == pytest.approx(P)
    assert hostile[head.index("repeat_contacts")] == pytest.approx(0.2 * P)
    assert rows[2][head.index("total_contacts")] == pytest.approx(0.1 * P / 0.7)
    assert all(not str(c).startswith("=") for r in rows for c in r if c is not None)


def test_flow_chart_drawn_in_chromium(tmp_path):
    """The stacked bars are drawn (the browser test's checks), no error, no dialog."""
    from test_report_browser import _CHART_STATE, _chromium

    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    write_flow_report(tmp_path)
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto((tmp_path / "report.html").as_uri(), wait_until="load")
            page.wait_for_function("document.getElementById('chart-flows') && "
                                   "document.getElementById('chart-flows').classList"
                                   ".contains('js-plotly-plot')", timeout=30_000)
            state = dict(page.evaluate(_CHART_STATE, ["chart-flows"]))
            bars = page.evaluate("document.querySelectorAll('#chart-flows g.point').length")
        finally:
            browser.close()
    assert errors == [] and dialogs == []
    assert state == {"chart-flows": "ok"}
    assert bars == 3 * 2  # first contacts, repeats, escalated in; two queues (zeros too)


def test_write_report_of_a_plan_directory_has_the_flow_sheet(tmp_path):
    """write_report (what wfm plan and wfm report run) takes FCR and escalations from
    the center it is given."""
    from wfm.report import write_report

    f, c = frames(), tiered()
    for name in ("forecast", "coverage", "shifts"):
        f[name].to_csv(tmp_path / f"{name}.csv", index=False)
    requirements(c).to_csv(tmp_path / "requirements.csv", index=False)
    f["history"].to_csv(tmp_path / "history.csv", index=False)
    write_report(tmp_path, tmp_path / "history.csv", c)
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    rows = list(wb["flows"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["expert:de", "phone:de"]
    assert "Contact flows: escalations and repeats" in (tmp_path / "report.html").read_text(
        encoding="utf-8")


def test_first_screen_line_counts_repeats_and_escalations_by_hand(tmp_path):
    """Phone P staffed (0.2 P repeats), expert 0.1 P / 0.7 (0.1 P escalated in, the rest
    repeats): 3,360 + 480 = 3,840 contacts, 672 + 144 = 816 repeats, 336 escalations."""
    import re

    c = tiered()
    text = fl.flow_answer(fl.flow_summary(requirements(c), fl.flow_config(c)))
    nums = [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.?\d*", text)]
    total, queues, repeats, rep_pct, esc, esc_pct = nums
    assert (total, queues, repeats, esc) == (3840, 2, 816, 336)
    assert rep_pct == pytest.approx(100 * 816 / 3840, abs=0.0501)  # printed to one decimal
    assert esc_pct == pytest.approx(100 * 336 / 3840, abs=0.0501)  # printed to one decimal
    write_flow_report(tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    ahead = page[page.index("id='plan-ahead'"):page.index("id='contact-flows'")]
    assert "Contact flows: of " in ahead and "href='#contact-flows'" in ahead
    assert fl.flow_answer(pd.DataFrame(columns=["total_contacts"])) is None
