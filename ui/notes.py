"""Panel notes kept in this browser: session state, mirrored to the browser's localStorage.

Why localStorage through a bidirectional component (``st.components.v2``): notes must
survive a page reload (a reload starts a new Streamlit session, so session state alone is
lost) but must never be shared between users of a hosted server, so a server-side file is
wrong. localStorage lives in the user's own browser, per site, and the v2 component runs
its script in the app page itself, so it can read storage and hand the value back to
Python (``setStateValue``) and write Python's notes back on every change.

The round trip:
1. first run of a session: the component mounts with ``loaded=False``; its script reads
   localStorage and returns the stored text;
2. Python merges those notes with any added meanwhile and marks the session loaded;
3. from then on every run passes the notes as JSON and the script writes them to storage.
Python never writes before it has read, so a reload cannot wipe stored notes.

Limits: notes stay in this browser profile on this device (not on a phone or another
browser), are cleared with the site data or when a private window closes, are shared by
tabs of the same browser (the last change wins), and hold a few MB at most. If the browser
blocks storage, notes last for the session only and the page says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from explorer import notes as model

_NOTES = "panel_notes"
_LOADED = "_panel_notes_loaded"
_PROBLEMS = "_panel_notes_problems"
STORAGE_KEY = "hee-panel-notes-v1"

_JS = """
export default function(component) {
  const { data, setStateValue } = component;
  const KEY = "__KEY__";
  let storage = null;
  try { storage = window.localStorage; } catch (e) { storage = null; }
  if (!storage) {
    if (!data || !data.loaded) { setStateValue("stored", "__unavailable__"); }
    return;
  }
  if (data && data.loaded && typeof data.write === "string") {
    try { storage.setItem(KEY, data.write); } catch (e) { /* quota: keep the session copy */ }
    return;
  }
  if (!data || !data.loaded) {
    let value = null;
    try { value = storage.getItem(KEY); } catch (e) { value = null; }
    setStateValue("stored", value === null ? "" : value);
  }
}
""".replace("__KEY__", STORAGE_KEY)

_store = st.components.v2.component("hee_panel_notes_store", js=_JS)


def sync() -> None:
    """Mount the browser-storage mirror: once per run, at the END of a page that edits notes,
    so the copy written to the browser includes notes added during the run."""
    loaded = bool(st.session_state.get(_LOADED))
    payload = model.to_json(notes()) if loaded else None
    result: Any = _store(key="hee_panel_notes_store", data={"loaded": loaded, "write": payload},
                         default={"stored": None}, on_stored_change=_noop, height=0)
    stored = getattr(result, "stored", None)
    if loaded or stored is None:
        return
    if stored == "__unavailable__":
        st.session_state[_LOADED] = "session-only"
        return
    saved, problems = model.from_json(stored)
    st.session_state[_NOTES] = model.merge(saved, notes())
    st.session_state[_PROBLEMS] = problems
    st.session_state[_LOADED] = "browser"
    st.rerun()


def _noop() -> None:
    """The component's state change only needs a rerun, which Streamlit does anyway."""


def storage_status() -> str:
    """'browser' (mirrored to this browser), 'session-only' or 'loading'."""
    return str(st.session_state.get(_LOADED) or "loading")


def problems() -> list[str]:
    return list(st.session_state.get(_PROBLEMS, []))


def notes() -> list[model.Note]:
    return list(st.session_state.get(_NOTES, []))


def now_text() -> str:
    """Local time of the user's browser when known (the server may be in another zone)."""
    now = dt.datetime.now(dt.UTC)
    tz_name = getattr(st.context, "timezone", None)
    if tz_name:
        try:
            from zoneinfo import ZoneInfo

            now = now.astimezone(ZoneInfo(tz_name))
        except Exception:  # unknown zone name from the browser: keep UTC, say so
            return now.strftime("%Y-%m-%d %H:%M UTC")
    else:
        return now.strftime("%Y-%m-%d %H:%M UTC")
    return now.strftime("%Y-%m-%d %H:%M")


def add(text: str, kind: str, scene: int, scene_title: str, link: str) -> model.Note:
    """Add a note (raises ValueError with a message for the user when it is unusable)."""
    note = model.new_note(text, kind, scene, scene_title, link, now_text())
    current = notes()
    if len(current) >= model.MAX_NOTES:
        raise ValueError(f"There are already {model.MAX_NOTES} notes; export and clear them.")
    st.session_state[_NOTES] = [*current, note]
    return note


def delete(note_id: str) -> None:
    st.session_state[_NOTES] = [n for n in notes() if n.id != note_id]


def clear() -> None:
    st.session_state[_NOTES] = []
