"""Every page, in every state that applies to it, at 1400x1000, 1920x1080 and 390x844, as a
person sees it: nothing drawn outside its box or over its neighbour, no sideways scroll, no
None/nan in the text, no exception, no console error, no request leaving 127.0.0.1, and no
critical or serious axe-core violation.

One page load per (page, state); the window is then resized to the other sizes (a reload per
size would triple the time). Pages come from app.py's navigation (``layout.registered_pages``).
"""

from __future__ import annotations

import re

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


def _upload_csv(tmp_path) -> str:
    from loaders import snapshot

    geo = snapshot.table("geo_lsoa11")
    codes = sorted(geo.loc[geo["lad19nm"].isin(["Blackpool", "Eden"]), "lsoa11cd"])
    path = tmp_path / "screening_uptake.csv"
    path.write_text("lsoa,events,population\n" + "\n".join(
        f"{c},{20 + i % 30},{400 + i % 70}" for i, c in enumerate(codes)) + "\n")
    return str(path)


def test_an_upload_looks_right_on_the_facilitator_compare_and_map_pages(app_server, _browser,
                                                                    tmp_path):
    """The 'an upload' state: a numerator/denominator CSV through the form (the roles the
    form guesses, with the value column set to none), then the pages that show it, reached
    through the navigation (a reload would start a new session without the upload)."""
    found: list[str] = []
    context, page = layout.new_page(_browser, app_server, layout.VIEWPORTS[0])
    try:
        page.goto(f"{app_server}/facilitator")
        layout.settle(page)
        page.get_by_role("tab", name="Add your own data").click()
        page.locator("input[type=file][accept*='.csv']").set_input_files(_upload_csv(tmp_path))
        layout.settle(page)
        # as a person would: counts in "events" and "population", no value column
        for label, option in (("Numerator (optional)", "events"), ("Value column", "(none)"),
                              ("Denominator (optional)", "population")):
            page.get_by_role("combobox", name=label, exact=True).click()
            page.get_by_role("option", name=option, exact=True).click()
        page.get_by_role("button", name="Check the file").click()
        page.get_by_text("Added to this session").wait_for()
        layout.settle(page, 0.5)
        found += ["facilitator: " + f for f in
                  layout.layout_findings(page) + layout.text_findings(page)]
        page.get_by_role("link", name="Compare places").click()
        page.wait_for_url("**/compare**")
        layout.settle(page, 1.5)
        assert page.get_by_text(re.compile("screening uptake", re.I)).first.is_visible()
        for size in layout.VIEWPORTS[:2]:
            layout.resize(page, size)
            found += [f"compare @{size[0]}: " + f for f in
                      layout.layout_findings(page) + layout.text_findings(page)]
        found += ["compare axe " + f for f in layout.axe_findings(page)]
        layout.resize(page, layout.VIEWPORTS[0])
        page.get_by_role("link", name="Map").click()
        page.wait_for_url("**/map**")
        layout.settle(page, 2)
        page.get_by_role("heading", name=re.compile("Your data: screening uptake", re.I)
                         ).wait_for()
        found += ["map: " + f for f in
                  layout.layout_findings(page) + layout.text_findings(page)]
        found += ["map axe " + f for f in layout.axe_findings(page)]
        found += list(page.problems)
    finally:
        context.close()
    assert not found, "\n".join(found)
