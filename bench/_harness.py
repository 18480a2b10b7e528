"""Shared benchmark plumbing: a Streamlit server on 127.0.0.1 and browser_timing.py runs.

Benchmarks print figures; they never assert timings (the machine varies by ±10–20%).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from deploy.process import free_port, start_app, stop, temp_ready_file

REPO = Path(__file__).resolve().parents[1]
TIMING_TOOL = Path(os.environ.get("HEE_BROWSER_TIMING",
                                  REPO.parent / "shared" / "tools" / "browser_timing.py"))


@contextlib.contextmanager
def streamlit_server(app: Path = REPO / "app.py", cwd: Path = REPO, *extra: str,
                     ready: bool = False) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start the app (``serve.py``; another script: ``streamlit run``) on a free loopback
    port; yield (base URL, process) once it is healthy, or with ``ready`` once ``serve.py``
    has finished warming (what a deployment's health check waits for)."""
    port = free_port()
    serve = app == REPO / "app.py"
    proc = start_app(port, cwd, serve=serve, app=str(app),
                     ready_file=temp_ready_file() if ready else None,
                     extra_args=("--server.enableStaticServing", "true", *extra), wait=60)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop(proc)


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
