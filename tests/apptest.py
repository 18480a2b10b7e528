"""AppTest helpers shared by the page tests: open the real app on a page, assert it is clean."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]
APP = str(Path(os.environ.get("HEE_APP_ROOT", REPO)) / "app.py")


def open_page(page: str | None = None, timeout: float = 120, **query: str) -> AppTest:
    """Run app.py (navigation and frame), then switch to ``page`` with the query params."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element, no 'unexpected error' message from the error boundary, and no
    grid that would draw a missing cell as Streamlit's "None" (every ``st.dataframe`` has
    the tables' em dash as its placeholder; an editor's empty cell is blank, to type in)."""
    from ui.tables import MISSING

    assert not at.exception, [e.value for e in at.exception]
    assert not [e for e in at.error if "unexpected error" in str(e.value)], \
        [e.value for e in at.error]
    bare = [list(d.value.columns)[:3] for d in at.dataframe
            if d.proto.placeholder != ("" if d.proto.editing_mode else MISSING)]
    assert not bare, f"st.dataframe not through tables.grid (no em dash placeholder): {bare}"
