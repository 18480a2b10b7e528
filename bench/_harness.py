"""Shared benchmark plumbing: a Streamlit server on 127.0.0.1 and browser_timing.py runs.

Benchmarks print figures; they never assert timings (the machine varies by ±10–20%).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMING_TOOL = Path(os.environ.get("HEE_BROWSER_TIMING",
                                  REPO.parent / "shared" / "tools" / "browser_timing.py"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(app: Path = REPO / "app.py", cwd: Path = REPO, *extra: str,
                     ) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``streamlit run`` on a free loopback port; yield (base URL, process)."""
    port = free_port()
    launcher = [str(REPO / "serve.py")] if app == REPO / "app.py" else \
        ["-m", "streamlit", "run", str(app)]
    proc = subprocess.Popen(
        [sys.executable, *launcher, "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.enableStaticServing", "true", *extra],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("streamlit did not start")
        yield base, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def browser_timing(url: str, *args: str, timeout: float = 180) -> dict:
    """Run ../shared/tools/browser_timing.py and return its JSON result."""
    proc = subprocess.run([sys.executable, str(TIMING_TOOL), url, "--json", *args],
                          capture_output=True, text=True, timeout=timeout)
    text = proc.stdout.strip()
    start = text.find("{")
    if start < 0:
        return {"error": (proc.stderr or proc.stdout)[-500:], "exit": proc.returncode}
    try:
        result = json.loads(text[start:])
    except json.JSONDecodeError:
        return {"error": text[-500:], "exit": proc.returncode}
    exit_code = proc.returncode
    if "results" in result and result["results"]:  # one entry per session; keep the first
        merged = {**result["results"][0],
                  **{k: v for k, v in result.items() if k != "results"}}
        result = merged
    result["exit"] = exit_code
    return result


def median(values: list[float | None]) -> float | None:
    vals = [v for v in values if isinstance(v, int | float)]
    return statistics.median(vals) if vals else None


def rss_mb(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 1e6


def table(rows: list[tuple[str, str, str]]) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [f"{'measure':<{width}}  {'median':>12}  target", "-" * (width + 30)]
    lines += [f"{m:<{width}}  {v:>12}  {t}" for m, v, t in rows]
    return "\n".join(lines)
