"""Pre-cut GeoJSON tiles for the all-England LSOA maps, coarser at low zoom.

Why: drawing all 32,844 LSOAs in one GeoJSON file makes every frame rasterise ~300k
triangles; in software WebGL (no GPU: this machine, many users' VMs) the page's main thread
waits for that raster on every redraw (an indicator change, a hover highlight) and a repeat
visit re-parses and re-tessellates 20 MB. At the England view an LSOA is a few pixels wide,
so its exact shape is invisible. deck.gl's ``TileLayer`` (registered in Streamlit's bundled
JSON converter) reads static ``{z}/{x}/{y}.json`` files with its built-in JSON loader (no
worker, no CDN) and draws each tile with a ``GeoJsonLayer``, so:

* the tiles for screen zoom 5 and 6 (the England view) hold the same features with
  topology-preserving simplified geometry (``shapely.coverage_simplify``: shared borders
  stay shared, no slivers or gaps) at about half a screen pixel, and 4-decimal coordinates;
* from screen zoom 7 (over-zoomed beyond) the tiles hold the source geometry at 5
  decimals, and only the tiles in view are fetched and drawn;
* tiles are a quarter of the usual size (``ZOOM_OFFSET`` = 2: tile level = screen zoom + 2,
  about 13 non-empty tiles for the England view): deck.gl's picking draws only the tiles
  under the pointer, so a hover or a click on the England map is quick enough for a tap to
  count as a click in software WebGL (with 3 tiles holding all England, picking one point
  took longer than deck.gl's 250 ms tap limit and clicks selected nothing), and loading
  parses and tessellates one small tile per main-thread task instead of one big one;
* every feature keeps all its properties (tooltip text and class of every indicator of the
  group), so changing the indicator is still only a new fill accessor: no re-fetch.

Measured (``bench/bench_map.py``, 3 runs, median, 2 cores at load 4-10, so wall times are
inflated): all England cold 6.8 s (one file 10.6 s),
repeat visit 6.3 s (13.0 s), indicator change 1.4 s (2.9 s) with a longest main-thread task
of 1.0 s (2.2 s). The long task is the frame's commit waiting for the software-WebGL raster
(``GLES2::ReadPixels`` in a Chrome trace), not JavaScript, so it shrinks with the triangles
drawn, not with less parsing. The price: tiles arrive one by one and each redraws the map, so
the GPU process spends more CPU on a first visit (11 s against 3.4 s) while the page's own
main thread is blocked for shorter stretches.

With a picture (:mod:`explorer.picture`, the default) the levels of the England view hold
empty tiles: the map shows the picture there, and these tiles only keep the layer from
asking for files that do not exist. Polygons start at the level of screen zoom 6.5
(``picture.POLYGON_LEVEL``), where an LSOA is big enough to point at.

A feature goes into every tile its bounding box touches (no clipping), so an LSOA on a
tile edge is drawn whole by each tile that holds it, and hover and click see the whole area.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from explorer import picture

#: Layout version of the tiles: bump to regenerate them after a change here.
FORMAT = "3"
#: Tile size in pixels (deck.gl's TileLayer default): a tile of level z covers 512 px at
#: zoom z. With ``ZOOM_OFFSET`` the layer shows level z at screen zoom z - ZOOM_OFFSET.
TILE_SIZE = 512
ZOOM_OFFSET = 2
#: Tile levels (the TileLayer's minZoom and maxZoom: levels, after the offset).
MIN_ZOOM = 7
MAX_ZOOM = 9
#: Simplification tolerance of a level, in screen pixels at its screen zoom.
TOLERANCE_PX = 0.5
#: Coordinates are rounded to this many decimals per level (5 = about 1 m).
DECIMALS = {7: 4, 8: 4, 9: 5}


EMPTY_TILE = b'{"type":"FeatureCollection","features":[]}'


def degrees_per_pixel(zoom: float) -> float:
    """Degrees of longitude per screen pixel at a zoom (deck.gl's 512-px world at zoom 0)."""
    return 360.0 / (TILE_SIZE * 2.0 ** zoom)


def screen_zoom(z: int) -> int:
    """The screen zoom at which tile level ``z`` is shown (rounded)."""
    return z - ZOOM_OFFSET


def tolerance(z: int) -> float:
    """Simplification tolerance (degrees) of tile level ``z``; 0 = source geometry."""
    return 0.0 if z >= MAX_ZOOM else TOLERANCE_PX * degrees_per_pixel(screen_zoom(z))


def tile_x(lon: float, z: int) -> int:
    n = 2 ** z
    x, _ = picture.world_px(lon, 0.0, z)
    return min(max(int(math.floor(float(x) / TILE_SIZE)), 0), n - 1)


def tile_y(lat: float, z: int) -> int:
    """Tile row (0 = north), Web Mercator as deck.gl's TileLayer and OSM number them (the
    picture's pixels: a tile of level z is 512 of them at zoom z)."""
    n = 2 ** z
    _, y = picture.world_px(0.0, lat, z)
    return min(max(int(math.floor(float(y) / TILE_SIZE)), 0), n - 1)


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    n = 2 ** z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tile_range(bounds: Sequence[float], z: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles of level ``z`` that a lon/lat box touches."""
    x0, y0, x1, y1 = bounds
    return tile_x(x0, z), tile_y(y1, z), tile_x(x1, z), tile_y(y0, z)


def level_geometry(geoms: Sequence[shapely.Geometry], z: int) -> np.ndarray:
    """The geometry of level ``z``: coverage-simplified below ``MAX_ZOOM`` (the LSOAs are a
    coverage: simplifying it as one keeps every shared border identical on both sides)."""
    arr = np.asarray(geoms, dtype=object)
    tol = tolerance(z)
    if not tol:
        return arr
    out = shapely.coverage_simplify(arr, tol, simplify_boundary=True)
    # a sliver squeezed out by its neighbours keeps its source shape: never drop an area
    lost = shapely.is_empty(out) | ~(shapely.area(out) > 0)
    out[lost] = arr[lost]
    return out


def geometry_json(g: shapely.Geometry, decimals: int) -> str:
    """A GeoJSON MultiPolygon string with rounded coordinates (repeated points dropped)."""
    polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
    out = []
    for p in polys:
        rings = []
        for ring in (p.exterior, *p.interiors):
            xy = np.round(np.asarray(ring.coords)[:, :2], decimals)
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = np.any(xy[1:] != xy[:-1], axis=1)
            xy = xy[keep]
            if len(xy) >= 4:
                rings.append("[" + ",".join(f"[{_num(a)},{_num(b)}]" for a, b in xy) + "]")
            elif not rings:
                break  # the outer ring collapsed: drop the polygon, not promote a hole
        if rings:
            out.append("[" + ",".join(rings) + "]")
    return '{"type":"MultiPolygon","coordinates":[' + ",".join(out) + "]}"


def _feature_geometry(g: shapely.Geometry, source: shapely.Geometry, decimals: int) -> str:
    """The level's geometry, or the source's (5 decimals) if rounding left nothing."""
    text = geometry_json(g, decimals)
    if text.endswith("[]}"):
        text = geometry_json(source, 5)
    return text


def _num(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Tileset:
    """Tile files by relative path (``"z/x/y.json"``) and what the deck spec needs."""

    files: dict[str, bytes]
    extent: tuple[float, float, float, float]
    min_zoom: int = MIN_ZOOM
    max_zoom: int = MAX_ZOOM

    def meta(self) -> dict:
        return {"extent": [round(v, 5) for v in self.extent], "min_zoom": self.min_zoom,
                "max_zoom": self.max_zoom, "zoom_offset": ZOOM_OFFSET,
                "tiles": len(self.files)}


def build(geoms: Sequence[shapely.Geometry], props: Sequence[str],
          empty_below: int | None = None) -> Tileset:
    """Cut features (source geometry and ready-made JSON ``properties`` strings, one per
    feature, in the same order) into tiles for every level from ``MIN_ZOOM`` to
    ``MAX_ZOOM``. Every tile inside the extent's box is written, empty or not, so the layer
    never asks for a missing file. Levels below ``empty_below`` hold empty tiles: the map
    shows a picture there (:mod:`explorer.picture`) and the layer draws nothing."""
    geoms = list(geoms)
    if len(geoms) != len(props):
        raise ValueError("one properties string per geometry")
    extent = tuple(float(v) for v in shapely.total_bounds(np.asarray(geoms, dtype=object)))
    files: dict[str, bytes] = {}
    for z in range(MIN_ZOOM, MAX_ZOOM + 1):
        if empty_below is not None and z < empty_below:
            ex0, ey0, ex1, ey1 = tile_range(extent, z)
            for x in range(ex0, ex1 + 1):
                for y in range(ey0, ey1 + 1):
                    files[f"{z}/{x}/{y}.json"] = EMPTY_TILE
            continue
        level = level_geometry(geoms, z)
        feats = ['{"type":"Feature","properties":' + p + ',"geometry":'
                 + _feature_geometry(g, src, DECIMALS[z]) + "}"
                 for g, src, p in zip(level, geoms, props, strict=True)]
        boxes = shapely.bounds(level)
        members: dict[tuple[int, int], list[int]] = {}
        for i, box in enumerate(boxes):
            x0, y0, x1, y1 = tile_range(box, z)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    members.setdefault((x, y), []).append(i)
        ex0, ey0, ex1, ey1 = tile_range(extent, z)
        cells = {(x, y) for x in range(ex0, ex1 + 1) for y in range(ey0, ey1 + 1)}
        for x, y in sorted(cells | set(members)):
            idx = members.get((x, y), [])
            files[f"{z}/{x}/{y}.json"] = (
                '{"type":"FeatureCollection","features":['
                + ",".join(feats[i] for i in idx) + "]}").encode()
    return Tileset(files, extent)  # type: ignore[arg-type]
