"""A pre-drawn picture of all England's LSOAs, which the map shows at the England view.

Why: at the England view an LSOA is one to three screen pixels across, but drawing them as
polygons makes every frame rasterise ~180,000 triangles. In software WebGL (no GPU: this
machine, many users' VMs) the page's main thread waits ~0.3 s for that raster on every
redraw, for example an indicator change. A picture is two triangles and one texture. The
map shows the picture below screen zoom 6.5 and the LSOA polygons (source geometry, from
:mod:`explorer.tiles`) from there in, where an area is big enough to point at.

How: the areas are rasterised once per map extent into an *area raster*: each pixel holds
``1 +`` the index of the area that covers it, or 0. Each indicator's picture is then a
look-up of every area's class in that raster (a NumPy take), saved as a palette PNG in the
map's own colours (:data:`explorer.maps.PALETTE_RGB`, index 0 transparent). So the picture
and the polygons show the same class for an area, and an indicator change makes a new
picture in tens of milliseconds instead of re-rasterising polygons.

The raster is in Web Mercator pixels at :data:`ZOOM` (deck.gl's 512-pixel world), the
projection deck.gl's ``BitmapLayer`` stretches an image over when it is given the
picture's lon/lat ``bounds``. Zoom 7 gives England about 1,500 × 1,600 pixels: one picture
pixel per screen pixel at zoom 7, and two per screen pixel at the England view of a
1920-pixel screen (zoom ~6).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

#: Layout version of the pictures: bump to regenerate them after a change here.
FORMAT = "1"
#: Zoom whose pixels the picture has (deck.gl world of 512 px at zoom 0).
ZOOM = 7.0
#: The map draws polygons, not the picture, from this tile level (see explorer.tiles).
POLYGON_LEVEL = 9
WORLD_PX = 512.0


def world_px(lon: np.ndarray | float, lat: np.ndarray | float,
             zoom: float = ZOOM) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates (x east, y south) at ``zoom``."""
    size = WORLD_PX * 2.0 ** zoom
    lon = np.asarray(lon, dtype="float64")
    lat = np.clip(np.asarray(lat, dtype="float64"), -85.0511, 85.0511)
    x = (lon + 180.0) / 360.0 * size
    r = np.radians(lat)
    y = (1.0 - np.log(np.tan(r) + 1.0 / np.cos(r)) / math.pi) / 2.0 * size
    return x, y


def lonlat(x: float, y: float, zoom: float = ZOOM) -> tuple[float, float]:
    """The inverse of :func:`world_px`."""
    size = WORLD_PX * 2.0 ** zoom
    lon = x / size * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * y / size))))
    return lon, lat


@dataclass(frozen=True)
class AreaRaster:
    """Which area covers each pixel (``ids``: 0 = none, ``i + 1`` = area ``i``), and the
    picture's corners: ``origin`` in world pixels and ``bounds`` (west, south, east, north)
    in degrees, exactly the pixels' outer edges."""

    ids: np.ndarray
    origin: tuple[int, int]
    bounds: tuple[float, float, float, float]
    areas: int
    zoom: float = ZOOM

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.ids.shape[0]), int(self.ids.shape[1])

    def pixel_of(self, lon: float, lat: float) -> tuple[int, int]:
        """(row, column) of the pixel holding a point."""
        x, y = world_px(lon, lat, self.zoom)
        return int(math.floor(float(y))) - self.origin[1], \
            int(math.floor(float(x))) - self.origin[0]


def area_raster(geoms: Sequence[shapely.Geometry], zoom: float = ZOOM) -> AreaRaster:
    """Rasterise polygons (a coverage such as the LSOAs) into an :class:`AreaRaster`.

    Larger areas are drawn first, each with its holes cleared, so an enclave (drawn later:
    its box is inside its container's) shows through its container's hole. An area smaller
    than a pixel may cover no pixel at all, as it would on screen.
    """
    arr = np.asarray(geoms, dtype=object)
    if len(arr) >= 2 ** 31 - 1:
        raise ValueError("too many areas for one raster")
    w, s, e, n = shapely.total_bounds(arr)
    x0, y1 = world_px(w, s, zoom)
    x1, y0 = world_px(e, n, zoom)
    ox, oy = int(math.floor(float(x0))), int(math.floor(float(y0)))
    width = int(math.ceil(float(x1))) - ox
    height = int(math.ceil(float(y1))) - oy
    from PIL import Image, ImageDraw  # ~4 MB: only a process that draws a picture needs it

    img = Image.new("I", (max(width, 1), max(height, 1)), 0)
    draw = ImageDraw.Draw(img)
    order = np.argsort(-shapely.area(shapely.envelope(arr)), kind="stable")

    def ring_px(ring: shapely.LinearRing) -> list[tuple[float, float]]:
        xy = np.asarray(ring.coords)[:, :2]
        px, py = world_px(xy[:, 0], xy[:, 1], zoom)
        return list(zip((px - ox).tolist(), (py - oy).tolist(), strict=True))

    for i in order:
        g = arr[i]
        if g is None or g.is_empty:
            continue
        polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        for p in polys:
            draw.polygon(ring_px(p.exterior), fill=int(i) + 1)
            for hole in p.interiors:
                draw.polygon(ring_px(hole), fill=0)
    ids = np.asarray(img, dtype=np.int32)
    ids = ids.astype(np.uint16 if len(arr) < 2 ** 16 else np.int32)
    west, north = lonlat(ox, oy, zoom)
    east, south = lonlat(ox + width, oy + height, zoom)
    return AreaRaster(ids, (ox, oy), (west, south, east, north), len(arr), zoom)


def save(raster: AreaRaster, path: Path) -> None:
    """Write a raster (compressed NumPy archive) atomically: a reader never meets half a
    file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-raster-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, ids=raster.ids, origin=np.asarray(raster.origin),
                                bounds=np.asarray(raster.bounds), areas=raster.areas,
                                zoom=raster.zoom)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load(path: Path, areas: int) -> AreaRaster:
    """A raster written by :func:`save`; ``ValueError`` if it is not one of ``areas`` areas
    at :data:`ZOOM` (damaged, or from another build)."""
    with np.load(path, allow_pickle=False) as z:
        ids = z["ids"]
        origin = tuple(int(v) for v in z["origin"])
        bounds = tuple(float(v) for v in z["bounds"])
        stored, zoom = int(z["areas"]), float(z["zoom"])
    if stored != areas or zoom != ZOOM or ids.ndim != 2 or len(origin) != 2 \
            or len(bounds) != 4 or (ids.size and int(ids.max()) > areas):
        raise ValueError(f"{path.name} is not a raster of {areas} areas at zoom {ZOOM}")
    return AreaRaster(ids, (origin[0], origin[1]), (bounds[0], bounds[1], bounds[2],
                                                     bounds[3]), areas, zoom)


def png(raster: AreaRaster, classes: np.ndarray,
        palette: Sequence[tuple[int, int, int]]) -> bytes:
    """The picture of one indicator: every area's pixels in ``palette[class]`` (class 0 =
    no value, the palette's first colour), no area transparent. ``classes`` holds one
    integer class per area, in the raster's area order."""
    classes = np.asarray(classes)
    if len(classes) != raster.areas:
        raise ValueError(f"{len(classes)} classes for {raster.areas} areas")
    if len(palette) > 255:
        raise ValueError("a palette PNG holds at most 255 colours besides transparency")
    bad = (classes < 0) | (classes >= len(palette))
    if bad.any():
        raise ValueError(f"classes outside the palette: {sorted(set(classes[bad].tolist()))}")
    from PIL import Image

    lut = np.zeros(raster.areas + 1, dtype=np.uint8)
    lut[1:] = classes.astype(np.uint8) + 1  # palette index 0 is transparent
    img = Image.fromarray(lut[raster.ids], mode="P")
    img.putpalette([0, 0, 0, *(c for rgb in palette for c in rgb)])
    out = io.BytesIO()
    img.save(out, format="PNG", transparency=0, compress_level=6)
    return out.getvalue()
