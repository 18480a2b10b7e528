"""Browser fixtures shared by the end-to-end tests: a real app server and a headless page.

* ``app_server`` (session): ``streamlit run app.py`` on 127.0.0.1 and a free port; yields
  the base URL (no trailing slash). The server is ours: it is stopped by its pid at the end.
* ``browser_page`` (function): a Playwright page in a fresh browser context (Debian
  Chromium, fresh temporary profile); console errors are collected on ``page.console_errors``.
* ``assert_no_console_errors(page)``: fails on console errors and on HTTP errors other than
  the two harmless 404 probes every Streamlit page load makes (``page.http_errors``).

Chromium: ``/usr/bin/chromium`` (never ``playwright install``). If it is missing the tests
skip with a reason, unless ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.process import free_port, start_app, wait_healthy  # noqa: F401 - for the tests
from deploy.process import stop as stop_server

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("HEE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: A phone's user agent: the app picks its phone layout from it (``ui.frame.on_a_phone``);
#: a narrow window alone is a narrow desktop.
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Mobile Safari/537.36")
#: Every Streamlit page load probes these under the page path; they 404 harmlessly.
HARMLESS_URLS = ("/_stcore/health", "/_stcore/host-config")
#: Requests that fail offline but do not affect the app: the favicon for app.py's
#: ``page_icon=":material/..."`` is fetched from Google Fonts. (Reported; bundle an icon to fix.)
KNOWN_OFFLINE_FAILURES: tuple[str, ...] = ()  # app.py bundles its favicon: none expected
#: The console repeats each failed request without its URL; requests are checked by URL.
FAILED_LOAD_TEXT = "Failed to load resource:"


def _need_chromium() -> None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium; never " \
             "`playwright install`)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def start_server(root: Path = REPO, port: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit run app.py`` in ``root``; returns the process and base URL."""
    port = port or free_port()
    proc = start_app(port, root, serve=False, extra_args=extra_args, stderr=subprocess.PIPE,
                     wait=60)
    return proc, f"http://127.0.0.1:{port}"


def open_root_once(url: str) -> None:
    """Visit ``/`` once so ``app.py`` runs ``st.navigation``.

    Streamlit 1.67 runs an app whose entry script has a sibling ``pages/`` folder in the
    legacy "pages directory" mode until ``st.navigation`` is first called in the process: a
    fresh server that gets a direct ``/map`` link runs ``pages/map.py`` alone, without
    ``app.py`` (no page config, no navigation titles). Reported to the lead; this warm-up
    puts the server in the mode users normally see.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url + "/", wait_until="commit")
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                   timeout=60_000)
        finally:
            browser.close()


@pytest.fixture(scope="session")
def app_server() -> Iterator[str]:
    """Base URL of a running app (the real repo, the bundled snapshot)."""
    _need_chromium()
    if shutil.which("streamlit") is None and not (Path(sys.executable).parent
                                                  / "streamlit").exists():
        pytest.skip("streamlit is not installed in this environment")
    proc, url = start_server()
    try:
        open_root_once(url)
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def _browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def browser_page(_browser) -> Iterator[object]:
    """A page in a fresh context (empty cache and storage), 1400x900, 60 s timeouts."""
    context = _browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.console_errors = []  # type: ignore[attr-defined]
    page.http_errors = []  # type: ignore[attr-defined]

    def on_console(msg) -> None:
        if msg.type == "error" and not msg.text.startswith(FAILED_LOAD_TEXT):
            page.console_errors.append(msg.text)  # type: ignore[attr-defined]

    def on_response(resp) -> None:
        if resp.status >= 400 and not any(h in resp.url for h in HARMLESS_URLS):
            page.http_errors.append(f"{resp.status} {resp.url}")  # type: ignore[attr-defined]

    def on_failed(req) -> None:
        if not req.url.startswith(KNOWN_OFFLINE_FAILURES):
            page.http_errors.append(f"failed {req.url}: {req.failure}")  # type: ignore

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        context.close()


def wait_for_script_idle(page, timeout: float = 60_000) -> None:
    """Until Streamlit's script run is over (the app is not 'running')."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout)


def assert_no_console_errors(page) -> None:
    assert not page.console_errors, page.console_errors
    assert not page.http_errors, page.http_errors
