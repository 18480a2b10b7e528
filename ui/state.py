"""Keep widgets and the URL in step, through the registry in :mod:`explorer.state`.

On the first run of a page in a session, values in the URL seed the widgets (invalid ones are
reported once, then dropped). After the widgets render, the page publishes its state back
to the URL so the address bar always holds a link to the current view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer import state as url_state

_SEEDED = "_url_seeded_page"
_MESSAGES = "_url_messages"


def widget_key(key: str) -> str:
    return f"w:{key}"


def seed(page: str, validators: Mapping[str, url_state.Validator],
         defaults: Mapping[str, Any]) -> None:
    """Seed widget state from the URL once per page visit; remember messages to show."""
    if st.session_state.get(_SEEDED) == page:
        return
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    raw = {k: (v if url_state.PARAMS.get(k, None) and url_state.PARAMS[k].kind == "list"
               else (v[-1] if v else "")) for k, v in raw.items()}
    # keys used by the frame (presentation mode, scenes) are not this page's business
    page_raw = {k: v for k, v in raw.items() if k in validators}
    parsed, messages = url_state.parse(page_raw, validators)
    for k in raw:
        if k not in url_state.PARAMS:
            messages.append(f"Ignored unknown link setting '{k}'.")
    for key, default in defaults.items():
        st.session_state[widget_key(key)] = parsed.get(key, default)
    st.session_state[_SEEDED] = page
    st.session_state[_MESSAGES] = messages


def forget_seed() -> None:
    """Make the next page run re-read its state from the URL (e.g. after a scene change)."""
    st.session_state.pop(_SEEDED, None)


def show_messages() -> None:
    for msg in st.session_state.get(_MESSAGES, []):
        st.info(msg, icon=":material/link_off:")


def value(key: str) -> Any:
    return st.session_state.get(widget_key(key))


def publish(values: Mapping[str, Any]) -> None:
    """Write the page's current state to the URL (keeping frame keys such as present)."""
    from ui.custom_place import with_custom

    keep = {k: st.query_params[k] for k in ("present", "scene") if k in st.query_params}
    query = {**url_state.to_query(with_custom(values, everything=True)), **keep}
    current = {k: st.query_params[k] for k in st.query_params}
    if current != query:
        st.query_params.from_dict(query)


def share_link(page: str, values: Mapping[str, Any]) -> str:
    return url_state.url(page, values)
