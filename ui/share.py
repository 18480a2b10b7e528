"""Share the current view: a copyable link and a QR code, made offline.

Links are built from the URL key registry (:func:`explorer.state.url`), so a link copied
here reopens exactly the same view. The full address needs the app's host, which only the
browser knows (``st.context.url``); facilitators who run the app on a laptop can set the
address the room should use (a phone cannot open ``localhost``), see :func:`room_base`.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import segno
import streamlit as st

from explorer import state as url_state
from explorer.scenes import PAGES

ROOM_BASE = "room_base_url"
_BASE_OK = re.compile(r"^https?://[^\s<>\"'`]+$")
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]")


def browser_base() -> str:
    """The app's address as the user's browser sees it (no page, no query), or ''."""
    current = getattr(st.context, "url", None) or ""
    if not current:
        return ""
    parts = urlsplit(current)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last in PAGES:
        path = path[: -len(last)].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"


def valid_base(text: str) -> str | None:
    """A usable app address typed by the facilitator, normalised, or None."""
    text = text.strip().rstrip("/")
    return text if _BASE_OK.match(text) else None


def room_base() -> str:
    """The address to give the room: the facilitator's setting, else the browser's."""
    return str(st.session_state.get(ROOM_BASE) or browser_base())


def is_local(base: str) -> bool:
    """True when other devices cannot reach this address (the app runs on this machine)."""
    host = urlsplit(base).hostname or ""
    return not host or host in _LOCAL_HOSTS or host.startswith("127.")


def relative_link(page: str, state: Mapping[str, Any]) -> str:
    return url_state.url(page, state)


def full_link(page: str, state: Mapping[str, Any], base: str | None = None) -> str:
    """The absolute link (relative when the address is unknown, e.g. in tests)."""
    from ui.custom_place import with_custom

    return url_state.url(page, with_custom(state), room_base() if base is None else base)


@functools.lru_cache(maxsize=256)  # every run draws one (~10 ms each); bytes are immutable
def qr_png(link: str, scale: int = 8) -> bytes:
    """QR code of a link as PNG (segno, no network, no Pillow)."""
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_svg(link: str, scale: int = 8) -> bytes:
    """QR code of a link as SVG, titled with the link so it is identifiable when saved."""
    buf = io.BytesIO()
    segno.make(link, error="m").save(buf, kind="svg", scale=scale, border=2,
                                     title=link[:200])
    return buf.getvalue()


def copy_link(page: str, state: Mapping[str, Any], *, label: str = "Share this view",
              key: str | None = None) -> str:
    """A "Share this view" control: the link in a box with a copy button, and a QR code.

    Call it on every page after the page's widgets, with the same state the page publishes
    to the URL (e.g. ``copy_link("compare", {url_state.PLACES: ids})``). Returns the link.
    """
    link = full_link(page, state)
    # a popover that tracks open/closed is a widget: one key per page, not one made from
    # its label (two with the same label would clash)
    _share_popover(link, label, key or f"share-{page}")
    return link


@st.fragment
def _share_popover(link: str, label: str, key: str) -> None:
    """The popover of :func:`copy_link`. Its QR code is made only while it is open: a new
    link's code costs ~15 ms (segno scores eight masks), paid on every run of every page
    when it was drawn closed, for a code few people open. Opening and closing rerun this
    fragment alone, not the page; the link itself is in the box from the start."""
    pop = st.popover(label, icon=":material/link:", key=key, on_change="rerun")
    with pop:
        st.caption("Select the link below to copy it, or use the copy button at the top "
                   "right of the box. It reopens this view with the same settings.")
        st.code(link, language=None, wrap_lines=True)
        base = room_base()
        if base and is_local(base):
            st.caption("This address only works on this computer. To share it with others, "
                       "set the app's public address on the Facilitator page.")
        if pop.open:
            st.image(qr_png(link, scale=5), caption="Scan to open this view on a phone",
                     width=180, alt=f"QR code of the link {link}")
