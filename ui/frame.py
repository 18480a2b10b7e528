"""The shared frame: page set-up, presentation mode and the error boundary."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from explorer import state as url_state
from explorer import text as plain_text
from explorer.places import UnknownPlaceError
from loaders.schema import SnapshotError

log = logging.getLogger("explorer")
APP_FILE = Path(__file__).resolve().parents[1] / "app.py"


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


#: Session key of the sidebar's presentation-mode toggle.
PRESENT_KEY = url_state.PRESENT


def on_a_phone() -> bool:
    """Whether the browser says it is a phone: the Sec-CH-UA-Mobile client hint (Chromium)
    or "Mobi" in its user agent (Safari and Firefox on phones; MDN's advice). The server
    never learns the screen's width, and a phone's map is ~360 px wide, not 640: a view
    fitted to 640 px cut England's east off, and a table pinning two wide columns left no
    room for the rest. Tablets and desktops get the wide layout."""
    try:
        headers = st.context.headers
        return headers.get("Sec-CH-UA-Mobile") == "?1" or "Mobi" in (
            headers.get("User-Agent") or "")
    except Exception:  # no browser behind the session (tests, the warm-up)
        return False


def present_in_link() -> bool:
    """``?present=`` 1/true/yes/on (any case), read by the one flag parser."""
    return url_state.is_on(st.query_params.get(url_state.PRESENT, ""))


def seed_presentation_mode() -> None:
    """``?present=1`` switches presentation mode on; call before the sidebar toggle exists."""
    if present_in_link():
        st.session_state[PRESENT_KEY] = True


def presentation_mode() -> bool:
    """Read-only: presentation mode from ``?present=1`` or the sidebar toggle."""
    return bool(st.session_state.get(PRESENT_KEY, False)) or present_in_link()


def snapshot_message(exc: SnapshotError, what: str = "This view") -> str:
    """The one message for a missing or damaged data file: which file, and the fix."""
    reason = plain_text.plain(exc.reason, 160)
    return (f"**{what} is unavailable.** The data file `{exc.path.name}` could not be "
            f"read ({reason}). Rebuild the bundled data with `make data`.")


def show_snapshot_error(exc: SnapshotError, what: str = "This view") -> None:
    st.error(snapshot_message(exc, what), icon=":material/database:")


@contextlib.contextmanager
def guard(what: str, essential: bool = False) -> Iterator[None]:
    """Show a clear message instead of a traceback; the rest of the page keeps working.

    ``essential=True`` for a block that later blocks depend on (it defines the page's
    places): when it fails the page stops after the message, instead of every later block
    failing again with a confusing second error.
    """
    failed = False
    try:
        yield
    except SnapshotError as exc:
        failed = True
        show_snapshot_error(exc, what)
    except UnknownPlaceError as exc:
        failed = True
        st.warning(plain_text.plain(str(exc), 300), icon=":material/travel_explore:")
    except Exception:
        failed = True
        log.exception("Unexpected error in %s", what)
        st.error(f"**{what} could not be shown** because of an unexpected error. The rest of "
                 "the app still works; please report this with the link to this view.",
                 icon=":material/error:")
    if failed and essential:
        st.stop()


def run_page(page: object) -> None:
    """Run the navigation's page with a named message for a damaged data file anywhere in
    it, including code outside a :func:`guard` block (pickers built before the page's
    blocks). ``page`` is what ``st.navigation`` returned."""
    try:
        page.run()  # type: ignore[attr-defined]
    except SnapshotError as exc:
        log.warning("Snapshot error: %s", exc)
        show_snapshot_error(exc)
