#!/usr/bin/env python3
"""A room full of people: N concurrent browser sessions against one server (or a cluster).

    python bench/bench_room.py [--sessions 30] [--interactions 50] [--url URL]

Each session is a fresh Playwright context in Debian Chromium (loopback only). Like a
participant following the facilitator, it opens a built-in scene's link (as its QR code
does), then, with think times, switches page in the sidebar, changes places, indicators and
options (selectboxes and radios on the page) and, every few interactions, opens the next
scene's link; scenes include the map. Prints figures and asserts nothing:

* errors (exceptions on the page, page errors, timeouts, lost connections);
* interaction -> script idle in the browser (p50/p95/max), by kind of interaction;
* server-side script run time per run (wall and thread CPU), from the app's timing log
  (``HEE_TIMING_LOG``, see ``ui/timing.py``): the difference is browser rendering and
  queueing on this shared machine;
* server RSS at start (warmed), peak, at the end, and 60 s after every session closed;
  server CPU; browser RSS peak; the load average before and after.

``--client ws`` replaces the browsers by Streamlit's own websocket protocol (the messages
the frontend sends: a rerun with the page and the link's query string), so the server is
loaded by N sessions without N renderers competing for the same two cores; each interaction
is a page switch or a changed place, indicator, region or option, timed until the server's
``script_finished``. Use it to size a server; use the browser mode to see what a person sees.

Without ``--url`` it starts ``serve.py`` on a free loopback port with the timing log on.
With ``--url`` (e.g. ``make serve-cluster``'s nginx at http://127.0.0.1:8700) pass
``--server-pid`` (repeatable) and ``--timing-log`` (glob) to get the server figures.
Bounded in time: sessions stop starting interactions after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from deploy.process import free_port, start_app, stop, temp_ready_file, wait_healthy  # noqa: E402

CHROMIUM = os.environ.get("HEE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
NAV_PAGES = ("Overview", "Map", "Compare places", "CORE20PLUS5", "Inequalities")
#: Issue 13's measurement before this benchmark existed (12 sessions x 8 views, serve.py).
REFERENCE = {"sessions": 12, "p50_s": 12.0, "p95_s": 25.7, "rss_warm_mb": 604,
             "rss_peak_mb": 1576, "rss_after_mb": 1050}

# What a person waits for: the server's messages for their interaction. A wrapped WebSocket
# counts the messages received (msgs) and stamps the last one (lastMsg); an interaction is
# done when messages came after it, none for QUIET_MS, and stApp is "notRunning". (Watching
# only stApp's data-test-script-state misses fast runs: React renders "running" and
# "notRunning" of a 40 ms run in one batch, so the attribute never changes.) Script runs are
# still counted from that attribute where it does change (runs, done).
QUIET_MS = 300
INIT_JS = """
(() => {
  const R = window.__room = {state: null, runs: 0, done: 0, idleAt: null, conn: null,
                             msgs: 0, lastMsg: null};
  const WS = window.WebSocket;
  window.WebSocket = function (...a) {
    const ws = new WS(...a);
    ws.addEventListener('message', () => { R.msgs += 1; R.lastMsg = performance.now(); });
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const A = 'data-test-script-state';
  const seen = (app) => {
    const s = app.getAttribute(A);
    if (R.state === null) {           // first sight of the app element
      R.state = s;
      if (s === 'running') R.runs += 1;
    }
  };
  const obs = new MutationObserver((recs) => {
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i];
      if (r.type === 'childList') {
        const app = document.querySelector('[data-testid="stApp"]');
        if (app) seen(app);
        continue;
      }
      if (r.attributeName === 'data-test-connection-state') {
        R.conn = r.target.getAttribute('data-test-connection-state');
        continue;
      }
      if (r.attributeName !== A) continue;
      let after = r.target.getAttribute(A);
      for (let j = i + 1; j < recs.length; j++)
        if (recs[j].attributeName === A) { after = recs[j].oldValue; break; }
      if (R.state === null) R.state = r.oldValue;
      if (after === 'running' && r.oldValue !== 'running') R.runs += 1;
      if (r.oldValue === 'running' && after !== 'running') {
        R.done += 1; R.idleAt = performance.now();
      }
      R.state = after;
    }
  });
  const start = () => obs.observe(document.documentElement, {subtree: true, childList: true,
      attributes: true, attributeOldValue: true,
      attributeFilter: [A, 'data-test-connection-state']});
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
"""
#: (m) => messages arrived since m, then QUIET_MS of none, and the script is not running
IDLE_JS = """(m) => { const R = window.__room; const app = document.querySelector(
  '[data-testid="stApp"]'); return !!app && R.msgs > m &&
  performance.now() - R.lastMsg > QUIET &&
  app.getAttribute('data-test-script-state') === 'notRunning'; }""".replace("QUIET", str(QUIET_MS))
#: (m) => the server answered the interaction (a message since m)
STARTED_JS = "(m) => window.__room.msgs > m"
#: seconds from navigation start to the last message of the interaction
LAST_MSG_JS = "() => window.__room.lastMsg / 1000"


# --------------------------------------------------------------------------------------
# server and sampling


def start_server(log: str, root: Path = REPO, extra_env: dict[str, str] | None = None,
                 ready_timeout: float = 300) -> tuple[subprocess.Popen, str]:
    """serve.py with the timing log on; returns once it is warm (its ready file exists)."""
    port = free_port()
    proc = start_app(port, root, env={"HEE_TIMING_LOG": log, **(extra_env or {})},
                     ready_file=temp_ready_file(), ready_timeout=ready_timeout)
    return proc, f"http://127.0.0.1:{port}"


class Sampler(threading.Thread):
    """Samples RSS (process tree) and CPU time of the server pids and the browser."""

    def __init__(self, pids: list[int], interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        import psutil

        self.procs = [psutil.Process(p) for p in pids]
        self.interval = interval
        self.peak = 0.0
        self.browser_peak = 0.0
        self.browser_pid: int | None = None
        self.stop_flag = threading.Event()
        self.cpu0 = self.cpu_seconds()

    def rss(self) -> float:
        return sum(_tree_rss(p) for p in self.procs) / 1e6

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.procs:
            with contextlib.suppress(Exception):
                t = p.cpu_times()
                total += t.user + t.system
                for c in p.children(recursive=True):
                    with contextlib.suppress(Exception):
                        ct = c.cpu_times()
                        total += ct.user + ct.system
        return total

    def run(self) -> None:
        import psutil

        while not self.stop_flag.is_set():
            self.peak = max(self.peak, self.rss())
            if self.browser_pid:
                with contextlib.suppress(psutil.Error):
                    self.browser_peak = max(self.browser_peak,
                                            _tree_rss(psutil.Process(self.browser_pid)) / 1e6)
            self.stop_flag.wait(self.interval)


def _tree_rss(proc) -> int:
    total = 0
    with contextlib.suppress(Exception):
        total += proc.memory_info().rss
        for c in proc.children(recursive=True):
            with contextlib.suppress(Exception):
                total += c.memory_info().rss
    return total


# --------------------------------------------------------------------------------------
# sessions


@dataclass
class Result:
    kind: str
    seconds: float | None  # None: no rerun followed (nothing to time)
    error: str = ""


@dataclass
class Session:
    n: int
    results: list[Result] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def scene_links() -> list[str]:
    from explorer import scenes

    return [s.link() for s in scenes.builtin(check_places=False).scenes]


async def _page_errors(page) -> str:
    exc = await page.locator('[data-testid="stException"]').count()
    if exc:
        return f"{exc} exception(s) on the page"
    conn = await page.evaluate("() => window.__room && window.__room.conn")
    if conn and conn not in ("CONNECTED", "connected"):
        return f"connection {conn}"
    return ""


async def goto(page, url: str, timeout_ms: float) -> float:
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    await page.wait_for_function(IDLE_JS, arg=0, timeout=timeout_ms)
    return await page.evaluate(LAST_MSG_JS)  # performance.now() counts from navigation


async def act(page, action, timeout_ms: float) -> float | None:
    """Run ``action`` (a coroutine function); seconds from it to the last message of the
    run it caused, or None when the server sent nothing within 5 s (e.g. an option that was
    already chosen)."""
    msgs, t0 = await page.evaluate("() => [window.__room.msgs, performance.now()]")
    await action()
    try:
        await page.wait_for_function(STARTED_JS, arg=msgs, timeout=5000)
    except Exception:
        return None
    await page.wait_for_function(IDLE_JS, arg=msgs, timeout=timeout_ms)
    return await page.evaluate(LAST_MSG_JS) - t0 / 1000


async def _choose_select(page, rng: random.Random) -> bool:
    boxes = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    n = await boxes.count()
    if not n:
        return False
    box = boxes.nth(rng.randrange(n))
    await box.click(timeout=5000)
    options = page.locator('[role="option"]')
    await options.first.wait_for(timeout=5000)
    k = await options.count()
    await options.nth(rng.randrange(min(k, 10))).click(timeout=5000)
    return True


async def _choose_radio(page, rng: random.Random) -> bool:
    labels = page.locator('[data-testid="stMain"] [data-testid="stRadio"] '
                          'label:has(input:not(:checked))')
    n = await labels.count()
    if not n:
        return False
    await labels.nth(rng.randrange(n)).click(timeout=5000)
    return True


async def run_session(browser, n: int, base: str, links: list[str], args,
                      deadline: float) -> Session:
    rng = random.Random(args.seed * 1000 + n)
    out = Session(n)
    timeout_ms = args.timeout * 1000
    await asyncio.sleep(rng.uniform(0, args.ramp))
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    page.on("pageerror", lambda e: out.errors.append(f"pageerror: {str(e)[:120]}"))
    scene = rng.randrange(len(links))
    try:
        for i in range(args.interactions):
            if time.time() > deadline:
                break
            kind = "scene" if i == 0 else rng.choices(
                ["scene", "nav", "select", "radio"], weights=[12, 28, 35, 25])[0]
            try:
                if kind == "scene":
                    scene = (scene + (i > 0)) % len(links)
                    secs: float | None = await goto(page, base + links[scene], timeout_ms)
                elif kind == "nav":
                    label = rng.choice(NAV_PAGES)
                    link = page.locator('[data-testid="stSidebarNav"] a').filter(
                        has_text=label).first

                    async def click(link=link):
                        await link.click(timeout=5000)
                    secs = await act(page, click, timeout_ms)
                else:
                    chooser = _choose_select if kind == "select" else _choose_radio
                    picked = []

                    async def choose(chooser=chooser, picked=picked):
                        picked.append(await chooser(page, rng))
                    secs = await act(page, choose, timeout_ms)
                    if picked and not picked[0]:
                        kind += " (none on page)"
                error = await _page_errors(page)
                out.results.append(Result(kind, secs, error))
                if error:
                    out.errors.append(f"{kind}: {error}")
            except Exception as exc:  # a timeout or a vanished element: count, carry on
                msg = str(exc).splitlines()[0][:140]
                out.results.append(Result(kind, None, msg))
                out.errors.append(f"{kind}: {msg}")
                with contextlib.suppress(Exception):
                    await page.keyboard.press("Escape")
            await asyncio.sleep(rng.uniform(*args.think))
    finally:
        with contextlib.suppress(Exception):
            await ctx.close()
    return out


# ------------------------------------------------------------------------------------
# protocol client: what the frontend sends, without a renderer

PLACES = ("workington-parish-wards", "eden", "blackpool", "kendal", "burnley", "preston",
          "carlisle", "barrow-in-furness", "lancaster", "pennine-lancashire", "fylde-coast",
          "morecambe", "blackburn-with-darwen", "allerdale", "copeland", "south-lakeland")
REGIONS = ("lsc-north-cumbria", "north-cumbria", "pennine-lancashire", "fylde-coast",
           "morecambe-bay", "central-lancashire", "north-west", "blackpool", "cumberland")
MAP_EXTENTS = ("lsc-north-cumbria", "north-west", "blackpool", "england", "pennine-lancashire",
               "cumberland")


def random_view(rng: random.Random, links: list[str], page: str) -> tuple[str, str]:
    """(page, query string) for an interaction: a scene's link or a changed view of one of
    the pages people use in a meeting (URL keys from ``explorer.state``, as the pages do)."""
    from urllib.parse import urlencode

    from explorer import area_metrics as am
    from explorer import provision as pv
    from explorer import state as k
    from explorer.places import registry

    reg = registry()
    places = [p for p in PLACES if p in reg] or ["eden", "blackpool"]
    regions = [r for r in REGIONS if r in reg] or ["lsc-north-cumbria"]
    extents = [r for r in MAP_EXTENTS if r in reg] or ["lsc-north-cumbria"]
    if rng.random() < 0.25:
        link = rng.choice(links)
        path, _, query = link.partition("?")
        return path.strip("/") or "overview", query
    pages = [x for x in ("overview", "map", "compare", "core20plus5", "inequalities",
                         "trends", "provision", "glance") if x != page]
    target = rng.choice(pages)
    if target == "compare":
        q = {k.PLACES: ",".join(rng.sample(places, rng.choice((2, 3, 4)))),
             k.CONFIDENCE: rng.choice(("95", "99.8"))}
    elif target == "core20plus5":
        q = {k.PLACES: rng.choice(places)}
    elif target == "overview":
        q = {k.REGION: rng.choice(regions), k.VINTAGE: rng.choice(("2019", "2025"))}
    elif target == "inequalities":
        q = {k.REGION: rng.choice(regions), k.GROUPING: rng.choice(("decile", "quintile"))}
    elif target == "trends":
        q = {k.PLACES: ",".join(rng.sample(places, rng.choice((1, 2, 3))))}
    elif target == "provision":
        q = {k.PLACES: rng.choice(places), k.GROUPING: rng.choice(tuple(pv.GROUPINGS)),
             k.YEAR: rng.choice(pv.YEARS).replace("/", "-")}
    elif target == "glance":
        q = {}
    else:
        level = rng.choice(("lsoa", "lsoa", "district", "ward", "icb"))
        q = {k.REGION: rng.choice(extents), k.LEVEL: level,
             k.VINTAGE: rng.choice(("2019", "2025")),
             k.INDICATOR: rng.choice([i.id for i in am.indicators()][:18]),
             k.CLASSES: rng.choice(("national", "quantiles"))}
    return target, urlencode(q)


async def ws_session(n: int, base: str, links: list[str], args, deadline: float) -> Session:
    import urllib.parse

    import websockets

    from ui.warmup import rerun  # the same protocol code serve.py warms its views with

    rng = random.Random(args.seed * 1000 + n)
    out = Session(n)
    await asyncio.sleep(rng.uniform(0, args.ramp))
    # the proxy's route cookie (if any) from a first page load, as a browser would get it
    cookie = ""
    with contextlib.suppress(OSError):
        def fetch() -> str:
            with urllib.request.urlopen(base + "/", timeout=args.timeout) as r:
                return "; ".join(c.split(";")[0] for c in r.headers.get_all("Set-Cookie") or [])
        cookie = await asyncio.to_thread(fetch)
    parts = urllib.parse.urlsplit(base)
    ws_url = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}/_stcore/stream"
    page = "overview"
    hashes: set[str] = set()
    try:
        async with websockets.connect(
                ws_url, subprotocols=["streamlit"], origin=base, max_size=2 ** 28,
                additional_headers={"Cookie": cookie} if cookie else None,
                open_timeout=args.timeout) as ws:
            for i in range(args.interactions):
                if time.time() > deadline:
                    break
                if i == 0:
                    link = links[n % len(links)]
                    target = link.partition("?")[0].strip("/") or "overview"
                else:
                    target, query = random_view(rng, links, page)
                    link = f"/{target}?{query}"
                kind = "scene" if i == 0 else f"ws:{target}"
                t0 = time.perf_counter()
                error = await rerun(ws, base, link, hashes, args.timeout)
                secs = None if error else time.perf_counter() - t0
                out.results.append(Result(kind, secs, error))
                if error:
                    out.errors.append(f"{kind}: {error}")
                page = target
                await asyncio.sleep(rng.uniform(*args.think))
    except Exception as exc:
        out.errors.append(f"websocket: {str(exc)[:140]}")
    return out


async def first_visit(browser, base: str, timeout_ms: float) -> float | None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    try:
        return await goto(page, base + "/", timeout_ms)
    except Exception:
        return None
    finally:
        await ctx.close()


async def room(base: str, args, sampler: Sampler | None) -> tuple[list[Session], dict]:
    from playwright.async_api import async_playwright

    links = scene_links()
    info: dict = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS)
        if sampler is not None and args.client == "browser":  # ws: one browser, first visit
            sampler.browser_pid = _browser_pid()
        info["first_visit_s"] = await first_visit(browser, base, args.timeout * 1000)
        info["t_start"] = time.time()
        deadline = time.time() + args.max_seconds
        if args.client == "ws":
            await browser.close()
            sessions = await asyncio.gather(*[
                ws_session(n, base, links, args, deadline) for n in range(args.sessions)])
        else:
            sessions = await asyncio.gather(*[
                run_session(browser, n, base, links, args, deadline)
                for n in range(args.sessions)])
        info["t_end"] = time.time()
        if args.client != "ws":
            await browser.close()
    return list(sessions), info


def _browser_pid() -> int | None:
    import psutil

    me = psutil.Process()
    for c in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "chrom" in c.name() and "--type=" not in " ".join(c.cmdline()):
                return c.pid
    return None


# --------------------------------------------------------------------------------------
# report


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    vals = sorted(values)
    k = min(len(vals) - 1, max(0, round(q * (len(vals) - 1))))
    return vals[k]


def fmt(v: float | None, unit: str = "s", digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{digits}f} {unit}"


def report(sessions: list[Session], info: dict, runs: list[dict], mem: dict,
           args, load0: tuple, load1: tuple) -> dict:
    results = [r for s in sessions for r in s.results]
    timed = [r.seconds for r in results if r.seconds is not None and not r.error]
    errors = [e for s in sessions for e in s.errors]
    runs = [r for r in runs if info["t_start"] - 1 <= r.get("t", 0) <= info["t_end"] + 1]
    wall = [r["s"] for r in runs]
    cpu = [r["cpu"] for r in runs]
    summary = {
        "sessions": args.sessions, "interactions_done": len(results),
        "interactions_timed": len(timed), "errors": len(errors),
        "first_visit_s": info.get("first_visit_s"),
        "idle_p50_s": pct(timed, .5), "idle_p95_s": pct(timed, .95),
        "idle_max_s": max(timed) if timed else None,
        "server_runs": len(runs), "server_run_p50_s": pct(wall, .5),
        "server_run_p95_s": pct(wall, .95), "server_run_max_s": max(wall) if wall else None,
        "server_cpu_p50_s": pct(cpu, .5), "server_cpu_p95_s": pct(cpu, .95),
        "duration_s": info["t_end"] - info["t_start"], **mem,
        "load_before": load0, "load_after": load1,
    }
    print(f"\nRoom ({args.client}): {args.sessions} sessions x up to {args.interactions} "
          f"interactions, think {args.think[0]:g}-{args.think[1]:g} s, ramp {args.ramp:g} s, "
          f"against {args.target}")
    if args.env:
        print(f"server environment: {' '.join(args.env)}")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} ({os.cpu_count()} cores, browsers "
          "and server share them)")
    rows = [
        ("interactions done / timed", f"{len(results)} / {len(timed)}"),
        ("errors", str(len(errors))),
        ("first visit to the server (overview idle)", fmt(info.get("first_visit_s"))),
        ("interaction -> script idle p50", fmt(summary["idle_p50_s"])),
        ("interaction -> script idle p95", fmt(summary["idle_p95_s"])),
        ("interaction -> script idle max", fmt(summary["idle_max_s"])),
        ("server script runs (timing log)", str(len(runs))),
        ("server run wall p50 / p95 / max",
         " / ".join(fmt(summary[k]) for k in
                    ("server_run_p50_s", "server_run_p95_s", "server_run_max_s"))),
        ("server run thread-CPU p50 / p95",
         " / ".join(fmt(summary[k]) for k in ("server_cpu_p50_s", "server_cpu_p95_s"))),
    ]
    for k, label in (("rss_start_mb", "server RSS warmed, before the room"),
                     ("rss_peak_mb", "server RSS peak"),
                     ("rss_end_mb", "server RSS when the sessions ended"),
                     *((f"rss_after_round{i + 1}_mb",
                        f"server RSS {max(args.after):g} s after room {i + 1} closed")
                       for i in range(args.rounds - 1)),
                     *((f"rss_after_{w:g}s_mb", f"server RSS {w:g} s after all closed")
                       for w in sorted(args.after)),
                     ("server_cpu_s", "server CPU time during the room"),
                     ("browser_rss_peak_mb", "browser RSS peak (all sessions)")):
        if k in mem:
            rows.append((label, fmt(mem[k], "s" if k.endswith("_s") else "MB", 0)))
    width = max(len(r[0]) for r in rows)
    for a, b in rows:
        print(f"  {a:<{width}}  {b}")
    by_kind: dict[str, list[float]] = {}
    for r in results:
        if r.seconds is not None and not r.error:
            by_kind.setdefault(r.kind, []).append(r.seconds)
    print("  by kind: " + "; ".join(
        f"{k} n={len(v)} p50 {fmt(pct(v, .5))} p95 {fmt(pct(v, .95))}"
        for k, v in sorted(by_kind.items())))
    by_page: dict[str, list[tuple[float, float]]] = {}
    for r in runs:
        by_page.setdefault(r.get("page", "?"), []).append((r["s"], r.get("cpu", 0.0)))
    if by_page:
        print("  server run by page (wall p50/p95; thread-CPU p50/p95, total): " + "; ".join(
            f"{k} n={len(v)} {fmt(pct([w for w, _ in v], .5))}/"
            f"{fmt(pct([w for w, _ in v], .95))}; cpu {fmt(pct([c for _, c in v], .5))}/"
            f"{fmt(pct([c for _, c in v], .95))}, {fmt(sum(c for _, c in v), 's', 1)}"
            for k, v in sorted(by_page.items())))
    if errors:
        counts: dict[str, int] = {}
        for e in errors:
            counts[e] = counts.get(e, 0) + 1
        print("  errors: " + "; ".join(f"{n}x {e}" for e, n in
                                       sorted(counts.items(), key=lambda x: -x[1])[:8]))
    r = REFERENCE
    print(f"  reference (issue 13, before): {r['sessions']} sessions, p50 {r['p50_s']} s, "
          f"p95 {r['p95_s']} s; RSS warmed {r['rss_warm_mb']} -> peak {r['rss_peak_mb']} -> "
          f"after {r['rss_after_mb']} MB")
    return summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--interactions", type=int, default=50)
    ap.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    ap.add_argument("--ramp", type=float, default=20.0, help="sessions join over S seconds")
    ap.add_argument("--max-seconds", type=float, default=480.0,
                    help="no new interaction after this (bounds the run)")
    ap.add_argument("--timeout", type=float, default=60.0, help="per interaction, seconds")
    ap.add_argument("--after", type=float, nargs="+", default=[60.0, 150.0],
                    help="seconds after all sessions closed to sample RSS (Streamlit keeps a "
                         "disconnected session 120 s: server.disconnectedSessionTTL)")
    ap.add_argument("--client", choices=("browser", "ws"), default="browser",
                    help="real Chromium sessions, or the websocket protocol without a renderer")
    ap.add_argument("--url", help="target a running server or cluster instead of starting one")
    ap.add_argument("--cluster", type=int, default=0, metavar="N",
                    help="start N app processes behind nginx (deploy/cluster.py) and target "
                         "the proxy")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="environment for the server it starts (e.g. HEE_MEMORY_TUNING=0)")
    ap.add_argument("--server-pid", type=int, action="append", default=[])
    ap.add_argument("--timing-log", help="glob of the app's HEE_TIMING_LOG file(s)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the room N times against the same server (RSS after each: "
                         "flat from round 2 on = caches full, no leak)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--json", help="also write the summary here")
    args = ap.parse_args()

    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        print(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
        return 1
    tmp = tempfile.mkdtemp(prefix="hee-room-")
    proc = None
    cluster = None
    if args.cluster:
        from deploy.cluster import Cluster

        log_glob = os.path.join(tmp, "runs-{pid}.jsonl")
        os.environ["HEE_TIMING_LOG"] = log_glob  # inherited by the app processes
        for kv in args.env:
            os.environ.__setitem__(*kv.split("=", 1))
        cluster = Cluster(free_port(), [free_port() for _ in range(args.cluster)])
        try:
            cluster.start()  # waits until every process is warm (its ready file)
        except BaseException:
            cluster.stop()
            raise
        base, pids, log_glob = cluster.url, cluster.pids(), log_glob.replace("{pid}", "*")
    elif args.url:
        base = args.url.rstrip("/")
        pids = args.server_pid
        log_glob = args.timing_log
    else:
        log_glob = os.path.join(tmp, "runs-{pid}.jsonl")
        extra = dict(kv.split("=", 1) for kv in args.env)
        proc, base = start_server(log_glob, extra_env=extra)
        log_glob = log_glob.replace("{pid}", "*")
        pids = [proc.pid]
    args.target = base
    mem: dict = {}
    sampler = None
    try:
        wait_healthy(base)
        if pids:
            sampler = Sampler(pids)
            _wait_warm(sampler)
            mem["rss_start_mb"] = sampler.rss()
            sampler.cpu0 = sampler.cpu_seconds()
            sampler.start()
        load0 = os.getloadavg()
        sessions, info = [], {}
        for i in range(args.rounds):
            got, inf = asyncio.run(room(base, args, sampler))
            sessions += got
            info = {**inf, "t_start": info.get("t_start", inf["t_start"]),
                    "first_visit_s": info.get("first_visit_s", inf.get("first_visit_s"))}
            if sampler is not None and i < args.rounds - 1:
                time.sleep(max(args.after))
                mem[f"rss_after_round{i + 1}_mb"] = sampler.rss()
            args.seed += 1  # the next room: other people, other places
        load1 = os.getloadavg()
        if sampler is not None:
            mem["rss_end_mb"] = sampler.rss()
            mem["server_cpu_s"] = sampler.cpu_seconds() - sampler.cpu0
            closed = time.time()
            for wait in sorted(args.after):
                time.sleep(max(0.0, closed + wait - time.time()))
                mem[f"rss_after_{wait:g}s_mb"] = sampler.rss()
            sampler.stop_flag.set()
            mem["rss_peak_mb"] = sampler.peak
            if sampler.browser_peak:
                mem["browser_rss_peak_mb"] = sampler.browser_peak
        runs: list[dict] = []
        if log_glob:
            from ui.timing import read

            for path in glob.glob(log_glob):
                runs += read(path)
        summary = report(sessions, info, runs, mem, args, load0, load1)
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=1))
    finally:
        if proc is not None:
            stop(proc)
        if cluster is not None:
            cluster.stop()
    return 0


def _wait_warm(sampler: Sampler, timeout: float = 90) -> None:
    """Until the server's RSS stops growing (serve.py warms its caches in a thread)."""
    last, still, deadline = sampler.rss(), 0, time.time() + timeout
    while time.time() < deadline and still < 6:
        time.sleep(0.5)
        now = sampler.rss()
        still = still + 1 if abs(now - last) < 2 else 0
        last = now


if __name__ == "__main__":
    raise SystemExit(main())
