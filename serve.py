"""Start the app: ``streamlit run app.py`` with the shared caches warmed in the background.

    python serve.py [streamlit options]        (what ``make run`` does)

Equivalent to ``streamlit run app.py``, except that the snapshot tables and the place
registry are loaded while the server starts, not during the first visit, then every page
and built-in scene is run once through the server itself (``ui/warmup.py``; a room's first
interactions find the shared caches filled; ``HEE_WARM_VIEWS=0`` skips it), and that memory is
kept in check for a long-running server (``ui/memory.py``: one allocator, two malloc arenas,
freed memory returned to the OS).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent


#: A file touched when the caches are warm (e.g. ``deploy/cluster.py`` waits for it, so a
#: test or a proxy health check knows the process is ready, not only listening).
READY_ENV = "HEE_READY_FILE"


def _own_url(timeout: float = 120) -> str | None:
    """This server's loopback URL once it answers its health check (None if it never does)."""
    import time
    import urllib.request

    from streamlit import config

    deadline = time.time() + timeout
    while time.time() < deadline:
        base = config.get_option("server.baseUrlPath").strip("/")
        url = f"http://127.0.0.1:{config.get_option('server.port')}" + \
            (f"/{base}" if base else "")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url
        except OSError:
            time.sleep(0.3)
    return None


def _warm_then_trim() -> None:
    import logging
    import os

    from ui import memory
    from ui.warmup import warm, warm_views

    warm()
    url = _own_url()
    if url is not None:  # every page and scene once, through the server itself
        seconds, problems = warm_views(url)
        logging.getLogger("explorer.warmup").info(
            "views warmed in %.1f s (%d problems)", seconds, len(problems))
    memory.trim()  # what loading freed goes back to the OS: the idle server stays small
    memory.start_trimmer()
    if os.environ.get(READY_ENV):
        Path(os.environ[READY_ENV]).touch()


def main() -> int:
    sys.path.insert(0, str(HERE))
    from ui import memory

    memory.configure()  # before pyarrow is imported and before any thread starts
    threading.Thread(target=_warm_then_trim, name="cache-warmup", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(HERE / "app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
