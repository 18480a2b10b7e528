"""Two app processes behind nginx (deploy/): a session survives the other process's crash.

Streamlit keeps a session in the process that owns its websocket, so the proxy must keep a
browser on one process (deploy/nginx.conf.template: a route cookie hashed consistently).
The test drives a real browser through nginx, kills the *other* process with SIGKILL, keeps
interacting, restarts it, keeps interacting, and checks from the app's timing log that every
run of the session happened in one process under one session id; a browser whose route
pointed at the dead process is served by the survivor, and after the restart new sessions
reach the restarted process.

Needs Debian's nginx (``make test`` installs it when root, like Chromium). Without it the
test skips with the reason, except with ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import secrets
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.bench_room import IDLE_JS, INIT_JS, STARTED_JS
from deploy.cluster import Cluster, nginx_available
from tests.e2e.conftest import CHROMIUM_ARGS, _need_chromium, free_port
from ui import timing

#: The longest any one step may take (a timeout here is a failure, never a skip).
STEP_MS = 180_000


def _need_nginx() -> None:
    if nginx_available():
        return
    reason = "nginx not found (apt-get install nginx; `make test` installs it when root)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _upstream(cluster: Cluster, route: str) -> int:
    """Which app process (index) the proxy sends this route cookie to."""
    req = urllib.request.Request(cluster.url + "/_stcore/health",
                                 headers={"Cookie": f"hee_route={route}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        addr = r.headers["X-HEE-Upstream"].split(",")[-1].strip()
    return [f"127.0.0.1:{p}" for p in cluster.app_ports].index(addr)


def _route_to(cluster: Cluster, index: int) -> str:
    for _ in range(64):
        route = secrets.token_hex(16)
        if _upstream(cluster, route) == index:
            return route
    raise AssertionError(f"no route cookie reaches process {index}")


def _idle_after(page, action, what: str = "") -> None:
    msgs = page.evaluate("() => window.__room.msgs")
    t0 = time.monotonic()
    action()
    try:
        _wait_run(page, msgs)
    except Exception as exc:
        state = page.evaluate("() => [window.__room, location.href, document.querySelector("
                              "'[data-testid=\"stApp\"]')?.getAttribute("
                              "'data-test-script-state')]")
        raise AssertionError(f"{what}: no finished run after {time.monotonic() - t0:.0f} s "
                             f"(messages before {msgs}; now {state})") from exc
    print(f"{what}: {time.monotonic() - t0:.1f} s")


def _wait_run(page, msgs: int) -> None:
    # correctness, not speed: a first visit of a page on a cold process of a loaded CI machine
    # may take long; the processes are warm (Cluster waits for serve.py's ready file) and
    # this test runs first in the suite (tests/conftest.py), before the browser tests' server
    page.wait_for_function(STARTED_JS, arg=msgs, timeout=STEP_MS)
    page.wait_for_function(IDLE_JS, arg=msgs, timeout=STEP_MS)
    assert page.locator('[data-testid="stException"]').count() == 0


def _open(context, url: str):
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(IDLE_JS, arg=0, timeout=STEP_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    return page


def _nav(page, label: str) -> None:
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label).first
    _idle_after(page, lambda: link.click(timeout=10_000), label)


def _runs(log: Path, pid: int, since: float) -> list[dict]:
    """The process's runs that began after ``since`` (not its own start-up warm-up session:
    serve.py runs every page once before it reports ready)."""
    return [r for r in timing.read(str(log).replace("{pid}", str(pid))) if r["t"] >= since]


def test_compose_nginx_conf_is_the_rendered_template() -> None:
    """deploy/nginx.conf (containers) is the template rendered, never edited apart."""
    from deploy.cluster import REPO, render_compose

    conf = (REPO / "deploy" / "nginx.conf").read_text()
    assert conf == render_compose(["app1:8501", "app2:8501"])
    assert "X-HEE-Upstream" not in conf  # no internal addresses in the shipped config


@pytest.mark.e2e
def test_session_survives_other_process_restart(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _need_chromium()
    _need_nginx()
    log = tmp_path / "runs-{pid}.jsonl"
    monkeypatch.setenv(timing.ENV, str(log))  # inherited by the app processes
    # Playwright's sync API refuses a thread where another sync Playwright (the e2e tests'
    # session browser) is running: drive this browser from a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_survival, log).result()


def _survival(log: Path) -> None:
    from playwright.sync_api import sync_playwright

    with Cluster(free_port(), [free_port(), free_port()]) as cluster, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=CHROMIUM_ARGS)
        since = time.time()  # both processes are warm: their warm-up sessions are over
        stay = 0
        other = 1
        routes = {i: _route_to(cluster, i) for i in (stay, other)}
        host = "127.0.0.1"

        def context(route: str):
            ctx = browser.new_context(viewport={"width": 1280, "height": 900})
            ctx.add_cookies([{"name": "hee_route", "value": route, "domain": host,
                              "path": "/"}])
            ctx.add_init_script(INIT_JS)
            return ctx

        a_ctx = context(routes[stay])
        page = _open(a_ctx, cluster.url + "/compare?p=workington-parish-wards,eden")
        stay_pid = cluster.apps[stay].pid

        cluster.kill_app(other)  # a crash: no goodbye to its websockets
        for label in ("Overview", "CORE20PLUS5", "Inequalities", "Compare places"):
            _nav(page, label)
        # a browser routed to the dead process is served by the survivor
        c_page = _open(context(routes[other]), cluster.url + "/")
        c_page.context.close()

        restarted = cluster.start_app(other)  # returns once it is warm
        restarted_at = time.time()
        for label in ("Map", "Overview"):
            _nav(page, label)
        b_page = _open(context(routes[other]), cluster.url + "/inequalities")
        b_page.context.close()
        page.get_by_role("heading").first.wait_for()
        a_ctx.close()
        browser.close()

        survivor = _runs(log, stay_pid, since)
        # session A plus session C (failover) ran on the survivor; A's runs: one session id
        sessions = {r["session"] for r in survivor}
        a_session = survivor[0]["session"]
        a_runs = [r for r in survivor if r["session"] == a_session]
        assert len(a_runs) >= 7, survivor  # first load + 6 page switches
        assert {r["page"] for r in a_runs} >= {"compare", "overview", "core20plus5",
                                               "inequalities", "map"}
        assert len(sessions) == 2, sessions  # A and the failed-over browser C
        assert _runs(log, restarted.pid, restarted_at), \
            "the restarted process served no new session"
