"""The trend view in headless Chromium: opened by URL with two places and an indicator, it
draws every period for both and shows the recent-trend marker."""

from __future__ import annotations

import pytest

from explorer import indicators
from tests.e2e.conftest import assert_no_console_errors, wait_for_script_idle

pytestmark = pytest.mark.e2e


def test_trend_view_opens_by_url_with_two_places(app_server, browser_page):
    page = browser_page
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(app_server + "/trends?p=blackpool,eden&ind=91547")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="Trends").wait_for()
    page.locator("[data-testid='stVegaLiteChart'] canvas, "
                 "[data-testid='stVegaLiteChart'] svg").first.wait_for()
    n = len(indicators.periods("91547"))
    text = page.locator("[data-testid='stMarkdownContainer']",
                        has_text="Text description.").first.inner_text()
    # the text alternative of the chart counts the periods drawn for each place
    assert f"Blackpool: 27.9% in 2013/14, 23.0% in 2022/23 ({n} of {n} periods)" in text
    assert f"({n} of {n} periods); recent trend: decreasing and getting better" in text
    assert "Eden (2022/23: values of Westmorland and Furness" in text and "England:" in text
    assert page.get_by_text("Blackpool's smoking (QOF, 15+) has fallen from 27.9%").count()
    assert "p=blackpool%2Ceden" in page.url or "p=blackpool,eden" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    assert_no_console_errors(page)
    assert [u for u in seen if not u.startswith((app_server, "data:", "blob:"))] == []


def test_glance_renders_the_grid(app_server, browser_page):
    page = browser_page
    page.goto(app_server + "/glance?flt=worse")
    wait_for_script_idle(page, timeout=180_000)
    page.get_by_role("heading", name="The North West at a glance").wait_for()
    page.get_by_text("district values are worse than England").first.wait_for()
    # the grid is drawn after the title
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    # the long twin is sent when its expander is opened, and then it is there
    grids = page.locator("[data-testid='stDataFrame']")
    assert grids.count() == 1
    page.get_by_text("Table (one row per district and indicator").click()
    grids.nth(1).wait_for(timeout=60_000)
    wait_for_script_idle(page)
    rows = int(grids.nth(1).locator("[role='grid'], table").first.get_attribute(
        "aria-rowcount"))
    assert rows - 1 > 2000  # every district and indicator, the header row aside
    assert page.locator("[data-testid='stException']").count() == 0
    assert_no_console_errors(page)


@pytest.mark.parametrize("width", [1400, 390])
def test_trend_end_labels_use_the_box_not_an_empty_band(app_server, _browser, width):
    """The end labels sat before an empty band as wide as themselves (a right padding on
    top of the room Vega's fit-x already makes for them): the plot was ~140 px narrower
    than its box on a laptop and "Workington (parish wards)" was cut. Drawn, the labels
    now reach the box's right edge, and the whole name is shown from a laptop up."""
    context = _browser.new_context(viewport={"width": width, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(app_server + "/trends?p=workington-parish-wards,eden,blackpool&ind=91547")
        wait_for_script_idle(page)
        svg = page.locator("[data-testid='stVegaLiteChart'] svg").first
        svg.wait_for()
        box = svg.bounding_box()
        assert box is not None
        labels = page.evaluate("""() => [...document.querySelectorAll(
            '[data-testid=stVegaLiteChart] svg .mark-text text')].map(t => {
            const r = t.getBoundingClientRect(); return [t.textContent, r.right]; })""")
        names = {text: right for text, right in labels}
        assert {"Blackpool", "Eden", "England"} <= set(names)
        workington = [t for t in names if t.startswith("Workington")]
        assert len(workington) == 1
        if width == 1400:
            assert workington[0] == "Workington (parish wards)"
        right = max(names.values())
        assert right > box["x"] + box["width"] - 20, (right, box)
        assert right <= box["x"] + box["width"] + 1
    finally:
        context.close()
