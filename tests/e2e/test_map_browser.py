"""The map page in headless Chromium: the canvas really draws, the legend is there, a click
selects, and a link with a selection reopens it. Timing is the benchmark's job, not this."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import PHONE_UA, assert_no_console_errors, wait_for_script_idle

pytestmark = pytest.mark.e2e
DECK = "[data-testid='stDeckGlJsonChart']"


def coloured_share(page, selector: str = DECK) -> float:
    """Share of the map's pixels that are choropleth colours (not white, grey or black)."""
    png = page.locator(selector).first.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB").resize((160, 120))
    pixels = list(img.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)
    return coloured / len(pixels)


def wait_for_map(page, min_share: float = 0.05, timeout: float = 60) -> float:
    page.wait_for_selector(f"{DECK} canvas", timeout=timeout * 1000)
    deadline = time.time() + timeout
    share = 0.0
    while time.time() < deadline:
        share = coloured_share(page)
        if share >= min_share:
            return share
        time.sleep(0.5)
    raise AssertionError(f"the map did not draw (coloured share {share:.3f})")


def select_by_pointing(page, box: dict, points, url_glob: str, what: str,
                       gesture=None, timeout_ms: int = 15_000) -> None:
    """Point at the map (a click, or ``gesture(x, y)``) at fractions of its ``box`` until
    the link shows a selection: a point may fall outside every area, so try the next."""
    act = gesture or page.mouse.click
    for fx, fy in points:
        act(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            page.wait_for_url(url_glob, timeout=timeout_ms)
            return
        except PlaywrightTimeout:
            continue
    pytest.fail(f"{what} never selected an area")


def test_map_canvas_draws_with_its_legend(app_server, browser_page):
    page = browser_page
    static = []
    page.on("response", lambda r: static.append((r.status, r.url))
            if "/app/static/" in r.url else None)
    page.goto(f"{app_server}/map?r=blackpool")
    share = wait_for_map(page)
    assert share > 0.05
    legend = page.get_by_label("Map legend")
    assert legend.is_visible()
    assert "No value" in legend.inner_text()
    assert "most deprived" in legend.inner_text()
    assert any(s == 200 and "/app/static/areas-lsoa19-blackpool-" in u for s, u in static)
    alt = page.locator(DECK).first.get_attribute("aria-label") or ""
    assert alt.startswith("Blackpool: 39 of 94 LSOAs in the most deprived decile")
    wait_for_script_idle(page)
    assert_no_console_errors(page)


def test_a_link_with_a_selection_reopens_it(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/map?r=blackpool&sel=E01012673")
    wait_for_map(page)
    page.get_by_role("heading", name="Blackpool 010A").wait_for()
    assert "sel=E01012673" in page.url
    page.get_by_role("button", name="Zoom to").wait_for()
    assert_no_console_errors(page)


def test_clicking_an_area_selects_it(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server}/map?lvl=district&r=north-west")
    wait_for_map(page)
    wait_for_script_idle(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    assert box is not None
    select_by_pointing(page, box, ((0.5, 0.5), (0.45, 0.6), (0.55, 0.4), (0.5, 0.7)),
                       "**sel=E0*", "clicking the map")
    page.get_by_role("button", name="Zoom to").wait_for()
    assert_no_console_errors(page)


@pytest.mark.parametrize("extent", ["lsc-north-cumbria", "north-west", "pennine-lancashire"])
def test_clicking_a_ward_selects_it_in_large_extents(app_server, browser_page, extent):
    """Issue 14: at ward level in the default region, the North West or Pennine Lancashire a
    click selected nothing (the areas' own strokes made the click's picking pass longer than
    a tap in software WebGL); the edges are now a separate layer that takes no part."""
    page = browser_page
    page.goto(f"{app_server}/map?lvl=ward&r={extent}")
    wait_for_map(page)
    wait_for_script_idle(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    assert box is not None
    select_by_pointing(page, box, ((0.6, 0.72), (0.45, 0.5), (0.5, 0.5), (0.55, 0.4)),
                       "**sel=E05*", f"clicking the ward map of {extent}", timeout_ms=20_000)
    page.get_by_role("button", name="Zoom to").wait_for()


def _pixels(page) -> bytes:
    png = page.locator(DECK).first.screenshot()
    return Image.open(io.BytesIO(png)).convert("RGB").resize((80, 60)).tobytes()


def test_all_england_is_a_picture_that_recolours_then_polygons_to_click(app_server,
                                                                        browser_page):
    """All England: at the England view a pre-drawn picture (one PNG per indicator) under
    empty coarse tiles; an indicator change fetches the next picture and no tile; zooming in
    fetches the polygon tiles, and a click on them selects an LSOA."""
    from explorer import picture
    from explorer import tiles as t
    page = browser_page
    tiles, pictures = [], []

    def seen(r) -> None:
        if "/app/static/tiles-lsoa19-england-" in r.url:
            tiles.append((r.status, r.url))
        elif "/app/static/picture-lsoa19-england-" in r.url:
            pictures.append((r.status, r.url))

    page.on("response", seen)
    page.goto(f"{app_server}/map?r=england")
    wait_for_map(page, min_share=0.1, timeout=120)
    wait_for_script_idle(page)
    assert len(pictures) == 1 and pictures[0][0] in (200, 304)
    assert pictures[0][1].endswith(".png")
    assert tiles and all(s in (200, 304) for s, _ in tiles)
    assert {u.split("-iod-")[1].split("/")[1] for _, u in tiles} == {str(t.MIN_ZOOM)}
    page.get_by_text("Zoom in", exact=True).wait_for()  # the hint says how to pick an area
    before = _pixels(page)
    n = len(tiles)
    page.get_by_role("combobox", name="Indicator").click()
    page.get_by_role("option", name="Income domain score", exact=True).click()
    page.wait_for_url("**ind=income_score*", timeout=30_000)
    deadline = time.time() + 60
    while _pixels(page) == before and time.time() < deadline:
        time.sleep(0.5)
    assert _pixels(page) != before, "the map was not recoloured"
    assert len(tiles) == n, "an indicator change fetched tiles again"
    assert len(pictures) == 2 and pictures[1][1] != pictures[0][1]
    wait_for_script_idle(page)
    box = page.locator(f"{DECK} canvas").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.6)
    for _ in range(8):  # scroll-zoom in by about three levels
        page.mouse.wheel(0, -400)
        time.sleep(0.3)
    deadline = time.time() + 60
    while not any(u.split("-iod-")[1].split("/")[1] == str(picture.POLYGON_LEVEL)
                  for _, u in tiles):
        assert time.time() < deadline, "zooming in never fetched the polygon tiles"
        time.sleep(0.5)
    time.sleep(3)

    def hover_then_click(x: float, y: float) -> None:
        page.mouse.move(x, y)  # as a person does: the hover pass comes first
        time.sleep(1)
        page.mouse.click(x, y)

    select_by_pointing(page, box, ((0.5, 0.5), (0.55, 0.45), (0.45, 0.55), (0.6, 0.6)),
                       "**sel=E01*", "clicking the zoomed-in England map",
                       gesture=hover_then_click, timeout_ms=30_000)
    page.get_by_role("button", name="Zoom to").wait_for()
    assert all(s in (200, 304) for s, _ in tiles + pictures)
    # zooming past a level cancels its tiles still in flight: an abort, not an error
    page.http_errors[:] = [e for e in page.http_errors  # type: ignore[attr-defined]
                           if not ("/app/static/tiles-" in e and e.endswith("ERR_ABORTED"))]
    assert_no_console_errors(page)


def _swipe(cdp, x: float, y: float, dx: float, dy: float, steps: int = 15) -> None:
    """One finger from (x, y) to (x + dx, y + dy), as a phone's touch screen sends it."""
    def at(i: int) -> list[dict]:
        return [{"x": x + dx * i / steps, "y": y + dy * i / steps}]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(0)})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(i)})
        time.sleep(0.016)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_on_a_phone_a_swipe_over_the_map_scrolls_the_page(app_server, _browser):
    """On a 390 px phone the map is the width of the screen: deck.gl's touch-action: none
    made a swipe over it pan the map, and the page could not be scrolled past it. Now a
    vertical swipe scrolls the page, a sideways drag pans the map, a tap selects, and in
    fullscreen the map takes every touch again."""
    context = _browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                   has_touch=True, device_scale_factor=2)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app_server}/map?r=blackpool")
        wait_for_map(page)
        wait_for_script_idle(page)
        main = "document.querySelector('[data-testid=stMain]')"
        canvas = page.locator(f"{DECK} canvas").first
        top = canvas.bounding_box()["y"]  # type: ignore[index]
        page.evaluate(f"{main}.scrollBy(0, {top - 80})")  # the map now fills the screen
        time.sleep(1)
        box = canvas.bounding_box()
        assert box is not None and box["y"] < 120 and box["y"] + box["height"] > 600
        x, y = box["x"] + box["width"] / 2, 560.0
        assert page.evaluate(f"document.elementFromPoint({x}, {y}).tagName") == "CANVAS"
        cdp = context.new_cdp_session(page)
        before = page.evaluate(f"{main}.scrollTop")
        _swipe(cdp, x, y, 0, -300)
        time.sleep(1)
        assert page.evaluate(f"{main}.scrollTop") > before + 150, "the swipe did not scroll"
        page.evaluate(f"{main}.scrollBy(0, -400)")
        time.sleep(1)
        box = canvas.bounding_box()
        assert box is not None
        select_by_pointing(page, box, ((0.5, 0.3), (0.5, 0.45), (0.45, 0.6), (0.55, 0.2)),
                           "**sel=E01*", "tapping the map", gesture=page.touchscreen.tap)
        wait_for_script_idle(page)
        time.sleep(1)
        scrolled = page.evaluate(f"{main}.scrollTop")
        view = _pixels(page)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.3
        _swipe(cdp, x - 100, y, 200, 0)  # sideways: the map pans, the page stays
        deadline = time.time() + 20
        while _pixels(page) == view and time.time() < deadline:
            time.sleep(0.5)
        assert _pixels(page) != view, "a sideways drag did not pan the map"
        assert page.evaluate(f"{main}.scrollTop") == scrolled
        touch = (f'getComputedStyle(document.querySelector("{DECK} canvas").parentElement)'
                 ".touchAction")
        assert page.evaluate(touch) == "pan-y"
        page.get_by_role("button", name="Fullscreen").first.click(force=True)
        page.get_by_role("button", name="Close fullscreen").first.wait_for()
        assert page.evaluate(touch) == "none"
    finally:
        context.close()



def _coloured_columns(page) -> tuple[int, int, int]:
    """First and last pixel columns of the map holding choropleth colour, and its width."""
    png = page.locator(DECK).first.screenshot()
    img = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = img.size
    px = img.load()
    cols = [x for x in range(w)
            if any(max(px[x, y]) - min(px[x, y]) > 40 for y in range(0, h, 3))]
    assert cols, "nothing coloured on the map"
    return cols[0], cols[-1], w


@pytest.mark.parametrize("extent", ["england", "eden"])
def test_on_a_phone_the_whole_extent_is_on_the_map(app_server, _browser, extent):
    """A phone's map is ~360 px wide; a view fitted to the laptop's 640 px cut off England's
    east (and any wide place). A phone (by its user agent) gets a view fitted to its width:
    colour stops short of both edges of the map."""
    context = _browser.new_context(viewport={"width": 390, "height": 1500}, is_mobile=True,
                                   has_touch=True, user_agent=PHONE_UA)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app_server}/map?r={extent}")
        wait_for_map(page, min_share=0.05, timeout=120)
        wait_for_script_idle(page)
        time.sleep(2)
        first, last, width = _coloured_columns(page)
        assert width < 400
        assert first > 2 and last < width - 3, f"{extent} is cut at the map's edge"
    finally:
        context.close()
