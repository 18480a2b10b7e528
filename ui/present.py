"""Presentation mode: step through scenes on any page, and always a way out.

The scene list lives in session state (loaded on the Facilitator page; the built-in story
when nothing was loaded, so a shared ``?present=1&scene=3`` link works in a new session).
The current scene is ``?scene=N`` in the URL, so a reload or a shared link stays on it.

Moving to a scene switches page with :func:`st.switch_page` and sets the scene's link
settings as query parameters; the page then seeds its widgets from them (``ui.state``).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from explorer import scenes
from explorer import state as url_state
from explorer.notes import escape_markdown
from ui import state as ui_state

APP_ROOT = Path(__file__).resolve().parents[1]
PAGE_FOLDERS = ("pages", "views")
DECK = "scene_deck"
EXIT_KEY = "present_exit"
EXIT_LABEL = "Exit presentation"
NEXT_KEY = "Right"
PREVIOUS_KEY = "Left"


#: Streamlit's keyboard shortcuts only fire when focus is inside the app's main area; after
#: a page load or switch it is on <body>, so ← → would do nothing until a click. This moves
#: focus into the main area (never away from a field the user is typing in) onto a 1-pixel
#: target of its own: focusing the whole main area made Chromium draw a grey focus frame
#: around the shared screen.
_FOCUS_JS = """
export default function(component) {
  const active = document.activeElement;
  const main = document.querySelector('[data-testid="stMain"]');
  if (active && active !== document.body && active !== main) { return; }
  const root = component && component.parentElement;
  if (!root) { return; }
  let target = root.querySelector('[data-hee-focus]');
  if (!target) {
    target = document.createElement('span');
    target.setAttribute('data-hee-focus', '');
    target.tabIndex = -1;
    target.style.cssText = 'position:absolute;width:1px;height:1px;overflow:hidden;' +
      'outline:none;opacity:0;pointer-events:none';
    root.appendChild(target);
  }
  target.focus({ preventScroll: true });
}
"""
_focus_main = st.components.v2.component("hee_keyboard_focus", js=_FOCUS_JS)


def keyboard_ready(key: str = "hee_keyboard_focus") -> None:
    """Let the arrow-key shortcuts work straight after a page load or scene change."""
    _focus_main(key=key, data={url_state.SCENE: st.query_params.get(url_state.SCENE, "")}, height=0)


@st.cache_resource(show_spinner=False)
def _builtin() -> scenes.SceneDeck:
    """The built-in story, read once per process (it is read-only). A broken scenes file
    gives a one-scene deck that says so, rather than a broken page."""
    try:
        return scenes.builtin()
    except scenes.SceneFileError as exc:
        return scenes.SceneDeck(
            title="Built-in scenes unavailable", origin="built-in",
            scenes=(scenes.Scene("The built-in scene list could not be read", "overview", {},
                                 f"{exc} (data/scenes.yaml)"),))


def presenting() -> bool:
    """Is presentation mode on? Read-only, so pages may call it.

    (``ui.frame.presentation_mode`` also *sets* the sidebar toggle's state, which Streamlit
    forbids once app.py has drawn the toggle, so pages must not call that one.)
    """
    if url_state.is_on(st.query_params.get(url_state.PRESENT, "")):
        return True
    return bool(st.session_state.get(url_state.PRESENT, False))


def deck() -> scenes.SceneDeck:
    """The scene list of this session (the built-in story until one is loaded)."""
    current = st.session_state.get(DECK)
    return current if isinstance(current, scenes.SceneDeck) else _builtin()


def set_deck(new: scenes.SceneDeck) -> None:
    st.session_state[DECK] = new


def builtin_deck() -> scenes.SceneDeck:
    return _builtin()


def scene_number() -> int | None:
    """``?scene=N`` as a valid 1-based number for this deck, or None when absent/junk."""
    raw = st.query_params.get(url_state.SCENE)
    if raw is None:
        return None
    parsed, _ = url_state.parse({url_state.SCENE: raw})
    if url_state.SCENE not in parsed:
        return None
    return deck().clamp(parsed[url_state.SCENE])


def page_path(page: str) -> str:
    """The page file registered in app.py for a url_path: <folder>/<url_path>.py, relative
    to app.py (looked up, so renaming the pages folder does not break scene navigation)."""
    for folder in PAGE_FOLDERS:
        if (APP_ROOT / folder / f"{page}.py").is_file():
            return f"{folder}/{page}.py"
    return f"pages/{page}.py"


def go_to_scene(number: int, present: bool = True) -> None:
    """Open scene ``number`` on its page (in presentation mode unless ``present=False``).

    Call from the script body (e.g. ``if st.button(...)``), not from a widget callback:
    switching page is not allowed inside callbacks.
    """
    current = deck()
    number = current.clamp(number)
    scene = current.scene(number)
    query = scene.presenting_query(number) if present else scene.query()
    # the target page must seed its widgets from the new link, even if it is this page
    ui_state.forget_seed()
    st.switch_page(page_path(scene.page), query_params=query)


def _exit() -> None:
    """Leave presentation mode (a callback, so the sidebar toggle's state may change)."""
    st.session_state[url_state.PRESENT] = False
    for key in scenes.FRAME_KEYS:
        if key in st.query_params:
            del st.query_params[key]


def _exit_button() -> None:
    st.button(EXIT_LABEL, key=EXIT_KEY, icon=":material/close_fullscreen:", on_click=_exit,
              shortcut="Esc", help="Back to the normal view (Esc)", type="tertiary")


def exit_button() -> None:
    """The way out of presentation mode when the sidebar (and its toggle) is hidden.

    Drawn at most once per run: if the bar in app.py already drew it, a page calling it
    again gets nothing (Streamlit's own per-run key check tells us).
    """
    try:
        _exit_button()
    except StreamlitDuplicateElementKey:
        return


def presentation_bar(page: str) -> None:
    """Top bar in presentation mode: previous / 'Scene N / M' and title / next, and Exit.

    Render it once per run: in app.py just before ``nav.run()`` (``nav.url_path`` as page),
    or at the top of each page. Outside presentation mode it renders nothing. A second call
    in the same run draws nothing. On the Facilitator page only Exit is shown: that page has
    its own player with the same keyboard shortcuts.
    """
    if not presenting():
        return
    if starts_scenes(page):
        go_to_scene(1)
        return
    holder = st.empty()
    try:
        with holder.container():
            move = _bar(page)
            keyboard_ready()
    except StreamlitDuplicateElementKey:  # already drawn in this run
        holder.empty()
        return
    if move is not None:
        go_to_scene(move)


def starts_scenes(page: str) -> bool:
    """``?present=1`` and nothing else (what a facilitator types or bookmarks) starts the
    loaded scene list at scene 1. A link that also carries view settings (e.g. a shared
    view in presentation mode) stays on its view; the Facilitator page has its own player."""
    keys = set(st.query_params.keys())
    return (keys == {url_state.PRESENT}
            and url_state.flag(st.query_params.get(url_state.PRESENT)) is True
            and page != "facilitator" and len(deck()) > 0)


def _bar(page: str) -> int | None:
    """Draw the bar; the scene number to move to, if a button was pressed."""
    number = scene_number()
    current = deck()
    if page == "facilitator" or not len(current):
        _, right = st.columns([6, 1], vertical_alignment="center")
        with right:
            _exit_button()
        return None
    if number is None:  # presenting a view outside the scene list: offer the scenes
        left, _, right = st.columns([3, 3, 1.3], vertical_alignment="center")
        with left:
            start = st.button(f"Start the scenes: 1. {escape_markdown(current.scene(1).title)}",
                              key="present_start", icon=":material/play_arrow:",
                              shortcut=NEXT_KEY, help=f"{len(current)} scenes; → moves on")
        with right:
            _exit_button()
        return 1 if start else None
    scene = current.scene(number)
    prev_col, title_col, next_col, exit_col = st.columns([1, 6, 1, 1.3],
                                                         vertical_alignment="center")
    with prev_col:
        go_prev = st.button("Previous", key="present_prev", icon=":material/chevron_left:",
                            shortcut=PREVIOUS_KEY, disabled=number <= 1, width="stretch")
    with title_col:
        st.caption(f"Scene {number} / {len(current)}")
        st.markdown(f"**{escape_markdown(scene.title)}**")
    with next_col:
        go_next = st.button("Next", key="present_next", icon=":material/chevron_right:",
                            icon_position="right", shortcut=NEXT_KEY,
                            disabled=number >= len(current), width="stretch")
    with exit_col:
        _exit_button()
    if go_prev:
        return number - 1
    if go_next:
        return number + 1
    return None
