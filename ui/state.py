"""Keep widgets and the URL in step, through the registry in :mod:`explorer.state`.

When a page is entered (first visit, or coming back from another page), values in the URL
seed the widgets; invalid ones are reported once, then dropped. A page entered through the
sidebar arrives with an empty URL: it then gets back the state the user left it in (kept per
page in the session), not the defaults. After the widgets render, the page publishes its
state back to the URL so the address bar always holds a link to the current view.

Streamlit drops a widget's value from ``st.session_state`` once a run does not draw the
widget (the user is on another page), so "already seeded" is decided by the widget keys
still being there, not by a flag alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer import state as url_state
from explorer import text as plain_text

_SEEDED = "_url_seeded_page"
_MESSAGES = "_url_messages"
_REMEMBERED = "_url_page_state"


def widget_key(key: str) -> str:
    return f"w:{key}"


def query_raw() -> dict[str, Any]:
    """The current query parameters as parse() expects them (lists for list keys)."""
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    return {k: (v if k in url_state.PARAMS and url_state.PARAMS[k].kind == "list"
                else (v[-1] if v else "")) for k, v in raw.items()}


def needs_seed(page: str, keys: Mapping[str, Any] | list[str]) -> bool:
    """True when the page is entered: another page ran last, or its widgets were dropped."""
    if st.session_state.get(_SEEDED) != page:
        return True
    return any(widget_key(k) not in st.session_state for k in keys)


def seed(page: str, validators: Mapping[str, url_state.Validator],
         defaults: Mapping[str, Any]) -> None:
    """Seed widget state when the page is entered; remember messages to show.

    The URL wins when it holds any of this page's keys; otherwise the state the user left
    this page in (this session) comes back; otherwise the defaults.
    """
    if not needs_seed(page, defaults):
        return
    raw = query_raw()
    # keys used by the frame (presentation mode, scenes) are not this page's business
    page_raw = {k: v for k, v in raw.items() if k in validators}
    remembered = st.session_state.get(_REMEMBERED, {}).get(page)
    from_memory = not page_raw and remembered and url_state.SCENE not in raw
    if from_memory:
        parsed, _ = url_state.parse(url_state.to_query(remembered), validators)
        messages: list[str] = []
    else:
        parsed, messages = url_state.parse(page_raw, validators)
        unknown = [k for k in raw if k not in url_state.PARAMS]
        if unknown:
            messages.append(url_state.unknown_message(unknown))
    for key, default in defaults.items():
        st.session_state[widget_key(key)] = parsed.get(key, default)
    st.session_state[_SEEDED] = page
    st.session_state[_MESSAGES] = plain_text.dedupe(messages)


def forget_seed() -> None:
    """Make the next page run re-read its state from the URL (e.g. after a scene change)."""
    st.session_state.pop(_SEEDED, None)


def show_messages() -> None:
    """The link's messages, in one box, as plain text (user values cannot form Markdown)."""
    messages = plain_text.dedupe(st.session_state.get(_MESSAGES, []))
    if messages:
        st.info("  \n".join(plain_text.escape_markdown(m) for m in messages),
                icon=":material/link_off:")


def value(key: str) -> Any:
    return st.session_state.get(widget_key(key))


def publish(values: Mapping[str, Any]) -> None:
    """Write the page's current state to the URL (keeping frame keys such as present) and
    remember it for this page, so coming back through the sidebar restores it."""
    from ui.custom_place import with_custom

    page = st.session_state.get(_SEEDED)
    if page:
        memory = dict(st.session_state.get(_REMEMBERED, {}))
        memory[page] = dict(values)
        st.session_state[_REMEMBERED] = memory
    keep = {k: st.query_params[k] for k in url_state.FRAME_KEYS if k in st.query_params}
    query = {**url_state.to_query(with_custom(values, everything=True)), **keep}
    current = {k: st.query_params[k] for k in st.query_params}
    if current != query:
        st.query_params.from_dict(query)


def share_link(page: str, values: Mapping[str, Any]) -> str:
    return url_state.url(page, values)
