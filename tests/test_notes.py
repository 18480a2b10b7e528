"""Panel notes: what is typed stays text, exports carry the scene links, storage never breaks.

Notes are typed live by a facilitator (or pasted from a chat), so the tests feed them the
characters that would otherwise become HTML, links, images, maths, icons or spreadsheet
formulas, and check that each display and export keeps them as the characters typed.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import notes

HOSTILE = ('<img src=x onerror=alert(1)> <b>bold</b> [link](http://evil.example) '
           '![img](http://evil.example/i.png) **strong** _em_ `code` $x^2$ :material/home: '
           ':red[red] www.example.com me@example.com # heading\n1. list\n- item\n> quote | a |')


def _note(text: str = "The panel asked about access", scene: int = 2, kind: str = "said",
          title: str = "Workington and Eden", created: str = "2026-01-05 10:00") -> notes.Note:
    return notes.new_note(text, kind, scene, title, "/compare?p=workington-parish-wards%2Ceden",
                          created)


def _unescape(markdown: str) -> str:
    """What a CommonMark renderer shows for our escaped text (backslash escapes, breaks)."""
    text = markdown.replace(notes.WORD_JOINER, "").replace("  \n", "\n")
    return re.sub(r"\\(.)", r"\1", text)


def test_new_note_checks_what_the_facilitator_typed() -> None:
    note = _note("  spaced  ")
    assert note.text == "spaced" and len(note.id) == 12 and note.kind_label.startswith("What")
    with pytest.raises(ValueError, match="empty"):
        _note("   ")
    with pytest.raises(ValueError, match="limit"):
        _note("x" * (notes.MAX_TEXT + 1))
    with pytest.raises(ValueError, match="kind"):
        _note(kind="gossip")


MARKUP = set("\\`*_{}[]()<>#+-!|~&$=\"'^")


def _unescaped_markup(markdown: str) -> list[str]:
    """Markdown-significant characters not preceded by a backslash."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in MARKUP:
            found.append(markdown[i])
        i += 1
    return found


def test_escape_markdown_neutralises_every_markdown_construct() -> None:
    out = notes.escape_markdown(HOSTILE)
    assert _unescaped_markup(out) == []
    for address in ("://", "www.", "e@", ":material", ":red"):
        assert address not in out, address  # broken by the invisible word joiner
    assert "\n1\\." in out  # no ordered list
    assert _unescape(out) == HOSTILE


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_categories=("Cs",),
                                           exclude_characters="\r\u2060"), max_size=80))
def test_escaped_text_reads_back_as_typed(text: str) -> None:
    if "  \n" in text or "\\" in text:
        return  # a typed hard break or backslash is ambiguous in the reverse mapping
    assert _unescape(notes.escape_markdown(text)) == text


def test_storage_round_trip_and_merge() -> None:
    first, second = _note("one"), _note("two", scene=3)
    stored = notes.to_json([first, second])
    assert json.loads(stored)["version"] == notes.FORMAT_VERSION
    back, problems = notes.from_json(stored)
    assert back == [first, second] and problems == []
    merged = notes.merge(back, [second, _note("three")])
    assert [n.text for n in merged] == ["one", "two", "three"]


@pytest.mark.parametrize("stored", [None, "", "not json", "[1, 2]", '{"notes": 5}', "null",
                                    '{"notes": [{"text": "ok"}, {"no": "text"}, 7]}'])
def test_whatever_the_browser_holds_never_raises(stored: str | None) -> None:
    found, problems = notes.from_json(stored)
    assert all(isinstance(n, notes.Note) for n in found)
    assert all(isinstance(p, str) for p in problems)


def test_partly_readable_storage_keeps_the_good_notes() -> None:
    found, problems = notes.from_json('{"notes": [{"text": "ok", "kind": "weird"}, 7]}')
    assert [n.text for n in found] == ["ok"] and found[0].kind == "said"
    assert problems == ["1 saved note(s) could not be read and were skipped."]


@settings(max_examples=200, deadline=None)
@given(stored=st.one_of(st.text(max_size=200), st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12).map(
        json.dumps)))
def test_junk_storage_never_raises(stored: str) -> None:
    found, _ = notes.from_json(stored)
    assert all(isinstance(n, notes.Note) for n in found)


def test_for_scene_matches_number_and_title() -> None:
    kept = _note(scene=2)
    others = [_note(scene=3), _note(scene=2, title="Renamed")]
    assert notes.for_scene([kept, *others], 2, "Workington and Eden") == [kept]


def test_markdown_export_groups_by_scene_with_links_and_escapes_text() -> None:
    items = [_note("First point"), _note(HOSTILE, kind="question"),
             _note("Elsewhere", scene=1, title="Overview")]
    text = notes.to_markdown(items, "Panel <session>", "2026-01-05 11:00",
                             base="https://explorer.example.org")
    assert text.startswith("# Panel notes: Panel \\<session\\>")
    assert text.index("## Scene 1: Overview") < text.index("## Scene 2: Workington and Eden")
    assert "View: <https://explorer.example.org/compare?p=workington-parish-wards%2Ceden>" \
        in text
    assert "**Question**" in text
    question = text[text.index("- **Question**"):]
    body = question[question.index("): ") + 3:].split("\n\n")[0]
    assert _unescaped_markup(body) == []
    assert "\\<img" in text and "\\[link\\]" in text
    assert "3 note(s)" in text


def test_csv_export_has_links_and_refuses_formulas() -> None:
    items = [_note("=HYPERLINK(\"http://evil\")"), _note("+1"), _note("plain, with comma")]
    rows = list(csv.reader(io.StringIO(notes.to_csv(items, base="https://x.org"))))
    assert tuple(rows[0]) == notes.CSV_COLUMNS
    assert [r[4] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "'+1",
                                        "plain, with comma"]
    assert rows[1][2] == "https://x.org/compare?p=workington-parish-wards%2Ceden"
    assert rows[1][3] == "What the panel said"
