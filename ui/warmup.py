"""Warm the process-wide caches before the first visitor arrives.

Every session shares the loader caches, so the first visit to a freshly started server
would otherwise pay for reading the snapshot and building the place registry (~2 s here).
``serve.py`` runs :func:`warm` in a background thread while Streamlit starts, then
:func:`warm_views`: one loopback session opens every page and every built-in scene, as the
facilitator would before a meeting, so the room's first interactions find the shared caches
filled (a cold CORE20PLUS5 or Map view costs 3-5 s of CPU once; under a room's load every
other session queues behind it). ``HEE_WARM_VIEWS=0`` skips that part.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Coroutine, Sequence
from typing import Any

log = logging.getLogger("explorer.warmup")


def warm() -> float:
    """Load the tables and build the structures the first pages need; returns seconds."""
    start = time.perf_counter()
    try:
        import altair  # noqa: F401 - imported for its side effect: the module cache
        import pandas  # noqa: F401

        from explorer.overview import headline, region_table
        from explorer.places import DEFAULT_REGION, registry
        from explorer.profile import lsoa_arrays

        for vintage in (2019, 2025):
            lsoa_arrays(vintage)
        region = registry().get(DEFAULT_REGION)
        region_table(region, 2019)
        headline(region, 2019)
        from explorer import indicators

        indicators.registry()
        # the map's static GeoJSON files (content-hashed; reused when already present)
        from explorer import static_geo

        static_geo.warm()
    except Exception:  # a warm-up failure must never stop the server; pages report errors
        log.exception("cache warm-up failed")
    gc.collect()
    gc.freeze()  # long-lived caches out of the collector's way: fewer full-GC pauses
    return time.perf_counter() - start


#: Pages opened with their default view (besides the scenes): the navigation's url paths.
WARM_PAGES: tuple[str, ...] = ("", "compare", "core20plus5", "inequalities", "trends",
                               "glance", "provision", "map", "places", "facilitator",
                               "sources")
WARM_VIEWS_ENV = "HEE_WARM_VIEWS"


def view_links() -> list[str]:
    """Every page's default view, then every built-in scene's link (``/path?query``)."""
    from explorer import scenes

    links = [f"/{p}" for p in WARM_PAGES]
    try:
        links += [s.link() for s in scenes.builtin(check_places=False).scenes]
    except Exception:  # a broken scenes file is the facilitator page's message, not ours
        log.exception("scenes not warmed")
    return links


async def rerun(ws, base: str, link: str, hashes: set[str], timeout: float) -> str:
    """Ask the session on ``ws`` to run ``link`` (``/page?query``) as the browser does (a
    ``rerun_script`` BackMsg with page and query string) and read until the run finishes.
    Returns "" for a clean run, else what went wrong (exception text, page not found).
    ``hashes`` collects the cacheable messages seen, as the frontend's message cache does."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    path, _, query = link.partition("?")
    page = path.strip("/")
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = "" if page in ("", "overview") else page
    msg.rerun_script.cached_message_hashes.extend(sorted(hashes))
    msg.rerun_script.context_info.url = f"{base}{link}"
    await ws.send(msg.SerializeToString())

    async def finished() -> str:
        error = ""
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await ws.recv())
            if fm.hash and fm.metadata.cacheable:
                hashes.add(fm.hash)
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element" \
                    and fm.delta.new_element.WhichOneof("type") == "exception":
                error = "exception: " + fm.delta.new_element.exception.message[:100]
            elif kind == "page_not_found":
                error = "page not found"
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(fm.script_finished)
                if status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                    return error
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # st.rerun / switch_page: the next run follows
                return error or status

    try:
        return await asyncio.wait_for(finished(), timeout)
    except TimeoutError:
        return f"no script_finished in {timeout:g} s"


async def _visitors_first(most: float = 20.0) -> None:
    """A visitor's run goes first: wait (up to ``most`` seconds) until no page run is in
    progress in this process before warming the next view, so the warm-up does not halve
    the speed of a first visitor's pages (runs share the GIL)."""
    from ui import timing

    deadline = time.monotonic() + most
    while timing.active_runs() > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def _warm_views(base: str, links: Sequence[str], timeout: float) -> list[str]:
    import websockets

    ws_url = "ws" + base.removeprefix("http") + "/_stcore/stream"
    problems: list[str] = []
    hashes: set[str] = set()
    async with websockets.connect(ws_url, subprotocols=["streamlit"], origin=base,
                                  max_size=2 ** 28, open_timeout=timeout) as ws:
        for link in links:
            await _visitors_first()
            error = await rerun(ws, base, link, hashes, timeout)
            if error:
                problems.append(f"{link}: {error}")
    return problems


def _in_own_thread(coro: Coroutine[object, object, list[str]]) -> list[str]:
    """Run a coroutine to completion in a thread of its own: the caller's thread may already
    run an event loop (a test under Playwright's sync API), where ``asyncio.run`` refuses."""
    import threading

    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed to the caller
            out["error"] = exc

    thread = threading.Thread(target=target, name="view-warmup", daemon=True)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def warm_views(base: str, links: Sequence[str] | None = None,
               timeout: float = 120) -> tuple[float, list[str]]:
    """Run every page and scene once in one loopback session of the server at ``base``
    (e.g. ``http://127.0.0.1:8501``); returns (seconds, problems). Never raises: a view
    that fails here is logged and will show its own message to a visitor."""
    start = time.perf_counter()
    if os.environ.get(WARM_VIEWS_ENV, "1") == "0":
        return 0.0, []
    try:
        problems = _in_own_thread(_warm_views(base, list(links or view_links()), timeout))
    except Exception as exc:  # warming is an optimisation: never stop the server
        problems = [f"warm-up session: {type(exc).__name__}: {exc}"]
    for p in problems:
        log.warning("view warm-up: %s", p)
    gc.collect()
    gc.freeze()  # the caches every page filled: out of every later collection's walk
    return time.perf_counter() - start, problems
