"""Property tests of the URL key registry (explorer.state).

A shared link must reopen exactly the view it was made from, and no link, however mangled
by a mail client or typed by hand, may raise: these are the two promises of the registry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import state as url_state

#: per test, not a global profile: other modules' property tests keep their own settings
THOROUGH = settings(max_examples=300, deadline=None)

#: Text a value can hold: any character but surrogates (not encodable), kept as parse()
#: would keep it (no surrounding whitespace, not empty).
_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30)
_value = _text.map(str.strip).filter(bool)
_item = _value.filter(lambda s: "," not in s).map(str.strip).filter(bool)


def _strategy(param: url_state.Param) -> st.SearchStrategy[Any]:
    if param.kind == "list":
        return st.lists(_item, min_size=1, max_size=param.max_items, unique=True)
    if param.kind == "int":
        # 0 is excluded here: see test_zero_survives_a_round_trip
        return st.integers(min_value=-99_999, max_value=999_999).filter(lambda n: n != 0)
    if param.kind == "flag":
        return st.just(True)
    return _value


valid_states = st.fixed_dictionaries(
    {}, optional={key: _strategy(param) for key, param in url_state.PARAMS.items()})


def _query_of(link: str) -> dict[str, Any]:
    """What a browser hands back: every key with all its values."""
    raw = parse_qs(urlsplit(link).query, keep_blank_values=True)
    return {k: (v if url_state.PARAMS[k].kind == "list" else v[-1]) for k, v in raw.items()}


@THOROUGH
@given(state=valid_states, page=st.sampled_from(["", "overview", "compare", "map"]))
def test_state_to_url_and_back_is_identity(state: dict[str, Any], page: str) -> None:
    link = url_state.url(page, state)
    parsed, messages = url_state.parse(_query_of(link))
    assert messages == []
    assert parsed == state


@THOROUGH
@given(state=valid_states)
def test_to_query_is_stable_and_only_registered_keys(state: dict[str, Any]) -> None:
    query = url_state.to_query(state)
    assert list(query) == [k for k in url_state.PARAMS if k in query]
    assert url_state.to_query(url_state.parse(query)[0]) == query


junk_values = st.one_of(
    st.text(max_size=60), st.lists(st.text(max_size=20), max_size=6),
    st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
    st.binary(max_size=20))
junk_keys = st.one_of(st.sampled_from(list(url_state.PARAMS)), st.text(max_size=12))


@THOROUGH
@given(query=st.dictionaries(junk_keys, junk_values, max_size=12))
def test_junk_query_dicts_never_raise(query: dict[Any, Any]) -> None:
    state, messages = url_state.parse(query)
    assert set(state) <= set(url_state.PARAMS)
    assert all(isinstance(m, str) for m in messages)
    url_state.to_query(state)  # whatever survives can be written back


@THOROUGH
@given(raw=st.text(max_size=200))
def test_junk_query_strings_never_raise(raw: str) -> None:
    query = parse_qs(raw, keep_blank_values=True)
    state, _ = url_state.parse(query)
    assert set(state) <= set(url_state.PARAMS)


@settings(deadline=None)
@given(query=st.dictionaries(junk_keys, junk_values, max_size=8))
def test_validators_that_raise_anything_are_contained(query: dict[Any, Any]) -> None:
    def explode(value: Any) -> Any:
        raise RuntimeError("validator bug")

    state, _ = url_state.parse(query, {k: explode for k in url_state.PARAMS})
    assert state == {}


def test_unknown_keys_are_reported_not_kept() -> None:
    state, messages = url_state.parse({"p": "eden", "utm_source": "mail"})
    assert state == {"p": ["eden"]}
    assert any("utm_source" in m for m in messages)


def test_to_query_refuses_unregistered_keys() -> None:
    with pytest.raises(KeyError):
        url_state.to_query({"nope": 1})


def test_zero_survives_a_round_trip() -> None:
    state = {"scene": 0}
    assert url_state.parse(_query_of(url_state.url("facilitator", state)))[0] == state


def test_a_validator_may_keep_part_of_a_value_with_a_note() -> None:
    def first_two(ids: list[str]) -> url_state.Noted:
        return url_state.Noted(ids[:2], "kept two")

    state, messages = url_state.parse({"p": "a,b,c"}, {"p": first_two})
    assert state["p"] == ["a", "b"]
    assert messages == ["The link's places: kept two."]
