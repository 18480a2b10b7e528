"""Scene lists: the built-in story, load/save round trips, and clear messages for bad files.

A facilitator edits scenes.yaml by hand minutes before a session: one bad scene must cost
them that scene (with a message saying which and why), never the deck or a traceback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import scenes
from explorer import state as url_state

BUILTIN_YAML = scenes.SCENES_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def deck(places) -> scenes.SceneDeck:
    loaded, messages = scenes.load_file(scenes.SCENES_FILE)
    assert messages == [], messages
    return loaded


def test_builtin_story_tells_the_region_from_the_bundled_data(deck: scenes.SceneDeck) -> None:
    by_page = [(s.page, dict(s.state)) for s in deck.scenes]
    assert ("compare", {"p": ["workington-parish-wards", "eden"], "ci": "95"}) in by_page
    maps = [state for page, state in by_page if page == "map"]
    assert any(s["lvl"] == "district" and s["r"] == "england" for s in maps)
    assert any(s["lvl"] == "lsoa" and s["r"] == "lsc-north-cumbria" for s in maps)
    assert ("core20plus5", {"p": ["blackpool"]}) in by_page
    assert "inequalities" in [page for page, _ in by_page]
    assert all(s.title and s.notes for s in deck.scenes)
    builtin = scenes.builtin()
    assert builtin.origin == "built-in" and builtin.scenes == deck.scenes


def test_every_builtin_link_uses_registered_keys_and_reopens_its_state(
        deck: scenes.SceneDeck) -> None:
    for scene in deck.scenes:
        link = scene.link("http://example.org")
        parts = urlsplit(link)
        home = scene.page == url_state.DEFAULT_PAGE  # the default page lives at "/"
        assert parts.path in (("", "/") if home else (f"/{scene.page}",))
        raw = {k: (v if url_state.PARAMS[k].kind == "list" else v[-1])
               for k, v in parse_qs(parts.query).items()}
        parsed, messages = url_state.parse(raw)
        assert messages == []
        assert parsed == dict(scene.state)


def test_presenting_query_adds_the_frame_keys(deck: scenes.SceneDeck) -> None:
    query = deck.scene(2).presenting_query(2)
    assert query["present"] == "1" and query["scene"] == "2"
    assert query["p"] == "workington-parish-wards,eden"


def test_dump_then_load_is_the_same_deck(deck: scenes.SceneDeck) -> None:
    text = scenes.dump(deck)
    assert text.startswith("# Scene list")
    again, messages = scenes.load_text(text)
    assert messages == []
    assert again.scenes == deck.scenes and again.title == deck.title


def test_dump_keeps_multiline_notes_readable() -> None:
    scene = scenes.Scene("A title", "compare", {"p": ["eden"]}, "Line one\nLine two: yes")
    text = scenes.dump([scene], title="T")
    assert "notes: |" in text and "Line two: yes" in text
    assert scenes.load_text(text)[0].scenes == (scene,)


def test_clamp_keeps_scene_numbers_in_range(deck: scenes.SceneDeck) -> None:
    assert deck.clamp(None) == 1
    assert deck.clamp(0) == 1
    assert deck.clamp(99) == len(deck)
    assert deck.clamp(3) == 3


# --------------------------------------------------------------------------------------
# Bad scenes are skipped or repaired, with a message naming the scene


def _load(text: str) -> tuple[scenes.SceneDeck, list[str]]:
    return scenes.load_text(text, origin="test.yaml")


def test_unknown_page_skips_that_scene_only(places) -> None:
    deck, messages = _load("scenes:\n- {title: Good, page: compare, state: {p: [eden]}}\n"
                           "- {title: Bad, page: mapz}\n")
    assert [s.title for s in deck.scenes] == ["Good"]
    assert any("Scene 2 ('Bad')" in m and "unknown page 'mapz'" in m for m in messages)


def test_unknown_place_is_dropped_with_a_suggestion(places) -> None:
    deck, messages = _load("scenes:\n- {title: T, page: compare, state: {p: [eden, blakpool]}}")
    assert deck.scenes[0].state == {}
    assert any("unknown place 'blakpool'" in m and "Blackpool" in m for m in messages)


def test_a_scene_may_name_places_as_a_link_does(places) -> None:
    """A facilitator writes "Blackpool" or a code, as in a link; the scene keeps ids."""
    deck, messages = _load("scenes:\n- {title: T, page: compare, "
                           "state: {p: [Workington, E07000030, Blackpool, blackpool]}}\n"
                           "- {title: U, page: overview, state: {r: North Cumbria}}")
    assert not messages
    assert deck.scenes[0].state == {"p": ["workington-parish-wards", "eden", "blackpool"]}
    assert deck.scenes[1].state == {"r": "north-cumbria"}
    assert "workington-parish-wards" in deck.scenes[0].link()


def test_bad_values_are_reported_and_the_scene_kept(places) -> None:
    deck, messages = _load("scenes:\n- title: T\n  page: overview\n"
                           "  state: {r: lsc-north-cumbria, v: 2020, ci: '90', present: 1, "
                           "zz: 3}\n")
    assert deck.scenes[0].state == {"r": "lsc-north-cumbria"}
    text = " ".join(messages)
    assert "vintage" in text and "confidence level" in text
    assert "'present' is set by the scene player" in text
    assert "'zz'" in text


def test_state_may_be_written_as_a_link_query(places) -> None:
    deck, messages = _load("scenes:\n- {title: T, page: /compare, "
                           "state: 'p=eden,blackpool&ci=99.8'}")
    assert messages == []
    assert deck.scenes[0].state == {"p": ["eden", "blackpool"], "ci": "99.8"}


def test_a_bare_list_of_scenes_is_accepted_and_titles_default(places) -> None:
    deck, messages = _load("- page: Compare places\n  state: {p: [eden]}\n")
    assert deck.scenes[0].page == "compare"
    assert deck.scenes[0].title == "Compare places view"
    assert any("has no title" in m for m in messages)


def test_long_titles_and_notes_are_cut_with_a_message(places) -> None:
    text = (f"scenes:\n- title: {'x' * 300}\n  page: overview\n  notes: {'y' * 5000}\n")
    deck, messages = _load(text)
    assert len(deck.scenes[0].title) == scenes.MAX_TITLE
    assert len(deck.scenes[0].notes) == scenes.MAX_NOTES
    assert len(messages) == 2


@pytest.mark.parametrize(("text", "expected"), [
    ("scenes: [\n  - title: x", "could not be read near line"),
    ("title: only a title\n", "needs a 'scenes:' entry"),
    ("", "needs a 'scenes:' entry"),
    ("scenes:\n- 42\n- {page: nowhere}\n", "No usable scene"),
    ("just some text", "needs a 'scenes:' entry"),
])
def test_files_that_are_not_scene_lists_raise_a_clear_error(places, text: str,
                                                            expected: str) -> None:
    with pytest.raises(scenes.SceneFileError, match=expected):
        _load(text)


def test_non_utf8_and_oversized_files_are_refused_clearly() -> None:
    with pytest.raises(scenes.SceneFileError, match="not UTF-8"):
        scenes.load_text("title: caf\xe9".encode("cp1252"))
    with pytest.raises(scenes.SceneFileError, match="KB"):
        scenes.load_text(b"#" * (scenes.MAX_FILE_BYTES + 1))


def test_a_missing_file_is_a_scene_file_error(tmp_path) -> None:
    with pytest.raises(scenes.SceneFileError, match="could not be read"):
        scenes.load_file(tmp_path / "nope.yaml")


def test_too_many_scenes_are_cut(places) -> None:
    text = "scenes:\n" + "".join(f"- {{title: S{i}, page: overview}}\n" for i in range(70))
    deck, messages = _load(text)
    assert len(deck) == scenes.MAX_SCENES
    assert "first 60 of 70" in messages[0]


def test_scene_from_a_copied_link(places) -> None:
    scene, messages = scenes.scene_from_link(
        "http://127.0.0.1:8501/compare?p=eden%2Cblackpool&ci=95&present=1", "Two places")
    assert scene is not None
    assert (scene.page, dict(scene.state)) == ("compare", {"p": ["eden", "blackpool"],
                                                           "ci": "95"})
    assert any("present" in m for m in messages)
    home, _ = scenes.scene_from_link("http://host/", "Home")
    assert home is not None and home.page == "overview"


def test_scenes_load_without_the_place_registry_when_asked() -> None:
    deck, messages = scenes.load_text(BUILTIN_YAML, check_places=False)
    assert len(deck) == BUILTIN_YAML.count("\n  - title:") and messages == []


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_loads_or_raises_only_scene_file_error(text: str) -> None:
    try:
        deck, messages = scenes.load_text(text, check_places=False)
    except scenes.SceneFileError as exc:
        assert str(exc)
        return
    assert len(deck) >= 1 and all(isinstance(m, str) for m in messages)


@settings(max_examples=100, deadline=None)
@given(title=st.text(min_size=1, max_size=50), notes=st.text(max_size=200),
       page=st.sampled_from(list(scenes.PAGES)))
def test_dump_load_round_trip_for_any_text(title: str, notes: str, page: str) -> None:
    clean_title = " ".join(title.split())
    if not clean_title:
        return
    scene = scenes.Scene(clean_title, page, {}, notes.strip("\n"))
    loaded, _ = scenes.load_text(scenes.dump([scene], title="T"), check_places=False)
    assert loaded.scenes[0].title == scene.title
    assert loaded.scenes[0].notes == scene.notes


def test_builtin_speaker_notes_say_what_the_app_computes(places) -> None:
    """The facilitator reads the notes aloud beside the screen: each number in them is the
    app's own figure, rounded (if two screens can disagree, they eventually will)."""
    from explorer import provision as pv
    from explorer.profile import profile

    notes = {s.page + ":" + ",".join(s.state.get("p", [s.state.get("r", "")])): " ".join(
        s.notes.split()) for s in scenes.builtin().scenes}
    england = profile(places.get("england"), 2019)
    region = profile(places.get("lsc-north-cumbria"), 2019)
    text = notes["overview:lsc-north-cumbria"]
    assert f"About {region.core20_share * 100:.0f}% of the region's residents" in text
    assert f"against {england.core20_share * 100:.0f}% for England" in text

    text = notes["compare:workington-parish-wards,eden"]
    workington = profile(places.get("workington-parish-wards"), 2019)
    assert f"about {workington.core20_share * 100:.0f}% of residents" in text
    assert "none of its neighbourhoods are in the Core20" in text
    assert profile(places.get("eden"), 2019).core20_population == 0

    blackpool = profile(places.get("blackpool"), 2019)
    assert (blackpool.imd_rank, blackpool.imd_rank_of) == (1, 317)
    assert profile(places.get("blackpool"), 2025).imd_rank == 1
    assert any("most deprived of England's 317 districts" in t and "first in IoD2025" in t
               for t in notes.values())

    gap = pv.gap_trend(places.get("north-west")).set_index("year")
    text = notes["provision:north-west"]
    latest, first = gap.loc["2022/23"], gap.loc["2014/15"]
    assert (f"about £{-latest['gap_per_weighted']:.0f} "
            f"({-latest['gap_per_weighted_pct']:.0f}%) less per need-weighted patient") in text
    assert f"in 2014/15 the gap was about £{-first['gap_per_weighted']:.0f}" in text
    assert (f"the gap is about £{-latest['gap_care_per_weighted']:.0f} "
            f"({-latest['gap_care_per_weighted_pct']:.0f}%)") in text
