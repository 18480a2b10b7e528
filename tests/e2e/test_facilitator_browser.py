"""The facilitator's flows in a real browser (headless Debian Chromium through Playwright).

What only a browser can prove: presentation mode really hides the sidebar, the scene
buttons and arrow keys change the address, a copied link reopens the same view in a fresh
session, and notes typed in the browser survive a reload (browser storage) and display as
typed text, never as HTML.

The app runs from the repository on a free port with usage statistics off (no network).
Skipped when /usr/bin/chromium is absent, unless CI=true (then it fails).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 45_000


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _missing_pages() -> list[str]:
    """Page files app.py registers but which do not exist (the app cannot start then)."""
    text = (REPO / "app.py").read_text(encoding="utf-8")
    return [p for p in re.findall(r'st\.Page\(\s*"([^"]+)"', text) if not (REPO / p).is_file()]


@pytest.fixture(scope="module")
def fac_server() -> Iterator[str]:
    """The app on a free local port; yields its base URL."""
    _need(Path(CHROMIUM).is_file(), f"{CHROMIUM} not installed")
    missing = _missing_pages()
    _need(not missing, f"app.py registers pages not written yet: {missing}")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr \
                    else ""
                pytest.fail(f"the app did not start: {err}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def fac_browser():
    """One headless Chromium for the module; each test gets a fresh context (session)."""
    _need(Path(CHROMIUM).is_file(), f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def fac_app(fac_server: str, fac_browser) -> str:
    """The app after one visit to its home page.

    Streamlit runs the first session of a fresh server in the old folder-based page mode
    when that session opens a page address directly (the page folder is named pages/), so
    the first visit goes to "/", as a person starting the app would.
    """
    context = fac_browser.new_context()
    try:
        pg = context.new_page()
        pg.goto(fac_server + "/")
        pg.locator('[data-testid="stSidebarNav"]').wait_for(timeout=TIMEOUT_MS)
        _idle(pg)
    finally:
        context.close()
    return fac_server


@pytest.fixture
def page(fac_browser):
    context = fac_browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


def _idle(pg) -> None:
    """Wait until Streamlit has finished running the script."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]',
                         timeout=TIMEOUT_MS)


def _open_facilitator(pg, base: str, query: str = "") -> None:
    pg.goto(f"{base}/facilitator{query}")
    pg.get_by_role("heading", name="Facilitator").wait_for()
    _idle(pg)


def test_presentation_mode_hides_the_sidebar(fac_app: str, page) -> None:
    _open_facilitator(page, fac_app)
    assert page.locator('[data-testid="stSidebar"]').is_visible()

    _open_facilitator(page, fac_app, "?present=1")
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden")
    exit_button = page.get_by_role("button", name=re.compile("Exit presentation"))
    exit_button.wait_for()
    exit_button.click()
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible")
    assert "present=" not in page.url


def test_next_and_previous_change_the_url(fac_app: str, page) -> None:
    _open_facilitator(page, fac_app, "?scene=1")
    page.get_by_text("1 / 6", exact=True).wait_for()
    page.get_by_role("button", name=re.compile("^Next")).click()
    page.wait_for_url(re.compile(r"scene=2"))
    page.get_by_text("2 / 6", exact=True).wait_for()
    _idle(page)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"scene=3"))
    _idle(page)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"scene=2"))
    page.get_by_role("button", name=re.compile("^Previous")).click()
    page.wait_for_url(re.compile(r"scene=1"))


def test_a_shared_link_reopens_the_same_view(fac_app: str, page, fac_browser) -> None:
    _open_facilitator(page, fac_app, "?scene=2")
    page.get_by_text("2 / 6", exact=True).wait_for()
    link = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
    assert link.startswith(fac_app + "/compare?")
    assert "workington-parish-wards" in link

    other = fac_browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.set_default_timeout(TIMEOUT_MS)
        fresh.goto(link)
        fresh.get_by_role("heading", name="Compare places").wait_for()
        _idle(fresh)
        chosen = fresh.locator('[data-testid="stMultiSelect"]').first.inner_text()
        assert "Workington (parish wards)" in chosen
        assert "Eden" in chosen
        assert "Blackpool" not in chosen  # the default comparison was not used
        assert "workington-parish-wards" in fresh.url
    finally:
        other.close()


def test_present_from_a_scene_opens_its_page_in_presentation_mode(fac_app: str,
                                                                   page) -> None:
    _open_facilitator(page, fac_app, "?scene=2")
    page.get_by_role("button", name=re.compile("Present from this scene")).click()
    page.wait_for_url(re.compile(r"/compare\?.*present=1"))
    assert "scene=2" in page.url
    page.get_by_role("heading", name="Compare places").wait_for()
    _idle(page)
    page.locator('[data-testid="stSidebar"]').wait_for(state="hidden")
    nxt = page.get_by_role("button", name=re.compile("^Next"))
    if nxt.count() == 0:
        pytest.skip("the presentation bar (ui.present.presentation_bar) is not on the "
                    "compare page yet")
    nxt.click()
    page.wait_for_url(re.compile(r"scene=3"))
    assert "present=1" in page.url


def test_notes_survive_a_reload_and_show_as_typed(fac_app: str, page) -> None:
    typed = ("Panel: <b>not bold</b> [a link](http://example.org) **no stars** $x$ "
             "www.example.com ask@example.com")
    _open_facilitator(page, fac_app, "?scene=1")
    page.get_by_text("Notes are kept in this browser").wait_for()
    page.get_by_label("Note", exact=True).fill(typed)
    page.get_by_role("button", name=re.compile("Add note")).click()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(typed, exact=True).wait_for()

    page.reload()
    page.get_by_role("heading", name="Facilitator").wait_for()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text(typed, exact=True).wait_for()
    # typed text is shown as text: no element, link or image was made from it
    assert main.locator("b", has_text="not bold").count() == 0
    assert main.locator('a[href*="example"]').count() == 0
    assert main.locator("strong", has_text="no stars").count() == 0
