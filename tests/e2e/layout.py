"""What a person would see as broken, checked in the browser: shared by the layout tests
(``test_layout_browser.py``) and ``make screenshots`` (``python -m tests.e2e.screenshots``).

* :func:`registered_pages` reads the pages from ``app.py``'s navigation, so a page added there
  is covered without touching the tests;
* :data:`STATES` are the views every page is opened in (four places, IoD2025, 99.8%,
  quintiles, a ward, presentation mode, a scene; an upload is made through the page);
* :func:`layout_findings` runs in the page: chart marks outside their drawing, drawings cut by
  their box, elements over their neighbour, sideways scroll;
* :func:`text_findings` looks for None/nan/NaN/NaT/undefined shown as words;
* :func:`axe_findings` injects axe-core 4 (``node_modules``, installed by ``make test``) and
  returns the critical and serious violations.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS: tuple[tuple[int, int], ...] = ((1400, 1000), (1920, 1080), (390, 844))
BAD_WORDS = re.compile(r"(?<![\w-])(None|nan|NaN|NaT|undefined|Traceback)(?![\w-])")
#: A Blackpool ward (Bloomfield, Dec 2019 code) for the "a ward" state.
WARD = "E05001645"


@dataclass(frozen=True)
class Page:
    url_path: str  # "" for the default page
    title: str


def registered_pages(app_file: Path = REPO / "app.py") -> list[Page]:
    """Every ``st.Page(...)`` in app.py, in order: its URL path and title."""
    tree = ast.parse(app_file.read_text(encoding="utf-8"))
    pages: list[Page] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        path = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) \
            else kw["page"].value  # type: ignore[attr-defined]
        default = isinstance(kw.get("default"), ast.Constant) and kw["default"].value is True
        url = kw["url_path"].value if isinstance(kw.get("url_path"), ast.Constant) \
            else Path(str(path)).stem
        title = kw["title"].value if isinstance(kw.get("title"), ast.Constant) \
            else Path(str(path)).stem
        pages.append(Page("" if default else str(url), str(title)))
    return pages


@dataclass(frozen=True)
class State:
    name: str
    query: str
    #: pages this state is opened on ("*" = every registered page)
    pages: tuple[str, ...] = ("*",)


STATES: tuple[State, ...] = (
    State("default", ""),
    # presentation mode on this page (another key, so ?present=1 does not start the scenes)
    State("present", "present=1&v=2019"),
    State("four-places", "p=workington-parish-wards,eden,blackpool,burnley",
          ("compare", "core20plus5", "inequalities")),
    State("iod2025", "v=2025&r=north-cumbria", ("", "map")),
    State("ci998", "ci=99.8&p=blackpool,eden", ("compare", "inequalities")),
    State("quintiles", "grp=quintile&p=blackpool", ("inequalities",)),
    State("ward", f"lvl=ward&r=blackpool&sel={WARD}", ("map",)),
    State("quantiles", "cls=quantile&lvl=district&r=north-west", ("map",)),
    State("scene", "present=1&scene=3", ("compare",)),
    State("start-scenes", "present=1", ("",)),
)


def matrix(pages: list[Page] | None = None) -> list[tuple[Page, State]]:
    """(page, state) pairs to open: every page in every state that applies to it."""
    pages = registered_pages() if pages is None else pages
    out = []
    for state in STATES:
        for page in pages:
            if "*" in state.pages or page.url_path in state.pages:
                out.append((page, state))
    return out


def url(base: str, page: Page, state: State) -> str:
    return f"{base}/{page.url_path}" + (f"?{state.query}" if state.query else "")


def slug(page: Page, state: State, size: tuple[int, int]) -> str:
    return f"{page.url_path or 'overview'}-{state.name}-{size[0]}x{size[1]}"


#: The layout checks, run in the page (kept as JavaScript in its own file).
CHECK_JS = (Path(__file__).with_name("layout_check.js")).read_text(encoding="utf-8")


def layout_findings(page) -> list[str]:
    return [f"{f['kind']}: {f['where']}: {f['detail']}" for f in page.evaluate(CHECK_JS)]


def text_findings(page) -> list[str]:
    main = page.locator("[data-testid=stMain]")
    text = main.first.inner_text() if main.count() else page.inner_text("body")
    out = []
    for line in text.splitlines():
        if BAD_WORDS.search(line):
            out.append(f"text: {line.strip()[:120]!r}")
    if page.locator("[data-testid=stException]").count():
        out.append("exception: " + page.locator("[data-testid=stException]").first
                   .inner_text()[:200])
    return out


AXE_RUN = """
async () => {
  const r = await axe.run(document, {resultTypes: ['violations'],
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious').map(v =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}x, e.g. ${v.nodes[0].target.join(' ')}: ` +
    `${(v.nodes[0].failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160)})`);
}
"""


def axe_findings(page) -> list[str]:
    """Critical and serious axe-core violations on the page as it is now."""
    if not AXE_JS.is_file():
        raise AssertionError(f"axe-core is not installed ({AXE_JS}): run `make axe` "
                             "(npm ci), which `make test` does")
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return list(page.evaluate(AXE_RUN))


#: Loads per case: the desktop sizes share one load (resized), the phone gets its own (Vega
#: sizes axis labels from the box when it first draws, as a phone does).
LOADS: tuple[tuple[tuple[int, int], ...], ...] = (VIEWPORTS[:2], VIEWPORTS[2:])


def new_page(browser, base: str, size: tuple[int, int]):
    """A page in a fresh context that records console errors, page errors and any request
    leaving the app's host on ``page.problems``."""
    from urllib.parse import urlparse

    from tests.e2e.conftest import FAILED_LOAD_TEXT, HARMLESS_URLS

    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(90_000)
    host = urlparse(base).netloc
    problems: list[str] = []
    page.problems = problems  # type: ignore[attr-defined]

    def on_console(msg) -> None:
        # failed loads are repeated without their URL: they are checked by URL below
        if msg.type == "error" and not msg.text.startswith(FAILED_LOAD_TEXT):
            problems.append(f"console: {msg.text[:200]}")

    def on_response(resp) -> None:
        if resp.status >= 400 and not any(h in resp.url for h in HARMLESS_URLS):
            problems.append(f"HTTP {resp.status}: {resp.url[:120]}")

    def on_request(req) -> None:
        u = urlparse(req.url)
        if u.scheme in ("http", "https", "ws", "wss") and u.netloc != host:
            problems.append(f"external request: {req.url[:120]}")

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("response", on_response)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return context, page


def settle(page, pause: float = 1.2) -> None:
    """Until the script is idle, then a pause for charts and maps to draw."""
    import time

    sel = "[data-testid='stApp'][data-test-script-state='notRunning']"
    page.wait_for_selector(sel, timeout=90_000)
    time.sleep(pause)
    page.wait_for_selector(sel, timeout=90_000)


def resize(page, size: tuple[int, int]) -> None:
    import time

    if page.viewport_size != {"width": size[0], "height": size[1]}:
        page.set_viewport_size({"width": size[0], "height": size[1]})
        time.sleep(1.0)
