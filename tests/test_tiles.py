"""Pre-cut map tiles: Web Mercator numbering, every area in every level, coarse geometry
within tolerance of the source with shared borders kept, and the all-England tile folder
content-addressed and complete."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from explorer import maps, picture, static_geo, tiles
from loaders import snapshot


@pytest.fixture()
def tmp_static(tmp_path, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_DIR", str(tmp_path / "static"))
    return tmp_path / "static"


def _lsoa_shapes(place) -> tuple[list[str], np.ndarray]:
    bt = snapshot.geo_table("boundaries_lsoa11").set_index("code")
    codes = [c for c in place.lsoa11 if c in bt.index]
    return codes, bt.geometry.reindex(codes).to_numpy()


def test_tile_numbering_is_web_mercator():
    assert (tiles.tile_x(-0.1276, 5), tiles.tile_y(51.5072, 5)) == (15, 10)  # London
    assert (tiles.tile_x(-0.1276, 8), tiles.tile_y(51.5072, 8)) == (127, 85)
    for z, x, y in [(5, 15, 10), (7, 62, 41), (8, 127, 85)]:
        w, s, e, n = tiles.tile_bounds(z, x, y)
        mid = ((w + e) / 2, (s + n) / 2)
        assert (tiles.tile_x(mid[0], z), tiles.tile_y(mid[1], z)) == (x, y)
        assert tiles.tile_range((w + 1e-9, s + 1e-9, e - 1e-9, n - 1e-9), z) == (x, y, x, y)


def test_every_area_is_in_every_level_and_in_each_tile_it_touches(places):
    codes, geoms = _lsoa_shapes(places.get("blackpool"))
    props = [json.dumps({"id": c}) for c in codes]
    ts = tiles.build(geoms, props)
    assert ts.extent == pytest.approx(tuple(shapely.total_bounds(geoms)))
    for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1):
        level = {k: v for k, v in ts.files.items() if k.startswith(f"{z}/")}
        seen: set[str] = set()
        for rel, data in level.items():
            _, x, y = (int(p) for p in rel.removesuffix(".json").split("/"))
            box = shapely.box(*tiles.tile_bounds(z, x, y))
            for f in json.loads(data)["features"]:
                seen.add(f["properties"]["id"])
                assert shapely.intersects(box, shapely.box(
                    *shapely.bounds(shapely.geometry.shape(f["geometry"]))))
        assert seen == set(codes), f"level {z} lost areas"


def test_source_geometry_from_the_most_detailed_level(places):
    codes, geoms = _lsoa_shapes(places.get("blackpool"))
    ts = tiles.build(geoms, [json.dumps({"id": c}) for c in codes])
    for rel, data in ts.files.items():
        if rel.startswith(f"{tiles.MAX_ZOOM}/"):
            for f in json.loads(data)["features"]:
                src = geoms[codes.index(f["properties"]["id"])]
                got = shapely.geometry.shape(f["geometry"])
                assert shapely.hausdorff_distance(src, got) < 1e-5  # 5 decimals only


def test_coarse_levels_stay_within_a_pixel_and_keep_shared_borders(places):
    _, geoms = _lsoa_shapes(places.get("north-west"))
    src_union = shapely.area(shapely.union_all(geoms))
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(a, b) for a, b in zip(left, right, strict=True) if a < b]
    shared = np.array([shapely.length(shapely.intersection(geoms[a].boundary,
                                                            geoms[b].boundary))
                       for a, b in pairs])
    for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM):
        px = tiles.degrees_per_pixel(tiles.screen_zoom(z))
        level = tiles.level_geometry(geoms, z)
        assert shapely.get_num_coordinates(level).sum() < shapely.get_num_coordinates(
            geoms).sum()
        assert not shapely.is_empty(level).any()
        moved = shapely.hausdorff_distance(geoms, level)
        assert np.percentile(moved, 99) <= px and moved.max() <= 5 * px
        assert shapely.distance(shapely.centroid(geoms), shapely.centroid(level)).max() <= px
        assert shapely.area(shapely.union_all(level)) == pytest.approx(src_union, rel=0.005)
        # borders longer than two pixels are still shared by both neighbours (no slivers)
        long = [p for p, length in zip(pairs, shared, strict=True) if length > 2 * px]
        kept = [shapely.length(shapely.intersection(level[a].boundary, level[b].boundary))
                for a, b in long]
        assert min(kept) > 0
        overlap = sum(shapely.area(shapely.intersection(level[a], level[b])) for a, b in long)
        assert overlap < 1e-4 * src_union


def test_all_england_tiles_hold_every_lsoa_and_are_content_addressed(tmp_static, places):
    england = places.get("england")
    assert maps.use_tiles("lsoa19", england)
    assert not maps.use_tiles("lsoa19", places.get("north-west"))
    assert not maps.use_tiles("district19", england)
    name, meta = maps.areas_tiles_meta("lsoa19", england)
    folder = tmp_static / name
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*.json")}
    assert name.endswith(f"-{static_geo.tree_hash(files)}") and static_geo.is_valid(folder)
    assert meta["tiles"] == len(files) and (meta["min_zoom"], meta["max_zoom"]) == (
        tiles.MIN_ZOOM, tiles.MAX_ZOOM)
    drawn = set(maps.view_frame("lsoa19", england).query("has_geometry").index)
    assert meta["features"] == len(drawn) > 32_000
    for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1):
        if z < picture.POLYGON_LEVEL:  # the England view: a picture, and empty tiles
            level = [d for r, d in files.items() if r.startswith(f"{z}/")]
            assert level and all(d == tiles.EMPTY_TILE for d in level)
            continue
        ids = set()
        for rel, data in files.items():
            if rel.startswith(f"{z}/"):
                for f in json.loads(data)["features"]:
                    ids.add(f["properties"]["id"])
                    rings = [p[0] for p in f["geometry"]["coordinates"] if p]
                    assert rings and all(len(r) >= 4 for r in rings), \
                        f"{f['properties']['id']} has no drawable shape at zoom {z}"
        assert ids == drawn
    one = next(d for r, d in files.items()
               if r.startswith(f"{picture.POLYGON_LEVEL}/") and len(d) > 1000)
    feature = json.loads(one)["features"][0]["properties"]
    assert {"id", "n", "p", "s0", "d0"} <= set(feature)
    # the same name on a second call, without rebuilding
    assert maps.areas_tiles_meta("lsoa19", england)[0] == name


def test_england_deck_spec_is_a_tile_layer():
    source = maps.TileSource("/app/static/tiles-x-0123456789abcdef/{z}/{x}/{y}.json",
                             (-6.4, 49.9, 1.8, 55.8), 7, 9, 2)
    layers = maps.MapLayers(areas=None, tiles=source, layer_id="areas-lsoa19-england",
                            stroked=False)
    view = maps.fit_view((-6.4, 49.9, 1.8, 55.8))
    a = json.loads(maps.deck_json(layers, "d0", view, trigger="iod:d0"))
    b = json.loads(maps.deck_json(layers, "d3", view, trigger="iod:d3"))
    area = a["layers"][0]
    assert area["@@type"] == "TileLayer" and area["id"] == "areas-lsoa19-england"
    assert area["data"] == source.url and area["extent"] == list(source.extent)
    assert (area["minZoom"], area["maxZoom"], area["zoomOffset"], area["tileSize"]) == (
        7, 9, 2, tiles.TILE_SIZE)
    assert area["pickable"] and area["autoHighlight"]
    # an indicator change is only a new accessor and trigger: same tiles, no re-fetch
    diff = {k for k in area if area[k] != b["layers"][0][k]}
    assert diff == {"getFillColor", "updateTriggers"}
