"""The Facilitator page through AppTest, inside the real navigation of app.py.

Drives what a facilitator does: step through scenes, take a note, add a scene from a
copied link, present a scene, leave presentation mode, and see their own data (the upload
widget cannot be driven by AppTest, so the checked indicator is put in session state the
way ui.user_data does after a successful upload).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer import upload
from explorer.notes import escape_markdown
from explorer.places import registry
from explorer.scenes import builtin as _builtin_scenes
from loaders import snapshot

N = len(_builtin_scenes().scenes)  # the built-in story grows as pages are added

REPO = Path(__file__).resolve().parents[1]
PAGE = "pages/facilitator.py"


def facilitator(**query: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _query(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) else value


def _markdown(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_player_steps_through_scenes_and_keeps_the_number_in_the_url() -> None:
    at = facilitator()
    assert at.title[0].value == "Facilitator"
    assert f"### 1 / {N}" in _markdown(at)
    assert "Where is deprivation concentrated in our region?" in at.subheader[0].value
    assert at.code[0].value.endswith("/?r=lsc-north-cumbria&v=2019")
    assert len(at.get("image")) >= 1  # the QR code
    components = {c.key for c in at.get("bidi_component")}
    assert "hee_panel_notes_store" in components  # the browser-storage mirror of the notes

    _button(at, "Next").click().run()
    assert _query(at, "scene") == "2"
    assert f"### 2 / {N}" in _markdown(at)
    assert "workington-parish-wards" in at.code[0].value
    _button(at, "Previous").click().run()
    assert _query(at, "scene") == "1"


@pytest.mark.parametrize(("raw", "shown"), [("99", f"{N} / {N}"), ("abc", f"1 / {N}"),
                                                  ("-3", f"1 / {N}")])
def test_scene_number_from_the_link_is_clamped_or_ignored(raw: str, shown: str) -> None:
    at = facilitator(scene=raw)
    assert f"### {shown}" in _markdown(at)


def test_a_note_is_added_and_shown_as_plain_text() -> None:
    at = facilitator(scene="2")
    typed = "Panel asked: <b>why</b> [here](http://x.org)?"
    at.text_area(key="note_text").input(typed)
    _button(at, "Add note").click().run()
    assert not at.exception
    assert typed in [t.value for t in at.text]  # st.text: no Markdown, no HTML
    stored = at.session_state["panel_notes"]
    assert [(n.scene, n.text) for n in stored] == [(2, typed)]
    assert stored[0].link.startswith("/compare?p=workington-parish-wards")


def test_a_scene_is_added_from_a_copied_link() -> None:
    at = facilitator()
    link_box = next(t for t in at.text_input if t.label == "Link")
    title_box = next(t for t in at.text_input if t.label == "Title")
    link_box.input("http://127.0.0.1:8501/compare?p=blackpool%2Ceden&ci=99.8")
    title_box.input("Blackpool and Eden")
    _button(at, "Add scene").click().run()
    assert not at.exception
    assert f"### {N + 1} / {N + 1}" in _markdown(at)
    assert at.subheader[0].value == "Blackpool and Eden"
    assert "p=blackpool%2Ceden&ci=99.8" in at.code[0].value


def test_present_from_a_scene_opens_its_page_and_exit_leaves() -> None:
    at = facilitator(scene="2")
    _button(at, "Present from this scene").click().run()
    assert not at.exception
    assert _query(at, "present") == "1" and _query(at, "scene") == "2"
    assert _query(at, "p") == "workington-parish-wards,eden"
    assert at.title[0].value == "Compare places"

    at = facilitator(present="1")
    exit_button = _button(at, "Exit presentation")
    exit_button.click().run()
    assert not at.exception
    assert _query(at, "present") is None
    assert at.session_state["present"] is False


def test_uploaded_data_is_listed_with_an_honest_value_for_a_place() -> None:
    wards = snapshot.table("wards19")
    codes = sorted(wards.loc[wards["lad19nm"] == "Allerdale", "wd19cd"])
    data = ("code,numerator,denominator\n"
            + "".join(f"{c},{i % 7 + 2},{300 + i}\n" for i, c in enumerate(codes))).encode()
    result = upload.check_upload(data, name="Service use <test>", filename="wards.csv")
    assert result.ok and result.indicator is not None
    ind = result.indicator

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.session_state["user_indicators"] = {ind.id: ind}
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "**Service use \\<test\\>**" in _markdown(at)
    picker = at.selectbox(key=f"user_place_{ind.id}")
    picker.set_value("workington-parish-wards").run()
    assert not at.exception
    value = upload.place_value(ind, registry().get("workington-parish-wards"))
    shown = f"{value.value:.1%} (95% CI {value.lower:.1%} to {value.upper:.1%})"
    assert f"**{escape_markdown(shown)}**" in _markdown(at)
    assert "6 electoral wards" in " ".join(c.value for c in at.caption)


def test_the_place_brief_is_prepared_for_download() -> None:
    at = facilitator(scene="2")
    _button(at, "Prepare the brief").click().run()
    assert not at.exception
    ids, html_doc = at.session_state["_brief"]
    assert ids == ("workington-parish-wards", "eden")
    assert html_doc.startswith("<!DOCTYPE html>") and "/compare?p=" in html_doc


def test_copy_link_shows_the_link_and_a_qr_code_once_opened() -> None:
    def script() -> None:
        from ui.share import copy_link

        copy_link("compare", {"p": ["eden", "blackpool"], "ci": "95"}, key="share")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert at.code[0].value == "/compare?p=eden%2Cblackpool&ci=95"
    assert len(at.get("image")) == 0  # closed: no QR code made
    at.session_state["share"] = True  # what opening the popover does
    at.run()
    assert not at.exception
    assert at.code[0].value == "/compare?p=eden%2Cblackpool&ci=95"
    assert len(at.get("image")) == 1
