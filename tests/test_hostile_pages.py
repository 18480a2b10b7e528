"""Hostile links and page state, through the real app (AppTest).

Each test reproduces a fault found by fuzzing a real server (issue 15, and issue 14 item 15):
state lost when leaving a page through the sidebar, a Place picker that ignored every
second pick, flags read differently by the registry and the frame, Markdown in link values,
one message box per unknown key, and a five-place link falling back to the defaults.
"""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from tests.apptest import assert_clean, open_page


def _q(at: AppTest, key: str) -> Any:
    value = at.query_params.get(key)
    return value[-1] if isinstance(value, list) and value else value


def _leave_and_return(at: AppTest, away: str, back: str) -> AppTest:
    """What the sidebar does: another page, then this one, with a bare URL each time."""
    for page in (away, back):
        at.query_params.clear()
        at.switch_page(page).run()
        assert_clean(at)
    return at


def _text(elements) -> str:
    """Shown text of Markdown elements (their source is escaped)."""
    return " ".join(e.value for e in elements).replace("\\", "").replace("\u2060", "")


def test_overview_state_survives_leaving_through_the_sidebar() -> None:
    at = open_page(r="fylde-coast", v="2025")
    assert at.selectbox[0].value == "fylde-coast"
    _leave_and_return(at, "pages/sources.py", "pages/overview.py")
    assert at.selectbox[0].value == "fylde-coast"
    assert _q(at, "r") == "fylde-coast" and _q(at, "v") == "2025"
    _leave_and_return(at, "pages/map.py", "pages/overview.py")
    assert at.selectbox[0].value == "fylde-coast" and _q(at, "v") == "2025"


def test_compare_confidence_survives_navigation() -> None:
    at = open_page("pages/compare.py", p="blackpool,eden", ci="99.8")
    assert at.radio(key="w:ci").value == "99.8"
    _leave_and_return(at, "pages/overview.py", "pages/compare.py")
    assert at.radio(key="w:ci").value == "99.8"
    assert at.multiselect[0].value == ["blackpool", "eden"]
    assert _q(at, "ci") == "99.8"


def test_map_level_and_indicator_survive_navigation() -> None:
    at = open_page("pages/map.py", lvl="district", ind="core20")
    assert at.radio(key="w:lvl").value == "district"
    _leave_and_return(at, "pages/sources.py", "pages/map.py")
    assert at.radio(key="w:lvl").value == "district"
    assert at.selectbox(key="w:ind").value == "core20"
    assert _q(at, "lvl") == "district" and _q(at, "ind") == "core20"


def test_a_link_wins_over_the_remembered_state() -> None:
    at = open_page(r="fylde-coast")
    at.query_params.clear()
    at.switch_page("pages/sources.py").run()
    at.query_params["r"] = "morecambe-bay"
    at.switch_page("pages/overview.py").run()
    assert at.selectbox[0].value == "morecambe-bay"


def test_every_place_pick_counts_on_core20plus5_and_inequalities() -> None:
    for page in ("pages/core20plus5.py", "pages/inequalities.py"):
        at = open_page(page)
        for pick in ("eden", "blackpool", "carlisle", "preston"):
            at.selectbox(key="w:p").set_value(pick).run()
            assert_clean(at)
            assert at.selectbox(key="w:p").value == pick, (page, pick)
            assert _q(at, "p") == pick


def test_presentation_flag_words_all_work() -> None:
    for word in ("1", "yes", "TRUE", "on", "True"):
        at = open_page(present=word)
        assert at.session_state["present"] is True, word
    at = open_page(present="nope")
    assert not at.session_state["present"]


def test_five_places_keep_the_first_four_and_say_so() -> None:
    at = open_page("pages/compare.py", p="blackpool,eden,carlisle,preston,burnley")
    assert_clean(at)
    assert at.multiselect[0].value == ["blackpool", "eden", "carlisle", "preston"]
    assert "kept the first 4" in _text(at.info)


def test_markdown_in_a_link_is_shown_as_text() -> None:
    at = open_page(r="![t](http://127.0.0.1:9/track.png)")
    assert_clean(at)
    source = " ".join(e.value for e in at.info)
    assert "![" not in source and "](" not in source and "\\!\\[t\\]" in source
    at = open_page("pages/compare.py", p="eden,[Log in again](http://127.0.0.1:9/login)")
    assert_clean(at)
    source = " ".join(e.value for e in [*at.warning, *at.info])
    assert "[Log in again](" not in source
    assert "Log in again" in _text([*at.warning, *at.info])


def test_many_unknown_keys_make_one_short_message() -> None:
    query = {f"junk{i}": "x" for i in range(150)}
    query["k" * 10_000] = "1"
    at = open_page(**query)
    assert_clean(at)
    assert len(at.info) == 1
    text = at.info[0].value
    assert "and 146 more" in text and len(text) < 600


def test_a_long_value_is_not_echoed_whole() -> None:
    at = open_page(r="x" * 10_000)
    assert_clean(at)
    assert sum(len(e.value) for e in at.info) < 400


def test_overview_of_an_icb_without_iod2025_areas_is_a_message_not_a_crash() -> None:
    for region in ("icb-sussex", "icb-surrey-heartlands"):
        at = open_page(r=region, v="2025")
        assert_clean(at)
        assert not at.error, [e.value for e in at.error]
