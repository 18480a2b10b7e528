"""Fuzz suite (bounded): hostile uploads, scene files and links never raise, never take
long, and every message is text that cannot form Markdown once the UI escapes it.

Budgets: each example must finish within ``SECONDS``; example counts are fixed so the suite
takes well under a minute. Examples that once broke the app are pinned with ``@example``.
"""

from __future__ import annotations

import contextlib
import time

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from explorer import scenes, upload
from explorer import state as url_state
from explorer import text as plain_text

SECONDS = 3.0
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_odd = st.sampled_from(["\ufeff", "\u00a0", "\u2028", "\x85", "\u3000", "\f", "\v", "\r",
                        "\t", "\x00", ";", '"', ",", "\n", "-", "=", "[", "](", "!", "*"])
_piece = st.one_of(_odd, st.text(max_size=12),
                   st.sampled_from(["E06000009", "E01012345", "E05011735", "code", "value",
                                    "numerator", "denominator", "12.5", "-", "c", "1,234"]))
csv_text = st.lists(_piece, max_size=60).map("".join)


def _markdown_safe(message: str) -> bool:
    shown = plain_text.escape_markdown(message)
    return "![" not in shown and "](" not in shown and "<" not in shown.replace("\\<", "")


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    assert time.perf_counter() - start < SECONDS
    return out


# --------------------------------------------------------------------------------------
# uploads


@FUZZ
@given(text=csv_text)
@example(text="\ufeff")
@example(text="\u00a0\n\u2028\x85\u3000")
@example(text="code,value\fE06000009,1\fE06000008,2")
@example(text="code,,value\nE06000009,x,1")
@example(text="code,value,value\nE06000009,1,2")
@example(text="code,value,n\nE06000009,1")
@example(text="code,value\nE06000009,-\nE06000008,-")
def test_uploads_never_raise(text: str) -> None:
    result = _timed(upload.check_upload, text.encode("utf-8", "surrogatepass"),
                    filename="f.csv")
    assert result.ok or result.errors
    for message in result.errors + result.warnings:
        assert isinstance(message, str) and _markdown_safe(message)


@settings(max_examples=15, deadline=None)
@given(columns=st.integers(min_value=101, max_value=200_000), rows=st.integers(1, 3))
def test_wide_uploads_are_refused_fast(columns: int, rows: int) -> None:
    header = "code," + ",".join(f"c{i}" for i in range(columns))
    body = "\n".join("E06000009," + ",".join("1" for _ in range(min(columns, 50)))
                     for _ in range(rows))
    data = (header + "\n" + body).encode()
    if len(data) > upload.MAX_BYTES:
        return
    result = _timed(upload.check_upload, data, filename="wide.csv")
    assert not result.ok and result.errors


def test_the_check_runs_once_per_file() -> None:
    cache: dict = {}
    data = b"code,value\nE06000009,1\n"
    first = upload.check_once(cache, data, filename="a.csv")
    assert upload.check_once(cache, data, filename="a.csv") is first
    assert upload.check_once(cache, data + b"E06000008,2\n", filename="a.csv") is not first
    for i in range(20):
        upload.check_once(cache, data, filename=f"{i}.csv")
    assert len(cache) <= upload.MAX_REMEMBERED


# --------------------------------------------------------------------------------------
# scene files

_yaml_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              st.text(max_size=30)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)


def _laughs(depth: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth + 1)]
    return "\n".join(lines) + f"\nscenes:\n  - title: *a{depth}\n    page: overview\n"


@FUZZ
@given(data=_yaml_value)
def test_scene_files_of_any_shape_never_raise(data: object) -> None:
    text = yaml.safe_dump({"scenes": [data, {"page": "overview", "state": data}]})
    try:
        deck, messages = _timed(scenes.load_text, text.encode(), check_places=False)
    except scenes.SceneFileError as exc:
        assert _markdown_safe(str(exc))
        return
    assert len(deck) >= 1 and all(_markdown_safe(m) for m in messages)


@FUZZ
@given(text=st.text(max_size=400))
@example(text=_laughs(8))
@example(text="scenes: " + "[" * 5000 + "]" * 5000)
@example(text="scenes:\n - page: overview\n   state: {v: " + "9" * 5000 + "}\n")
@example(text="scenes: &a [*a]")
def test_scene_text_never_raises_and_is_fast(text: str) -> None:
    with contextlib.suppress(scenes.SceneFileError):
        _timed(scenes.load_text, text, check_places=False)


@settings(max_examples=10, deadline=None)
@given(depth=st.integers(min_value=3, max_value=30))
def test_billion_laughs_fail_fast_at_any_depth(depth: int) -> None:
    start = time.perf_counter()
    try:
        deck, _ = scenes.load_text(_laughs(depth), check_places=False)
    except scenes.SceneFileError as exc:
        assert "expands" in str(exc) or "aliases" in str(exc)
    else:  # small enough to be harmless: the title list is ignored, not expanded
        assert depth <= 3 and deck.scenes[0].title == "Overview view"
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------------------
# links

_keys = st.one_of(st.sampled_from(list(url_state.PARAMS)), st.text(max_size=30))
_values = st.one_of(st.text(max_size=200), st.lists(st.text(max_size=40), max_size=8),
                    st.sampled_from(["![t](http://127.0.0.1:9/x.png)", "[a](http://x)",
                                     "<img src=x>", "=HYPERLINK(1)", "x" * 10_000]))


@FUZZ
@given(query=st.dictionaries(_keys, _values, max_size=40))
def test_links_never_raise_and_messages_are_short_and_safe(query: dict) -> None:
    state, messages = _timed(url_state.parse, query, {
        url_state.CONFIDENCE: url_state.allowed(url_state.CONFIDENCE),
        url_state.LEVEL: url_state.allowed(url_state.LEVEL)})
    assert set(state) <= set(url_state.PARAMS)
    unknown = [m for m in messages if m.startswith("Ignored unknown")]
    assert len(unknown) <= 1
    for message in messages:
        assert len(message) < 600 and _markdown_safe(message)
    url_state.to_query(state)


@settings(max_examples=6, deadline=None)
@given(query=st.dictionaries(_keys, _values, max_size=6),
       page=st.sampled_from([None, "pages/compare.py", "pages/map.py",
                             "pages/core20plus5.py", "pages/inequalities.py"]))
def test_pages_take_any_link(query: dict, page: str | None) -> None:
    """Through the real app (AppTest, a few examples: each run takes seconds): no
    exception, no unexpected-error box."""
    from tests.apptest import assert_clean, open_page

    flat = {str(k): (",".join(v) if isinstance(v, list) else v) for k, v in query.items()
            if str(k) and "\x00" not in str(k)}
    flat = {k: v.replace("\x00", "") for k, v in flat.items()}
    assert_clean(open_page(page, **flat))
