"""Keep a long-running server's memory near what its shared data needs (``serve.py``).

Why: every Streamlit session runs its script in its own thread. glibc gives busy threads
their own malloc arenas (up to 8 per core) and keeps freed memory in them, and Arrow's
default allocator (mimalloc) keeps its own pools: a server that served a room stayed at
twice its idle size after everyone left, although nothing was alive (issue 13). Here:

* Arrow allocates through the system allocator (``ARROW_DEFAULT_MEMORY_POOL=system``), so
  there is one allocator to trim; set before ``pyarrow`` is imported;
* at most two malloc arenas (``mallopt(M_ARENA_MAX, 2)``, as ``MALLOC_ARENA_MAX=2``): the
  script threads share them, which costs nothing measurable here (runs hold the GIL);
* a daemon thread hands freed memory back to the OS every ``HEE_TRIM_SECONDS`` (30 s):
  ``malloc_trim(0)`` (ctypes releases the GIL, so sessions keep running), only when the
  process was busy since;
* the same thread runs the full garbage collection that Streamlit would otherwise run
  after *every* script run (``runner.postScriptGC``, off in ``.streamlit/config.toml``):
  with the shared caches loaded one ``gc.collect(2)`` costs 0.1-0.3 s of CPU under the GIL,
  a third of a room's script-thread time (py-spy, issue 13). Once per busy period bounds
  cyclic garbage just as well. The caches filled at start-up are ``gc.freeze()``-d
  (``ui/warmup.py``), so each collection walks only what sessions made since.

``HEE_MEMORY_TUNING=0`` turns all of it off (for before/after measurements). Linux/glibc
only; elsewhere it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import sys
import threading

log = logging.getLogger("explorer.memory")
M_ARENA_MAX = -8  # glibc malloc.h


def enabled() -> bool:
    return os.environ.get("HEE_MEMORY_TUNING", "1") != "0"


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only (not musl)
        return libc
    except (OSError, AttributeError):
        return None


def configure() -> None:
    """Call first thing in the server process, before pyarrow and before any thread."""
    if not enabled():
        return
    if "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    libc = _libc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, 2)


def trim() -> None:
    """Return freed heap pages to the OS (cheap: a few ms for a few hundred MB)."""
    libc = _libc()
    if libc is None:
        return
    with_arrow = sys.modules.get("pyarrow")
    if with_arrow is not None:
        with contextlib.suppress(Exception):  # an older pyarrow: nothing to release
            with_arrow.default_memory_pool().release_unused()
    libc.malloc_trim(0)


def collect() -> None:
    """One full garbage collection, then :func:`trim` (what it freed goes back to the OS)."""
    import gc

    gc.collect(2)
    trim()


def start_trimmer(every: float | None = None) -> threading.Thread | None:
    """A daemon thread that collects garbage and trims every ``every`` seconds when the
    process did some work."""
    if not enabled() or _libc() is None:
        return None
    period = every or float(os.environ.get("HEE_TRIM_SECONDS", "30"))

    def loop() -> None:
        import time

        last_cpu = -1.0
        while True:
            time.sleep(period)
            cpu = time.process_time()
            if cpu - last_cpu > 0.05:  # idle since the last trim: nothing new to give back
                collect()
            last_cpu = time.process_time()

    thread = threading.Thread(target=loop, name="memory-trim", daemon=True)
    thread.start()
    return thread
