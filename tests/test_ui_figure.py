"""Shared charts (explorer.charts.cached): the same builder given the same inputs returns one
chart, shared by every session, whose spec is converted and validated once; the spec drawn,
the text alternative and the export all come from that one conversion and equal a fresh one.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pytest

from explorer import charts, exports
from explorer.figure import decile_figure
from explorer.profile import profile
from ui import charts as ui_charts


def _fig(*ids: str):
    return decile_figure([profile(i, 2019) for i in ids], 2019)


def _fresh(chart: alt.TopLevelMixin) -> dict:
    """The spec as an unshared copy of the chart converts (validated)."""
    return exports.chart_dict(chart.copy())


def test_same_inputs_share_one_chart_converted_once(monkeypatch):
    charts.decile_stack.cache_clear()
    first = _fig("blackpool", "eden")
    assert exports.is_shared(first.chart)
    again = _fig("blackpool", "eden")
    assert again.chart is first.chart  # rebuilt figure, same chart
    other = _fig("blackpool")
    assert other.chart is not first.chart  # new inputs: a new chart

    calls = []
    real = alt.TopLevelMixin.to_dict

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("validate", True))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(alt.TopLevelMixin, "to_dict", counting)
    spec = exports.chart_dict(first.chart)
    assert exports.chart_dict(again.chart) == spec
    text = exports.chart_json(first.chart)
    assert json.loads(text) == spec
    screen = ui_charts.screen_spec(first.chart)
    assert ui_charts._screen_json(first.chart, False, None) == \
        ui_charts._screen_json(again.chart, False, None)
    assert calls.count(True) <= 1  # at most the first conversion (it validates)
    monkeypatch.undo()
    assert spec == _fresh(first.chart)
    assert json.loads(ui_charts._screen_json(first.chart, False, None)) == \
        json.loads(json.dumps(screen))


def test_callers_get_their_own_copy_of_a_shared_spec():
    chart = _fig("blackpool", "preston").chart
    spec = exports.chart_dict(chart)
    spec["title"] = "changed"
    spec["config"]["axis"]["labelLimit"] = 1
    assert exports.chart_dict(chart) == _fresh(chart)


def test_frames_with_the_same_cells_in_another_order_are_other_charts():
    df = pd.DataFrame({"name": ["a", "b"], "label": ["a", "b"], "kind": ["town", "district"],
                       "core20_share": [0.5, 0.2], "population": [10, 20],
                       "core20_population": [5, 4]})
    a = charts.core20_bar(df, "R", 0.2, 2019)
    assert charts.core20_bar(df.copy(), "R", 0.2, 2019) is a
    assert charts.core20_bar(df.iloc[::-1].reset_index(drop=True), "R", 0.2, 2019) is not a
    assert charts.core20_bar(df, "R", 0.2, 2025) is not a
    assert charts.core20_bar(df, "R", 0.21, 2019) is not a
    changed = df.assign(population=[10, 21])
    assert charts.core20_bar(changed, "R", 0.2, 2019) is not a


def test_builder_cache_is_bounded():
    charts.gradient_chart.cache_clear()
    table = pd.DataFrame({"group": [1, 2, 3, 4, 5], "value": [0.1] * 5,
                          "lower_ci": [0.05] * 5, "upper_ci": [0.2] * 5,
                          "count": [1.0] * 5, "denominator": [10.0] * 5})
    for i in range(80):
        charts.gradient_chart(table, f"title {i}", "quintile")
    assert charts.gradient_chart.cache_len() == 64


def test_unkeyable_arguments_are_built_every_time():
    with pytest.raises(TypeError):
        charts.fingerprint({"a": 1})
    built = []

    @charts.cached(maxsize=4)
    def build(options: object) -> alt.Chart:
        built.append(options)
        return alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")

    first, second = build(object()), build(object())
    assert len(built) == 2 and first is not second and not exports.is_shared(first)
    assert build(("a", 1)) is build(("a", 1)) and len(built) == 3


def test_a_shared_chart_reaches_streamlit_with_its_rows_already_in_arrow():
    """Streamlit turns a spec's ``datasets`` into Arrow on every call unless they already are
    bytes: a shared chart's are converted once, to exactly the bytes Streamlit would make."""
    from streamlit import dataframe_util

    chart = _fig("blackpool", "kendal").chart
    payload = ui_charts.screen_payload(chart, False, None)
    assert ui_charts.screen_payload(chart, False, None) is payload  # made once
    spec_json, arrow, title, subtitle, text = payload
    spec, t, s, x = ui_charts.screen_spec(chart, False, None)
    rows = spec.pop("datasets")
    assert (title, subtitle, text) == (t, s, x)
    assert json.loads(spec_json) == json.loads(json.dumps(spec))  # the rest of the spec
    assert [n for n, _ in arrow] == list(rows) and rows
    for name, data in arrow:
        assert data == dataframe_util.convert_anything_to_arrow_bytes(rows[name])


def test_the_schema_check_runs_in_the_tests_and_not_on_a_server(monkeypatch):
    bad = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(
        x=alt.X("a:Q", bin="sometimes"))  # not a valid bin: found only by the schema check
    assert exports.validating()  # tests/conftest.py: every chart drawn here is checked
    with pytest.raises(alt.utils.schemapi.SchemaValidationError, match="sometimes"):
        exports.chart_dict(bad)
    monkeypatch.delenv(exports.VALIDATE_ENV)
    assert not exports.validating()
    assert exports.chart_dict(bad)["encoding"]["x"]["bin"] == "sometimes"


def test_a_shared_tables_arrow_form_is_streamlits_own_and_made_once():
    """``ui.tables.dataframe`` hands Streamlit the table it would make itself (same bytes),
    made once per frame object: the provision page's tables are the same frames on every
    rerun (cached views), so a rerun no longer converts 6,444 England practices again."""
    from streamlit import dataframe_util

    from explorer import provision as pv
    from explorer.places import registry
    from ui import tables

    england = registry().get("england")
    for frame in (pv.quadrant_table(england), pv.gradient_table(england),
                  pv.need_table(england), pv.gap_trend_table(england)):
        assert frame is not None and len(frame)
        table = tables.arrow(frame)
        assert tables.arrow(frame) is table  # made once
        assert dataframe_util.convert_arrow_table_to_arrow_bytes(table) == \
            dataframe_util.convert_pandas_df_to_arrow_bytes(frame)
    assert pv.quadrant_table(england) is pv.quadrant_table(england)  # the same frame object
    assert list(pv.quadrant_table(england).columns)[:3] == ["Code", "Practice", "PCN"]
    assert "List living in place" not in pv.quadrant_table(england).columns  # all England's
    assert pv.quadrant_table(registry().get("blackpool"))["List living in place"].notna().all()
    copy = pv.gap_trend_table(england).copy()
    assert tables.arrow(copy) is not tables.arrow(pv.gap_trend_table(england))
