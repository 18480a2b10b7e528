"""Hostile links in a real browser: nothing in a link can make the app fetch from elsewhere.

``/?r=![t](http://127.0.0.1:PORT/track.png)`` used to render as a Markdown image inside
the app's own message, so every visitor's browser fetched a tracking beacon. A local HTTP
server stands in for the tracker: it must receive zero requests. A Markdown link in a
place list must not become a clickable link either.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.e2e.conftest import free_port, wait_for_script_idle

pytestmark = pytest.mark.e2e


@pytest.fixture()
def tracker() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port, hits
    finally:
        server.shutdown()
        server.server_close()


def test_markdown_image_in_a_link_fetches_nothing(app_server, browser_page, tracker) -> None:
    port, hits = tracker
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    beacon = f"![t](http://127.0.0.1:{port}/track.png)"
    page.goto(f"{app_server}/?r={quote(beacon)}")
    wait_for_script_idle(page)
    page.get_by_text("unknown region").first.wait_for()
    page.wait_for_timeout(1500)
    assert hits == []
    assert not [u for u in requests if f":{port}" in u]
    assert page.locator(f"img[src*='{port}']").count() == 0

    link = f"[Log in again](http://127.0.0.1:{port}/login)"
    page.goto(f"{app_server}/compare?p=eden,{quote(link)}")
    wait_for_script_idle(page)
    page.get_by_text("Log in again").first.wait_for()
    assert page.locator(f"a[href*='{port}']").count() == 0
    assert hits == []


def _sidebar(page, name: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a", has_text=name).first.click()
    page.wait_for_timeout(1000)
    wait_for_script_idle(page)
    page.wait_for_timeout(800)


@pytest.mark.parametrize(("start", "here", "away", "kept"), [
    ("/?r=fylde-coast&v=2025", "Overview", "Map", ("r=fylde-coast", "v=2025")),
    ("/compare?p=blackpool,eden&ci=99.8", "Compare places", "Data and methods",
     ("ci=99.8", "p=blackpool%2Ceden")),
    ("/map?lvl=district&ind=core20", "Map", "Overview", ("lvl=district", "ind=core20")),
])
def test_leaving_through_the_sidebar_and_back_keeps_the_view(app_server, browser_page, start,
                                                              here, away, kept) -> None:
    page = browser_page
    page.goto(app_server + start)
    wait_for_script_idle(page)
    page.wait_for_timeout(1000)
    _sidebar(page, away)
    _sidebar(page, here)
    for part in kept:
        assert part in page.url, (part, page.url)
