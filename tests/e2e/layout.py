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


CHECK_JS = r"""
() => {
  const out = [];
  const vis = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const label = el => {
    const c = el.closest('[data-testid=stElementContainer]') || el;
    const h = (c.innerText || '').trim().split('\n')[0].slice(0, 50);
    return (c.getAttribute('data-testid') || el.tagName) + (h ? ' "' + h + '"' : '');
  };
  const main = document.querySelector('[data-testid=stMain]') || document.body;
  // a drawing bigger than the box that shows it (an ancestor that clips)
  for (const el of main.querySelectorAll('canvas, .vega-embed svg, img')) {
    if (!vis(el) || el.closest('[data-testid=stDataFrame], .hee-table-wrap')) continue;
    const r = el.getBoundingClientRect();
    for (let a = el.parentElement; a && a !== main; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (!/(hidden|clip|auto|scroll)/.test(s.overflowX + s.overflowY)) continue;
      const b = a.getBoundingClientRect();
      const dx = Math.max(r.right - b.right, b.left - r.left);
      const dy = Math.max(r.bottom - b.bottom, b.top - r.top);
      if (dx > 4 || dy > 4) {
        out.push({kind: 'clipped', where: label(el), detail:
          `${el.tagName.toLowerCase()} ${Math.round(r.width)}x${Math.round(r.height)} in a box of ` +
          `${Math.round(b.width)}x${Math.round(b.height)}`});
      }
      break;
    }
  }
  // chart content outside its own drawing
  for (const svg of main.querySelectorAll('.vega-embed svg')) {
    if (!vis(svg)) continue;
    const r = svg.getBoundingClientRect();
    let worst = 0, what = '';
    const parts = svg.querySelectorAll('text, path, line, circle, rect');
    for (let i = 0; i < parts.length && i < 6000; i++) {
      const q = parts[i].getBoundingClientRect();
      if (q.width === 0 && q.height === 0) continue;
      const d = Math.max(q.right - r.right, r.left - q.left, q.bottom - r.bottom, r.top - q.top);
      if (d > worst) { worst = d; what = parts[i].tagName + ' "' + (parts[i].textContent || '').slice(0, 30) + '"'; }
    }
    if (worst > 4) out.push({kind: 'clipped', where: label(svg), detail:
      `chart content ${Math.round(worst)} px outside its ${Math.round(r.width)}x${Math.round(r.height)} drawing (${what})`});
  }
  // neighbours drawn over each other: siblings in a vertical block, columns in a row
  const pairs = (kids, vertical) => {
    for (let i = 0; i + 1 < kids.length; i++) {
      const a = kids[i].getBoundingClientRect(), b = kids[i + 1].getBoundingClientRect();
      const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ox > 6 && oy > 6) out.push({kind: 'overlap', where: label(kids[i]) + ' / ' + label(kids[i + 1]),
        detail: `${Math.round(vertical ? oy : ox)} px covered`});
    }
  };
  for (const b of main.querySelectorAll('[data-testid=stVerticalBlock]'))
    pairs(Array.from(b.children).filter(vis), true);
  for (const b of main.querySelectorAll('[data-testid=stHorizontalBlock]'))
    pairs(Array.from(b.children).filter(vis), false);
  // a chart drawn outside its element into the next one
  for (const c of main.querySelectorAll('[data-testid=stElementContainer]')) {
    const e = c.querySelector('.vega-embed, [data-testid=stDeckGlJsonChart]');
    if (!e || !vis(c)) continue;
    const rc = c.getBoundingClientRect(), re = e.getBoundingClientRect();
    if (re.bottom - rc.bottom > 6 || re.right - rc.right > 6)
      out.push({kind: 'overlap', where: label(c), detail:
        `drawing ${Math.round(re.width)}x${Math.round(re.height)} outside its ${Math.round(rc.width)}x${Math.round(rc.height)} element`});
  }
  // text cut with an ellipsis by the app's own styles (labels, buttons, metric labels)
  for (const el of main.querySelectorAll('[data-testid=stMetricLabel] p, [data-testid=stPopover] button p, .hee-chart-title, [data-testid=stMarkdownContainer] p')) {
    if (!vis(el)) continue;
    const s = getComputedStyle(el);
    if (s.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1)
      out.push({kind: 'truncated', where: label(el), detail: (el.innerText || '').slice(0, 60)});
  }
  const se = document.scrollingElement;
  if (se.scrollWidth > innerWidth + 2) out.push({kind: 'hscroll', where: 'page',
    detail: `page is ${se.scrollWidth}px wide in a ${innerWidth}px window`});
  if (main.scrollWidth > main.clientWidth + 2) out.push({kind: 'hscroll', where: 'main',
    detail: `main area is ${main.scrollWidth}px wide in ${main.clientWidth}px`});
  return out;
}
"""


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
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return list(page.evaluate(AXE_RUN))
