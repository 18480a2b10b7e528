"""The map page through AppTest: every level and extent runs, the deck spec stays small and
points at static files, bad links give messages, and a selection opens the side panel.

AppTest has no browser, so static files are never fetched here; the spec is asserted instead
(``tests/e2e/test_map_browser.py`` checks the drawing).
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import assert_clean, open_page

#: ``HEE_APP_ROOT`` runs the suite against another checkout (e.g. a worktree).
MAP = "pages/map.py"
SPEC_BUDGET = 15_000  # bytes: static-URL specs (geometry is fetched over HTTP)


def open_map(**query: str) -> AppTest:
    return open_page(MAP, timeout=60, **query)


def deck(at: AppTest) -> tuple[dict, object]:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    proto = charts[0].proto
    assert len(proto.json) <= SPEC_BUDGET, f"spec is {len(proto.json):,} bytes"
    return json.loads(proto.json), proto


def area_layer(spec: dict) -> dict:
    """The areas' own layer (polygons; a picture, if any, is drawn under it)."""
    return next(lay for lay in spec["layers"] if lay["id"] != "areas-picture")


def picture_layer(spec: dict) -> dict | None:
    return next((lay for lay in spec["layers"] if lay["id"] == "areas-picture"), None)


def side_panel_title(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def test_default_view_is_the_lsc_region_at_lsoa_level():
    at = open_map()
    assert_clean(at)
    spec, proto = deck(at)
    layer = area_layer(spec)
    assert layer["id"] == "areas-lsoa19-lsc-north-cumbria"
    assert layer["data"].startswith("/app/static/areas-lsoa19-lsc-north-cumbria-")
    assert "properties.d0" in layer["getFillColor"]
    assert spec["mapStyle"] == "__MAP_STYLE__"  # no basemap by default
    assert {lay["id"] for lay in spec["layers"]} >= {"district-outlines", "extent-outline"}
    assert "{n}" in json.loads(proto.tooltip)["html"]
    assert proto.alt.startswith("Lancashire and South Cumbria with North Cumbria: ")
    assert dict(at.query_params) == {"lvl": "lsoa", "v": "2019", "r": "lsc-north-cumbria",
                                     "ind": "imd_score", "cls": "national"}
    legend = [h for h in at.get("html") if "map-legend" in h.proto.body]
    assert legend and "No value" in legend[0].proto.body


def test_a_long_table_waits_to_be_asked_for_and_a_short_one_is_shown():
    """The default region's 1,265-row HTML table delayed its map by over a second; it is
    behind the toggle, with the CSV of every row beside it. A district's wards are shown."""
    from ui.map_view import TABLE_AUTO_ROWS

    region = open_map()
    toggle = next(t for t in region.toggle if t.label.startswith("Show the map as a table"))
    assert toggle.label == "Show the map as a table (1,265 rows)" and toggle.value is False
    assert f"more than {TABLE_AUTO_ROWS:,} rows" in toggle.help
    assert not [m for m in region.markdown if "<table" in m.value]
    toggle.set_value(True).run()
    assert [m for m in region.markdown if "<table" in m.value and "E01012571" in m.value]
    district = open_map(r="blackpool")
    small = next(t for t in district.toggle if t.label.startswith("Show the map as a table"))
    assert small.value is True and small.help in (None, "")
    assert_clean(district)


@pytest.mark.parametrize("vintage", ["2019", "2025"])
@pytest.mark.parametrize("extent", ["lsc-north-cumbria", "england", "blackpool"])
@pytest.mark.parametrize("level", ["lsoa", "ward", "district", "icb"])
def test_every_level_and_extent_runs(level, extent, vintage):
    at = open_map(lvl=level, r=extent, v=vintage)
    assert_clean(at)
    spec, _ = deck(at)
    layer = area_layer(spec)
    assert layer["id"].startswith(f"areas-{level}{vintage[2:]}-")
    if level == "ward" and extent == "england":
        assert layer["id"].endswith("-north-west")
        assert any("North West only" in i.value for i in at.info)
    assert at.query_params["lvl"] == level and at.query_params["v"] == vintage


def test_ward_map_names_wards_without_shapes_or_values():
    at = open_map(lvl="ward", r="north-west")
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "no boundary" in warnings and "Manchester" in warnings
    assert "no value" in warnings


def test_bad_link_values_fall_back_to_defaults_with_messages():
    at = open_map(lvl="county", r="atlantis", ind="happiness", cls="rainbow", v="1999",
                  sel="not-a-code")
    assert_clean(at)
    messages = " ".join(i.value for i in at.info)
    for word in ("map level", "map extent", "indicator", "class scheme", "vintage",
                 "not an area code"):
        assert word in messages, word
    spec, _ = deck(at)
    assert area_layer(spec)["id"] == "areas-lsoa19-lsc-north-cumbria"


def test_changing_the_indicator_keeps_the_geometry_url():
    at = open_map(r="england")
    before = area_layer(deck(at)[0])
    at.selectbox(key="w:ind").select("income_score").run()
    assert_clean(at)
    after = area_layer(deck(at)[0])
    assert after["data"] == before["data"]
    assert after["getFillColor"] != before["getFillColor"]
    assert after["updateTriggers"] != before["updateTriggers"]
    assert at.query_params["ind"] == "income_score"
    # all England's first view is a picture per indicator, under the polygons' tiles
    pics = [picture_layer(deck(a)[0]) for a in (open_map(r="england"), at)]
    assert all(p and p["@@type"] == "BitmapLayer" for p in pics)
    assert pics[0]["image"] != pics[1]["image"] and pics[0]["bounds"] == pics[1]["bounds"]
    assert any("Zoom in" in m.value for m in at.markdown)
    assert picture_layer(deck(open_map(r="blackpool"))[0]) is None


def test_quantiles_in_view_use_the_view_classes():
    at = open_map(r="blackpool", cls="quantiles")
    assert "properties.q0" in area_layer(deck(at)[0])["getFillColor"]


def test_a_map_click_opens_the_side_panel_and_goes_into_the_link():
    at = open_map(r="blackpool")
    layer_id = area_layer(deck(at)[0])["id"]
    key = "map_select_0"  # ui.map_view.map_key() before any "Clear selection"
    assert key in at.session_state
    feature = {"type": "Feature", "properties": {"id": "E01012673", "n": "Blackpool 010A"}}
    at.session_state[key] = {"selection": {"indices": {layer_id: [3]},
                                           "objects": {layer_id: [feature]}}}
    at.run()
    assert_clean(at)
    assert "Blackpool 010A" in side_panel_title(at)
    assert at.query_params["sel"] == "E01012673"
    spec, _ = deck(at)
    assert "selection-outline" in {lay["id"] for lay in spec["layers"]}
    assert any(b.label.startswith("Compare") for b in at.button)


def test_a_shared_link_reopens_the_selection():
    at = open_map(r="blackpool", sel="E01012673")
    assert_clean(at)
    assert "Blackpool 010A" in side_panel_title(at)
    assert any(m.label == "IMD score" for m in at.metric)
    zoom_before = deck(at)[0]["initialViewState"]["zoom"]
    at.button(key="map_zoom").click().run()
    assert deck(at)[0]["initialViewState"]["zoom"] > zoom_before
    at.button(key="map_clear").click().run()
    assert_clean(at)
    assert "sel" not in at.query_params
    assert "Blackpool 010A" not in side_panel_title(at)


def test_a_selection_outside_the_map_is_reported():
    at = open_map(r="blackpool", sel="E01000001")
    assert_clean(at)
    assert any("not one of the LSOAs on this map" in i.value for i in at.info)
    at.radio(key="w:lvl").set_value("district").run()  # a later change is silent
    assert not any("not one of" in i.value for i in at.info)


def test_district_selection_profiles_the_registry_place():
    at = open_map(lvl="district", r="north-west", sel="E06000009")
    assert_clean(at)
    assert "Blackpool" in side_panel_title(at)
    assert any(m.label == "District rank" and m.value == "1 of 317" for m in at.metric)


def test_compare_button_sends_the_place_to_the_compare_page():
    at = open_map(lvl="district", r="north-west", sel="E07000026")
    at.button(key="map_compare").click().run()
    assert_clean(at)
    assert "allerdale" in at.session_state["compare_places"]
    assert "allerdale" in at.query_params["p"].split(",")


def test_health_indicators_share_the_picker():
    at = open_map(lvl="district", r="north-west", ind="qof-hyp")
    assert_clean(at)
    spec, proto = deck(at)
    assert "-health" in area_layer(spec)["data"]
    assert "QOF 2021/22" in json.loads(proto.tooltip)["html"]
    at.segmented_control(key="w:v").set_value(2025).run()  # QOF is on 2011 LSOAs
    assert_clean(at)
    assert any("not available" in i.value for i in at.info)
    assert at.query_params["ind"] == "imd_score"
