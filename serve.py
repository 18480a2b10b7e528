"""Start the app: ``streamlit run app.py`` with the shared caches warmed in the background.

    python serve.py [streamlit options]        (what ``make run`` does)

Equivalent to ``streamlit run app.py``; the only difference is that the snapshot tables and
the place registry are loaded while the server starts, not during the first visit.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    sys.path.insert(0, str(HERE))
    from ui.warmup import warm

    threading.Thread(target=warm, name="cache-warmup", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(HERE / "app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    raise SystemExit(main())
