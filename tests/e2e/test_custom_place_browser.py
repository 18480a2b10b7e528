"""Issue 11 in a real browser: build a place by clicking three areas on the map, name it,
open Compare with it, then reopen the shared link in a fresh browser context and see the
same numbers (the definition travels in the URL; nothing is stored on the server)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from explorer.places import DEFAULT_COMPARISON
from tests.e2e.conftest import assert_no_console_errors, wait_for_script_idle
from tests.e2e.test_map_browser import DECK, wait_for_map

pytestmark = pytest.mark.e2e
POINTS = [(0.5, 0.5), (0.42, 0.3), (0.6, 0.7), (0.35, 0.62), (0.55, 0.2), (0.65, 0.45),
          (0.45, 0.8), (0.38, 0.45), (0.6, 0.3), (0.5, 0.9)]


def _lsoa_count(page) -> int:
    metric = page.locator("[data-testid='stMetric']", has_text="LSOAs 2011 / 2021")
    if not metric.count():
        return 0
    value = metric.first.locator("[data-testid='stMetricValue']").inner_text()
    m = re.search(r"(\d+) / \d+", value)
    return int(m.group(1)) if m else 0


def _metrics(page, expected: int | None = None, timeout_s: float = 30) -> list[str]:
    """The Core20 metric row once the page has settled. A fresh session runs the page more
    than once (the custom place is decoded from the link first) and a rerun can be drawn
    over the stale elements of the one before, so a single read can catch a part-drawn row:
    read until the row has `expected` metrics (England last) with the script idle."""
    page.get_by_role("heading", name=re.compile("Residents in England's most deprived")
                     ).wait_for()
    page.locator("[data-testid='stMetric']", has_text="England").last.wait_for()
    deadline = time.monotonic() + timeout_s
    while True:
        wait_for_script_idle(page)
        row = [m.inner_text() for m in page.locator("[data-testid='stMetric']").all()]
        settled = row and row[-1].startswith("England") and (
            expected is None or len(row) == expected)
        if settled or time.monotonic() > deadline:
            return row
        page.wait_for_timeout(250)


def test_build_by_clicking_then_share(app_server, browser_page, _browser):
    page = browser_page
    page.goto(f"{app_server}/map?r=blackpool&lvl=lsoa")
    wait_for_map(page)
    wait_for_script_idle(page)
    page.get_by_text("Build a place", exact=True).click()
    page.get_by_text("click wards or LSOAs on the map").wait_for()
    wait_for_script_idle(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    assert box is not None
    added = 0
    for fx, fy in POINTS:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(700)
        wait_for_script_idle(page)
        added = _lsoa_count(page)
        if added >= 3:
            break
    assert added == 3, f"three clicks should give three LSOAs, got {added}"
    page.get_by_label("Name of the place", exact=True).fill("Three Blackpool streets")
    page.keyboard.press("Enter")
    # the Enter rerun swaps the disabled button for an enabled one: until the run is over
    # both can be in the page (the old one drawn stale), so wait for the one enabled button
    save = page.get_by_role("button", name="Save the place", disabled=False)
    expect(save).to_have_count(1)
    expect(page.get_by_role("button", name="Save the place")).to_have_count(1)
    wait_for_script_idle(page)
    save.click()
    page.get_by_role("button", name="Compare Three Blackpool streets").click()
    page.wait_for_url("**/compare?*cp=*")
    first = _metrics(page, len(DEFAULT_COMPARISON) + 2)  # the defaults, the new place, England
    assert any(m.startswith("Three Blackpool streets") for m in first), first
    link = page.url
    assert "custom-three-blackpool-streets-" in link and "cp=1" in link
    assert_no_console_errors(page)

    fresh = _browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = fresh.new_page()
        other.set_default_timeout(60_000)
        other.goto(link)
        assert _metrics(other, len(first)) == first
    finally:
        fresh.close()
