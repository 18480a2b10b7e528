"""Every page, in every state that applies to it, at 1400x1000, 1920x1080 and 390x844, as a
person sees it: nothing drawn outside its box or over its neighbour, no sideways scroll, no
None/nan in the text, no exception, no console error, no request leaving 127.0.0.1, and no
critical or serious axe-core violation.

One page load per (page, state); the window is then resized to the other sizes (a reload per
size would triple the time). Pages come from app.py's navigation (``layout.registered_pages``).
"""

from __future__ import annotations

import pytest

from tests.e2e import layout

pytestmark = pytest.mark.e2e

CASES = layout.matrix()


def check(browser, base: str, target: str) -> list[str]:
    """Layout and text at every size, axe-core once per load."""
    found: list[str] = []
    for sizes in layout.LOADS:
        context, page = layout.new_page(browser, base, sizes[0])
        try:
            page.goto(target)
            layout.settle(page, 1.5)
            for i, (w, h) in enumerate(sizes):
                layout.resize(page, (w, h))
                at = f"@{w}x{h} "
                found += [at + f for f in layout.layout_findings(page)]
                found += [at + f for f in layout.text_findings(page)]
                if i == 0:
                    found += [at + "axe " + f for f in layout.axe_findings(page)]
            found += [f"@{sizes[0][0]}: {p}" for p in page.problems]
        finally:
            context.close()
    return found


@pytest.mark.parametrize("case", CASES, ids=[f"{p.url_path or 'overview'}-{s.name}"
                                             for p, s in CASES])
def test_page_looks_right(app_server, _browser, case):
    pg, state = case
    found = check(_browser, app_server, layout.url(app_server, pg, state))
    assert not found, "\n".join(found)


def test_pages_come_from_the_navigation():
    pages = layout.registered_pages()
    assert pages[0].url_path == "" and {"map", "compare", "facilitator"} <= {
        p.url_path for p in pages}
