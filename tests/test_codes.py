"""explorer.codes.member is pandas' isin, exactly, on the app's own code columns (except
that a missing code is never a member: pandas matches it to a missing value in the list)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import area_metrics as am
from explorer import codes


@pytest.fixture(scope="module")
def lsoas() -> pd.Series:
    return am.membership("ward19")["lsoa"]


def _same(column, values) -> None:
    expected = np.asarray(column.isin(values), dtype=bool)
    got = codes.member(column, values)
    assert got.dtype == bool and got.shape == (len(column),)
    assert (got == expected).all()


def test_the_same_answer_as_isin_for_every_kind_of_value_list(lsoas):
    some = lsoas.iloc[::7]
    _same(lsoas, set(some))
    _same(lsoas, frozenset(some))
    _same(lsoas, list(some))
    _same(lsoas, pd.Index(some))
    _same(lsoas, some)
    _same(lsoas, [])
    _same(lsoas, ["E01000001", "not a code", 3])
    assert (codes.member(lsoas, ["E01000001", None]) == lsoas.isin(["E01000001"])).all()
    assert codes.member(lsoas, set(some)).sum() == len(set(some))


def test_missing_codes_are_never_members():
    column = pd.Series(["E01000001", None, "E01000002"], dtype="str")
    _same(column, ["E01000001"])
    _same(column.astype(object), ["E01000001"])
    assert codes.member(column, ["E01000001", None]).tolist() == [True, False, False]
    assert codes.member(column.astype(object), {None, "E01000002"}).tolist() == [False, False, True]
    assert codes.member(column, pd.Series(["E01000002", None])).tolist() == [False, False, True]


def test_other_column_kinds_are_pandas_own(lsoas):
    _same(lsoas.astype("category"), set(lsoas.iloc[:50]))
    _same(pd.Series([1, 2, 3]), {2, 3})
    _same(pd.Index(lsoas.iloc[:100]), set(lsoas.iloc[:10]))
    assert codes.member(lsoas.iloc[:0], {"E01000001"}).shape == (0,)
