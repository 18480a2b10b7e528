"""The shared frame: page set-up, presentation mode and the error boundary."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from explorer.places import UnknownPlaceError
from loaders.schema import SnapshotError

log = logging.getLogger("explorer")
APP_FILE = Path(__file__).resolve().parents[1] / "app.py"

PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"] {display: none !important;}
.stApp {font-size: 1.25rem;}
.stApp h1 {font-size: 2.6rem;} .stApp h2 {font-size: 2.0rem;} .stApp h3 {font-size: 1.6rem;}
[data-testid="stMetricValue"] {font-size: 3rem;}
[data-testid="stCaptionContainer"] {font-size: 1.0rem;}
.block-container {padding-top: 1.2rem; max-width: 1800px;}
</style>
"""


def require_app_frame() -> None:
    """Run the page inside app.py's navigation even on a fresh server's first request.

    Streamlit treats an entry script with a sibling ``pages/`` folder as a legacy
    "pages directory" app until ``st.navigation`` is first called in the process, so the very
    first visit to e.g. ``/compare`` would run the page alone (no page config, no sidebar,
    no presentation mode). When that happens, run app.py here (it calls st.navigation and
    then this page) and stop.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        import runpy

        runpy.run_path(str(APP_FILE), run_name="__main__")
        st.stop()


def seed_presentation_mode() -> None:
    """``?present=1`` switches presentation mode on; call before the sidebar toggle exists."""
    if st.query_params.get("present") in ("1", "true"):
        st.session_state["present"] = True


def presentation_mode() -> bool:
    """Read-only: presentation mode from ``?present=1`` or the sidebar toggle."""
    return bool(st.session_state.get("present", False)) or \
        st.query_params.get("present") in ("1", "true")


def apply_presentation_style() -> None:
    if presentation_mode():
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)


@contextlib.contextmanager
def guard(what: str) -> Iterator[None]:
    """Show a clear message instead of a traceback; the rest of the page keeps working."""
    try:
        yield
    except SnapshotError as exc:
        st.error(f"**{what} is unavailable.** The data file `{exc.path.name}` could not be "
                 f"read ({exc.reason}). Rebuild the bundled data with `make data`.",
                 icon=":material/database:")
    except UnknownPlaceError as exc:
        st.warning(str(exc), icon=":material/travel_explore:")
    except Exception:
        log.exception("Unexpected error in %s", what)
        st.error(f"**{what} could not be shown** because of an unexpected error. The rest of "
                 "the app still works; please report this with the link to this view.",
                 icon=":material/error:")
