"""A room-shared server: 21 sessions at once through the real server's websocket, 0 errors,
and no session sees another's data. Also: no dotfile is served from /app/static.

Each session speaks Streamlit's own protocol (BackMsg/ForwardMsg over ``/_stcore/stream``),
as a browser tab does, with its own places in the link; every reply must carry only that
session's places (metric labels and the URL the page publishes back), no exception element,
no "unexpected error" box, and the server log no traceback. Bounded: each run waits at
most 180 s.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.e2e.conftest import free_port, stop_server, wait_healthy

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SESSIONS = 21
#: (page, places): different places per session, so data crossing sessions shows
PAIRS = [("blackpool", "eden"), ("carlisle", "preston"), ("burnley", "barrow-in-furness"),
         ("lancaster", "wyre"), ("fylde", "pendle"), ("hyndburn", "rossendale"),
         ("chorley", "south-ribble")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("srv") / "server.log"
    port = free_port()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address",
             "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"], cwd=REPO, stdout=fh,
            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, timeout=60, proc=proc)
        yield port, log
    finally:
        stop_server(proc)


def _run(coro):
    """``asyncio.run`` in a thread of its own: Playwright's sync API (other browser tests in
    this process) keeps an event loop running in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _session(port: int, page: str, query: str) -> list:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream",
                                  subprotocols=["streamlit"], max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        await ws.send(msg.SerializeToString())
        out = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(ws.recv(), 180))
            out.append(fwd)
            if fwd.WhichOneof("type") == "script_finished":
                return out


def _chart_places(el) -> set[str]:
    """'place' values in a chart's datasets (Arrow IPC streams)."""
    import io

    import pyarrow as pa

    found: set[str] = set()
    for ds in el.vega_lite_chart.datasets:
        table = pa.ipc.open_stream(io.BytesIO(ds.data.data)).read_all()
        if "place" in table.column_names:
            found |= {str(v) for v in table.column("place").to_pylist()}
    return found


def _seen(msgs: list) -> dict:
    labels, errors, query, charts = [], [], None, []
    for fwd in msgs:
        kind = fwd.WhichOneof("type")
        if kind == "page_info_changed":
            query = fwd.page_info_changed.query_string
        if kind != "delta" or fwd.delta.WhichOneof("type") != "new_element":
            continue
        el = fwd.delta.new_element
        which = el.WhichOneof("type")
        if which == "metric":
            labels.append(el.metric.label)
        elif which == "vega_lite_chart":
            charts.append(_chart_places(el))
        elif which == "exception":
            errors.append(f"exception: {el.exception.message}")
        elif which == "alert" and "unexpected error" in el.alert.body:
            errors.append(el.alert.body)
    return {"labels": labels, "errors": errors, "query": query, "charts": charts}


def test_21_sessions_at_once_no_errors_no_crossed_data(server) -> None:
    from explorer.places import registry

    port, log = server
    reg = registry()
    jobs = [PAIRS[i % len(PAIRS)] for i in range(SESSIONS)]

    async def main() -> list:
        # warm-up: the first run puts the server in navigation mode and loads the data
        await _session(port, "", "")
        # an unknown key, so each page publishes its own state back to the URL without it
        return await asyncio.gather(*[_session(port, "compare", f"p={a},{b}&ci=99.8&utm=x")
                                      for a, b in jobs], return_exceptions=True)

    started = time.time()
    results = _run(main())
    elapsed = time.time() - started
    print(f"{SESSIONS} concurrent compare sessions in {elapsed:.1f} s")
    problems = []
    for (a, b), result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            problems.append(f"{a},{b}: {type(result).__name__}: {result}")
            continue
        seen = _seen(result)
        want = {reg.get(a).name, reg.get(b).name, "England"}
        if seen["errors"]:
            problems.append(f"{a},{b}: {seen['errors'][:2]}")
        if set(seen["labels"]) != want:
            problems.append(f"{a},{b}: metrics of {sorted(set(seen['labels']) ^ want)}")
        # the first chart (residents by decile) is drawn from the session's own places only
        if not seen["charts"] or not seen["charts"][0] or \
                not seen["charts"][0] <= want - {"England"}:
            problems.append(f"{a},{b}: decile chart of {sorted(seen['charts'][:1])}")
        published = parse_qs(seen["query"] or "")
        if published.get("p") != [f"{a},{b}"] or published.get("ci") != ["99.8"]:
            problems.append(f"{a},{b}: published {seen['query']!r}")
    text = log.read_text(errors="replace")
    for marker in ("Traceback", "RuntimeError", "dictionary changed size"):
        if marker in text:
            problems.append(f"server log: {marker}")
    assert problems == [], problems[:5]


def test_no_dotfile_is_served(server) -> None:
    port, _ = server
    _run(_session(port, "map", ""))  # the map builds static files (and the index)
    for name in (".index.json", ".lock", ".static-meta/.index.json", "../.static-meta/.lock"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/app/static/{name}",
                                        timeout=10) as resp:
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status in (400, 403, 404), (name, status)
