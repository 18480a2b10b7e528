"""Map builders on the real snapshot: values, classes, colours, legend, static files, spec."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from explorer import area_metrics as am
from explorer import maps, static_geo
from explorer.palette import DECILE_COLOURS, MISSING_COLOUR


@pytest.fixture()
def tmp_static(tmp_path, monkeypatch):
    """A private static folder, so the real one (served by a running app) is untouched."""
    monkeypatch.setenv("HEE_STATIC_DIR", str(tmp_path / "static"))
    return tmp_path / "static"


def iod(geo: am.Geography) -> list[am.AreaIndicator]:
    return [i for i in am.available(geo) if i.file_group == "iod"]


def _strict_loads(data: bytes) -> object:
    def refuse(token: str) -> float:
        raise AssertionError(f"non-standard JSON constant {token} in a static file")

    return json.loads(data, parse_constant=refuse)


# --------------------------------------------------------------------------------------
# area metrics


def test_district_values_match_the_published_figures():
    v = am.area_values("district19")
    blackpool = v.loc["E06000009"]
    assert blackpool["IMD_score"] == pytest.approx(45.04, abs=0.01)  # MHCLG average score
    assert blackpool["IMD_decile"] == 1 and blackpool["n_lsoa"] == 94
    assert blackpool["core20"] == pytest.approx(0.563, abs=0.001)
    assert v.loc["E07000030", "core20"] == 0  # Eden: no LSOA in the most deprived quintile
    assert v["IMD_score"].idxmax() == "E06000009"


def test_every_geography_has_values_names_and_membership():
    for geo_id, geo in am.GEOGRAPHIES.items():
        values = am.area_values(geo_id)
        names = am.area_names(geo_id)
        assert values["IMD_score"].notna().all(), geo_id
        assert set(values.index) <= set(names.index), geo_id
        assert set(am.membership(geo_id)["area"]) >= set(values.index), geo_id
        assert geo.boundary_table in {"boundaries_lsoa11", "boundaries_lsoa21",
                                      "boundaries_wards19", "boundaries_lad19",
                                      "boundaries_lad24", "boundaries_icb22",
                                      "boundaries_icb24"}


def test_national_deciles_rank_worst_first_and_keep_missing():
    s = pd.Series([5.0, 1.0, np.nan, 3.0, 10.0], index=list("abcde"))
    d = am.national_deciles(s, "low_is_good")
    assert d["e"] == 3 and d["b"] == 10 and math.isnan(d["c"])
    assert am.quantile_classes(s, "high_is_good")["b"] == 3


def test_quantile_classes_average_ties_and_keep_the_index():
    # ranks 1.5, 1.5, 3, 4 of 4 (largest first for high-is-good's worst = lowest): ceil(r * 4 / 4)
    s = pd.Series([1.0, 1.0, 2.0, 3.0, np.nan], index=list("vwxyz"))
    q = am.quantile_classes(s, "high_is_good", k=4)
    assert q.index.equals(s.index) and q.dtype == "float64"
    assert q.iloc[:4].tolist() == [2.0, 2.0, 3.0, 4.0] and math.isnan(q["z"])
    assert am.quantile_classes(s, "low_is_good", k=4).iloc[:4].tolist() == [4.0, 4.0, 2.0, 1.0]
    blank = am.quantile_classes(pd.Series([np.nan, None], index=["a", "b"], dtype=object),
                                "low_is_good")
    assert blank.isna().all() and blank.index.tolist() == ["a", "b"]
    assert am.quantile_classes(pd.Series([], dtype="float64"), "low_is_good").empty


def test_core20_classes_are_fixed_bands_of_the_share_in_core20_lsoas():
    district = am.geography("district", 2019)
    classes = [i for i in am.available(district) if i.id == "core20"][0].classes(district)
    assert classes["E06000009"] == 5  # Blackpool: 56.3 % of residents -> the 50-60 % band
    assert classes["E07000030"] == 10  # Eden: none
    lsoa = am.geography("lsoa", 2019)
    flag = am.area_values("lsoa19")["core20"]
    lsoa_classes = [i for i in am.available(lsoa) if i.id == "core20"][0].classes(lsoa)
    assert set(lsoa_classes[flag == 1]) == {1.0} and set(lsoa_classes[flag == 0]) == {8.0}


def _areas_in_view_by_group_by(geo_id: str, extent) -> set[str]:
    """The in-view rule of maps.areas_in_view written plainly with a pandas group-by."""
    geo = am.GEOGRAPHIES[geo_id]
    m = am.membership(geo_id)
    inside = m["lsoa"].astype(str).isin(set(extent.lsoas(geo.vintage)))
    share = inside.groupby(m["area"].astype(str).to_numpy()).mean()
    codes = set(share.index[share >= 0.5]) or set(share.index[share > 0])
    return codes


@pytest.mark.parametrize("place_id", ["england", "north-west", "blackpool", "eden",
                                      "workington-bua", "lsc-north-cumbria"])
def test_areas_in_view_follow_the_half_of_their_lsoas_rule(places, place_id):
    extent = places.get(place_id)
    for geo_id in am.GEOGRAPHIES:
        drawn = set(maps.areas_in_view(geo_id, extent))
        expected = _areas_in_view_by_group_by(geo_id, extent)
        assert expected <= drawn, geo_id
        # besides: the two Cumbrian wards that have a shape but no LSOA (below)
        assert drawn - expected <= {"E05003230", "E05011721"}, geo_id
        partly = dict(maps.partly_in_view(geo_id, extent))
        assert not set(partly) & drawn and all(0 < v < 0.5 for v in partly.values())
    assert "E05003230" in maps.areas_in_view("ward19", places.get("eden"))  # shape, no LSOA


def test_registry_has_the_iod_picker_and_a_stable_signature():
    ids = [i.id for i in am.indicators()]
    assert ids[:2] == ["imd_score", "imd_decile"]
    for d in ("income", "employment", "education", "health", "crime", "housing",
              "environment"):
        assert f"{d}_score" in ids and f"{d}_decile" in ids
    assert "core20" in ids and "population" in ids
    assert am.signature() == am.signature()


def test_a_health_indicator_plugs_in_from_lsoa_counts():
    lsoa = am.area_values("lsoa19")
    num = (lsoa["population"] * 0.1).round()
    ind = am.lsoa_ratio_indicator("test_rate", "Test rate", lsoa_year=2011,
                                  counts=lambda: (num, lsoa["population"]),
                                  file_group="test")
    before = am.signature()
    am.register(ind)
    try:
        geo = am.geography("district", 2019)
        assert ind in am.available(geo)
        assert am.signature() != before
        assert ind.values(geo).loc["E06000009"] == pytest.approx(10.0, abs=0.05)
        assert ind.fmt(12.345) == "12.3%"
        assert am.series_keys(geo, "test") == ["test_rate"]
        assert "test_rate" not in am.series_keys(geo, "iod")
        assert ind not in am.available(am.geography("lsoa", 2025))
    finally:
        am.unregister("test_rate")
    assert am.signature() == before


def test_health_indicators_from_the_indicator_registry_are_mapped(places):
    health = [i for i in am.indicators() if i.group == "Health"]
    if not health:
        pytest.skip("explorer.indicators offers no LSOA-based indicator")
    ind = health[0]
    geo = next(g for g in am.GEOGRAPHIES.values() if g.level == "district" and ind.available(g))
    view = maps.view_frame(geo.id, places.get("north-west"), ind.file_group)
    assert view[f"v:{ind.id}"].notna().all()
    assert view[f"n:{ind.id}"].between(1, 10).all()
    assert maps.series_of(ind, geo).key == ind.series_key
    assert len({i.file_group for i in health}) > 1  # small files, not one huge one


# --------------------------------------------------------------------------------------
# classes, colours, legend, alt text


def test_every_lsoa_in_blackpool_gets_a_class(places):
    geo = am.geography("lsoa", 2019)
    view = maps.view_frame(geo.id, places.get("blackpool"))
    assert len(view) == 94 and view["has_geometry"].all()
    for ind in iod(geo):
        assert view[f"n:{ind.id}"].between(1, 10).all(), ind.id
        assert view[f"q:{ind.series_key}"].between(1, 10).all(), ind.id
    legend = maps.legend(view, am.get("imd_score"), geo, "national")
    assert legend.missing == 0 and legend.total == 94
    assert legend.entries[0].count == 39


def test_alt_text_summarises_blackpool(places):
    geo = am.geography("lsoa", 2019)
    view = maps.view_frame(geo.id, places.get("blackpool"))
    text = maps.alt_text(view, am.get("imd_score"), geo, places.get("blackpool"))
    assert text.startswith("Blackpool: 39 of 94 LSOAs in the most deprived decile")


def test_decile_colours_are_identical_across_extents(places):
    geo = am.geography("lsoa", 2019)
    small = maps.view_frame(geo.id, places.get("blackpool"))
    big = maps.view_frame(geo.id, places.get("lsc-north-cumbria"))
    both = small.index.intersection(big.index)
    assert len(both) == 94
    for ind in iod(geo):
        col = f"n:{ind.id}"
        assert (small.loc[both, col] == big.loc[both, col]).all(), ind.id
    # one palette, decile 1 darkest, the same strings as every other page
    assert (MISSING_COLOUR, *DECILE_COLOURS) == maps.PALETTE
    england = places.get("england")
    for region in (places.get("blackpool"), england):
        assert maps.accessor_prop(am.get("imd_score"), geo, region, "national") == "d0"
    assert maps.fill_accessor("d0").startswith("([[189,189,189],[68,1,84],")


def test_quantiles_in_view_differ_from_national_deciles(places):
    geo = am.geography("lsoa", 2019)
    view = maps.view_frame(geo.id, places.get("eden"))
    q = view["q:IMD"]
    assert sorted(q.unique()) == list(range(1, 11))
    assert view["n:imd_score"].min() >= 3  # Eden has no LSOA in deciles 1-2
    legend = maps.legend(view, am.get("imd_score"), geo, "quantiles")
    assert sum(e.count for e in legend.entries) == len(view)


def test_core20_is_a_flag_for_lsoas_and_bands_above(places):
    lsoa = am.geography("lsoa", 2019)
    ind = am.get("core20")
    view = maps.view_frame(lsoa.id, places.get("blackpool"))
    legend = maps.legend(view, ind, lsoa, "national")
    assert [e.count for e in legend.entries] == [55, 39]
    district = am.geography("district", 2019)
    dview = maps.view_frame(district.id, places.get("north-west"))
    dleg = maps.legend(dview, ind, district, "national")
    assert len(dleg.entries) == 10 and dleg.entries[0].label == "90–100%"
    assert dview.loc["E06000009", "n:core20"] == 5  # 56.3% -> the 50-60% band


def test_wards_missing_shapes_and_values_are_named(places):
    geo = am.geography("ward", 2019)
    view = maps.view_frame(geo.id, places.get("north-west"))
    gaps = maps.gaps(view, am.get("imd_score"))
    assert len(gaps.no_value) == 2  # two Cumbrian wards without a best-fit LSOA
    parents = dict(gaps.no_geometry_by_parent)
    assert "Manchester" in parents and "Allerdale" not in parents  # GM wards not bundled
    messages = gaps.messages(geo, "IMD score")
    assert "not drawn" in messages[0] and "Manchester" in messages[0]
    assert "no value" in messages[1]
    assert not maps.in_coverage(geo, places.get("england"))
    assert maps.in_coverage(geo, places.get("blackpool"))


def test_table_twin_has_every_area_in_view(places):
    geo = am.geography("ward", 2019)
    view = maps.view_frame(geo.id, places.get("north-west"))
    table = maps.table_twin(view, am.get("imd_score"), geo, "quantiles")
    assert len(table) == len(view)
    assert {"Code", "Name", "In", "National class", "Decile in view", "On the map"} <= \
        set(table.columns)
    assert (table["On the map"] == "no boundary").sum() == (~view["has_geometry"]).sum()


# --------------------------------------------------------------------------------------
# static files


def test_static_file_is_content_hashed_stable_and_nan_free(tmp_static, places):
    blackpool = places.get("blackpool")
    name = maps.areas_file("lsoa19", blackpool)
    path = tmp_static / name
    data = path.read_bytes()
    assert name.endswith(f"-{static_geo.content_hash(data)}.json")
    assert maps.areas_geojson("lsoa19", blackpool) == data  # deterministic
    assert maps.areas_file("lsoa19", blackpool) == name
    fc = _strict_loads(data)
    assert len(fc["features"]) == 94
    props = fc["features"][0]["properties"]
    assert {"id", "n", "p", "s0", "d0", "q0"} <= set(props)
    assert b"NaN" not in data and b"Infinity" not in data


def test_static_file_is_regenerated_when_missing_stale_or_corrupt(tmp_static):
    calls = []

    def build(content: bytes):
        def _b() -> bytes:
            calls.append(content)
            return content
        return _b

    a = static_geo.ensure("t-demo", ["v1"], build(b'{"a":1}'))
    assert (tmp_static / a).read_bytes() == b'{"a":1}'
    assert static_geo.ensure("t-demo", ["v1"], build(b'{"a":1}')) == a and len(calls) == 1
    (tmp_static / a).write_bytes(b'{"a":2}')  # corrupted: no longer matches its hash
    static_geo._verified.clear()
    assert static_geo.ensure("t-demo", ["v1"], build(b'{"a":1}')) == a and len(calls) == 2
    (tmp_static / a).unlink()  # missing
    assert static_geo.ensure("t-demo", ["v1"], build(b'{"a":1}')) == a and len(calls) == 3
    b = static_geo.ensure("t-demo", ["v2"], build(b'{"b":1}'))  # new inputs: new file
    assert b != a and (tmp_static / b).exists() and not (tmp_static / a).exists()
    assert static_geo.url(b) == f"/app/static/{b}"
    assert static_geo.url(b, "/hee/") == f"/hee/app/static/{b}"


def test_static_file_names_are_safe(tmp_static):
    with pytest.raises(ValueError):
        static_geo.ensure("../escape", ["k"], lambda: b"{}")


def test_outline_files_for_a_town(tmp_static, places):
    town = places.get("workington-parish-wards")
    wards = _strict_loads((tmp_static / maps.ward_outline_file("lsoa19", town)).read_bytes())
    extent = _strict_loads((tmp_static / maps.extent_outline_file("lsoa19", town)).read_bytes())
    assert extent and all(len(seg) == 4 for seg in extent)
    assert len(wards) > len(extent)  # the six wards' inner boundaries too
    assert len({tuple(s) for s in wards}) == len(wards)  # shared edges once
    # dissolved from the town's own LSOAs: every ward line lies on the LSOA edges, inside
    # the town (the official ward lines ran out past it and beside the LSOA fills)
    def box(segs):
        xs = [v for s in segs for v in (s[0], s[2])]
        ys = [v for s in segs for v in (s[1], s[3])]
        return min(xs), min(ys), max(xs), max(ys)
    (wx0, wy0, wx1, wy1), (ex0, ey0, ex1, ey1) = box(wards), box(extent)
    assert ex0 <= wx0 and ey0 <= wy0 and wx1 <= ex1 and wy1 <= ey1
    assert {tuple(s) for s in extent} <= {tuple(s) for s in wards}  # the town's edge too
    assert maps.extent_outline_file("lsoa19", places.get("england")) is None
    assert maps.ward_outline_file("district19", town) is None


# --------------------------------------------------------------------------------------
# deck spec


def test_deck_spec_is_small_deterministic_and_offline(tmp_static, places):
    layers = maps.MapLayers(areas="/app/static/a-0123456789abcdef.json",
                            districts="/app/static/d-0123456789abcdef.json",
                            extent="/app/static/e-0123456789abcdef.json", layer_id="areas-x")
    view = maps.fit_view((-3.1, 53.7, -2.9, 53.9))
    spec = maps.deck_json(layers, "q3", view, trigger="q3")
    assert spec == maps.deck_json(layers, "q3", view, trigger="q3")
    assert len(spec) < 15_000
    d = json.loads(spec)
    area = d["layers"][0]
    assert area["id"] == "areas-x" and area["data"].startswith("/app/static/")
    assert area["getFillColor"].startswith("@@=(") and "properties.q3" in area["getFillColor"]
    assert area["updateTriggers"] == {"getFillColor": ["q3"]}
    assert area["pickable"] is True and all(lay["pickable"] is False for lay in d["layers"][1:])
    assert {lay["@@type"] for lay in d["layers"][1:]} == {"LineLayer"}
    assert d["layers"][1]["getSourcePosition"] == "@@=[this[0],this[1]]"
    assert all(lay.get("widthUnits", lay.get("lineWidthUnits")) == "pixels"
               for lay in d["layers"])
    assert d["mapStyle"] == "__MAP_STYLE__"  # Streamlit draws no basemap: works offline
    assert 10 < d["initialViewState"]["zoom"] < 12


def test_changing_the_indicator_only_changes_the_accessor(places):
    geo = am.geography("lsoa", 2019)
    england = places.get("england")
    layers = maps.MapLayers(areas="/app/static/a-0123456789abcdef.json")
    view = maps.fit_view((-6.4, 49.9, 1.8, 55.8))
    specs = {i: json.loads(maps.deck_json(
        layers, maps.accessor_prop(am.get(i), geo, england, "national"), view,
        trigger=maps.accessor_prop(am.get(i), geo, england, "national")))
        for i in ("imd_score", "income_score")}
    a, b = specs["imd_score"]["layers"][0], specs["income_score"]["layers"][0]
    assert a["data"] == b["data"]
    assert a["getFillColor"] != b["getFillColor"]
    assert a["updateTriggers"] != b["updateTriggers"]
    diff = {k for k in a if a[k] != b[k]}
    assert diff == {"getFillColor", "updateTriggers"}


def test_tooltip_names_value_decile_place_and_source():
    geo = am.geography("lsoa", 2019)
    html = maps.tooltip(am.get("imd_score"), geo)["html"]
    for token in ("{n}", "{id}", "{s0}", "{d0}", "{p}", "IoD2019"):
        assert token in html
    district = am.geography("district", 2025)
    assert "deciles among English districts" in \
        maps.tooltip(am.get("income_score"), district)["html"]


def test_district_outlines_follow_the_areas_drawn(tmp_static, places):
    region = maps.district_outline_file("lsoa19", places.get("lsc-north-cumbria"))
    assert "-lsoas-" in region  # dissolved from the LSOAs: lines fall on LSOA edges
    segs = _strict_loads((tmp_static / region).read_bytes())
    x0 = min(min(s[0], s[2]) for s in segs)
    y1 = max(max(s[1], s[3]) for s in segs)
    assert x0 > -3.7 and y1 < 55.2  # Cumbria to Lancashire only
    wards = maps.district_outline_file("ward25", places.get("north-west"))
    assert "-wards-" in wards
    assert len(_strict_loads((tmp_static / wards).read_bytes())) > 1000
    assert maps.district_outline_file("district19", places.get("england")) is None


def test_map_file_metadata_gives_the_view_without_geometry(tmp_static, places):
    name, meta = maps.areas_file_meta("lsoa19", places.get("blackpool"))
    x0, y0, x1, y1 = meta["bounds"]
    assert -3.1 < x0 < x1 < -2.9 and 53.7 < y0 < y1 < 53.9
    assert meta["features"] == 94
    assert static_geo.ensure_meta("areas-lsoa19-blackpool-iod", ["other"],
                                  lambda: (b"{}", {})) != (name, meta)


def test_a_build_may_need_another_file(tmp_static):
    """Building one file may build another (re-entrant lock, no self-deadlock)."""
    inner = []

    def outer() -> bytes:
        inner.append(static_geo.ensure("t-inner", ["1"], lambda: b"[1]"))
        return b"[2]"

    name = static_geo.ensure("t-outer", ["1"], outer)
    assert (tmp_static / name).exists() and (tmp_static / inner[0]).exists()


def test_all_england_core20_bands_keep_their_quantiles(tmp_static, places):
    """Fixed bands are not a ranking, so their in-view classes are in the England file."""
    district = am.geography("district", 2019)
    england = places.get("england")
    prop = maps.accessor_prop(am.get("core20"), district, england, "quantiles")
    assert prop.startswith("q")
    fc = _strict_loads((tmp_static / maps.areas_file("district19", england)).read_bytes())
    assert prop in fc["features"][0]["properties"]
    assert maps.accessor_prop(am.get("imd_score"), district, england, "quantiles") == "d0"


def test_a_room_of_local_map_views_stays_cached(places):
    """A room visits dozens of districts and towns: their view frames (small) stay cached
    while England's (~15 MB each) have a bound of their own, so a run finds its frame."""
    geo = am.geography("district", 2019)
    local = [p for p in places.all("district") if p.code.startswith("E0")][:20]
    first = maps.view_frame(geo.id, local[0])
    for p in local[1:]:
        maps.view_frame(geo.id, p)
    maps.view_frame(geo.id, places.get("england"))
    assert maps.view_frame(geo.id, local[0]) is first  # not rebuilt
