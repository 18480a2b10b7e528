"""Boundary tables in the snapshot: CRS, counts, validity, precision, codes that join, budget."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from loaders import boundaries, snapshot
from loaders.schema import RawDataError

TABLES = {
    "boundaries_lsoa11": 32_844,
    "boundaries_lsoa21": 33_755,
    "boundaries_wards19": 644,
    "boundaries_lad19": 317,
    "boundaries_lad24": 296,
    "boundaries_icb22": 42,
    "boundaries_icb24": 42,
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return snapshot.manifest()["tables"]


@pytest.mark.parametrize("name,rows", TABLES.items())
def test_table_is_valid_wgs84_on_a_5dp_grid(name, rows, manifest):
    gdf = snapshot.geo_table(name)
    assert len(gdf) == rows == manifest[name]["rows"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf["code"].is_unique and gdf["code"].is_monotonic_increasing
    geoms = gdf.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    assert set(gdf.geom_type) == {"MultiPolygon"}
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    assert xmin > -6.5 and xmax < 1.9 and ymin > 49.8 and ymax < 55.9
    coords = shapely.get_coordinates(geoms[:500])
    assert np.allclose(coords * 1e5, np.round(coords * 1e5), atol=1e-6)
    extra = manifest[name]["extra"]
    assert extra["precision_deg"] == 1e-5 and extra["decimal_places"] == 5
    assert "simplify_tolerance_deg" in extra and extra["crs"] == "EPSG:4326"


def test_invalid_source_polygons_were_repaired_and_recorded(manifest):
    repaired = manifest["boundaries_lsoa11"]["extra"]["repaired_buffer0"]
    assert "E01019228" in repaired  # Carlisle 001C, "nested shells" in the source


def test_codes_join_the_deprivation_and_lookup_tables():
    assert set(snapshot.geo_table("boundaries_lsoa11")["code"]) == \
        set(snapshot.table("iod2019_lsoa11")["lsoa11cd"])
    assert set(snapshot.geo_table("boundaries_lsoa21")["code"]) == \
        set(snapshot.table("iod2025_lsoa21")["lsoa21cd"])
    assert set(snapshot.geo_table("boundaries_lad19")["code"]) == \
        set(snapshot.table("geo_lsoa11")["lad19cd"])
    assert set(snapshot.geo_table("boundaries_lad24")["code"]) == \
        set(snapshot.table("geo_lsoa21")["lad24cd"])
    assert set(snapshot.geo_table("boundaries_icb22")["code"]) == \
        set(snapshot.table("geo_lsoa11")["icb22cd"])
    assert set(snapshot.geo_table("boundaries_icb24")["code"]) == \
        set(snapshot.table("geo_lsoa21")["icb24cd"])


def test_two_cumbrian_wards_have_a_shape_but_no_lsoa():
    wards = set(snapshot.geo_table("boundaries_wards19")["code"])
    assert wards <= set(snapshot.table("wards19")["wd19cd"])
    without = wards - set(snapshot.table("geo_lsoa11")["wd19cd"])
    assert len(without) == 2
    lads = snapshot.geo_table("boundaries_wards19").set_index("code").loc[sorted(without),
                                                                          "lad19cd"]
    assert set(lads) <= {"E07000026", "E07000027", "E07000028", "E07000029", "E07000030",
                         "E07000031"}  # Cumbria's six districts


def test_boundaries_fit_the_snapshot_budget(manifest):
    geo_bytes = sum(manifest[n]["bytes"] for n in TABLES)
    assert geo_bytes <= 15e6, f"boundaries are {geo_bytes / 1e6:.1f} MB"
    total = sum(r["bytes"] for r in manifest.values())
    assert total <= 40e6, f"snapshot is {total / 1e6:.1f} MB"


def test_prepare_repairs_snaps_and_rejects_wrong_crs():
    import pandas as pd

    bowtie = shapely.Polygon([(-2.0, 54.0), (-1.9, 54.1), (-1.9, 54.0), (-2.0, 54.1)])
    good = shapely.box(-2.123456789, 53.5, -2.1, 53.6)
    geoms, repaired = boundaries.prepare(np.array([bowtie, good], dtype=object),
                                         pd.Series(["E01000001", "E01000002"]), "test")
    assert repaired == ["E01000001"]
    assert shapely.is_valid(geoms).all()
    assert all(g.geom_type == "MultiPolygon" for g in geoms)
    assert shapely.get_coordinates(geoms[1])[:, 0].min() == pytest.approx(-2.12346)
    with pytest.raises(RawDataError, match="outside England"):
        boundaries.prepare(np.array([shapely.box(350000, 400000, 351000, 401000)],
                                    dtype=object), pd.Series(["E01000003"]), "bng")


def test_ward_build_is_deterministic(raw_dir):
    a = boundaries.build_wards19(raw_dir).frame
    b = boundaries.build_wards19(raw_dir).frame
    assert a["code"].tolist() == b["code"].tolist()
    assert shapely.to_wkb(a.geometry.to_numpy()).tolist() == \
        shapely.to_wkb(b.geometry.to_numpy()).tolist()
    stored = snapshot.geo_table("boundaries_wards19")
    assert shapely.equals_exact(a.geometry.to_numpy(), stored.geometry.to_numpy(), 0).all()
