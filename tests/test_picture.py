"""The all-England map's picture: pixels in Web Mercator, each area's pixels in the class
colour its polygon gets, enclaves kept, and a deck spec whose indicator change swaps only
the picture and the polygons' colour accessor."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import shapely
from PIL import Image

from explorer import area_metrics as am
from explorer import maps, picture, static_geo


@pytest.fixture()
def tmp_static(tmp_path, monkeypatch):
    monkeypatch.setenv("HEE_STATIC_DIR", str(tmp_path / "static"))
    return tmp_path / "static"


def test_world_pixels_are_deck_gl_web_mercator():
    # deck.gl's world is 512 px wide at zoom 0: (0, 0) is the centre, 85.0511 N the top
    x, y = picture.world_px(0.0, 0.0, 0)
    assert (float(x), float(y)) == pytest.approx((256.0, 256.0))
    x, y = picture.world_px(-180.0, 85.0511, 0)
    assert (float(x), float(y)) == pytest.approx((0.0, 0.0), abs=1e-3)
    lon, lat = picture.lonlat(*map(float, picture.world_px(-2.98, 53.41, 7)), 7)
    assert (lon, lat) == pytest.approx((-2.98, 53.41))


def test_raster_keeps_enclaves_and_exact_corners():
    # a 0.5-degree square with a hole, and a smaller square filling the hole
    outer = shapely.Polygon([(-3, 53), (-2.5, 53), (-2.5, 53.5), (-3, 53.5)],
                            [[(-2.8, 53.2), (-2.7, 53.2), (-2.7, 53.3), (-2.8, 53.3)]])
    inner = shapely.box(-2.8, 53.2, -2.7, 53.3)
    r = picture.area_raster([inner, outer])  # the enclave first: order must not matter
    assert r.ids[r.pixel_of(-2.75, 53.25)] == 1  # the enclave, not its container
    assert r.ids[r.pixel_of(-2.9, 53.1)] == 2
    assert set(np.unique(r.ids)) <= {0, 1, 2}
    # the picture's corners are its outer pixel edges, around the shapes
    w, s, e, n = r.bounds
    assert w <= -3 < w + 0.006 and e >= -2.5 > e - 0.006
    assert s <= 53 < s + 0.004 and n >= 53.5 > n - 0.004
    x0, y0 = picture.world_px(w, n)
    assert (float(x0), float(y0)) == pytest.approx(r.origin, abs=1e-6)


def test_png_colours_every_area_by_its_class():
    r = picture.area_raster([shapely.box(-3, 53, -2.9, 53.1), shapely.box(-2.9, 53, -2.8, 53.1)])
    palette = [(189, 189, 189), (10, 20, 30), (200, 100, 50)]
    img = Image.open(io.BytesIO(picture.png(r, np.array([2, 0]), palette)))
    assert img.mode == "P" and img.info.get("transparency") == 0
    rgb = np.asarray(img.convert("RGBA"))
    assert tuple(rgb[r.pixel_of(-2.95, 53.05)]) == (200, 100, 50, 255)
    assert tuple(rgb[r.pixel_of(-2.85, 53.05)]) == (189, 189, 189, 255)  # no value: grey
    with pytest.raises(ValueError):
        picture.png(r, np.array([1]), palette)  # one class per area
    with pytest.raises(ValueError):
        picture.png(r, np.array([1, 3]), palette)  # outside the palette


def test_england_picture_matches_the_published_deciles(tmp_static, places):
    """Every pixel of the IMD picture is its area's class colour; the most and least
    deprived LSOAs of IoD2019 (ranks 1 and 32,844 in MHCLG's File 1: E01021988 Tendring
    018A, Jaywick, and E01017787) are drawn in deciles 1 and 10; inside every large LSOA
    the picture shows that LSOA's own decile."""
    england = places.get("england")
    geo = am.GEOGRAPHIES["lsoa19"]
    prop = maps.accessor_prop(am.get("imd_score"), geo, england, "national")
    src = maps.picture_file("lsoa19", england, "iod", prop)
    name = src.url.rsplit("/", 1)[1]
    assert name.endswith(".png") and static_geo.is_valid(tmp_static / name)
    data = (tmp_static / name).read_bytes()
    assert data.startswith(static_geo.PNG_SIGNATURE) and len(data) < 400_000
    raster = maps._area_raster("lsoa19", england, "iod")
    assert src.bounds == pytest.approx(raster.bounds, abs=1e-6)
    img = Image.open(io.BytesIO(data))
    assert (img.height, img.width) == raster.shape
    rgba = np.asarray(img.convert("RGBA")).reshape(-1, 4)
    drawn, geoms = maps._drawn_geometry("lsoa19", england, "iod")
    classes = maps.picture_classes("lsoa19", england, "iod", prop)
    palette = np.array([(0, 0, 0, 0)] + [(*c, 255) for c in maps.PALETTE_RGB])
    ids = raster.ids.reshape(-1).astype(np.int64)
    expected = palette[np.where(ids > 0, classes[np.maximum(ids - 1, 0)] + 1, 0)]
    assert (rgba == expected).all()
    codes = list(drawn.index)
    for code, decile in (("E01021988", 1), ("E01017787", 10)):
        i = codes.index(code)
        assert classes[i] == decile
        assert (raster.ids == i + 1).sum() >= 1, f"{code} has no pixel"
    # geometry: inside every LSOA at least two pixels wide, the pixel is that LSOA's own,
    # or, where the boundary file has one LSOA lying on another (E01024573 on E01024572:
    # no hole), the smaller one's, which is also the one WebGL draws on top
    inner = shapely.buffer(geoms, -0.012)
    big = np.flatnonzero(~shapely.is_empty(inner))
    assert len(big) > 3000
    points = shapely.point_on_surface(inner[big])
    tree = shapely.STRtree(geoms)
    areas = shapely.area(geoms)
    for i, pt in zip(big, points, strict=True):
        under = tree.query(pt, predicate="intersects")
        own = under[np.argmin(areas[under])]
        assert raster.ids[raster.pixel_of(pt.x, pt.y)] == own + 1, codes[i]


def test_england_deck_draws_the_picture_under_empty_low_zoom_tiles():
    source = maps.TileSource("/app/static/tiles-x-0123456789abcdef/{z}/{x}/{y}.json",
                             (-6.4, 49.9, 1.8, 55.8), 7, 9, 2)
    view = maps.fit_view((-6.4, 49.9, 1.8, 55.8))

    def spec(prop: str) -> dict:
        pic = maps.PictureSource(f"/app/static/picture-{prop}-0123456789abcdef.png",
                                 (-6.42, 49.86, 1.76, 55.81))
        layers = maps.MapLayers(areas=None, tiles=source, picture=pic,
                                layer_id="areas-lsoa19-england", stroked=False)
        return json.loads(maps.deck_json(layers, prop, view, trigger=f"iod:{prop}"))

    a, b = spec("d0"), spec("d3")
    bitmap, area = a["layers"][0], a["layers"][1]
    assert bitmap["@@type"] == "BitmapLayer" and not bitmap["pickable"]
    assert bitmap["image"].endswith(".png") and bitmap["bounds"] == [-6.42, 49.86, 1.76, 55.81]
    assert area["@@type"] == "TileLayer" and area["pickable"]
    # the picture shows below the tiles' polygon level: screen zoom 6.5 with the offset
    assert picture.POLYGON_LEVEL - area["zoomOffset"] - 0.5 == 6.5
    assert {k for k in bitmap if bitmap[k] != b["layers"][0][k]} == {"image"}
    assert {k for k in area if area[k] != b["layers"][1][k]} == {"getFillColor",
                                                                  "updateTriggers"}


def test_area_raster_is_kept_on_disk_not_in_memory_and_rebuilt_if_damaged(tmp_static, places):
    """A new indicator's picture needs the area raster: it is read from the unserved
    .static-meta folder, not rebuilt, and the geometry read to build it is not kept (a
    server with its files built never holds the tens of MB of boundaries)."""
    from loaders import snapshot

    england = places.get("england")
    maps.view_frame("lsoa19", england, "iod")  # (builds the boundary-codes sidecar)
    snapshot.geo_table.cache_clear()
    first = maps._area_raster("lsoa19", england, "iod")
    assert snapshot.geo_table.cache_info().currsize == 0
    files = list(static_geo.meta_dir().glob("raster-lsoa19-england-*.npz"))
    assert len(files) == 1 and not list(tmp_static.glob("raster-*"))
    again = maps._area_raster("lsoa19", england, "iod")
    assert again.bounds == first.bounds and (again.ids == first.ids).all()
    files[0].write_bytes(b"not a raster")
    rebuilt = maps._area_raster("lsoa19", england, "iod")
    assert (rebuilt.ids == first.ids).all()
    with pytest.raises(ValueError):
        picture.load(files[0], first.areas + 1)  # a raster of other areas is refused
