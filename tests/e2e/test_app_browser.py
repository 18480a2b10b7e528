"""The real app in headless Chromium: it starts on 127.0.0.1, pages render, links reopen views,
and nothing reaches the network or the console."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import PHONE_UA, assert_no_console_errors, wait_for_script_idle

pytestmark = pytest.mark.e2e


def _external(requests: list[str], base: str) -> list[str]:
    return [u for u in requests if not u.startswith((base, "data:", "blob:"))]


def test_overview_renders_without_errors_or_network(app_server, browser_page):
    page = browser_page
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(app_server + "/")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="Where is deprivation concentrated?").wait_for()
    page.locator("[data-testid='stVegaLiteChart'] canvas, "
                 "[data-testid='stVegaLiteChart'] svg").first.wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Open Government Licence").first.is_visible()
    assert "r=lsc-north-cumbria" in page.url
    assert_no_console_errors(page)
    assert _external(seen, app_server) == []


def test_compare_opens_by_url_with_three_places(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/compare?p=workington-parish-wards,eden,blackpool")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="In brief").wait_for()
    summary = page.locator("[data-testid='stMarkdownContainer'] li").first.inner_text()
    assert "Workington (parish wards)" in summary and "45.4%" in summary
    metrics = page.locator("[data-testid='stMetricLabel']").all_inner_texts()
    assert [m.strip() for m in metrics[:3]] == ["Workington (parish wards)", "Eden", "Blackpool"]
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.first.wait_for()
    assert charts.count() >= 2
    # the decile chart draws one bar group per place: its y axis names all three
    page.get_by_text("Residents by national deprivation decile").wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    assert_no_console_errors(page)


def test_compare_vintage_tab_opens_from_the_link_and_goes_back_into_it(app_server,
                                                                        browser_page):
    """v=2025 opens the IoD2025 tab; choosing IoD2019 draws its chart and writes v=2019."""
    page = browser_page
    page.goto(app_server + "/compare?p=eden,blackpool&v=2025")
    wait_for_script_idle(page)
    selected = page.locator("[role=tab][aria-selected=true]")
    selected.wait_for()
    assert selected.inner_text().strip() == "IoD2025 (LSOA 2021)"
    page.get_by_text("IoD2025; decile 1 = most deprived").first.wait_for()
    page.get_by_role("tab", name="IoD2019 (LSOA 2011)").click()
    page.wait_for_url(re.compile(r"[?&]v=2019"))
    wait_for_script_idle(page)
    page.get_by_text("IoD2019; decile 1 = most deprived").first.wait_for()
    assert selected.inner_text().strip() == "IoD2019 (LSOA 2011)"
    assert page.locator("[data-testid='stException']").count() == 0
    assert_no_console_errors(page)


def test_share_opens_with_the_link_and_then_its_qr_code(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/compare?p=eden,blackpool")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="In brief").wait_for()
    page.get_by_role("button", name=re.compile("Share this view")).click()
    box = page.locator("[data-testid='stPopoverBody']")
    box.get_by_text(re.compile(r"/compare\?p=eden%2Cblackpool")).first.wait_for()
    qr = box.locator("img[alt^='QR code of the link']")
    qr.wait_for(timeout=15_000)  # made when opened: the fragment's own rerun
    assert qr.evaluate("i => i.complete && i.naturalWidth > 0")
    assert "p=eden%2Cblackpool" in (qr.get_attribute("alt") or "")
    assert page.locator("[data-testid='stException']").count() == 0
    assert_no_console_errors(page)


def test_unknown_place_in_link_shows_message_not_traceback(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/compare?p=atlantis,eden")
    wait_for_script_idle(page)
    page.get_by_text(re.compile("unknown place 'atlantis'.*showing the others")).wait_for()
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in page.content()


def test_first_visit_deep_link_gets_the_app_frame(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/inequalities?p=blackpool&ind=qof-copd")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="Inequalities within a place").wait_for()
    nav = page.locator("[data-testid='stSidebarNav']")
    assert "Compare places" in nav.inner_text()
    assert page.title() == "Health Equity Explorer"


def test_chart_downloads_png_svg_and_csv_with_provenance(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/?r=fylde-coast")
    wait_for_script_idle(page)
    buttons = page.locator("[data-testid='stDownloadButton'] button")
    buttons.first.wait_for()
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV").first.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Core20 share") and "Open Government Licence" in text
    assert "Blackpool" in text
    wait_for_script_idle(page)
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="PNG").first.click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wait_for_script_idle(page)
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name="SVG").first.click()
    svg = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "<svg" in svg and "Open Government Licence" in svg


ROW_HEIGHTS_JS = """(selector) => {
  const t = document.querySelector(selector);
  if (!t) return null;
  const line = parseFloat(getComputedStyle(t.querySelector('td')).lineHeight) || 24;
  const rows = [...t.querySelectorAll('tbody tr')];
  return {line, rows: rows.map(r => r.getBoundingClientRect().height)};
}"""


# row heights in lines of text, cell padding included (about half a line); before the notes
# had a wide column: Compare median 2.5, tallest 5.5; sources median 8.5, tallest 42.5
@pytest.mark.parametrize(("path", "selector", "median_lines", "most_lines"), [
    ("/compare?p=eden,blackpool", "table.hee-wide", 2.0, 3.5),
    ("/sources", "[aria-label='Sources of the snapshot tables'] table", 7.0, 32.0),
])
def test_table_rows_read_across_not_down(app_server, _browser, path, selector, median_lines,
                                         most_lines):
    """At a projector's 1920 px the notes get a wide column, so rows read across: the
    Compare table showed five rows in its box, the sources table two."""
    context = _browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(app_server + path)
        wait_for_script_idle(page)
        page.locator(selector).first.wait_for(state="attached")
        page.evaluate("document.fonts.ready")
        # the page lays out as its elements arrive (an expander opening, columns sized):
        # measure until two reads a moment apart agree
        found, before = None, object()
        for _ in range(20):
            found = page.evaluate(ROW_HEIGHTS_JS, selector)
            if found == before:
                break
            before = found
            page.wait_for_timeout(500)
        assert found and found["rows"], f"no table {selector!r}"
        lines = sorted(h / found["line"] for h in found["rows"])
        assert lines[len(lines) // 2] <= median_lines, lines
        assert lines[-1] <= most_lines, lines
    finally:
        context.close()


#: Vega's own text in a drawn chart: (role of the nearest group, text) for every label.
CHART_TEXT_JS = """() => [...document.querySelectorAll('.vega-embed svg text')].map(t => {
  let g = t.parentElement, role = '';
  while (g && !role) { const m = (g.getAttribute('class') || '').match(/role-([a-z-]+)/);
    if (m) role = m[1]; g = g.parentElement; }
  return [role, [...t.querySelectorAll('tspan')].map(s => s.textContent).join('\\n')
                || t.textContent]; })"""


def test_on_a_phone_long_row_labels_take_two_lines_not_an_ellipsis(app_server, _browser):
    """At 390 px the Compare page's domain and indicator labels read 'Health deprivation
    and disability' on two lines, where they read 'Health deprivation an…'."""
    context = _browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True, user_agent=PHONE_UA)
    try:
        page = context.new_page()
        page.goto(app_server + "/compare?p=workington-parish-wards,eden,blackpool")
        wait_for_script_idle(page)
        page.get_by_text("Domains of deprivation").first.wait_for()
        page.evaluate("document.fonts.ready")
        labels: list[str] = []
        wanted = ("Health deprivation\nand disability", "Children in relative\nlow income")
        for _ in range(40):  # charts draw as they arrive and scroll into their boxes
            labels = [t for role, t in page.evaluate(CHART_TEXT_JS) if role == "axis-label"]
            if all(w in labels for w in wanted):
                break
            charts = page.locator(".vega-embed")
            if charts.count():
                charts.last.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
        assert "Health deprivation\nand disability" in labels, labels
        assert "Children in relative\nlow income" in labels, labels
        assert not [t for t in labels if t.endswith("…")], labels
        # the overview (the first scene's QR code) draws taller rows on a phone, so its long
        # names take two lines as well (its 24 px rows cut 'Allerdale (former distri…')
        page.goto(app_server + "/")
        wait_for_script_idle(page)
        for _ in range(20):
            labels = [t for role, t in page.evaluate(CHART_TEXT_JS) if role == "axis-label"]
            if "Allerdale (former\ndistrict, to March 2023)" in labels:
                break
            page.wait_for_timeout(500)
        assert "Allerdale (former\ndistrict, to March 2023)" in labels, labels
        assert not [t for t in labels if t.split("\n")[0].endswith("…")], labels
    finally:
        context.close()
