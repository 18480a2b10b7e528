#!/usr/bin/env python3
"""Two (or more) app processes behind nginx on loopback: ``make serve-cluster``.

    python deploy/cluster.py [--port 8700] [--apps 2] [--app-port 8701]

Starts ``serve.py`` N times (ports ``--app-port``, +1, ...), pre-generates the map's static
files once (so nginx can serve them and the processes do not race to build them), renders
``deploy/nginx.conf.template`` into a private prefix folder and runs Debian's nginx there
(no root needed, nothing written under /etc). Ctrl-C stops everything it started.

``HEE_TIMING_LOG`` is passed on to the app processes (use ``{pid}`` in it for one file per
process), so ``bench/bench_room.py --url http://127.0.0.1:8700 --server-pid ...`` can
measure the cluster. :class:`Cluster` is the same thing as a context manager for tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: python deploy/cluster.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from deploy.process import port_in_use, start_app, stop, wait_healthy, wait_ready

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "nginx.conf.template"
NGINX = os.environ.get("HEE_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")


def nginx_available() -> bool:
    return Path(NGINX).is_file() and os.access(NGINX, os.X_OK)


def render(listen: str, backends: list[str], static_dir: str, prefix: str,
           debug_headers: bool = False) -> str:
    """nginx.conf text for these backends (``host:port``)."""
    servers = "\n".join(f"        server {b} max_fails=1 fail_timeout=3s;" for b in backends)
    debug = ("        # loopback cluster only: which process answered (tests, benchmarks)\n"
             "        add_header X-HEE-Upstream $upstream_addr always;") if debug_headers \
        else ""
    text = TEMPLATE.read_text()
    for key, value in {"@LISTEN@": listen, "@BACKENDS@": servers,
                       "@STATIC_DIR@": static_dir, "@PREFIX@": prefix,
                       "@DEBUG_HEADERS@": debug}.items():
        text = text.replace(key, value)
    return text


#: deploy/nginx.conf (docker compose): the proxy container in front of app1, app2.
COMPOSE = {"listen": "8080", "static_dir": "/srv/hee/static", "prefix": "/var/lib/hee-nginx"}


def render_compose(backends: list[str]) -> str:
    return render(COMPOSE["listen"], backends, COMPOSE["static_dir"], COMPOSE["prefix"])


class Cluster:
    """``apps`` app processes and one nginx on 127.0.0.1; ``url`` is the proxy."""

    def __init__(self, port: int, app_ports: list[int], debug_headers: bool = True,
                 quiet: bool = True) -> None:
        self.port = port
        self.app_ports = app_ports
        self.debug_headers = debug_headers
        self.quiet = quiet
        self.apps: list[subprocess.Popen | None] = [None] * len(app_ports)
        self.nginx: subprocess.Popen | None = None
        self.prefix = Path(tempfile.mkdtemp(prefix="hee-nginx-"))
        self.url = f"http://127.0.0.1:{port}"

    def app_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[i]}"

    def start_app(self, i: int, wait: bool = True) -> subprocess.Popen:
        if port_in_use(self.app_ports[i]):
            raise RuntimeError(f"port {self.app_ports[i]} is already in use")
        out = subprocess.DEVNULL if self.quiet else None
        proc = start_app(self.app_ports[i], REPO, stdout=out, stderr=out, wait=None,
                         ready_file=self.ready_file(i))
        self.apps[i] = proc
        if wait:
            self.wait_ready(i)
        return proc

    def ready_file(self, i: int) -> Path:
        return self.prefix / f"app-{i}.ready"

    def wait_ready(self, i: int, timeout: float = 300) -> None:
        """Healthy *and* warm (``serve.py`` touches the ready file after warming its
        caches): a process that only listens would make its first visitors wait."""
        proc = self.apps[i]
        wait_healthy(self.app_url(i), timeout=timeout, proc=proc)
        wait_ready(self.ready_file(i), timeout=timeout, proc=proc)

    def kill_app(self, i: int) -> None:
        """SIGKILL, as a crash would: no graceful websocket close."""
        stop(self.apps[i], signal.SIGKILL)
        self.apps[i] = None

    def start(self) -> Cluster:
        # the map files once, before any process serves (they are content-hashed and locked,
        # so the processes would agree anyway; this keeps start-up quiet and nginx-servable)
        subprocess.run([sys.executable, "-m", "explorer.static_geo"], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL)
        for i in range(len(self.app_ports)):
            self.start_app(i, wait=False)
        for i in range(len(self.apps)):
            self.wait_ready(i)
        static = os.environ.get("HEE_STATIC_DIR", str(REPO / "static"))
        conf = self.prefix / "nginx.conf"
        conf.write_text(render(f"127.0.0.1:{self.port}",
                               [f"127.0.0.1:{p}" for p in self.app_ports],
                               str(Path(static).resolve()), str(self.prefix),
                               self.debug_headers))
        out = subprocess.DEVNULL if self.quiet else None
        self.nginx = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(conf)],
                                      stdout=out, stderr=out, start_new_session=True)
        wait_healthy(self.url, timeout=20, proc=self.nginx)
        return self

    def stop(self) -> None:
        stop(self.nginx)
        for i in range(len(self.apps)):
            stop(self.apps[i])
        shutil.rmtree(self.prefix, ignore_errors=True)

    def pids(self) -> list[int]:
        return [p.pid for p in self.apps if p is not None]

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()  # nothing half-started is left running
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8700, help="nginx (the URL to open)")
    ap.add_argument("--apps", type=int, default=2)
    ap.add_argument("--app-port", type=int, default=8701, help="first app process port")
    ap.add_argument("--no-debug-headers", action="store_true",
                    help="omit X-HEE-Upstream (which process answered)")
    ap.add_argument("--render-compose", nargs="+", metavar="HOST:PORT",
                    help="print the container nginx.conf for these app backends and exit")
    args = ap.parse_args()
    if args.render_compose:
        sys.stdout.write(render_compose(args.render_compose))
        return 0
    if not nginx_available():
        print(f"nginx not found ({NGINX}): apt-get install nginx (make serve-cluster does "
              "this when run as root)")
        return 1
    cluster = Cluster(args.port, [args.app_port + i for i in range(args.apps)],
                      debug_headers=not args.no_debug_headers, quiet=False)
    stop = {"now": False}

    def handler(*_: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    try:
        if port_in_use(args.port):
            raise RuntimeError(f"port {args.port} is already in use")
        cluster.start()
        print(f"Health Equity Explorer cluster: {cluster.url}  (app pids "
              f"{' '.join(map(str, cluster.pids()))}, nginx pid {cluster.nginx.pid}; "
              f"config {cluster.prefix / 'nginx.conf'}). Ctrl-C stops it.", flush=True)
        while not stop["now"]:
            time.sleep(0.5)
            for i, proc in enumerate(cluster.apps):
                if proc is not None and proc.poll() is not None:
                    print(f"app process {i} exited ({proc.returncode}); restarting",
                          flush=True)
                    cluster.start_app(i)
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
