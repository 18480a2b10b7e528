"""What people see, without a browser: table formatting, the chart path, the stylesheet,
the map legend, presentation start, and the upload form's column roles (issue 14)."""

from __future__ import annotations

import json
import math
from html import escape as html_escape

import altair as alt
import pandas as pd
import pytest

from explorer import upload
from explorer.charts import core20_bar, pct
from loaders import snapshot
from ui import charts, tables, theme

# ---- tables ---------------------------------------------------------------------------

def test_cells_have_separators_one_precision_and_no_raw_missing_words():
    df = pd.DataFrame({"Place": ["Blackpool", "Barrow-in-Furness (town)", None],
                       "Residents": [139_305, 56_745, 1_977_903],
                       "Core20 share": [0.5697, 0.566, float("nan")],
                       "District rank": [1.0, None, pd.NA],
                       "When": [pd.Timestamp("2026-12-01"), pd.NaT, None]})
    shown = tables.formatted(df, {"Core20 share": tables.PCT, "District rank": tables.RANK})
    assert shown["Residents"].tolist() == ["139,305", "56,745", "1,977,903"]
    # the chart's precision (explorer.charts.pct), never 56.97% beside 56.6%
    assert shown["Core20 share"].tolist()[:2] == [pct(0.5697), pct(0.566)] == ["57.0%", "56.6%"]
    assert shown["District rank"].tolist() == ["1", tables.MISSING, tables.MISSING]
    assert shown["Place"].tolist()[2] == tables.MISSING
    html = tables.to_html(df, {"Core20 share": tables.PCT})
    for word in ("None", "nan", "NaN", "NaT", "<NA>"):
        assert word not in html.replace("no value", "")
    assert "role='region' tabindex='0'" in html and "<th scope='col'" in html


def test_numbers_at_the_columns_precision_and_text_escaped():
    df = pd.DataFrame({"Score": [28.7713, 0.1], "Name": ["<b>x</b>", "a & b"]})
    shown = tables.formatted(df, {"Score": tables.num(1)})
    assert shown["Score"].tolist() == ["28.8", "0.1"]
    html = tables.to_html(df)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_a_table_drawn_again_is_the_same_html_and_a_changed_one_is_new():
    df = pd.DataFrame({"Place": ["Eden", "<b>x</b>"], "Share": [0.1234, None]})
    cols = {"Share": tables.PCT}
    first = tables._html(df, cols, "cap", "Label", 420)
    assert first == tables.to_html(df, cols, caption="cap", label="Label", max_height=420)
    assert tables._html(df.copy(), cols, "cap", "Label", 420) is first  # cached by content
    changed = df.assign(Share=[0.2, None])
    assert tables._html(changed, cols, "cap", "Label", 420) == tables.to_html(
        changed, cols, caption="cap", label="Label", max_height=420) != first
    assert "12.3%" in first and "&lt;b&gt;" in first
    assert tables._html(df, {"Share": tables.num(2)}, "cap", "Label", 420) != first
    for i in range(tables._HTML_MAX + 5):
        tables._html(df.assign(Share=[i, None]), cols, None, "L", None)
    assert tables._cached_html.cache_len() == tables._HTML_MAX


def test_a_publishers_page_is_a_link_and_anything_else_is_text():
    df = pd.DataFrame({"URL": ["https://fingertips.phe.org.uk/search/91547",
                               "javascript:alert(1)", "http://example.org/x",
                               "https://x.org/a'onmouseover='b", None]})
    html = tables.to_html(df, {"URL": tables.SOURCE})
    assert ("<a href='https://fingertips.phe.org.uk/search/91547' target='_blank' "
            "rel='noopener noreferrer'>https://fingertips.phe.org.uk/search/91547</a>") in html
    assert html.count("<a ") == 1  # not a script, not plain http, not a broken-out quote
    assert "<td class=''>javascript:alert(1)</td>" in html
    assert "onmouseover=&#x27;b" in html and "no value" in html


def test_sources_page_shows_every_table_with_its_publisher_and_url_whole():
    """Data and methods: the snapshot's sources are read whole (a data grid cut publisher,
    dataset and notes) with each official URL a link."""
    from explorer.provenance import sources_table
    from tests.apptest import assert_clean, open_page

    at = open_page("pages/sources.py")
    assert_clean(at)
    shown = next(m.value for m in at.markdown if "Sources of the snapshot tables" in m.value)
    for r in sources_table().itertuples():
        assert f"<td class=''>{html_escape(r.publisher)}</td>" in shown
        assert f"<td class=''>{html_escape(' '.join(r.dataset.split()))}</td>" in shown
        if r.url.startswith("https://"):
            assert f">{html_escape(r.url)}</a>" in shown
    defs = next(m.value for m in at.markdown if "Place definitions:" in m.value)
    assert "<th scope='col' class=''>Definition</th>" in defs


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        tables.Col("percentage")


# ---- charts ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def overview_chart() -> alt.TopLevelMixin:
    df = pd.DataFrame({"name": ["Blackpool", "Eden"], "label": ["Blackpool (district)",
                       "Eden (former district, to March 2023)"], "kind": ["district", "district"],
                       "core20_share": [0.563, 0.0], "population": [139_305, 52_564],
                       "core20_population": [78_400, 0]})
    return core20_bar(df, "Lancashire and South Cumbria with North Cumbria", 0.199, 2019)


def test_chart_title_becomes_text_and_the_finding_its_alternative(overview_chart):
    spec, title, subtitle, text = charts.screen_spec(overview_chart)
    assert "title" not in spec  # drawn as wrapping text above the chart, never cut by Vega
    assert title.startswith("Blackpool has the highest share") and "56.3%" in title
    assert text.startswith(title) and "Dashed line: England" in text


def test_category_labels_follow_the_box_and_axis_titles_wrap(overview_chart):
    spec, *_ = charts.screen_spec(overview_chart)
    ys = [layer["encoding"]["y"] for layer in spec["layer"]
          if layer.get("encoding", {}).get("y", {}).get("type") == "nominal"]
    assert ys and all("containerSize()" in y["axis"]["labelLimit"]["expr"] for y in ys)
    x_titles = [layer["encoding"]["x"].get("title") for layer in spec["layer"]
                if isinstance(layer.get("encoding", {}).get("x"), dict)]
    wrapped = [t for t in x_titles if isinstance(t, list)]
    full = "Residents in the most deprived national quintile (%)"
    assert [" ".join(t) for t in wrapped] == [full]
    assert all(len(line) <= charts.AXIS_TITLE_CHARS for line in wrapped[0])
    assert spec["config"]["legend"]["orient"] == "bottom"


def test_presentation_scales_every_chart_font_to_20px_or_more(overview_chart):
    spec, *_ = charts.screen_spec(overview_chart, presenting=True)
    sizes: list[float] = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in charts.FONT_KEYS and isinstance(v, int | float):
                    sizes.append(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    assert sizes and min(sizes) >= 20  # every chart text at least 20 px on the projector


def test_overview_value_labels_sit_where_the_england_line_cannot_cross(overview_chart):
    spec = overview_chart.to_dict()
    texts = [layer for layer in spec["layer"] if layer["mark"].get("type") == "text"
             and layer["encoding"].get("text", {}).get("field") == "share_label"]
    label_x = texts[0]["encoding"]["x"]["datum"]
    # a column right of the longest bar (56.3%) and of the England line (19.9%)
    assert texts and 56.3 < label_x <= 60


# ---- stylesheet -------------------------------------------------------------------------

def test_presentation_type_is_large_and_headings_grow():
    normal, present = theme.css(False), theme.css(True)
    assert "html { font-size: 20px; }" in present and "font-size: 20px" not in normal
    assert "[data-testid=\"stMain\"]:focus" in normal  # no focus frame in either mode
    # headings at or above their normal size (Streamlit: h1 2.75rem, h3 1.75rem at 16 px)
    assert ".stApp h1 { font-size: 3rem; }" in present
    assert "@media (max-width: 640px)" in normal


# ---- the map legend -----------------------------------------------------------------------

def test_map_legend_is_a_list_with_items():
    from explorer import maps
    from ui.map_view import legend_html

    legend = maps.Legend(title="IMD score", entries=(
        maps.LegendEntry(cls=1, colour="#000000", label="1 (most deprived)", count=12),), missing=3,
        missing_colour="#cccccc", note="National deciles")
    html = legend_html(legend)
    assert "<ul" in html and html.count("<li>") == 2 and "role='list'" not in html


# ---- upload form roles ------------------------------------------------------------------

def test_numerator_and_denominator_get_through_without_a_value_column():
    geo = snapshot.table("geo_lsoa11")
    codes = sorted(geo.loc[geo["lad19nm"] == "Blackpool", "lsoa11cd"])[:20]
    data = ("lsoa,events,population\n" + "\n".join(f"{c},{i + 1},{100 + i}" for i, c in
                                                 enumerate(codes)) + "\n").encode()
    first = upload.check_upload(data, filename="x.csv")
    # the guess puts "events" as the value; the form then chooses counts and "(none)"
    result = upload.check_upload(data, filename="x.csv", code_col="lsoa", value_col=None,
                                 numerator_col="events", denominator_col="population")
    assert first.guessed["value"] == "events"
    assert result.ok and result.indicator is not None, result.errors
    assert result.indicator.has_counts
    assert math.isclose(result.indicator.frame["value"].iloc[0], 1 / 100)


# ---- smaller items ----------------------------------------------------------------------

def test_notes_export_keeps_dates_readable_and_escapes_typed_text():
    from explorer import notes

    note = notes.Note(id="n1", scene=1, scene_title="Overview", link="/?r=x", kind="question",
                      text="Is 2026-12-01 <b>late</b>?", created="2026-12-01 10:00")
    text = notes.to_markdown([note], "Panel", "2026-12-01 11:00")
    assert "Exported 2026-12-01 11:00" in text and "(2026-12-01 10:00)" in text
    assert "\\<b\\>" in text  # what the user typed is still escaped


def test_a_note_ending_in_a_full_stop_gets_no_second():
    from ui.indicator_cards import sentence

    assert sentence("Period: 2021; shown for Allerdale.") == "Period: 2021; shown for Allerdale."
    assert sentence("Period: 2021") == "Period: 2021."


def test_inequality_note_never_says_both_uses_groups_and_no_sii():
    from explorer.inequalities import any_gradient
    from explorer.places import registry

    blackpool = registry().get("blackpool")
    g = any_gradient("qof-copd", blackpool, "quintile", 0.95)
    assert not ("uses the" in g.note and "no SII" in g.note), g.note
    if g.sii is None:
        assert "no SII" in g.note


def test_zoom_to_fits_south_ribble_in_the_map_column():
    from explorer import area_metrics as am
    from explorer import maps
    from explorer.places import registry

    sr = registry().get("south-ribble")
    geo = am.geography("district", 2019)
    bounds = maps.view_bounds(geo.id, [sr.code])
    view = maps.fit_view(bounds, max_zoom=13.0)
    width_px = (bounds[2] - bounds[0]) / 360 * 512 * 2 ** view.zoom
    assert width_px <= 655  # the map is 655 px wide at 1400 px (measured in Chromium)


def test_areas_reaching_into_the_extent_are_named_not_left_blank():
    from explorer import area_metrics as am
    from explorer import maps
    from explorer.places import registry

    extent = registry().get("lsc-north-cumbria")
    icbs = dict(maps.partly_in_view(am.geography("icb", 2019).id, extent))
    districts = dict(maps.partly_in_view(am.geography("district", 2019).id, extent))
    assert "E54000050" in icbs  # North East and North Cumbria ICB: North Cumbria only
    assert "E07000163" in districts  # Craven: West Craven is in Pennine Lancashire's ICB


def test_an_upload_reaches_the_map_in_fifths_of_the_areas_in_view():
    from explorer import area_metrics as am
    from explorer import maps
    from explorer.places import registry

    geo_lsoa = snapshot.table("geo_lsoa11")
    codes = sorted(geo_lsoa.loc[geo_lsoa["lad19nm"] == "Blackpool", "lsoa11cd"])
    values = pd.Series(range(len(codes)), index=codes, dtype=float)
    um = maps.upload_map(am.geography("lsoa", 2019).id, registry().get("lsc-north-cumbria"),
                         values, "Test", lambda v: f"{v:.0f}")
    assert um.matched == len(codes) == sum(e.count for e in um.legend.entries)
    assert [e.cls for e in um.legend.entries] == [1, 2, 3, 4, 5]
    coloured = [f for f in um.geojson["features"] if f["properties"]["s"] != "no value"]
    assert len(coloured) == len(codes) and all(len(f["properties"]["c"]) == 4 for f in coloured)
    # fitted to the uploaded areas (Blackpool), not the whole sub-region
    assert um.bounds is not None and um.bounds[3] < 54.0


def test_the_overview_key_is_above_its_bars(overview_chart):
    """A region's bar chart is taller than a 1080-px screen: its colour key (district or
    town) at the foot was off screen while the room read the colours."""
    spec, *_ = charts.screen_spec(overview_chart)
    legends = [lay["encoding"]["color"].get("legend") for lay in spec["layer"]
               if "color" in lay.get("encoding", {})]
    assert legends and all(lg and lg["orient"] == "top" for lg in legends)


def test_core20_axis_ends_just_past_the_value_column(overview_chart):
    """A 0-100 axis left the right half of the overview's chart empty on a projector (no
    North West place is above 60%): the axis ends at the next ten past the value column."""
    spec, *_ = charts.screen_spec(overview_chart)
    domains = [lay["encoding"]["x"]["scale"]["domain"] for lay in spec["layer"]
               if "scale" in lay["encoding"].get("x", {})]
    label_x = next(lay["encoding"]["x"]["datum"] for lay in spec["layer"]
                   if "datum" in lay["encoding"].get("x", {}))
    assert domains and all(d == [0, 70] for d in domains)
    assert 56.3 < label_x < 70


@pytest.mark.parametrize("text", [
    "The 26 practices in Cumberland receive £25.82 (17%) more per need-weighted patient "
    "than practices serving England's most deprived fifth",
    "Barrow-in-Furness (former district, to March 2023) has the highest share in "
    "Lancashire and South Cumbria with North Cumbria",
])
def test_a_wrapped_title_reads_back_as_written(text):
    """The page shows a chart's title lines joined by spaces: a break after a hyphen put
    "need- weighted" on screen."""
    from explorer.charts import TITLE_CHARS, _title, wrap
    from ui.charts import title_parts

    for width in range(TITLE_CHARS, 100):  # wherever the line ends fall
        lines = wrap(text, width)
        assert " ".join(lines) == text, width
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().properties(title=_title(text))
    assert title_parts(chart.to_dict())[0] == text


def _domain_rows(domains: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"place": ["Eden", "Blackpool"] * len(domains),
                         "domain": [d for d in domains for _ in range(2)],
                         "percentile": [10.0, 90.0] * len(domains),
                         "score": [5.0, 40.0] * len(domains)})


def test_long_row_labels_take_two_lines_on_a_phone_only():
    from explorer.charts import domain_dots

    domains = ["Index of Multiple Deprivation", "Income", "Health deprivation and disability"]
    spec, *_ = charts.screen_spec(domain_dots(_domain_rows(domains), 2019, "t"))
    axis = spec["encoding"]["y"]["axis"]
    assert axis["labelExpr"].startswith("containerSize()[0] < 600 &&")  # a phone's box
    lines = charts.phone_label_lines(domains)
    assert lines == {"Index of Multiple Deprivation": ["Index of Multiple", "Deprivation"],
                     "Health deprivation and disability": ["Health deprivation",
                                                           "and disability"]}
    assert "Income" not in axis["labelExpr"]  # short labels as they are
    assert "-7 : 0" in axis["labelOffset"]["expr"]  # raised half a line: centred on the row
    # presenting: larger type, shorter lines
    spec, *_ = charts.screen_spec(domain_dots(_domain_rows(domains), 2019, "t"),
                                  presenting=True)
    assert '["Index of", "Multiple Deprivation"]' in spec["encoding"]["y"]["axis"]["labelExpr"]


def test_rows_too_close_for_two_lines_keep_one(overview_chart):
    """The overview's 24 px rows: two-line labels would overlap and Vega would hide every
    other one, so they stay on one line (cut at the label limit)."""
    spec, *_ = charts.screen_spec(overview_chart)
    ys = [layer["encoding"]["y"] for layer in spec["layer"]
          if layer.get("encoding", {}).get("y", {}).get("type") == "nominal"]
    assert ys and not any("labelExpr" in y["axis"] for y in ys)


def test_an_exported_chart_has_no_phone_labels():
    from explorer import exports
    from explorer.charts import domain_dots

    chart = domain_dots(_domain_rows(["Health deprivation and disability"]), 2019, "t")
    assert "labelExpr" not in json.dumps(exports.chart_dict(chart))


def test_the_overview_on_a_phone_has_rows_tall_enough_for_two_lines():
    from explorer.charts import CORE20_PHONE_ROW_PX

    df = pd.DataFrame({"name": ["Allerdale"], "label": ["Allerdale (former district, to March "
                                                        "2023)"], "kind": ["district"],
                       "core20_share": [0.2], "population": [97_000],
                       "core20_population": [19_400]})
    spec, *_ = charts.screen_spec(core20_bar(df, "R", 0.2, 2019, CORE20_PHONE_ROW_PX))
    ys = [layer["encoding"]["y"] for layer in spec["layer"]
          if layer.get("encoding", {}).get("y", {}).get("type") == "nominal"]
    assert ys and all('["Allerdale (former", "district, to March 2023)"]'
                      in y["axis"]["labelExpr"] for y in ys)


def test_presenting_gives_row_labels_room_for_as_many_characters(overview_chart):
    """Type 1.55 times larger in presentation mode, and so the label column's cap: at 1920
    px the overview read 'Allerdale (former district, to Mar…' on the shared screen."""
    def caps(presenting: bool) -> set[str]:
        spec, *_ = charts.screen_spec(overview_chart, presenting=presenting)
        return {layer["encoding"]["y"]["axis"]["labelLimit"]["expr"] for layer in spec["layer"]
                if layer.get("encoding", {}).get("y", {}).get("type") == "nominal"}

    top = charts.LABEL_MAX_PX
    assert caps(False) == {f"clamp(containerSize()[0] * 0.4, 90, {top})"}
    assert caps(True) == {f"clamp(containerSize()[0] * 0.4, 90, "
                          f"{round(top * theme.PRESENT_CHART_SCALE)})"}


def test_presenting_gives_legend_labels_room_for_as_many_characters():
    """The forest chart's 'Compared with England' key read 'not compa…' at 1920 px in
    presentation mode: its 120 px label limit grows with the type."""
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"c": ["not compared"], "x": [1]})).mark_point().encode(
        x=alt.X("x:Q"), color=alt.Color("c:N", legend=alt.Legend(labelLimit=120)))
    legend = lambda p: charts.screen_spec(chart, presenting=p)[0]["encoding"]["color"]["legend"]  # noqa: E731
    assert legend(False)["labelLimit"] == 120
    assert legend(True)["labelLimit"] == round(120 * theme.PRESENT_CHART_SCALE)


def test_legends_default_to_room_for_their_labels_in_presentation_type():
    """Vega's 160 px default cut 'Payments for care' to 'Payments for c…' on a presenting
    phone; the charts' configuration sets the limit, and presenting scales it."""
    from explorer.charts import LEGEND_LABEL_PX, _configure

    chart = _configure(alt_point_chart())
    spec = charts.screen_spec(chart, presenting=True)[0]
    assert spec["config"]["legend"]["labelLimit"] == round(LEGEND_LABEL_PX
                                                           * theme.PRESENT_CHART_SCALE)


def alt_point_chart():
    import altair as alt
    import pandas as pd

    return alt.Chart(pd.DataFrame({"c": ["Payments for care"], "x": [1]})).mark_point().encode(
        x=alt.X("x:Q"), color=alt.Color("c:N"))


def test_the_compare_charts_colours_are_keyed_above_it_at_any_width():
    """A three-place Compare chart is twice a projector's height, and its colour key (the
    comparison with England: colour is its only cue) was at its foot, off screen. The key is
    also drawn above the chart as chips that wrap on a phone (two Vega legends side by side
    did not fit 390 px). The chips are the palette's, the same as At a glance's."""
    import re

    from explorer.palette import COMPARISON_COLOURS, COMPARISON_INK
    from tests.apptest import open_page

    at = open_page("pages/compare.py", p="workington-bua,eden,blackpool")
    block = next(m.value for m in at.markdown if "hee-chart-key" in m.value)
    assert "significantly worse than England" in block.split("hee-chart-key")[0]
    chips = re.findall(r"background:(#[0-9a-f]{6});color:(#[0-9a-f]{6})[^>]*>([^<]+)<", block)
    assert chips and all(COMPARISON_COLOURS[t] == bg and COMPARISON_INK.get(t, "#000000") == ink
                         for bg, ink, t in chips)
    assert "worse" in {t for *_, t in chips} and "white-space:nowrap" in block

    glance_page = open_page("pages/glance.py")
    key = next(m.value for m in glance_page.markdown if "▲ better" in m.value)
    assert key.count("hee-key-chip") == len(COMPARISON_COLOURS)
