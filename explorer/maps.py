"""Choropleth builders for the map page: areas in view, classes, colours, legend, deck spec.

Pure functions of the snapshot (no Streamlit). The design follows the measurements in
``../shared/notes/map-performance.md``:

* geometry never travels on the websocket: each (geography, extent, indicator group) is a
  content-hashed static GeoJSON file (:mod:`explorer.static_geo`) holding, per feature, the
  tooltip text and colour class of *every* series of the group (all the IoD indicators are
  one group), so changing the indicator only changes the fill accessor and its
  ``updateTriggers`` (no re-download, no re-tessellation);
* all-England LSOA maps are pre-cut tiles instead (:mod:`explorer.tiles`, a ``TileLayer``):
  coarser, topology-preserving simplified geometry at national zoom, the source geometry
  when zoomed in, only the tiles in view fetched and drawn (``HEE_MAP_TILES=0`` turns this
  off: one file, as for the other maps, e.g. to compare them in ``bench/bench_map.py``);
* at the England view (below screen zoom 6.5) those maps show a pre-drawn picture of every
  LSOA's class instead of polygons (:mod:`explorer.picture`, a ``BitmapLayer``: two
  triangles instead of ~180,000 in software WebGL), one small PNG per indicator; the tiles
  hold polygons from zoom 6.5 in, where an LSOA is big enough to point at
  (``HEE_MAP_PICTURE=0``: polygons at every zoom, the previous design);
* the deck spec is a few KB of compact, deterministic JSON (:class:`PreSerialisedDeck`):
  Streamlit parses it with a slow JSON5 parser and re-sends it only when its bytes change;
* colours come from one fixed palette (``explorer.palette``), indexed by class: 0 = no
  value, 1..10 = deciles (1 = most deprived, darkest), the same on every page and extent.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from explorer import area_metrics as am
from explorer import picture, static_geo, tiles
from explorer.area_metrics import AreaIndicator, Geography
from explorer.codes import member
from explorer.palette import DECILE_COLOURS, HIGHLIGHT, MISSING_COLOUR, hex_to_rgb
from explorer.places import Place
from loaders import snapshot

Scheme = Literal["national", "quantiles"]
SCHEMES: dict[str, str] = {
    "national": "National deciles",
    "quantiles": "Quantiles in view",
}
DEFAULT_SCHEME = "national"
#: Map colours by class: index 0 = no value, 1..10 = the decile palette.
PALETTE: tuple[str, ...] = (MISSING_COLOUR, *DECILE_COLOURS)
PALETTE_RGB: tuple[tuple[int, int, int], ...] = tuple(tuple(hex_to_rgb(c)) for c in PALETTE)
#: Assumed map size when fitting the view to an extent (the page's map column).
#: The map's width in a 1400-px window (the map column): "Zoom to" fits an area in it.
MAP_WIDTH_PX = 640
#: The map's width on a phone (a 390-px screen less the page's margins).
PHONE_MAP_WIDTH_PX = 350
MAP_HEIGHT_PX = 620
ENGLAND_BOUNDS = (-6.4, 49.9, 1.8, 55.8)
#: Format of the static files; bump to regenerate them after a change to their layout.
STATIC_FORMAT = "6"
#: An area is in view when at least this share of its LSOAs is inside the extent.
INSIDE_SHARE = 0.5


class CompactDeck(pdk.Deck):
    """pydeck's ``to_json`` writes ``indent=2, sort_keys=True``: 3x bigger and, on Python
    3.11, the slow pure-Python encoder. Streamlit calls ``to_json`` on every rerun."""

    def to_json(self) -> str:
        return json.dumps(self, default=default_serialize, separators=(",", ":"),
                          allow_nan=False)


class PreSerialisedDeck(pdk.Deck):
    """A deck whose JSON was built (and cached) beforehand: a rerun costs no serialising.

    Streamlit reads the tooltip from the Deck object, not the spec, so pass it here.
    """

    def __init__(self, spec_json: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spec_json = spec_json

    def to_json(self) -> str:
        return self._spec_json


# --------------------------------------------------------------------------------------
# Areas in view


def england_like(extent: Place) -> bool:
    return extent.kind == "country"


def in_coverage(geo: Geography, extent: Place) -> bool:
    """Whether the extent lies (mostly) where the geography has boundaries."""
    if geo.coverage is None:
        return True
    if geo.lsoa_year == 2011:
        rgn = snapshot.table("geo_lsoa11").set_index("lsoa11cd")["rgn19cd"]
        codes = extent.lsoa11
    else:
        rgn = snapshot.table("geo_lsoa21").set_index("lsoa21cd")["rgncd"]
        codes = extent.lsoa21
    if not codes:
        return False
    inside = rgn.reindex(list(codes)).eq(geo.coverage).mean()
    return bool(inside >= 0.5)


@functools.cache
def _boundary_codes(table: str) -> frozenset[str]:
    """Codes that have a shape in a boundary table, from a small static sidecar file so a
    server with its map files built never loads the geometry (tens of MB) to serve maps."""
    key = [STATIC_FORMAT, *_table_hashes([table])]

    def build() -> bytes:
        codes = sorted(snapshot.geo_table(table)["code"].astype(str))
        return json.dumps(codes, separators=(",", ":")).encode()

    name = static_geo.ensure(f"codes-{table}", key, build)
    # interned: the codes are then the place registry's own strings, not another copy
    return frozenset(map(sys.intern, json.loads((static_geo.static_dir() / name).read_bytes())))


def _has_shape(codes: Iterable[str], table: str) -> pd.Series:
    """Whether each code has a shape in the boundary table (a set look-up per code: a
    pandas ``isin`` against all 33,000 codes cost more than the rest of a local view)."""
    have = _boundary_codes(table)
    index = codes if isinstance(codes, pd.Index) else None
    values = codes.tolist() if isinstance(codes, pd.Series | pd.Index) else list(codes)
    return pd.Series([c in have for c in values], index=index, dtype=bool)


@functools.cache
def _areas_of(geo_id: str) -> tuple[np.ndarray, pd.Index]:
    """Each membership row's area as an integer (-1: none) and the areas, sorted: made once
    per geography, so an extent's share per area is two ``bincount`` calls, not a pandas
    group-by that factorises 33,000 text codes again for every new extent."""
    codes, areas = pd.factorize(am.membership(geo_id)["area"], sort=True)
    return codes, pd.Index(areas)


def _share_inside(geo_id: str, lsoas: Iterable[str]) -> pd.Series:
    """Share of each area's LSOAs that are among ``lsoas`` (index: the areas, sorted)."""
    codes, areas = _areas_of(geo_id)
    flag = member(am.membership(geo_id)["lsoa"], set(lsoas))
    known = codes >= 0
    total = np.bincount(codes[known], minlength=len(areas))
    inside = np.bincount(codes[known], weights=flag[known], minlength=len(areas))
    return pd.Series(inside / total, index=areas)


@functools.cache
def _orphan_wards(geo_id: str) -> pd.DataFrame:
    """Wards with a shape but no LSOA in the lookup (two in Cumbria), with their district."""
    geo = am.GEOGRAPHIES[geo_id]
    bt = snapshot.geo_table(geo.boundary_table)  # small: the North West's wards
    return bt.loc[~member(bt["code"], _areas_of(geo_id)[1]), ["code", "lad19cd"]].copy()


@functools.lru_cache(maxsize=256)
def areas_in_view(geo_id: str, extent: Place) -> tuple[str, ...]:
    """Codes of the areas of a geography in an extent, sorted (with or without geometry).

    An area is in view when at least half its LSOAs are inside the extent; an extent smaller
    than one area shows the areas it touches. Areas that have a shape but no LSOA (two
    Cumbrian wards) are in view when their district is (by the same rule).
    """
    geo = am.GEOGRAPHIES[geo_id]
    share = _share_inside(geo_id, extent.lsoas(geo.vintage))
    codes = set(share.index[share >= INSIDE_SHARE])
    if not codes:
        codes = set(share.index[share > 0])
    if geo.level == "ward":
        orphans = _orphan_wards(geo_id)
        if len(orphans):
            share19 = _share_inside("district19", extent.lsoa11)
            districts = set(share19.index[share19 >= INSIDE_SHARE])
            codes |= set(orphans.loc[member(orphans["lad19cd"], districts), "code"])
    return tuple(sorted(codes))


@functools.lru_cache(maxsize=256)
def partly_in_view(geo_id: str, extent: Place) -> tuple[tuple[str, float], ...]:
    """Areas of the geography that reach into the extent but are not drawn (less than half
    of their LSOAs inside), with the share inside: the map says which, so a region that is
    part of a larger area (North Cumbria in its ICB) is not an unexplained blank."""
    if england_like(extent):
        return ()
    geo = am.GEOGRAPHIES[geo_id]
    share = _share_inside(geo_id, extent.lsoas(geo.vintage))
    drawn = set(areas_in_view(geo_id, extent))
    part = share[(share > 0) & ~member(share.index, drawn)].sort_values(ascending=False)
    return tuple((str(c), float(s)) for c, s in part.items())


@dataclass(frozen=True)
class SeriesColumns:
    """Where one series lives in the view frame and in the static file properties."""

    key: str
    index: int
    primary: AreaIndicator

    @property
    def text_prop(self) -> str:
        return f"s{self.index}"

    @property
    def class_prop(self) -> str:
        return f"d{self.index}"

    @property
    def view_prop(self) -> str:
        return f"q{self.index}"


def series_columns(geo: Geography, group: str | None = None) -> list[SeriesColumns]:
    """The series of a geography (in one static-file group, or all) with their property
    index in that group's file (stable registry order)."""
    out = []
    groups = [group] if group else list(dict.fromkeys(i.file_group for i in am.available(geo)))
    for g in groups:
        for i, key in enumerate(am.series_keys(geo, g)):
            primary = next(ind for ind in am.available(geo) if ind.series_key == key)
            out.append(SeriesColumns(key, i, primary))
    return out


def series_of(ind: AreaIndicator, geo: Geography) -> SeriesColumns:
    for s in series_columns(geo, ind.file_group):
        if s.key == ind.series_key:
            return s
    raise KeyError(f"indicator {ind.id} is not available for {geo.id}")


def view_frame(geo_id: str, extent: Place, group: str = "iod") -> pd.DataFrame:
    """One row per area in view (index: code), read-only; cached and shared by all sessions.

    Columns: ``name``, ``parent``, ``has_geometry``, ``population``; for every indicator of
    the file group available at the geography ``v:<id>`` (value) and ``n:<id>`` (national
    class); for every series of the group ``q:<key>`` (class among the areas in view, by the
    series' primary value). Only the requested group is computed: health indicators load
    their LSOA data on first use.

    Two bounds: all-England views are ~15 MB each (a few kept); a district's or town's is
    a few hundred kB, and a room visits dozens of them, so many more are kept (a cache of
    twelve of both kinds was rebuilt on almost every map run under a room's load).
    """
    if england_like(extent):
        return _england_view_frame(geo_id, extent, group)
    return _local_view_frame(geo_id, extent, group)


@functools.lru_cache(maxsize=6)
def _england_view_frame(geo_id: str, extent: Place, group: str) -> pd.DataFrame:
    return _view_frame(geo_id, extent, group)


@functools.lru_cache(maxsize=96)
def _local_view_frame(geo_id: str, extent: Place, group: str) -> pd.DataFrame:
    return _view_frame(geo_id, extent, group)


class _Picker:
    """``series.reindex(codes).astype("float64")`` for many series: the positions of the
    codes are looked up once per distinct index (the IoD columns share one), not per
    column (a pandas reindex per column was a third of a new local map view)."""

    def __init__(self, codes: pd.Index) -> None:
        self.codes = codes
        self._found: list[tuple[pd.Index, np.ndarray, np.ndarray]] = []

    def __call__(self, series: pd.Series) -> pd.Series:
        found = next((f for f in self._found if f[0] is series.index), None)
        if found is None:
            pos = series.index.get_indexer(self.codes)
            found = (series.index, pos, pos < 0)
            self._found.append(found)
        _, pos, missing = found
        source = series.to_numpy(dtype="float64", na_value=np.nan)
        values = source[pos] if len(source) else np.full(len(pos), np.nan)
        values[missing] = np.nan
        return pd.Series(values, index=self.codes, name=series.name)


def _view_frame(geo_id: str, extent: Place, group: str) -> pd.DataFrame:
    geo = am.GEOGRAPHIES[geo_id]
    codes = pd.Index(areas_in_view(geo_id, extent), name="code")
    names = am.area_names(geo_id).reindex(codes)
    if names["name"].isna().any():  # an area known only from its boundary file
        bnames = snapshot.geo_table(geo.boundary_table).set_index("code")["name"]
        names["name"] = names["name"].fillna(bnames.reindex(codes))
    names["name"] = names["name"].fillna(pd.Series(codes, codes))
    cols: dict[str, object] = {
        "name": names["name"].astype(str),
        "parent": names["parent"].fillna("").astype(str),
        "has_geometry": _has_shape(codes, geo.boundary_table),
        "population": am.area_values(geo_id)["population"].reindex(codes),
    }
    pick = _Picker(codes)
    for ind in am.available(geo):
        if ind.file_group == group:
            cols[f"v:{ind.id}"] = pick(ind.values(geo))
            cols[f"n:{ind.id}"] = pick(ind.classes(geo))
    for s in series_columns(geo, group):
        if s.primary.is_flag(geo):
            cols[f"q:{s.key}"] = cols[f"n:{s.primary.id}"]
        else:
            cols[f"q:{s.key}"] = am.quantile_classes(cols[f"v:{s.primary.id}"],  # type: ignore
                                                     s.primary.polarity)
    return pd.DataFrame(cols, index=codes)


# --------------------------------------------------------------------------------------
# Classes, colours, legend


def class_column(ind: AreaIndicator, geo: Geography, scheme: str) -> str:
    if scheme == "quantiles":
        return f"q:{ind.series_key}"
    return f"n:{ind.id}"


def fill_accessor(prop: str) -> str:
    """deck.gl JSON expression: palette colour by the class in ``properties[prop]``.

    A missing class (null or "–") falls to index 0, the neutral grey. The palette literal is
    parenthesised because deck.gl's expression parser (jsep 0.3) only allows member access
    after an identifier or a parenthesised expression, not directly after an array literal.
    """
    palette = ",".join(f"[{r},{g},{b}]" for r, g, b in PALETTE_RGB)
    return f"([{palette}])[properties.{prop}>0?properties.{prop}:0]"


def _needs_view_classes(primary: AreaIndicator, geo: Geography, extent: Place) -> bool:
    """Whether a series needs its own in-view classes in the static file: not for yes/no
    flags, and not on all-England maps where ranking in view *is* the national ranking
    (except for fixed bands, which are not a ranking)."""
    if primary.is_flag(geo):
        return False
    return not england_like(extent) or primary.method(geo) == "bands"


def accessor_prop(ind: AreaIndicator, geo: Geography, extent: Place, scheme: str) -> str:
    """The feature property the fill colour reads for an indicator and a class scheme."""
    s = series_of(ind, geo)
    if scheme == "quantiles" and _needs_view_classes(s.primary, geo, extent):
        return s.view_prop
    return s.class_prop


@dataclass(frozen=True)
class LegendEntry:
    cls: int
    colour: str
    label: str
    count: int


@dataclass(frozen=True)
class Legend:
    title: str
    entries: tuple[LegendEntry, ...]
    missing: int
    missing_colour: str = MISSING_COLOUR
    note: str = ""

    @property
    def total(self) -> int:
        return sum(e.count for e in self.entries) + self.missing


def _range_label(lo: float, hi: float, ind: AreaIndicator, geo: Geography) -> str:
    a, b = ind.format(lo, geo), ind.format(hi, geo)
    return a if a == b else f"{a} to {b}"


def _decile_words(cls: int, ind: AreaIndicator) -> str:
    return {1: f" ({ind.class_words[0]})", 10: f" ({ind.class_words[1]})"}.get(cls, "")


def legend(view: pd.DataFrame, ind: AreaIndicator, geo: Geography, scheme: str) -> Legend:
    """Legend entries with counts of the areas in view (drawn areas and areas without a
    shape alike, so the counts match the table)."""
    col = class_column(ind, geo, scheme)
    classes = view[col]
    values = view[f"v:{ind.id}"]
    missing = int(classes.isna().sum())
    method = ind.method(geo)
    entries: list[LegendEntry] = []
    if method == "flag":
        for cls, label in ind.lsoa_flag_labels:
            entries.append(LegendEntry(cls, PALETTE[cls], label, int((classes == cls).sum())))
        title = ind.label
        note = ""
    elif method == "bands" and scheme == "national":
        for cls, label in sorted(ind.class_labels):
            entries.append(LegendEntry(cls, PALETTE[cls], label, int((classes == cls).sum())))
        title = f"{am.value_label(ind, geo)}: fixed bands"
        note = "Bands of 10 percentage points, the same on every map."
    else:
        # ranges of the values in each class: nationally (deciles) or in view (quantiles)
        if scheme == "national":
            ref_v = ind.values(geo)
            ref_c = ind.classes(geo).reindex(ref_v.index)
            where = f"all English {geo.plural}"
        else:
            ref_v, ref_c = values, classes
            where = "the areas on this map"
        rng = pd.DataFrame({"v": ref_v, "c": ref_c}).dropna().groupby("c")["v"].agg(["min",
                                                                                      "max"])
        is_decile = ind.id.endswith("_decile") and geo.is_lsoa
        for cls in range(1, 11):
            count = int((classes == cls).sum())
            if cls in rng.index and not is_decile:
                label = f"{cls}{_decile_words(cls, ind)}: " + _range_label(
                    rng.loc[cls, "min"], rng.loc[cls, "max"], ind, geo)
            else:
                label = f"{cls}{_decile_words(cls, ind)}"
            if scheme == "quantiles" and cls not in rng.index:
                continue
            entries.append(LegendEntry(cls, PALETTE[cls], label, count))
        kind = "National decile" if scheme == "national" else "Decile in view"
        title = f"{am.value_label(ind, geo)}: {kind.lower()}"
        note = f"Deciles of {where}; 1 = {ind.class_words[0]} 10%."
        if scheme == "national" and ind.class_method == "official_decile" and geo.is_lsoa:
            note = "Official IoD deciles of all LSOAs in England; 1 = most deprived 10%."
    return Legend(title=title, entries=tuple(entries), missing=missing, note=note)


def alt_text(view: pd.DataFrame, ind: AreaIndicator, geo: Geography, extent: Place) -> str:
    """A one-sentence summary of the map for screen readers and slide notes, e.g.
    'Blackpool: 39 of 94 LSOAs in the most deprived decile (IMD score, IoD2019)'."""
    n = len(view)
    col = f"n:{ind.id}"
    method = ind.method(geo)
    if method == "flag":
        k = int((view[col] == ind.lsoa_flag_labels[0][0]).sum())
        what = f"in {ind.lsoa_flag_labels[0][1]}"
    elif method == "bands":
        k = int((view[col] <= 5).sum())
        what = "with at least half their residents in Core20 LSOAs"
    else:
        k = int((view[col] == 1).sum())
        what = ("in the most deprived decile" if ind.class_words[0] == "most deprived"
                else f"in the {ind.class_words[0]} national decile")
    noun = geo.plural if n != 1 else geo.singular
    text = (f"{extent.name}: {k:,} of {n:,} {noun} {what} "
            f"({am.value_label(ind, geo)}, IoD{geo.vintage}, {geo.label}).")
    no_geo = int((~view["has_geometry"]).sum())
    no_val = int(view[f"v:{ind.id}"].isna().sum())
    if no_geo:
        text += f" {no_geo:,} not drawn (no boundary)."
    if no_val:
        text += f" {no_val:,} without a value."
    return text


@dataclass(frozen=True)
class Gaps:
    """Areas in view that cannot be drawn or have no value: always reported, never dropped."""

    no_geometry: tuple[tuple[str, str], ...] = ()
    no_value: tuple[tuple[str, str], ...] = ()
    no_geometry_by_parent: tuple[tuple[str, int], ...] = ()

    def messages(self, geo: Geography, label: str, limit: int = 8) -> list[str]:
        out = []
        if self.no_geometry:
            n = len(self.no_geometry)
            if n > limit and self.no_geometry_by_parent:
                where = ", ".join(f"{p} ({k})" for p, k in self.no_geometry_by_parent[:limit])
                more = len(self.no_geometry_by_parent) - limit
                where += f" and {more} more" if more > 0 else ""
            else:
                where = _name_list(self.no_geometry, limit)
            out.append(f"{n:,} {geo.plural if n != 1 else geo.singular} in view have no "
                       f"boundary in the bundled data and are not drawn: {where}. They are "
                       "listed in the table.")
        if self.no_value:
            n = len(self.no_value)
            out.append(f"{n:,} {geo.plural if n != 1 else geo.singular} have no value for "
                       f"{label} (grey on the map): {_name_list(self.no_value, limit)}.")
        return out


def _name_list(items: Sequence[tuple[str, str]], limit: int) -> str:
    names = [f"{name} ({code})" for code, name in items[:limit]]
    if len(items) > limit:
        names.append(f"and {len(items) - limit:,} more")
    return ", ".join(names)


def gaps(view: pd.DataFrame, ind: AreaIndicator) -> Gaps:
    no_geo = view[~view["has_geometry"]]
    no_val = view[view["has_geometry"] & view[f"v:{ind.id}"].isna()]
    by_parent = no_geo.groupby("parent").size().sort_values(ascending=False)
    return Gaps(
        no_geometry=tuple(zip(no_geo.index, no_geo["name"], strict=True)),
        no_value=tuple(zip(no_val.index, no_val["name"], strict=True)),
        no_geometry_by_parent=tuple((str(p), int(k)) for p, k in by_parent.items()),
    )


def table_twin(view: pd.DataFrame, ind: AreaIndicator, geo: Geography, scheme: str,
               ) -> pd.DataFrame:
    """The map as a table: same areas, same values and classes, sortable and exportable."""
    value_name = f"{am.value_label(ind, geo)}" + (f" ({ind.unit})" if ind.unit == "%" else "")
    df = pd.DataFrame({
        "Code": view.index,
        "Name": view["name"].to_numpy(),
        "In": view["parent"].to_numpy(),
        value_name: view[f"v:{ind.id}"].to_numpy(),
        "National class": view[f"n:{ind.id}"].astype("Int64").to_numpy(),
    })
    if ind.is_flag(geo):
        df[value_name] = view[f"v:{ind.id}"].map(
            lambda x: None if pd.isna(x) else ("Yes" if x >= 0.5 else "No")).to_numpy()
    elif ind.id == "core20" or (ind.unit.startswith("%") and ind.id.endswith("_score")):
        df[value_name] = (view[f"v:{ind.id}"] * 100).round(2).to_numpy()
        df = df.rename(columns={value_name: f"{am.value_label(ind, geo)} (%)"})
    if scheme == "quantiles":
        df["Decile in view"] = view[f"q:{ind.series_key}"].astype("Int64").to_numpy()
    df["Population"] = view["population"].round(0).astype("Int64").to_numpy()
    df["On the map"] = np.where(view["has_geometry"].to_numpy(), "yes", "no boundary")
    return df


# --------------------------------------------------------------------------------------
# Static GeoJSON files


def _input_tables(geo: Geography, group: str) -> list[str]:
    names = {geo.boundary_table, "geo_lsoa11", "geo_lsoa21", "lsoa11_lsoa21", "wards19",
             "districts", "iod2019_lsoa11", "iod2025_lsoa21", "census2021_age_lsoa21"}
    for ind in am.available(geo):
        if ind.file_group == group:
            names.update(ind.tables)
    return sorted(names)


def _table_hashes(names: Iterable[str]) -> list[str]:
    tables = snapshot.manifest()["tables"]
    return [f"{n}={tables.get(n, {}).get('output_sha256', 'absent')}" for n in names]


def extent_key(extent: Place) -> str:
    """Identifies an extent's definition (id and LSOA sets), for cache and file keys."""
    text = f"{extent.id}|{','.join(extent.lsoa11)}|{','.join(extent.lsoa21)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _geometry_json(geoms: Sequence[shapely.Geometry]) -> list[str]:
    """GeoJSON geometry strings with 5-decimal coordinates (MultiPolygon or Polygon)."""
    out = []
    for g in geoms:
        polys = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        rings = []
        for p in polys:
            rs = [np.round(np.asarray(p.exterior.coords)[:, :2], 5).tolist()]
            rs += [np.round(np.asarray(r.coords)[:, :2], 5).tolist() for r in p.interiors]
            rings.append(rs)
        out.append(json.dumps({"type": "MultiPolygon", "coordinates": rings},
                              separators=(",", ":"), allow_nan=False))
    return out


def _props_json(props: dict) -> str:
    return json.dumps(props, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _clean_class(x: float) -> int | str:
    return "–" if x is None or pd.isna(x) else int(x)


def areas_geojson(geo_id: str, extent: Place, group: str = "iod") -> bytes:
    return _areas_geojson(geo_id, extent, group)[0]


def _drawn_geometry(geo_id: str, extent: Place, group: str,
                    ) -> tuple[pd.DataFrame, np.ndarray]:
    """The view frame's rows that have a shape (sorted by code) and their source shapes."""
    view = view_frame(geo_id, extent, group)
    drawn = view[view["has_geometry"]]
    bt = snapshot.geo_table(am.GEOGRAPHIES[geo_id].boundary_table).set_index("code")
    return drawn, bt.geometry.reindex(drawn.index).to_numpy()


def _area_features(geo_id: str, extent: Place, group: str = "iod",
                   ) -> tuple[list[str], np.ndarray, list[str]]:
    """Codes, source shapes and JSON ``properties`` of every drawable area in view, sorted
    by code (so feature indices are the same in every group's file): ``id``, name ``n``,
    place ``p`` and, for every series of the group, the tooltip text ``s<k>``, the national
    class ``d<k>`` and the class in view ``q<k>`` (omitted for all-England maps, where it
    equals the national class). No NaN, ever."""
    geo = am.GEOGRAPHIES[geo_id]
    drawn, geoms = _drawn_geometry(geo_id, extent, group)
    series = series_columns(geo, group)
    cols = {}
    for s in series:
        ind = s.primary
        cols[s.text_prop] = [ind.format(v, geo) for v in drawn[f"v:{ind.id}"]]
        cols[s.class_prop] = [_clean_class(v) for v in drawn[f"n:{ind.id}"]]
        if _needs_view_classes(ind, geo, extent):
            cols[s.view_prop] = [_clean_class(v) for v in drawn[f"q:{s.key}"]]
    names = drawn["name"].tolist()
    parents = drawn["parent"].tolist()
    codes = drawn.index.tolist()
    props = []
    for i, code in enumerate(codes):
        p = {"id": code, "n": names[i], "p": parents[i]}
        for key, values in cols.items():
            p[key] = values[i]
        props.append(_props_json(p))
    return codes, geoms, props


def _areas_geojson(geo_id: str, extent: Place, group: str = "iod") -> tuple[bytes, dict]:
    """The static file of a map: the features of :func:`_area_features`, 5-decimal
    coordinates."""
    _, geoms, props = _area_features(geo_id, extent, group)
    parts = ['{"type":"Feature","properties":' + p + ',"geometry":' + gj + "}"
             for p, gj in zip(props, _geometry_json(geoms), strict=True)]
    bounds = [round(float(x), 5) for x in shapely.total_bounds(geoms)] if len(geoms) else None
    data = ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()
    return data, {"bounds": bounds, "features": len(parts)}


def outline_geojson(geoms: Sequence[shapely.Geometry], codes: Sequence[str],
                    names: Sequence[str]) -> bytes:
    """Features with only an id and a name (the selected area's highlight)."""
    parts = []
    for code, name, gj in zip(codes, names, _geometry_json(geoms), strict=True):
        parts.append('{"type":"Feature","properties":' + _props_json({"id": code, "n": name})
                     + ',"geometry":' + gj + "}")
    return ('{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}").encode()


def areas_file(geo_id: str, extent: Place, group: str = "iod") -> str:
    """File name of the (geography, extent, indicator group) static file, generating it if
    needed."""
    return areas_file_meta(geo_id, extent, group)[0]


def areas_file_meta(geo_id: str, extent: Place, group: str = "iod") -> tuple[str, dict]:
    """File name and metadata (``bounds`` of the drawn areas, ``features``) of a map file."""
    geo = am.GEOGRAPHIES[geo_id]
    key = [STATIC_FORMAT, geo_id, group, extent_key(extent), am.signature(group),
           *_table_hashes(_input_tables(geo, group))]
    return static_geo.ensure_meta(f"areas-{geo_id}-{extent.id}-{group}", key,
                                  lambda: _areas_geojson(geo_id, extent, group))


def tiles_enabled() -> bool:
    """All-England LSOA maps use tiles unless ``HEE_MAP_TILES=0`` (the one-file design)."""
    return os.environ.get("HEE_MAP_TILES", "1") != "0"


def use_tiles(geo_id: str, extent: Place) -> bool:
    """Tiles for the maps with tens of thousands of areas: LSOAs of all England."""
    return tiles_enabled() and am.GEOGRAPHIES[geo_id].is_lsoa and england_like(extent)


@dataclass(frozen=True)
class TileSource:
    """A tile folder as the TileLayer reads it: URL template, extent and zoom range."""

    url: str
    extent: tuple[float, float, float, float]
    min_zoom: int
    max_zoom: int
    zoom_offset: int = 0


def areas_tiles_meta(geo_id: str, extent: Place, group: str = "iod") -> tuple[str, dict]:
    """Folder name and metadata (``bounds``, ``features``, tile ``extent`` and zoom range)
    of a map's tiles (:mod:`explorer.tiles`), generating them if needed."""
    geo = am.GEOGRAPHIES[geo_id]
    empty_below = picture.POLYGON_LEVEL if pictures_enabled() else None
    key = [STATIC_FORMAT, "tiles", tiles.FORMAT, geo_id, group, extent_key(extent),
           f"empty_below={empty_below}", am.signature(group),
           *_table_hashes(_input_tables(geo, group))]

    def build() -> tuple[dict[str, bytes], dict]:
        codes, geoms, props = _area_features(geo_id, extent, group)
        ts = tiles.build(geoms, props, empty_below=empty_below)
        bounds = [round(float(x), 5) for x in shapely.total_bounds(geoms)]
        return ts.files, {**ts.meta(), "bounds": bounds, "features": len(codes)}

    return static_geo.ensure_meta(f"tiles-{geo_id}-{extent.id}-{group}", key, build)


def pictures_enabled() -> bool:
    """Tiled maps show a picture at the England view unless ``HEE_MAP_PICTURE=0``."""
    return os.environ.get("HEE_MAP_PICTURE", "1") != "0"


def pictured(geo_id: str, extent: Place) -> bool:
    """Whether the map shows a picture, not polygons, at its first (England) view."""
    return pictures_enabled() and use_tiles(geo_id, extent)


@dataclass(frozen=True)
class PictureSource:
    """A map picture as the BitmapLayer reads it: image URL and lon/lat corners."""

    url: str
    bounds: tuple[float, float, float, float]


def _area_raster(geo_id: str, extent: Place, group: str) -> picture.AreaRaster:
    """The drawn areas of a tiled map rasterised once (~1 s) and kept on disk beside the
    static files' index (``.static-meta``, never served; ~1 MB compressed), so a new
    indicator's picture is a look-up that needs neither the geometry (tens of MB, read
    uncached for the build and let go) nor memory held between pictures."""
    geo = am.GEOGRAPHIES[geo_id]
    view = view_frame(geo_id, extent, group)
    codes = view.index[view["has_geometry"].to_numpy(dtype=bool)]
    digest = static_geo.key_digest(
        [STATIC_FORMAT, "raster", picture.FORMAT, str(picture.ZOOM), geo_id,
         extent_key(extent), *_table_hashes([geo.boundary_table]),
         hashlib.sha256("\n".join(codes).encode()).hexdigest()])
    prefix = f"raster-{geo_id}-{extent.id}-"
    path = static_geo.meta_dir() / f"{prefix}{digest}.npz"
    try:
        return picture.load(path, len(codes))
    except (OSError, ValueError, KeyError):
        pass  # missing or damaged: build it again
    bt = snapshot.read_geo(geo.boundary_table).set_index("code")
    raster = picture.area_raster(bt.geometry.reindex(codes).to_numpy())
    del bt
    picture.save(raster, path)
    for old in path.parent.glob(f"{prefix}*.npz"):  # rasters of superseded inputs
        if old != path:
            old.unlink(missing_ok=True)
    return raster


def picture_classes(geo_id: str, extent: Place, group: str, fill_prop: str) -> np.ndarray:
    """The class the fill accessor reads from ``fill_prop`` for every drawn area, in the
    static files' order (0 = no value), so the picture and the polygons agree."""
    geo = am.GEOGRAPHIES[geo_id]
    column = None
    for s in series_columns(geo, group):
        if fill_prop == s.class_prop:
            column = f"n:{s.primary.id}"
        elif fill_prop == s.view_prop:
            column = f"q:{s.key}"
    if column is None:
        raise KeyError(f"no series of {geo_id}/{group} has the property {fill_prop!r}")
    view = view_frame(geo_id, extent, group)
    values = view.loc[view["has_geometry"], column].to_numpy(dtype="float64")
    return np.where(values > 0, np.nan_to_num(values), 0).astype(np.int64)


def picture_file(geo_id: str, extent: Place, group: str, fill_prop: str,
                 base_url_path: str = "") -> PictureSource:
    """The picture of one indicator (class property) on a tiled map, generating it if
    needed: a palette PNG of ~160 kB, content-hashed like the other static files."""
    geo = am.GEOGRAPHIES[geo_id]
    key = [STATIC_FORMAT, "picture", picture.FORMAT, str(picture.ZOOM), geo_id, group,
           fill_prop, extent_key(extent), repr(PALETTE_RGB), am.signature(group),
           *_table_hashes(_input_tables(geo, group))]

    def build() -> tuple[bytes, dict]:
        raster = _area_raster(geo_id, extent, group)
        data = picture.png(raster, picture_classes(geo_id, extent, group, fill_prop),
                           PALETTE_RGB)
        return data, {"bounds": [round(v, 7) for v in raster.bounds]}

    name, meta = static_geo.ensure_meta(
        f"picture-{geo_id}-{extent.id}-{group}-{fill_prop}", key, build)
    b = meta["bounds"]
    return PictureSource(static_geo.url(name, base_url_path),
                         (float(b[0]), float(b[1]), float(b[2]), float(b[3])))


def tile_source(name: str, meta: dict, base_url_path: str = "") -> TileSource:
    ext = meta["extent"]
    return TileSource(static_geo.url(name, base_url_path) + "/{z}/{x}/{y}.json",
                      (float(ext[0]), float(ext[1]), float(ext[2]), float(ext[3])),
                      int(meta["min_zoom"]), int(meta["max_zoom"]),
                      int(meta.get("zoom_offset", 0)))


def _district_geography(geo: Geography) -> Geography:
    return am.geography("district", geo.vintage)


def outline_segments(geoms: Sequence[shapely.Geometry]) -> bytes:
    """The rings of polygons as line segments ``[x0, y0, x1, y1]`` (5 decimals), each shared
    edge once, sorted: for deck.gl's LineLayer.

    Why segments and not GeoJSON lines: deck.gl draws GeoJSON outlines with its PathLayer,
    which in software WebGL (this machine, many users' VMs) added ~2 s to the all-England map
    for 317 district outlines; the LineLayer draws the same lines in ~0.6 s. Joints are not
    mitred, which is invisible at the 0.5-2.5 px widths used here.
    """
    segs: set[tuple[float, float, float, float]] = set()
    for g in geoms:
        if g is None or g.is_empty:
            continue
        for ring in shapely.get_rings(shapely.get_parts(g)):
            xy = np.round(shapely.get_coordinates(ring), 5)
            for (x0, y0), (x1, y1) in zip(xy[:-1].tolist(), xy[1:].tolist(), strict=True):
                if (x0, y0) == (x1, y1):
                    continue
                segs.add((x0, y0, x1, y1) if (x0, y0) <= (x1, y1) else (x1, y1, x0, y0))
    return json.dumps(sorted(segs), separators=(",", ":"), allow_nan=False).encode()


def _dissolve(table: str, members: pd.DataFrame) -> tuple[list, list[str]]:
    """Union of the ``lsoa`` shapes of ``table`` grouped by ``area`` (sorted by area)."""
    bt = snapshot.geo_table(table).set_index("code")
    members = members[_has_shape(members["lsoa"], table).to_numpy()]
    codes, geoms = [], []
    for area, grp in members.groupby("area", sort=True):
        codes.append(str(area))
        geoms.append(shapely.union_all(bt.geometry.reindex(grp["lsoa"]).to_numpy(),
                                       grid_size=1e-5))
    return geoms, codes


def district_outline_file(geo_id: str, extent: Place) -> str | None:
    """District outlines around the areas in view (none on district and ICB maps).

    The official district boundaries (BUC, 500 m generalised) do not follow the LSOA (BSC,
    200 m) or ward (BGC, 20 m) edges, so at region zoom their lines cut across areas. The
    outlines are therefore dissolved from the areas drawn: LSOAs (or wards) by district.
    All-England maps use the official BUC lines: there the mismatch is below a pixel and the
    dissolved lines would have 3x the vertices to draw.
    """
    geo = am.GEOGRAPHIES[geo_id]
    if geo.level in ("district", "icb"):
        return None  # the areas are districts; districts clutter a 42-ICB overview
    dgeo = _district_geography(geo)
    codes = list(areas_in_view(dgeo.id, extent))
    if england_like(extent):
        table, how = dgeo.boundary_table, "buc"
    elif geo.level == "ward":
        table, how = geo.boundary_table, "wards"
    else:
        table, how = geo.boundary_table, "lsoas"
    key = [STATIC_FORMAT, "districts", dgeo.id, how, extent_key(extent),
           *_table_hashes([dgeo.boundary_table, table, "geo_lsoa11", "geo_lsoa21"])]

    def build() -> bytes:
        if how == "buc":
            bt = snapshot.geo_table(table).set_index("code")
            keep = [c for c in codes if c in bt.index]
            return outline_segments(bt.geometry.reindex(keep).to_numpy())
        if how == "wards":
            wards = snapshot.geo_table(table)
            lad = wards["lad19cd"]
            if dgeo.vintage == 2025:  # Dec 2019 wards into May 2024 districts
                lad = lad.map(snapshot.table("districts").set_index("lad19cd")["lad24cd"])
            members = pd.DataFrame({"lsoa": wards["code"], "area": lad})
        else:
            members = am.membership(dgeo.id)
        members = members[member(members["area"], set(codes))]
        geoms, _ = _dissolve(table, members)
        return outline_segments(geoms)

    return static_geo.ensure(f"districts-{dgeo.id}-{how}-{extent.id}", key, build)


def area_edges_file(geo_id: str, extent: Place) -> str | None:
    """The white edges between the areas of a ward, district or ICB map, as a segments file
    for a LineLayer that takes no part in picking. Drawn as the areas layer's own strokes,
    they made every click re-render thousands of path vertices for picking: in software
    WebGL a click on a region's wards took longer than a tap and selected nothing."""
    geo = am.GEOGRAPHIES[geo_id]
    if geo.is_lsoa:
        return None
    codes = [c for c in areas_in_view(geo_id, extent) if c in _boundary_codes(geo.boundary_table)]
    if not codes:
        return None
    bt = snapshot.geo_table(geo.boundary_table).set_index("code")
    key = [STATIC_FORMAT, "edges", geo_id, extent_key(extent),
           *_table_hashes([geo.boundary_table])]
    return static_geo.ensure(f"edges-{geo_id}-{extent.id}", key,
                             lambda: outline_segments(bt.geometry.reindex(codes).to_numpy()))


def ward_outline_file(geo_id: str, extent: Place) -> str | None:
    """Ward outlines over LSOAs for small extents (a town's wards over its LSOAs).

    Dissolved from the extent's LSOAs by ward, as the district outlines are: the official
    ward lines (BGC, 20 m) did not follow the LSOA fills (BSC, 200 m) and wobbled beside
    them, ran out past the extent, and a ward's figures here are its best-fit LSOAs', so
    these are the wards the numbers describe."""
    geo = am.GEOGRAPHIES[geo_id]
    if not geo.is_lsoa or extent.kind not in ("town", "ward", "custom"):
        return None
    wgeo = am.geography("ward", geo.vintage)
    inside = set(extent.lsoas(geo.vintage))
    members = am.membership(wgeo.id)
    members = members[member(members["lsoa"], inside) & members["area"].notna().to_numpy()]
    if members.empty:
        return None
    key = [STATIC_FORMAT, "wards", wgeo.id, "lsoas", extent_key(extent),
           *_table_hashes([geo.boundary_table, "geo_lsoa11", "geo_lsoa21", "lsoa11_lsoa21"])]
    return static_geo.ensure(f"wards-{wgeo.id}-{extent.id}", key,
                             lambda: outline_segments(_dissolve(geo.boundary_table,
                                                                members)[0]))


def extent_outline_file(geo_id: str, extent: Place) -> str | None:
    """The outline of the extent place itself (the union of its LSOAs); none for England."""
    if england_like(extent):
        return None
    geo = am.GEOGRAPHIES[geo_id]
    lsoa_geo = am.geography("lsoa", geo.vintage)
    table = lsoa_geo.boundary_table
    key = [STATIC_FORMAT, "extent", lsoa_geo.id, extent_key(extent),
           *_table_hashes([table])]

    def build() -> bytes:
        bt = snapshot.geo_table(table).set_index("code")
        geoms = bt.geometry.reindex([c for c in extent.lsoas(geo.vintage)
                                     if c in bt.index]).to_numpy()
        union = shapely.union_all(geoms, grid_size=1e-5)
        if union.geom_type == "GeometryCollection":  # pragma: no cover - defensive
            union = shapely.MultiPolygon([g for g in union.geoms if g.geom_type == "Polygon"])
        return outline_segments([union])

    return static_geo.ensure(f"extent-{lsoa_geo.id}-{extent.id}", key, build)


def selection_file(geo_id: str, code: str) -> str | None:
    """A one-feature file with the selected area's shape, for its highlight outline."""
    geo = am.GEOGRAPHIES[geo_id]
    bt = snapshot.geo_table(geo.boundary_table).set_index("code")
    if code not in bt.index:
        return None
    key = [STATIC_FORMAT, "sel", geo_id, code, *_table_hashes([geo.boundary_table])]
    return static_geo.ensure(
        f"sel-{geo_id}-{code}", key,
        lambda: outline_geojson([bt.geometry[code]], [code], [str(bt["name"][code])]))


# --------------------------------------------------------------------------------------
# View state


@dataclass(frozen=True)
class ViewState:
    longitude: float
    latitude: float
    zoom: float


def _merc_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(bounds: Sequence[float], width: int = MAP_WIDTH_PX, height: int = MAP_HEIGHT_PX,
             padding: float = 0.92, max_zoom: float = 14.0) -> ViewState:
    """Centre and zoom that fit lon/lat bounds in a ``width`` x ``height`` map (deck.gl's
    512-px world at zoom 0), rounded so the spec is stable across reruns."""
    x0, y0, x1, y1 = bounds
    dx = max(x1 - x0, 1e-6) / 360 * 512
    dy = max(_merc_y(y1) - _merc_y(y0), 1e-6) / (2 * math.pi) * 512
    zoom = math.log2(min(width * padding / dx, height * padding / dy))
    lat = math.degrees(math.atan(math.sinh((_merc_y(y0) + _merc_y(y1)) / 2)))
    return ViewState(round((x0 + x1) / 2, 4), round(lat, 4), round(min(zoom, max_zoom), 2))


def view_bounds(geo_id: str, codes: Iterable[str]) -> tuple[float, float, float, float]:
    geo = am.GEOGRAPHIES[geo_id]
    bt = snapshot.geo_table(geo.boundary_table).set_index("code")
    geoms = bt.geometry.reindex([c for c in codes if c in bt.index]).to_numpy()
    if len(geoms) == 0:
        return ENGLAND_BOUNDS
    return tuple(float(x) for x in shapely.total_bounds(geoms))  # type: ignore[return-value]


# --------------------------------------------------------------------------------------
# Tooltip and deck spec


def tooltip(ind: AreaIndicator, geo: Geography) -> dict:
    """Streamlit's tooltip template: name, code, value with units, national decile, the
    place the area belongs to, source and vintage. ``{x}`` reads feature properties."""
    s = series_of(ind, geo)
    sp, dp = s.text_prop, s.class_prop
    label = am.value_label(ind, geo)
    if ind.is_flag(geo):
        line = f"{ind.label}: <b>{{{sp}}}</b>"
    elif ind.id == "core20":
        line = f"{label}: <b>{{{sp}}}</b>"
    elif ind.id.endswith("_decile"):
        primary = s.primary
        line = (f"{label}: <b>{{{dp}}}</b> of 10<br/>"
                f"{am.value_label(primary, geo)}: {{{sp}}}")
    else:
        unit = "" if ind.unit in ("score", "residents") or ind.unit.startswith("%") \
            else f" {ind.unit}"
        pop_note = "" if ind.class_words[0] == "most deprived" else \
            f" (1 = {ind.class_words[0]})"
        line = (f"{label}: <b>{{{sp}}}</b>{unit}<br/>"
                f"National decile{pop_note}: {{{dp}}} of 10")
    where = "" if geo.is_lsoa else f", deciles among English {geo.plural}"
    source = html.escape(ind.source_short or f"MHCLG, IoD{geo.vintage}")
    body = (
        "<div style='font-size:14px;line-height:1.35;max-width:340px'>"
        "<b style='font-size:15px'>{n}</b> <span style='opacity:.75'>{id}</span><br/>"
        f"{line}<br/>"
        "In: {p}<br/>"
        f"<span style='font-size:12px;opacity:.8'>{source}{where}; "
        f"{geo.label} boundaries (ONS)</span></div>"
    )
    return {"html": body, "style": {"backgroundColor": "#1f2933", "color": "#ffffff",
                                    "padding": "8px 10px", "borderRadius": "4px"}}


@dataclass(frozen=True)
class MapLayers:
    """Static file URLs of everything the map draws (``None`` = layer not shown)."""

    #: the areas: one GeoJSON file, or (``tiles``) a tile folder
    areas: str | None
    #: white edges between the areas (a non-pickable LineLayer; see area_edges_file)
    edges: str | None = None
    districts: str | None = None
    wards: str | None = None
    extent: str | None = None
    selection: str | None = None
    layer_id: str = "areas"
    tiles: TileSource | None = None
    #: drawn under the tiles: the areas at the England view (the tiles are empty there)
    picture: PictureSource | None = None
    #: White edges between areas: off for LSOAs (the strokes would cost more to draw than
    #: the fills in software WebGL, and the district outlines give the structure).
    stroked: bool = True
    #: Thinner, lighter district outlines (all-England maps, 300+ districts).
    light_outlines: bool = False


def _outline(layer_id: str, url: str, colour: Sequence[int], width: float) -> pdk.Layer:
    """A LineLayer over a segments file (see :func:`outline_segments`)."""
    return pdk.Layer("LineLayer", id=layer_id, data=url, pickable=False,
                     get_source_position="[this[0],this[1]]",
                     get_target_position="[this[2],this[3]]", get_color=list(colour),
                     get_width=width, width_units="'pixels'", width_min_pixels=width)


def _highlight(layer_id: str, url: str, colour: Sequence[int], width: float) -> pdk.Layer:
    """The selected area's outline: one small GeoJSON shape, drawn with mitred joints."""
    return pdk.Layer("GeoJsonLayer", id=layer_id, data=url, pickable=False, filled=False,
                     stroked=True, get_line_color=list(colour), line_width_units="'pixels'",
                     get_line_width=width, line_width_min_pixels=width)


def deck_json(layers: MapLayers, fill_prop: str, view: ViewState, trigger: str,
              basemap: bool = False) -> str:
    """The compact, deterministic deck spec (a few KB: geometry is fetched by URL).

    With ``layers.tiles`` the areas are a TileLayer: it passes these GeoJsonLayer props to
    the layer it draws each tile with (its default ``renderSubLayers``), and reports clicks
    under its own id, so the selection reads the same as with one file."""
    style = dict(
        pickable=True, filled=True, stroked=layers.stroked,
        get_fill_color=fill_accessor(fill_prop), get_line_color=[255, 255, 255, 140],
        line_width_units="'pixels'", get_line_width=0.6, line_width_min_pixels=0.3,
        auto_highlight=True, highlight_color=[255, 255, 255, 110],
        update_triggers={"getFillColor": [trigger]},
    )
    if layers.tiles:
        t = layers.tiles
        area = pdk.Layer("TileLayer", id=layers.layer_id, data=t.url, min_zoom=t.min_zoom,
                         max_zoom=t.max_zoom, zoom_offset=t.zoom_offset, extent=list(t.extent),
                         tile_size=tiles.TILE_SIZE, **style)
    elif layers.areas:
        area = pdk.Layer("GeoJsonLayer", id=layers.layer_id, data=layers.areas, **style)
    else:
        raise ValueError("a map needs its areas: a file or tiles")
    deck_layers = [area]
    if layers.picture:
        p = layers.picture
        # quoted: pydeck would otherwise read a path ending in .png as a local file to inline
        deck_layers.insert(0, pdk.Layer("BitmapLayer", id="areas-picture", image=f"'{p.url}'",
                                        bounds=list(p.bounds), pickable=False))
    if layers.edges:
        deck_layers.append(_outline("area-edges", layers.edges, [255, 255, 255, 160], 0.6))
    if layers.wards:
        deck_layers.append(_outline("ward-outlines", layers.wards, [40, 40, 40, 200], 1.6))
    if layers.districts:
        style = ([30, 30, 30, 150], 0.6) if layers.light_outlines else ([25, 25, 25, 200], 1.0)
        deck_layers.append(_outline("district-outlines", layers.districts, *style))
    if layers.extent:
        deck_layers.append(_outline("extent-outline", layers.extent, [0, 0, 0, 255], 2.5))
    if layers.selection:
        deck_layers.append(_highlight("selection-outline", layers.selection,
                                      [*hex_to_rgb(HIGHLIGHT), 255], 4.0))
    common = dict(
        layers=deck_layers,
        initial_view_state=pdk.ViewState(longitude=view.longitude, latitude=view.latitude,
                                         zoom=view.zoom, pitch=0, bearing=0),
        views=[pdk.View("MapView", controller=True)],
    )
    # map_provider=None keeps the "__MAP_STYLE__" placeholder, which tells Streamlit to
    # draw no basemap at all (no network requests); the optional basemap is Carto's.
    deck = (CompactDeck(**common, map_provider="carto", map_style="light") if basemap
            else CompactDeck(**common, map_provider=None))
    return deck.to_json()


# --------------------------------------------------------------------------------------
# The user's own data on the map (kept in the session: sent inline, never written to disk)


@dataclass(frozen=True)
class UploadMap:
    """An uploaded indicator drawn over the areas of a map: inline GeoJSON (each feature's
    fill colour in ``properties.c``), its legend, and the bounds to fit."""

    geojson: dict
    legend: Legend
    bounds: tuple[float, float, float, float] | None
    matched: int


def upload_map(geo_id: str, extent: Place, values: pd.Series, label: str,
               fmt: Callable[[float], str], classes: int = 5) -> UploadMap:
    """Colour the areas in view by the user's values, in fifths of the areas that have one
    (quintiles in view; the user's data has no national classes). The geometry is the map's
    own static file, so the shapes are exactly those of the other maps."""
    from explorer.palette import QUINTILE_COLOURS

    data = json.loads((static_geo.static_dir() / areas_file(geo_id, extent)).read_bytes())
    values = pd.to_numeric(values, errors="coerce")
    codes = [f["properties"]["id"] for f in data["features"]]
    in_view = values.reindex(codes).dropna()
    if len(in_view) >= classes and in_view.nunique() >= classes:
        cls = pd.qcut(in_view.rank(method="first"), classes, labels=False) + 1
    elif len(in_view):
        cls = (in_view.rank(method="dense") - 1).clip(upper=classes - 1).astype(int) + 1
    else:
        cls = pd.Series(dtype=int)
    colours = {i + 1: QUINTILE_COLOURS[i] for i in range(classes)}
    features = []
    for f in data["features"]:
        code = f["properties"]["id"]
        c = int(cls[code]) if code in cls.index else 0
        colour = hex_to_rgb(colours[c]) + [230] if c else hex_to_rgb(MISSING_COLOUR) + [160]
        v = in_view.get(code)
        text = fmt(float(v)) if v is not None and not pd.isna(v) else "no value"
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": {
            "id": code, "n": f["properties"].get("n", code), "s": text, "c": colour}})
    entries = []
    for k in range(1, classes + 1):
        members = in_view[cls == k] if len(cls) else in_view.iloc[:0]
        if len(members):
            entries.append(LegendEntry(k, colours[k], f"{k}: {fmt(float(members.min()))} to "
                                                      f"{fmt(float(members.max()))}",
                                       int(len(members))))
    legend = Legend(title=f"{label}: fifths of the areas in view", entries=tuple(entries),
                    missing=len(codes) - len(in_view),
                    note="1 = lowest values; your data, kept in this browser session only.")
    bounds = None
    if features:
        xs, ys = [], []
        for f in features:  # fit the areas that have a value (an upload of one town)
            if f["properties"]["s"] == "no value":
                continue
            for poly in f["geometry"]["coordinates"]:
                for ring in poly[:1]:
                    xs += [p[0] for p in ring]
                    ys += [p[1] for p in ring]
        bounds = (min(xs), min(ys), max(xs), max(ys)) if xs else None
    return UploadMap({"type": "FeatureCollection", "features": features}, legend, bounds,
                     len(in_view))


def upload_deck(um: UploadMap, extent_url: str | None, width: int = MAP_WIDTH_PX) -> pdk.Deck:
    """The deck of an upload map: the coloured areas and the extent outline, no basemap,
    fitted to a map ``width`` pixels wide."""
    view = fit_view(um.bounds or ENGLAND_BOUNDS, width=width)
    layers = [pdk.Layer("GeoJsonLayer", id="user-areas", data=um.geojson, pickable=True,
                        filled=True, stroked=False, get_fill_color="properties.c",
                        auto_highlight=True, highlight_color=[255, 255, 255, 110])]
    if extent_url:
        layers.append(_outline("extent-outline", extent_url, [0, 0, 0, 255], 2.5))
    return pdk.Deck(layers=layers, map_provider=None, views=[pdk.View("MapView",
                                                                      controller=True)],
                    initial_view_state=pdk.ViewState(longitude=view.longitude,
                                                     latitude=view.latitude, zoom=view.zoom),
                    tooltip={"html": "<b>{n}</b> {id}<br/>{s}",
                             "style": {"fontSize": "14px"}})
