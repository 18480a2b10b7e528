"""Custom places on the pages (AppTest): build, save, share through the URL, use everywhere."""

from __future__ import annotations

import json

from apptest import assert_clean, open_page

from explorer import custom_places as cpl

WARDS = ["E05011735", "E05011736", "E05011737", "E05011730", "E05011738", "E05011740"]


def _workington() -> cpl.CustomPlace:
    return cpl.build("Workington wards", WARDS)


def test_builder_paste_name_save_puts_the_place_in_the_link():
    at = open_page("pages/places.py")
    assert_clean(at)
    at.text_area(key="cp_paste").input("\n".join(WARDS) + "\nnot-a-code")
    at.button(key="cp_add_paste").click().run()
    assert_clean(at)
    assert any("Not recognised: not-a-code" in c.value for c in at.caption)
    assert at.metric[1].value == "20 / 20"  # LSOAs 2011 / 2021
    assert at.metric[2].value == "45.4%"  # Core20 share, as the built-in Workington
    at.text_input(key="cp_draft_name").input("Workington wards").run()
    at.button(key="page-save").click().run()
    assert_clean(at)
    cp = _workington()
    assert at.query_params["cp"] == [cp.token] or at.query_params["cp"] == cp.token
    assert any("Workington wards" in m.value for m in at.markdown)


def test_a_shared_link_opens_the_custom_place_on_compare():
    cp = _workington()
    at = open_page("pages/compare.py", p=f"{cp.place.id},eden", cp=cp.token)
    assert_clean(at)
    assert [m.label for m in at.metric][:2] == ["Workington wards", "Eden"]
    assert at.metric[0].value == "45.4%"
    assert any("Custom place: 20 LSOAs (2011) / 20 LSOAs (2021)" in c.value
               for c in at.caption)


def test_core20plus5_and_inequalities_take_a_custom_place():
    cp = _workington()
    at = open_page("pages/core20plus5.py", p=cp.place.id, cp=cp.token)
    assert_clean(at)
    assert "Workington wards" in at.subheader[0].value
    at = open_page("pages/inequalities.py", p=cp.place.id, cp=cp.token)
    assert_clean(at)
    assert "Workington wards" in at.subheader[0].value


def test_the_map_outlines_a_custom_extent():
    cp = _workington()
    at = open_page("pages/map.py", r=cp.place.id, lvl="lsoa", cp=cp.token)
    assert_clean(at)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert "extent-outline" in {lay["id"] for lay in spec["layers"]}
    assert at.query_params["r"] == cp.place.id


def test_a_damaged_link_gives_a_message_and_the_rest_of_the_view():
    cp = _workington()
    at = open_page("pages/compare.py", p=f"{cp.place.id},eden", cp=cp.token[:-5] + "AAAAA")
    assert_clean(at)
    assert any("custom place in the link was ignored" in w.value for w in at.warning)
    assert [m.label for m in at.metric][:1] == ["Eden"]


def test_map_build_mode_clicks_add_areas():
    at = open_page("pages/map.py", r="allerdale", lvl="lsoa")
    at.toggle(key="cp_build_mode").set_value(True).run()
    assert_clean(at)
    layer_id = json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"][0]["id"]
    for i, code in enumerate(["E01019163", "E01019164", "E01019165"]):
        feature = {"type": "Feature", "properties": {"id": code, "n": code}}
        at.session_state["map_select_0"] = {"selection": {"indices": {layer_id: [i]},
                                                          "objects": {layer_id: [feature]}}}
        at.run()
        assert_clean(at)
    assert at.session_state["cp_draft"] == ["E01019163", "E01019164", "E01019165"]
    assert any(m.value == "3 / 3" for m in at.metric)
    at.text_input(key="cp_draft_name").input("Three of Allerdale").run()
    at.button(key="map-save").click().run()
    assert_clean(at)
    assert "cp" in at.query_params
