"""Server-side script-run timing, written as JSON lines when ``HEE_TIMING_LOG`` is set.

Why: in a room benchmark the browsers share the server's cores, so "click → page idle" in a
browser mixes server work with rendering. One line per script run (wall and thread-CPU
seconds, page, session, process) lets ``bench/bench_room.py`` tell the two apart.

    HEE_TIMING_LOG=/tmp/runs.jsonl python serve.py ...

``{pid}`` in the path is replaced by the process id (one file per app process in a
cluster); without it, processes append to one file (each line is a single ``write``).
Off by default: with the variable unset, :func:`begin`/:func:`end` cost a dict lookup.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

ENV = "HEE_TIMING_LOG"
_lock = threading.Lock()
_fd: dict[str, int] = {}


@dataclass(frozen=True)
class RunStart:
    wall: float
    cpu: float
    epoch: float


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def begin() -> RunStart | None:
    """Mark the start of a script run (call at the top of app.py); None when disabled."""
    if not enabled():
        return None
    return RunStart(time.perf_counter(), time.thread_time(), time.time())


def _session_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.session_id[:8] if ctx else ""
    except Exception:  # timing must never break a page
        return ""


def _path() -> str:
    return os.environ.get(ENV, "").replace("{pid}", str(os.getpid()))


def _write(line: str) -> None:
    path = _path()
    with _lock:
        fd = _fd.get(path)
        if fd is None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            _fd[path] = fd
        os.write(fd, line.encode())


def end(start: RunStart | None, page: str, status: str = "ok") -> None:
    """Write one line for the run that began at ``start`` (no-op when disabled)."""
    if start is None:
        return
    record = {"t": round(start.epoch, 3), "s": round(time.perf_counter() - start.wall, 4),
              "cpu": round(time.thread_time() - start.cpu, 4), "page": page or "overview",
              "session": _session_id(), "pid": os.getpid(), "status": status}
    with contextlib.suppress(OSError):
        _write(json.dumps(record, separators=(",", ":")) + "\n")


_active = [0]  # page runs in progress in this process (always counted: a lock and an int)


def active_runs() -> int:
    """How many page runs are in progress now: the start-up warm-up (``ui/warmup.py``)
    waits for visitors' runs to finish before it starts its next view."""
    return _active[0]


@contextlib.contextmanager
def recorded(start: RunStart | None, page: str) -> Iterator[None]:
    """Around ``nav.run()``: one line per run, also when the run ends by ``st.rerun``,
    ``st.switch_page`` or ``st.stop`` (their exceptions pass through, named in ``status``)."""
    with _lock:
        _active[0] += 1
    try:
        yield
    except BaseException as exc:
        end(start, page, type(exc).__name__)
        raise
    finally:
        with _lock:
            _active[0] -= 1
    end(start, page)


def read(path: str) -> list[dict]:
    """The records of a timing log (bad lines skipped: a process may have been killed)."""
    out: list[dict] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    continue
    except OSError:
        return []
    return out
