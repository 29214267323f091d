"""The report in a real browser: Debian's chromium, headless, driven by playwright.

The page is the small hand-made plan of tests/report_data.py with hostile names (HTML
and formulas in queue, group and provider names), so the test also shows that no name
runs as script.  It fails when the summary or a chart is missing or empty, when the page
logs an error, asks for anything from the network, or opens a dialog; it saves a
screenshot to ``test-artifacts/report.png``.

No browser is downloaded: ``chromium`` comes from apt (``.ci/run`` installs it).  In CI
(``CI=true``) a missing chromium or playwright is a failure; elsewhere the test skips
and says how to install them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_data import HOSTILE_CHANNEL, write_report_files

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHARTS = ["chart-forecast", "chart-coverage", "chart-service-level", "chart-shifts",
          "chart-simulation", "chart-scenarios", "chart-capacity", "chart-scorecard",
          "chart-pilot", "chart-callbacks"]
INSTALL = ("needs chromium and playwright: apt-get install -y chromium; "
           "pip install -e '.[dev]'")


def _chromium() -> str:
    path = os.environ.get("WFM_CHROMIUM") or shutil.which("chromium") \
        or shutil.which("chromium-browser")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path:
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: the browser test cannot run, {INSTALL}")
    pytest.skip(INSTALL)


# each chart: the plotly div is drawn (class js-plotly-plot), holds traces, and its SVG
# has a size; a heatmap's cells are an <image> (g.hm), lines and bars <path>s of g.trace
_CHART_STATE = """ids => ids.map(id => {
  const d = document.getElementById(id);
  if (!d) return [id, 'missing'];
  const svg = d.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = d.querySelectorAll('g.trace path, g.hm image').length;
  return [id, d.classList.contains('js-plotly-plot') && (d.data || []).length > 0
          && box.width > 300 && box.height > 100 && marks > 0 ? 'ok' : 'empty'];
})"""


def test_report_renders_in_chromium_without_errors(tmp_path):
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    write_report_files(tmp_path, hostile=True)
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

            def offline(route):
                if not route.request.url.startswith("file:"):
                    requests.append(route.request.url)
                    return route.abort()
                return route.continue_()

            page.route("**/*", offline)
            page.goto((tmp_path / "report.html").as_uri(), wait_until="load")
            page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length"
                                   f" === {len(CHARTS)}", timeout=30_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"))
            page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
            state = dict(page.evaluate(_CHART_STATE, CHARTS))
            verdict = page.inner_text("#verdict")
            summary_visible = page.is_visible("#summary")
            alerts = page.inner_text("#alerts")
            # the tables sort by number: a click on "Intervals missing target" (ascending)
            # puts chat:en (0) before the hostile queue (4)
            first = page.inner_text("#table-summary_queues tbody tr:first-child td:first-child")
            page.click("#table-summary_queues th:nth-child(6)")
            sorted_first = page.inner_text("#table-summary_queues tbody tr:first-child td")
            broken = _broken_state(page, tmp_path)
        finally:
            browser.close()
    assert errors == []
    assert requests == []  # opens offline: nothing asked of the network
    assert dialogs == []  # no hostile name ran as script
    assert state == dict.fromkeys(CHARTS, "ok")
    assert summary_visible
    assert "Every queue reaches the week's service-level target" in verdict
    assert "<img src=x onerror=alert(1)>" in verdict  # shown as text, not as an element
    assert "misses its service-level target in 4 of 96 intervals" in alerts
    assert first.startswith(HOSTILE_CHANNEL) and sorted_first == "chat:en"
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    # the checks above can fail: a page without one chart's div, or with one chart's
    # data emptied, is seen as such
    assert broken == {"chart-shifts": "missing", "chart-coverage": "empty"}


def _broken_state(page, tmp_path: Path) -> dict[str, str]:
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    text = text.replace("id='chart-shifts'", "id='not-a-chart'")  # drawn under another id
    text = text.replace('"chart-shifts":', '"not-a-chart":', 1)
    start = text.index('"chart-coverage":{"data":[') + len('"chart-coverage":{"data":')
    text = text[:start] + '[],"was":' + text[start:]
    broken = tmp_path / "broken.html"
    broken.write_text(text, encoding="utf-8")
    page.goto(broken.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length"
                           f" === {len(CHARTS)}", timeout=30_000)
    state = dict(page.evaluate(_CHART_STATE, CHARTS))
    return {k: v for k, v in state.items() if v != "ok"}
