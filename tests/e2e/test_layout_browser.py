"""Every page, in every state that applies to it, at 1400x1000, 1920x1080 and 390x844, as a
person sees it: nothing drawn outside its box or over its neighbour, no sideways scroll, no
None/nan in the text, no exception, no console error, no request leaving 127.0.0.1, and no
critical or serious axe-core violation.

One page load per (page, state); the window is then resized to the other sizes (a reload per
size would triple the time). Pages come from app.py's navigation (``layout.registered_pages``).
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import pytest

from tests.e2e import layout
from tests.e2e.conftest import wait_for_script_idle

pytestmark = pytest.mark.e2e

CASES = layout.matrix()


def settle(page, pause: float = 0.6) -> None:
    wait_for_script_idle(page)
    time.sleep(pause)
    wait_for_script_idle(page)


def open_case(browser, base: str, target: str):
    """A fresh context at the first size, with console/request recorders; the page loaded."""
    w, h = layout.VIEWPORTS[0]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(60_000)
    host = urlparse(base).netloc
    page.problems = []  # type: ignore[attr-defined]

    def on_console(msg) -> None:
        if msg.type == "error":
            page.problems.append(f"console: {msg.text[:200]}")  # type: ignore[attr-defined]

    def on_request(req) -> None:
        u = urlparse(req.url)
        if u.scheme in ("http", "https", "ws", "wss") and u.netloc != host:
            page.problems.append(f"external request: {req.url[:120]}")  # type: ignore

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))  # type: ignore
    page.goto(target)
    settle(page, 1.5)
    return context, page


def check_sizes(page) -> list[str]:
    """Layout and text at every size, axe-core at the first (the DOM is the same)."""
    found: list[str] = []
    for i, (w, h) in enumerate(layout.VIEWPORTS):
        if i:
            page.set_viewport_size({"width": w, "height": h})
            time.sleep(1.2)
        at = f"@{w}x{h} "
        found += [at + f for f in layout.layout_findings(page)]
        found += [at + f for f in layout.text_findings(page)]
        if i == 0:
            found += [at + "axe " + f for f in layout.axe_findings(page)]
    found += list(page.problems)
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{p.url_path or 'overview'}-{s.name}"
                                             for p, s in CASES])
def test_page_looks_right(app_server, _browser, case):
    pg, state = case
    context, page = open_case(_browser, app_server, layout.url(app_server, pg, state))
    try:
        found = check_sizes(page)
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_pages_come_from_the_navigation():
    pages = layout.registered_pages()
    assert pages[0].url_path == "" and {"map", "compare", "facilitator"} <= {
        p.url_path for p in pages}
