"""Facilitator: run a panel session from saved views, capture what the panel says, export it.

The screen, top to bottom: the scene player (title, speaker notes, previous/next with the
arrow keys, "3 / 6", a QR code so the room can open the same view, present or open the view),
the panel's notes on this scene, then tabs for the scene list (load, edit, save), all notes
and their exports, the place brief, the panel's own data, and the address the room uses.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import brief, scenes
from explorer import notes as notes_model
from explorer import state as url_state
from explorer.notes import escape_markdown
from explorer.places import DEFAULT_COMPARISON
from ui import notes, present, share, tables, user_data
from ui.frame import guard, require_app_frame
from ui.widgets import PLACE_KINDS, place_label, place_options, resolve

require_app_frame()

PAGE = "facilitator"
PLAYER = "_player_scene"
EDITOR_COLUMNS = {"order": "Order", "title": "Title", "page": "Page",
                  "settings": "Link settings", "notes": "Speaker notes"}


def _set_scene(number: int) -> None:
    """Move the player to a scene (from callbacks and before reruns); the page then writes
    ``?scene=N`` to its address in the script body, where the browser reliably gets it."""
    st.session_state[PLAYER] = present.deck().clamp(number)


def _show_messages(messages: list[str], limit: int = 8) -> None:
    """Messages quote the user's file: escaped so they display exactly as written."""
    for msg in messages[:limit]:
        st.warning(escape_markdown(msg), icon=":material/warning:")
    if len(messages) > limit:
        st.warning(f"…and {len(messages) - limit} more.", icon=":material/warning:")


def _deck_frame(deck: scenes.SceneDeck) -> pd.DataFrame:
    return pd.DataFrame([{"order": i, "title": s.title, "page": s.page,
                          "settings": "&".join(f"{k}={v}" for k, v in s.query().items()),
                          "notes": s.notes} for i, s in enumerate(deck.scenes, start=1)])


def _deck_from_frame(frame: pd.DataFrame, title: str) -> tuple[scenes.SceneDeck | None,
                                                                list[str]]:
    rows = frame.sort_values("order", na_position="last", kind="stable")
    found: list[scenes.Scene] = []
    messages: list[str] = []
    for number, row in enumerate(rows.itertuples(index=False), start=1):
        if not str(row.title or "").strip() and not str(row.page or "").strip():
            continue
        scene, problems = scenes.scene_from_dict(
            {"title": row.title, "page": row.page, "state": str(row.settings or ""),
             "notes": row.notes}, number)
        messages += problems
        if scene is not None:
            found.append(scene)
    if not found:
        return None, [*messages, "No usable scene: the list was not changed."]
    return scenes.SceneDeck(title=title, scenes=tuple(found), origin="edited here"), messages


deck = present.deck()
number = deck.clamp(st.session_state.pop(PLAYER, None) or present.scene_number() or 1)
if st.query_params.get(url_state.SCENE) != str(number):
    st.query_params[url_state.SCENE] = str(number)
scene = deck.scene(number)

st.title("Facilitator")
st.caption(f"Scene list: {escape_markdown(deck.title)} ({len(deck)} scenes, "
           f"{escape_markdown(deck.origin)}). Use the arrow keys ← → to move between scenes.")
if present.presenting():
    present.exit_button()

with guard("The scene player"):
    room = share.room_base()
    link = scene.link(room)
    prev_col, count_col, next_col = st.columns([1, 1, 1], vertical_alignment="center")
    prev_col.button("Previous", icon=":material/chevron_left:", shortcut=present.PREVIOUS_KEY,
                    on_click=_set_scene, args=(number - 1,), disabled=number <= 1,
                    key="player_prev", width="stretch")
    count_col.markdown(f"### {number} / {len(deck)}", text_alignment="center", anchors=False)
    next_col.button("Next", icon=":material/chevron_right:", icon_position="right",
                    shortcut=present.NEXT_KEY, on_click=_set_scene, args=(number + 1,),
                    disabled=number >= len(deck), key="player_next", width="stretch")
    present.keyboard_ready(key="player_keyboard_focus")

    main, side = st.columns([3, 1])
    with main:
        st.subheader(escape_markdown(scene.title))
        st.caption(f"{scene.page_title} page · {escape_markdown(scene.link())}")
        if scene.notes:
            with st.container(border=True):
                st.caption("Speaker notes")
                st.text(scene.notes)
        b1, b2 = st.columns(2)
        go = b1.button("Present from this scene", type="primary",
                       icon=":material/slideshow:", width="stretch",
                       help="Opens the view with large type and no sidebar; the bar at the "
                            "top moves between scenes (← →) and Esc leaves.")
        b2.link_button("Open this view", link, icon=":material/open_in_new:", width="stretch",
                       help="Opens the view in a new tab, in the normal layout.")
        st.code(link, language=None, wrap_lines=True)
        if go:
            present.go_to_scene(number)
    with side:
        st.image(share.qr_png(link), caption="Scan to open this view", width="stretch",
                 alt=f"QR code of the link {link}")
        if room and share.is_local(room):
            st.caption("Phones cannot open this address: set the room address below.")
        q1, q2 = st.columns(2)
        q1.download_button("PNG", share.qr_png(link, scale=16), f"scene-{number}-qr.png",
                           mime="image/png", key="qr_png", on_click="ignore")
        q2.download_button("SVG", share.qr_svg(link), f"scene-{number}-qr.svg",
                           mime="image/svg+xml", key="qr_svg", on_click="ignore")

with guard("The panel notes"):
    st.subheader("Panel notes on this scene")
    with st.form("note_form", clear_on_submit=True, border=False):
        kind = st.segmented_control("Kind", list(notes_model.KINDS), default="said",
                                    format_func=notes_model.KINDS.get, key="note_kind")
        text = st.text_area("Note", height=90, max_chars=notes_model.MAX_TEXT,
                            placeholder="What the panel said, a question, a decision…",
                            key="note_text")
        added = st.form_submit_button("Add note", icon=":material/add_comment:")
    if added:
        try:
            notes.add(text or "", kind or "said", number, scene.title, scene.link())
        except ValueError as exc:
            st.warning(str(exc))
    for note in notes_model.for_scene(notes.notes(), number, scene.title):
        with st.container(border=True):
            top, bin_col = st.columns([8, 1], vertical_alignment="center")
            top.caption(f"{note.kind_label} · {escape_markdown(note.created)}")
            bin_col.button("Delete", key=f"note_del_{note.id}", icon=":material/delete:",
                           on_click=notes.delete, args=(note.id,), type="tertiary")
            st.text(note.text)
    status = notes.storage_status()
    st.caption({"browser": "Notes are kept in this browser: they survive a reload, stay on "
                           "this device and are never sent to other users.",
                "session-only": "This browser does not allow storage: notes last until the "
                                "tab is closed. Export them before you leave.",
                "loading": "Loading notes saved in this browser…"}[status])
    for problem in notes.problems():
        st.warning(problem)

tab_list, tab_notes, tab_brief, tab_data, tab_room = st.tabs(
    ["Scene list", "All notes and exports", "Place brief", "Add your own data",
     "Room address"])

with tab_list, guard("The scene list"):
    tables.show(pd.DataFrame([{"Scene": i, "Title": s.title, "Page": s.page_title,
                               "Link": s.link()} for i, s in enumerate(deck.scenes, 1)]),
                {"Scene": tables.INT}, label="Scene list", max_height=None)
    st.session_state["jump"] = number
    st.selectbox("Go to scene", range(1, len(deck) + 1), key="jump",
                 format_func=lambda i: f"{i}. {deck.scene(i).title}",
                 on_change=lambda: _set_scene(st.session_state["jump"]))

    st.markdown("**Load or save**")
    c1, c2, c3 = st.columns(3)
    c1.download_button("Download this list (YAML)", scenes.dump(deck), "scenes.yaml",
                       mime="application/x-yaml", icon=":material/download:",
                       on_click="ignore")
    if c2.button("Back to the built-in story", icon=":material/restart_alt:"):
        present.set_deck(present.builtin_deck())
        _set_scene(1)
        st.rerun()
    c3.download_button("Built-in story (YAML)", scenes.SCENES_FILE.read_bytes(),
                       "scenes-builtin.yaml", mime="application/x-yaml", on_click="ignore")
    uploaded = st.file_uploader("Load a scene list (YAML)", type=["yaml", "yml", "txt"],
                                key="scene_file", max_upload_size=1)
    if uploaded is not None and st.button("Use this scene list", type="primary"):
        try:
            loaded, messages = scenes.load_text(uploaded.getvalue(), origin=uploaded.name)
        except scenes.SceneFileError as exc:
            st.error(escape_markdown(str(exc)), icon=":material/error:")
        else:
            present.set_deck(loaded)
            st.session_state["_scene_messages"] = messages
            _set_scene(1)
            st.rerun()
    _show_messages(st.session_state.pop("_scene_messages", []))

    st.markdown("**Edit**")
    st.caption("Change titles, pages, link settings (as in a link: p=eden,blackpool&ci=95) "
               "and notes; add rows at the bottom; the Order column sets the order.")
    edited = st.data_editor(
        _deck_frame(deck), num_rows="dynamic", hide_index=True, width="stretch",
        placeholder="",  # an empty cell to type in, not Streamlit's "None"
        key=f"scene_editor_{deck.origin}_{len(deck)}",
        column_config={
            "order": st.column_config.NumberColumn(EDITOR_COLUMNS["order"], min_value=1,
                                                   step=1, width="small"),
            "title": st.column_config.TextColumn(EDITOR_COLUMNS["title"],
                                                 max_chars=scenes.MAX_TITLE),
            "page": st.column_config.SelectboxColumn(EDITOR_COLUMNS["page"],
                                                     options=list(scenes.PAGES)),
            "settings": st.column_config.TextColumn(EDITOR_COLUMNS["settings"]),
            "notes": st.column_config.TextColumn(EDITOR_COLUMNS["notes"],
                                                 max_chars=scenes.MAX_NOTES)})
    if st.button("Apply changes", icon=":material/check:"):
        new_deck, messages = _deck_from_frame(edited, deck.title)
        st.session_state["_scene_messages"] = messages
        if new_deck is not None:
            present.set_deck(new_deck)
            _set_scene(number)
        st.rerun()

    st.markdown("**Add a scene from a link**")
    st.caption("Use “Share this view” on any page, copy the link and paste it here.")
    with st.form("scene_from_link", clear_on_submit=True, border=False):
        pasted = st.text_input("Link", placeholder="http://…/compare?p=eden,blackpool")
        new_title = st.text_input("Title", max_chars=scenes.MAX_TITLE)
        add_it = st.form_submit_button("Add scene", icon=":material/add:")
    if add_it:
        scene_new, messages = scenes.scene_from_link(pasted or "", new_title or "")
        st.session_state["_scene_messages"] = messages
        if scene_new is not None:
            present.set_deck(scenes.SceneDeck(deck.title, (*deck.scenes, scene_new),
                                              origin="edited here"))
            _set_scene(len(deck) + 1)
        st.rerun()

with tab_notes, guard("The notes export"):
    all_notes = notes.notes()
    st.caption(f"{len(all_notes)} note(s) in this session. Exports list each scene with its "
               "link, so the notes can be read next to the evidence.")
    if all_notes:
        stamp = notes.now_text()
        e1, e2 = st.columns(2)
        e1.download_button("Notes as Markdown", notes_model.to_markdown(
            all_notes, deck.title, stamp, share.room_base()), "panel-notes.md",
            mime="text/markdown", icon=":material/download:", on_click="ignore")
        e2.download_button("Notes as CSV", notes_model.to_csv(all_notes, share.room_base()),
                           "panel-notes.csv", mime="text/csv", icon=":material/download:",
                           on_click="ignore")
        tables.show(pd.DataFrame([{"Scene": n.scene, "Scene title": n.scene_title,
                                   "Kind": n.kind_label, "Note": n.text, "When": n.created}
                                  for n in all_notes]), {"Scene": tables.INT},
                    label="All panel notes")
        sure = st.checkbox("I have exported the notes I need")
        if st.button("Clear all notes", icon=":material/delete_sweep:", disabled=not sure):
            notes.clear()
            st.rerun()

with tab_brief, guard("The place brief"):
    st.caption("A single HTML file for a place or a comparison: the key charts, the summary, "
               "the numbers, sources and licences, and the link back to the live view. It "
               "works offline and can be e-mailed.")
    defaults = [p for p in scene.state.get(url_state.PLACES, DEFAULT_COMPARISON)
                if p in set(place_options(PLACE_KINDS))] or list(DEFAULT_COMPARISON)
    ids = st.multiselect("Places (one to four)", place_options(PLACE_KINDS), default=defaults,
                         format_func=place_label, max_selections=brief.MAX_PLACES,
                         key=f"brief_places_{number}")
    brief_link = share.full_link("compare", {url_state.PLACES: ids})
    if ids and st.button("Prepare the brief", icon=":material/description:"):
        with st.spinner("Drawing the charts…"):
            html_doc = brief.place_brief_html([resolve(i) for i in ids], brief_link,
                                              notes.now_text())
        st.session_state["_brief"] = (tuple(ids), html_doc)
    ready = st.session_state.get("_brief")
    if ready and ready[0] == tuple(ids):
        slug = "-".join(ids)[:80]
        d1, d2 = st.columns(2)
        d1.download_button("Place brief (HTML)", ready[1], f"place-brief-{slug}.html",
                           mime="text/html", icon=":material/download:", type="primary",
                           on_click="ignore")
        if brief.chromium_path():
            if d2.button("Make a PDF too", icon=":material/picture_as_pdf:"):
                try:
                    with st.spinner("Printing…"):
                        pdf = brief.pdf_from_html(ready[1])
                    st.download_button("Place brief (PDF)", pdf, f"place-brief-{slug}.pdf",
                                       mime="application/pdf", on_click="ignore")
                except RuntimeError as exc:
                    st.warning(str(exc))
        else:
            d2.caption("PDF: not available on this server (it needs a local Chromium). Open "
                       "the HTML brief and use Print > Save as PDF.")

with tab_data, guard("Your own data"):
    user_data.upload_panel()
    user_data.indicator_list(place_options(PLACE_KINDS), place_label, resolve)

with tab_room:
    st.caption("The address that links and QR codes use. When the app runs on your laptop, "
               "phones in the room need its network or public address, e.g. "
               "`https://explorer.example.org` or `http://192.168.1.20:8501`.")
    typed = st.text_input("Room address", value=share.room_base(), key="room_input")
    if typed and typed.rstrip("/") != share.room_base():
        valid = share.valid_base(typed)
        if valid is None:
            st.warning("That is not a web address (it should start with http:// or "
                       "https://).")
        else:
            st.session_state[share.ROOM_BASE] = valid
            st.rerun()

# last, so the browser copy of the notes includes anything added during this run
notes.sync()
