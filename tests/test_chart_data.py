"""explorer.chart_data: the same inline values as Altair's own transformer, for every dtype
the charts use, and Altair's own handling for the rest."""

from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.data import to_values as altair_values

from explorer import chart_data, exports


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "place": pd.Series(["Eden", None, "Blackpool"], dtype="str"),
        "label": ["a", np.nan, "c"],  # object with a missing value
        "value": [1.5, np.nan, np.inf],
        "f32": np.array([0.1, -np.inf, 2.0], dtype="float32"),
        "n": np.array([1, 2, 3], dtype="int64"),
        "u": np.array([1, 2, 3], dtype="uint8"),
        "flag": [True, False, True],
        "neg_zero": [-0.0, 0.0, 1e-300],
    })


def test_records_equal_altairs_values_for_the_chart_dtypes():
    df = _frame()
    ours = chart_data.records(df)
    theirs = altair_values(df)["values"]
    assert ours == theirs
    # the same Python types, not only equal values (JSON must not see NumPy scalars)
    for a, b in zip(ours, theirs, strict=True):
        assert {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}
    assert json.dumps(ours) == json.dumps(theirs)
    assert ours[1]["place"] is None and ours[1]["label"] is None and ours[1]["value"] is None
    assert ours[2]["value"] is None and ours[1]["f32"] is None
    assert math.copysign(1, ours[0]["neg_zero"]) == -1


def test_a_column_of_nothing_but_none_is_none_as_altair_writes_it():
    # a trend of life expectancy has no counts: its count column is all None (object)
    df = pd.DataFrame({"count": pd.Series([None, None], dtype=object), "v": [1.0, 2.0]})
    assert chart_data.records(df) == altair_values(df)["values"] == [
        {"count": None, "v": 1.0}, {"count": None, "v": 2.0}]


@pytest.mark.parametrize("df", [
    pd.DataFrame({"c": pd.Categorical(["a", None])}),
    pd.DataFrame({"d": pd.to_datetime(["2024-01-01", None])}),
    pd.DataFrame({"i": pd.array([1, None], dtype="Int64")}),
    pd.DataFrame({"t": [pd.Timestamp("2024-01-01"), None]}),
    # numbers in an object column: Altair's Series.apply infers a float column from these
    pd.DataFrame({"mixed": pd.Series([np.int64(3), np.float64(2.5)], dtype=object)}),
    pd.DataFrame({"arr": [np.array([1, 2]), None]}),
    pd.DataFrame({"gaps": pd.Series([np.nan, None], dtype=object)}),
    pd.DataFrame([[1, 2]]),  # RangeIndex column names: Altair makes them text
], ids=["category", "datetime", "nullable-int", "timestamp-object", "numbers-as-objects",
        "arrays", "all-missing", "range-columns"])
def test_what_it_does_not_cover_goes_to_altair(df):
    assert chart_data.records(df) is None
    # as JSON: Altair itself leaves NaN in an all-missing object column (NaN != NaN)
    assert json.dumps(chart_data.to_values(df)) == json.dumps(altair_values(df))


def test_a_column_name_altair_refuses_is_still_refused():
    df = pd.DataFrame({1: [1], "a": [2]})
    assert chart_data.records(df) is None
    with pytest.raises(ValueError, match="column name"):
        chart_data.to_values(df)


def test_a_layered_chart_converts_to_altairs_spec_and_shares_a_frame_once(monkeypatch):
    df = _frame()
    base = alt.Chart(df).encode(x=alt.X("n:Q"), y=alt.Y("value:Q"))
    chart = alt.layer(base.mark_line(), base.mark_point(),
                      alt.Chart(df.head(2)).mark_rule().encode(y=alt.Y("n:Q")))
    calls: list[int] = []
    real = chart_data.records
    monkeypatch.setattr(chart_data, "records", lambda d: calls.append(len(d)) or real(d))
    monkeypatch.setenv(exports.VALIDATE_ENV, "0")
    spec = exports.chart_dict(chart)
    assert sorted(calls) == [2, 3], calls  # the two layers on one frame: converted once
    with exports._baseline("default"):
        assert spec == chart.to_dict(validate=False)
    # and the tests' own check: with validation on, a difference would raise
    monkeypatch.setenv(exports.VALIDATE_ENV, "1")
    assert exports.chart_dict(chart) == spec


def test_the_tests_check_catches_a_difference(monkeypatch):
    monkeypatch.setenv(exports.VALIDATE_ENV, "1")
    monkeypatch.setattr(chart_data, "records", lambda d: [{"n": 0} for _ in range(len(d))])
    chart = alt.Chart(pd.DataFrame({"n": [1, 2]})).mark_point().encode(x=alt.X("n:Q"))
    with pytest.raises(AssertionError, match="other values than Altair"):
        exports.chart_dict(chart)


@pytest.mark.parametrize(("setting", "checked"), [("0", False), ("1", True)])
def test_altair_checks_objects_as_they_are_made_only_where_charts_are_validated(setting, checked):
    """A server (no HEE_VALIDATE_CHARTS) turns off Altair's check of every schema object
    at construction (5 % of a busy server's CPU); the tests keep it on."""
    import os
    import subprocess
    import sys

    code = ("import explorer.exports; from altair.utils import schemapi; "
            "print(schemapi.DEBUG_MODE)")
    env = {**os.environ, exports.VALIDATE_ENV: setting}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(checked)
