"""Start, wait for and stop an app process on loopback: the one copy of that code.

Used by ``deploy/cluster.py`` (``make serve-cluster``), the benchmarks (``bench/``) and the
browser tests (``tests/e2e/conftest.py``), which all need the same things: a free port on
127.0.0.1, ``serve.py`` (or plain ``streamlit run``) in its own process group so everything it
starts can be stopped together, and "healthy" meaning Streamlit's ``/_stcore/health`` answers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from serve import READY_ENV

REPO = Path(__file__).resolve().parents[1]
#: Options every app process gets: loopback only, no browser, no telemetry.
SERVER_ARGS = ("--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_healthy(url: str, timeout: float = 120, proc: subprocess.Popen | None = None) -> None:
    """Until ``url``/_stcore/health answers 200; fails early if ``proc`` has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process for {url} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"no healthy server at {url} after {timeout:.0f} s")


def wait_ready(ready_file: Path, timeout: float = 300,
               proc: subprocess.Popen | None = None) -> None:
    """Until ``serve.py`` has touched ``ready_file`` (``HEE_READY_FILE``): data loaded and
    every page warmed. Healthy alone only means listening; a deployment's health check and
    every benchmark wait for this, so nobody times the start-up warm-up by accident."""
    deadline = time.time() + timeout
    while not Path(ready_file).exists():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the app process exited with code {proc.returncode}")
        if time.time() > deadline:
            raise TimeoutError(f"the app process did not warm up in {timeout:.0f} s")
        time.sleep(0.3)


def temp_ready_file() -> Path:
    """A fresh path for ``HEE_READY_FILE`` in a new temporary folder (not yet touched)."""
    return Path(tempfile.mkdtemp(prefix="hee-ready-")) / "ready"


def start_app(port: int, root: Path = REPO, *, serve: bool = True, app: str = "app.py",
              env: Mapping[str, str] | None = None, extra_args: Sequence[str] = (),
              stdout: int | None = subprocess.DEVNULL, stderr: int | None = subprocess.DEVNULL,
              wait: float | None = 120, ready_file: Path | None = None,
              ready_timeout: float = 300) -> subprocess.Popen:
    """``serve.py`` (caches warmed while it starts; ``serve=False``: plain ``streamlit run
    app``) on 127.0.0.1:``port`` in ``root``, in a new process group. Waits until healthy
    unless ``wait`` is None; with ``ready_file`` (``serve.py`` only) it is passed as
    ``HEE_READY_FILE`` (removed first) and, unless ``wait`` is None, waited for too: warm,
    not only listening. A process that does not get there is stopped."""
    launcher = [str(root / "serve.py")] if serve else ["-m", "streamlit", "run", app]
    env = dict(env or {})
    if ready_file is not None and serve:
        Path(ready_file).unlink(missing_ok=True)
        env[READY_ENV] = str(ready_file)
    proc = subprocess.Popen(
        [sys.executable, *launcher, *SERVER_ARGS, "--server.port", str(port), *extra_args],
        cwd=root, env={**os.environ, **env}, stdout=stdout, stderr=stderr,
        start_new_session=True)
    if wait is not None:
        try:
            wait_healthy(f"http://127.0.0.1:{port}", timeout=wait, proc=proc)
            if ready_file is not None and serve:
                wait_ready(ready_file, timeout=ready_timeout, proc=proc)
        except BaseException:
            stop(proc)
            raise
    return proc


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """Signal the process group; SIGKILL after 20 s. SIGKILL first is what a crash is."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
