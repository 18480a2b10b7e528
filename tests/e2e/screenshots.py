"""``make screenshots``: a PNG of every page in every state at the three sizes.

    python -m tests.e2e.screenshots [--out screenshots] [--only overview,map] [--base URL]

Starts the app on 127.0.0.1 (or uses ``--base``), opens every (page, state) of
``tests/e2e/layout.py`` once, and for each size writes ``OUT/<page>-<state>-<W>x<H>.png``:
the whole page in one image (the window is made as tall as the content, up to 7,000 px).
It prints the layout findings next to each file, so one run shows and checks the whole app.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tests.e2e import layout
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    open_root_once,
    start_server,
    stop_server,
)

MAX_HEIGHT = 7_000
TALL_JS = """() => { const m = document.querySelector('[data-testid=stMain]');
  const b = document.querySelector('[data-testid=stMainBlockContainer]');
  return Math.ceil(Math.max(m ? m.scrollHeight : 0, b ? b.getBoundingClientRect().height + 120 : 0,
                            document.scrollingElement.scrollHeight)); }"""


def shoot(page, out: Path, name: str, size: tuple[int, int]) -> Path:
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    time.sleep(1.0)
    tall = min(MAX_HEIGHT, max(h, int(page.evaluate(TALL_JS))))
    if tall > h:
        page.set_viewport_size({"width": w, "height": tall})
        time.sleep(1.0)
    path = out / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": w, "height": h})
    return path


def run(base: str, out: Path, only: set[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    problems = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            for pg, state in layout.matrix():
                name = pg.url_path or "overview"
                if only and name not in only and state.name not in only:
                    continue
                for sizes in layout.LOADS:
                    context, page = layout.new_page(browser, base, sizes[0])
                    page.goto(layout.url(base, pg, state))
                    layout.settle(page, 1.5)
                    for size in sizes:
                        layout.resize(page, size)
                        found = layout.layout_findings(page) + layout.text_findings(page)
                        path = shoot(page, out, layout.slug(pg, state, size), size)
                        problems += len(found)
                        print(f"{path}" + "".join(f"\n    {f}" for f in found), flush=True)
                    for f in page.problems:
                        print(f"    {f}")
                    context.close()
        finally:
            browser.close()
    print(f"{problems} finding(s); screenshots in {out}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="screenshots")
    ap.add_argument("--only", default="", help="page url paths or state names, comma-separated")
    ap.add_argument("--base", default="", help="a running app (default: start one)")
    a = ap.parse_args()
    only = {x.strip() for x in a.only.split(",") if x.strip()} or None
    if a.base:
        return run(a.base.rstrip("/"), Path(a.out), only)
    proc, base = start_server()
    try:
        open_root_once(base)
        return run(base, Path(a.out), only)
    finally:
        stop_server(proc)


if __name__ == "__main__":
    sys.exit(main())
