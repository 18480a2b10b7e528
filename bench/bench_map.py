#!/usr/bin/env python3
"""Benchmark the map page in headless Chromium and print the issue's figures.

Run: ``python bench/bench_map.py`` (``make bench``). Prints a table and writes JSON to
``bench/results/`` (git-ignored). No assertions: figures vary ±10-20 % on this machine, so
read the medians, and do not run it while anything else is busy (it checks the load).

What it does, all in one run so the figures are comparable:

1. pre-generates the static GeoJSON files (``python -m explorer.static_geo``), timed;
2. starts the app on 127.0.0.1 (a free port) and opens ``/`` once (see ``open_root_once``);
3. after one untimed visit per URL (the first map visit of a server process also loads the
   data; it is reported apart), times with ``../shared/tools/browser_timing.py`` (a fresh
   browser profile per run): the default region (Lancashire and South Cumbria + North
   Cumbria, 1,265 LSOAs), the North West (4,459 LSOAs, the issue's "region map of about
   5,000 LSOAs"), all England cold and warm (repeat visit), and websocket bytes;
4. times an indicator change on the all-England map (a real selectbox change), with the
   longest main-thread task after the click as the "responsive" figure;
5. the all-England map in one browser per run: cold visit, indicator change, repeat visit,
   each with its longest main-thread task and the CPU seconds of the renderer and of the GPU
   process (software WebGL here: the raster of the map is GPU-process CPU, and the page's
   main thread waits for it in every frame). CPU seconds vary much less with the machine's
   load than wall time. Done for the current design (a pre-drawn picture at the England
   view, polygon tiles when zoomed in) and, on further servers, for the previous designs:
   polygon tiles at every zoom (``HEE_MAP_PICTURE=0``) and one static GeoJSON file
   (``HEE_MAP_TILES=0``);
6. on a fresh server, peak server RSS while 5 sessions open the all-England map at once;
7. the naive pydeck baseline in the same run: a throwaway page in a temporary folder that
   sends the GeoJSON inside a default ``pdk.Deck`` (pydeck's indented JSON) per session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO.parent / "shared" / "tools" / "browser_timing.py"
RESULTS = REPO / "bench" / "results"
PY = sys.executable

TARGETS = {
    "region_map_s": 4.5,
    "england_cold_s": 5.0,
    "england_warm_s": 2.5,
    "indicator_change_s": 2.0,
    "longest_task_s": 0.2,
    "england_ws_mb": 1.0,
    "rss_5_sessions_mb": 600,
}


# --------------------------------------------------------------------------------------
# server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, *args: str, env: dict[str, str] | None = None,
          ) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [PY, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", *args],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server in {root} exited ({proc.returncode})") from None
            time.sleep(0.25)
    stop(proc)
    raise TimeoutError(f"server in {root} did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def timing(url: str, *flags: str, pid: int | None = None, timeout: int = 180) -> dict:
    """One browser_timing.py run (own process, fresh browser profile); its JSON summary."""
    cmd = [PY, str(TOOL), url, "--json", "--timeout", str(timeout), "--settle", "2", *flags]
    if pid:
        cmd += ["--server-pid", str(pid)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * 3)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return {"results": [{"ok": False, "error": (out.stderr or out.stdout)[-500:]}]}


def _load_tool():
    spec = importlib.util.spec_from_file_location("browser_timing", TOOL)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def open_root_once(url: str) -> None:
    """Open ``/`` so app.py's ``st.navigation`` runs: until then Streamlit 1.67 serves a
    direct ``/map`` link in the legacy pages-folder mode (``pages/map.py`` without
    ``app.py``). Users normally arrive at a server that has already been visited."""
    timing(url + "/", "--no-map", timeout=120)


# --------------------------------------------------------------------------------------
# measurements


def page_loads(url: str, runs: int, *flags: str, pid: int | None = None) -> list[dict]:
    out = []
    for _ in range(runs):
        r = timing(url, *flags, pid=pid)
        out.append({**r["results"][0], "server_rss_peak_mb": r.get("server_rss_peak_mb")})
    return out


LONGTASK_JS = """
(() => { window.__lt = [];
  try { new PerformanceObserver(l => { for (const e of l.getEntries())
          window.__lt.push([e.startTime, e.duration]); })
        .observe({entryTypes: ['longtask']}); } catch (e) {} })();
"""


def _browsers(runs: int) -> Iterator[tuple[object, object]]:
    """One fresh Debian Chromium per run (closed after it), with browser_timing loaded."""
    from playwright.sync_api import sync_playwright

    bt = _load_tool()
    with sync_playwright() as pw:
        for _ in range(runs):
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=bt.CHROMIUM_ARGS)
            try:
                yield browser, bt
            finally:
                browser.close()


def _opened(bt: object, ctx: object, url: str, args: argparse.Namespace) -> object:
    """browser_timing's probe on ``url``, once the page and its map are on screen."""
    probe = bt.Probe(ctx, url, args)
    probe.start()
    while not probe.poll():
        time.sleep(0.1)
    return probe


def _timed_context(browser: object, bt: object) -> tuple[object, argparse.Namespace]:
    """A fresh 1400x900 context with browser_timing's probes and the long-task observer, and
    the options browser_timing.Probe expects."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.add_init_script(bt.INIT_JS)
    ctx.add_init_script(LONGTASK_JS)
    args = argparse.Namespace(timeout=180, settle=2.0, warm=False, no_map=False,
                              playwright_ws=False, cpu_profile=None, click_map=True)
    return ctx, args


def indicator_change(url: str, option: str, runs: int) -> list[dict]:
    """Open the all-England map, then pick another indicator in the selectbox; seconds from
    the click on the option until the recoloured map is on screen."""
    out = []
    for browser, bt in _browsers(runs):
        ctx, args = _timed_context(browser, bt)
        probe = _opened(bt, ctx, url, args)
        first = probe.result
        page = probe.page
        page.get_by_role("combobox", name="Indicator").click()  # open list (untimed)
        page.get_by_role("option", name=option, exact=True).wait_for(timeout=15000)
        t_click = page.evaluate("performance.now()")
        res = probe.click_and_time(f"option:{option}")
        res["longest_task_after_click_s"] = _longest_since(page, t_click)
        res["initial_map_ready_s"] = first.get("map_ready_s")
        out.append(res)
    return out


def _chromium_cpu() -> tuple[float, float]:
    """CPU seconds so far of the GPU process and of the renderers this script launched."""
    import psutil

    gpu = ren = 0.0
    for q in psutil.Process(os.getpid()).children(recursive=True):
        try:
            cmd = " ".join(q.cmdline())
            t = q.cpu_times()
        except psutil.Error:
            continue
        if "--type=gpu-process" in cmd:
            gpu += t.user + t.system
        elif "--type=renderer" in cmd:
            ren += t.user + t.system
    return gpu, ren


def _longest_since(page, t0: float) -> float:
    tasks = page.evaluate("window.__lt || []")
    return round(max((d for s, d in tasks if s >= t0), default=0) / 1000, 3)


def _cpu_row(res: dict, page, t0: float, g: float, r: float) -> dict:
    g1, r1 = _chromium_cpu()
    keys = ("map_ready_s", "ws_bytes", "fetch_bytes", "fetch_transfer_bytes", "max_draw_count",
            "js_heap_used_mb")
    return {**{k: res.get(k) for k in keys}, "longest_task_s": _longest_since(page, t0),
            "gpu_cpu_s": round(g1 - g, 2), "renderer_cpu_s": round(r1 - r, 2)}


def england_cpu(url: str, option: str, runs: int) -> list[dict]:
    """Per run, one fresh browser: the all-England map cold, an indicator change, then a
    repeat visit (warm HTTP cache), each with wall time, longest main-thread task and the
    CPU seconds of the renderer and the GPU process."""
    out = []
    for browser, bt in _browsers(runs):
        ctx, args = _timed_context(browser, bt)
        row: dict = {}
        g, r = _chromium_cpu()
        probe = _opened(bt, ctx, url, args)
        row["cold"] = _cpu_row(probe.result, probe.page, 0, g, r)
        page = probe.page
        page.get_by_role("combobox", name="Indicator").click()
        page.get_by_role("option", name=option, exact=True).wait_for(timeout=15000)
        time.sleep(0.5)
        t_click = page.evaluate("performance.now()")
        g, r = _chromium_cpu()
        ch = probe.click_and_time(f"option:{option}")
        row["change"] = _cpu_row({k.replace("after_", ""): v for k, v in ch.items()},
                                 page, t_click, g, r)
        time.sleep(3)  # let the HTTP cache finish writing the files
        page.close()
        g, r = _chromium_cpu()
        probe = _opened(bt, ctx, url, args)  # same context: warm HTTP cache
        row["warm"] = _cpu_row(probe.result, probe.page, 0, g, r)
        out.append(row)
    return out


NAIVE_APP = '''
"""Naive baseline: GeoJSON inside a default pdk.Deck, rebuilt every run (no caching)."""
import sys
sys.path.insert(0, {repo!r})
import pydeck as pdk
import streamlit as st
from explorer import area_metrics as am
from explorer.maps import PALETTE_RGB
from explorer.places import registry
from loaders import snapshot

st.set_page_config(layout="wide")
r = st.query_params.get("r", "england")
place = registry().get(r)
gdf = snapshot.geo_table("boundaries_lsoa11")
gdf = gdf[gdf["code"].isin(set(place.lsoa11))]
dec = am.area_values("lsoa19")["IMD_decile"]
gdf = gdf.assign(colour=[list(PALETTE_RGB[int(d)]) for d in dec.reindex(gdf["code"])],
                 imd=am.area_values("lsoa19")["IMD_score"].reindex(gdf["code"]).to_numpy())
layer = pdk.Layer("GeoJsonLayer", data=gdf.__geo_interface__, get_fill_color="properties.colour",
                  pickable=True)
st.title("Naive map")
st.pydeck_chart(pdk.Deck(layers=[layer], map_provider=None,
                         tooltip={{"text": "{{name}}: {{imd}}"}},
                         initial_view_state=pdk.ViewState(latitude=53.0, longitude=-1.5,
                                                          zoom=5.5)))
'''


def naive(runs: int, extents: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="naive-map-") as tmp:
        Path(tmp, "app.py").write_text(textwrap.dedent(NAIVE_APP.format(repo=str(REPO))))
        proc, url = start(Path(tmp))
        try:
            for r in extents:
                out[r] = page_loads(f"{url}/?r={r}", runs, pid=proc.pid)
        finally:
            stop(proc)
    return out


# --------------------------------------------------------------------------------------
# report


def med(rows: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None and r.get("ok", True)]
    return round(statistics.median(vals), 2) if vals else None


def fmt(v: float | None, unit: str = "s") -> str:
    return "–" if v is None else f"{v:,.2f} {unit}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="repeats per figure (median)")
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--skip-sessions", action="store_true")
    ap.add_argument("--skip-old", action="store_true",
                    help="skip the previous design (one static file) on a second server")
    ap.add_argument("--naive-runs", type=int, default=1, help="naive England is ~30 s a run")
    args = ap.parse_args(argv)
    if not TOOL.is_file():
        print(f"missing {TOOL}", file=sys.stderr)
        return 1
    load = os.getloadavg()[0]
    if load > 1.5:
        print(f"warning: load average {load:.1f} on {os.cpu_count()} cores: figures will be "
              "slower than on a quiet machine", file=sys.stderr)

    res: dict = {"when": dt.datetime.now().isoformat(timespec="seconds"),
                 "load_at_start": round(load, 2), "runs": args.runs}
    t0 = time.time()
    subprocess.run([PY, "-m", "explorer.static_geo"], cwd=REPO, check=True,
                   capture_output=True)
    res["static_files_prepare_s"] = round(time.time() - t0, 2)

    proc, url = start(REPO)
    try:
        open_root_once(url)
        m = f"{url}/map"
        print("timing the map page…", file=sys.stderr)
        # the first map visit of a server process also loads the data (reported apart);
        # the medians below are a warm server and a cold browser, as users usually meet it
        res["first_visit_fresh_server"] = page_loads(m, 1, pid=proc.pid)
        for q in ("?r=north-west", "?r=england"):
            page_loads(m + q, 1, pid=proc.pid)
        res["default_region"] = page_loads(m, args.runs, pid=proc.pid)
        res["north_west"] = page_loads(f"{m}?r=north-west", args.runs, pid=proc.pid)
        res["england_cold"] = page_loads(f"{m}?r=england", args.runs, pid=proc.pid)
        res["england_warm"] = page_loads(f"{m}?r=england", args.runs, "--warm", pid=proc.pid)
        print("timing an indicator change…", file=sys.stderr)
        res["indicator_change"] = indicator_change(f"{m}?r=england", "Income domain score",
                                                   args.runs)
        print("all England: cold, change, repeat, with CPU seconds…", file=sys.stderr)
        res["england_cpu"] = england_cpu(f"{m}?r=england", "Income domain score", args.runs)
    finally:
        stop(proc)

    if not args.skip_old:
        for key, env, what in (
                ("tiles_england_cpu", {"HEE_MAP_PICTURE": "0"},
                 "HEE_MAP_PICTURE=0: polygon tiles at every zoom"),
                ("old_england_cpu", {"HEE_MAP_TILES": "0"},
                 "HEE_MAP_TILES=0: one static file")):
            print(f"previous design ({what})…", file=sys.stderr)
            proc, url = start(REPO, env=env)
            try:
                open_root_once(url)
                page_loads(f"{url}/map?r=england", 1, pid=proc.pid)  # builds its files
                res[key] = england_cpu(f"{url}/map?r=england", "Income domain score",
                                       args.runs)
            finally:
                stop(proc)
        # put back the current design's files (the designs share file prefixes)
        subprocess.run([PY, "-m", "explorer.static_geo"], cwd=REPO, check=True,
                       capture_output=True)

    if not args.skip_sessions:
        print("5 concurrent sessions on a fresh server…", file=sys.stderr)
        proc, url = start(REPO)
        try:
            open_root_once(url)
            r = timing(f"{url}/map?r=england", "--sessions", "5", pid=proc.pid, timeout=400)
            res["sessions_5"] = {k: v for k, v in r.items() if k != "results"}
            res["sessions_5"]["map_ready_s"] = [x.get("map_ready_s") for x in r["results"]]
        finally:
            stop(proc)

    if not args.skip_naive:
        print("naive pydeck baseline…", file=sys.stderr)
        res["naive"] = naive(args.naive_runs, ["north-west", "england"])

    summary = [
        ("First map visit after server start (default region)",
         med(res["first_visit_fresh_server"], "map_ready_s"), None, "s"),
        ("Default region map (1,265 LSOAs), on screen", med(res["default_region"],
                                                           "map_ready_s"), None, "s"),
        ("Region map: North West (4,459 LSOAs), on screen", med(res["north_west"],
                                                               "map_ready_s"),
         TARGETS["region_map_s"], "s"),
        ("All England (32,844 LSOAs), cold browser", med(res["england_cold"], "map_ready_s"),
         TARGETS["england_cold_s"], "s"),
        ("All England, repeat visit (warm browser)", med(res["england_warm"], "map_ready_s"),
         TARGETS["england_warm_s"], "s"),
        ("Indicator change on all England (click → map)",
         med(res["indicator_change"], "after_map_ready_s"), TARGETS["indicator_change_s"], "s"),
        ("  longest main-thread task after that click",
         med(res["indicator_change"], "longest_task_after_click_s"), TARGETS["longest_task_s"],
         "s"),
        ("Websocket bytes, all-England map", (med(res["england_cold"], "ws_bytes") or 0) / 1e6,
         TARGETS["england_ws_mb"], "MB"),
        ("Static file over HTTP (gzip on the wire), all England",
         (med(res["england_cold"], "fetch_transfer_bytes") or 0) / 1e6, None, "MB"),
        ("Server RSS peak, 5 sessions on all England",
         res.get("sessions_5", {}).get("server_rss_peak_mb"), TARGETS["rss_5_sessions_mb"],
         "MB"),
        ("  server RSS before those sessions (after opening /)",
         res.get("sessions_5", {}).get("server_rss_before_mb"), None, "MB"),
    ]
    for key, label in (("england_cpu", "PICTURE + TILES (current)"),
                       ("tiles_england_cpu", "TILES ONLY (previous)"),
                       ("old_england_cpu", "ONE FILE (before that)")):
        rows = res.get(key) or []
        if not rows:
            continue

        def part(name: str, field: str, rows: list[dict] = rows) -> float | None:
            return med([r[name] for r in rows if name in r], field)

        def cpu(name: str) -> str:
            return (f"{part(name, 'longest_task_s')} / {part(name, 'renderer_cpu_s')} / "
                    f"{part(name, 'gpu_cpu_s')} s")

        summary += [
            (f"{label}: England cold, on screen", part("cold", "map_ready_s"), None, "s"),
            ("  longest task / renderer CPU / GPU-process CPU", None, None, cpu("cold")),
            (f"{label}: England repeat visit", part("warm", "map_ready_s"), None, "s"),
            ("  longest task / renderer CPU / GPU-process CPU", None, None, cpu("warm")),
            (f"{label}: indicator change, on screen", part("change", "map_ready_s"), None,
             "s"),
            ("  longest task / renderer CPU / GPU-process CPU", None, None, cpu("change")),
            (f"{label}: fetched MB (decoded / wire), websocket MB", None, None,
             f"{(part('cold', 'fetch_bytes') or 0) / 1e6:.1f} / "
             f"{(part('cold', 'fetch_transfer_bytes') or 0) / 1e6:.2f} / "
             f"{(part('cold', 'ws_bytes') or 0) / 1e6:.3f}"),
        ]
    naive_rows = res.get("naive", {})
    if naive_rows:
        summary += [
            ("NAIVE pydeck: North West, on screen", med(naive_rows["north-west"],
                                                       "map_ready_s"), None, "s"),
            ("NAIVE pydeck: all England, on screen", med(naive_rows["england"],
                                                        "map_ready_s"), None, "s"),
            ("NAIVE pydeck: all England, websocket",
             (med(naive_rows["england"], "ws_bytes") or 0) / 1e6, None, "MB"),
        ]
    res["summary"] = [{"figure": f, "median": v, "target": t, "unit": u}
                      for f, v, t, u in summary]

    print(f"\nMap page benchmark ({res['when']}, {args.runs} runs each, median; load at start "
          f"{res['load_at_start']})\n")
    print(f"{'figure':<58} {'median':>12} {'target':>10}  ok")
    for f, v, t, u in summary:
        ok = "" if t is None or v is None else ("yes" if v <= t else "NO")
        shown = u if v is None and u not in ("s", "MB") else fmt(v, u)
        print(f"{f:<58} {shown:>12} {fmt(t, u) if t else '':>10}  {ok}")
    print(f"\nStatic files prepared in {res['static_files_prepare_s']} s (one-off, cached on "
          "disk by content hash).")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"map-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(res, indent=1, default=str))
    print(f"Details: {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
