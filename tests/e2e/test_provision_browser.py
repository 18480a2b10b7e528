"""'Is care where need is?' in headless Chromium: England, the North West and Blackpool."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_console_errors, wait_for_script_idle

pytestmark = pytest.mark.e2e


def _external(requests: list[str], base: str) -> list[str]:
    return [u for u in requests if not u.startswith((base, "data:", "blob:"))]


@pytest.mark.parametrize(("place", "start"), [
    ("england", "Practices in England serving the most deprived fifth"),
    ("north-west", "Practices in North West serving the most deprived fifth"),
    ("blackpool", "The 14 practices in Blackpool"),
])
def test_provision_page_renders_finding_and_three_charts(app_server, browser_page, place,
                                                         start):
    page = browser_page
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(f"{app_server}/provision?p={place}&yr=2022-23")
    wait_for_script_idle(page)
    page.get_by_role("heading", name="Is care where need is?").wait_for()
    page.get_by_role("heading", name=start, exact=False).first.wait_for()
    n = 2 if place == "blackpool" else 3  # Blackpool: no least deprived fifth, no trend
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.nth(n - 1).wait_for()
    assert charts.count() == n
    page.locator("[data-testid='stVegaLiteChart'] canvas, "
                 "[data-testid='stVegaLiteChart'] svg").nth(n - 1).wait_for()
    assert page.get_by_text("workload weighting", exact=False).first.is_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    assert "yr=2022-23" in page.url and f"p={place}" in page.url
    assert_no_console_errors(page)
    assert _external(seen, app_server) == []


def test_blackpool_quadrant_table_lists_every_practice(app_server, browser_page):
    from explorer import provision as pv
    from explorer.places import registry

    expected = pv.quadrant(registry().resolve("Blackpool"), "2022/23")
    page = browser_page
    page.goto(f"{app_server}/provision?p=blackpool&yr=2022-23")
    wait_for_script_idle(page)
    page.get_by_text(f"Table: the {len(expected)} practices by quadrant").click()
    grid = page.locator("[data-testid='stDataFrame']").last
    grid.wait_for()
    # the glide data grid reports its row count to assistive technology
    rows = int(grid.locator("[role='grid'], table").first.get_attribute("aria-rowcount"))
    assert rows - 1 == len(expected)  # minus the header row
    assert_no_console_errors(page)
