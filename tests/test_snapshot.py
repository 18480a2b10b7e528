"""Snapshot contracts: shapes, keys, consistency and provenance of the bundled data."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from loaders import snapshot
from loaders.paths import snapshot_dir

N11, N21 = 32_844, 33_755


def test_iod2019_contract():
    df = snapshot.table("iod2019_lsoa11")
    assert len(df) == N11
    assert df["lsoa11cd"].is_unique
    assert df["lsoa11cd"].str.match(r"^E01\d{6}$").all()
    sizes = df["IMD_decile"].value_counts()
    assert set(sizes) <= {3284, 3285}
    # deciles are the official ones: ceil(rank / 3284.4)
    for d in ("IMD", "Income", "Employment", "Health", "Housing", "Environment"):
        expected = -(-df[f"{d}_rank"] * 10 // N11)
        assert (expected == df[f"{d}_decile"]).all(), d
    assert (df["pop_total"] > 0).all()
    assert df["pop_total"].sum() == 54_728_204  # mid-2015 England, IoD2019 denominators


def test_iod2025_contract():
    df = snapshot.table("iod2025_lsoa21")
    assert len(df) == N21 and df["lsoa21cd"].is_unique
    assert set(df["IMD_decile"].value_counts()) <= {3375, 3376}
    lad = snapshot.table("iod2025_lad24")
    assert len(lad) == 296 and lad["ltla24_code"].is_unique


def test_every_lsoa11_has_ward_district_icb():
    geo = snapshot.table("geo_lsoa11")
    assert len(geo) == N11 and geo["lsoa11cd"].is_unique
    for col in ("wd19cd", "lad19cd", "lad24cd", "msoa11cd", "icb22cd", "rgn19cd"):
        assert geo[col].notna().all(), col
    iod = snapshot.table("iod2019_lsoa11")
    assert set(geo["lsoa11cd"]) == set(iod["lsoa11cd"])


def test_every_lsoa21_has_ward_district_icb_and_population():
    geo = snapshot.table("geo_lsoa21")
    assert len(geo) == N21
    for col in ("wd24cd", "lad24cd", "icb24cd", "lad22cd", "rgncd"):
        assert geo[col].notna().all(), col
    census = snapshot.table("census2021_age_lsoa21")
    assert set(census["lsoa21cd"]) == set(geo["lsoa21cd"])
    assert census["pop_total"].sum() == 56_490_091  # Census 2021 usual residents, England


def test_lsoa_2011_2021_lookup_covers_both_vintages():
    lk = snapshot.table("lsoa11_lsoa21")
    assert set(lk["lsoa11cd"]) == set(snapshot.table("geo_lsoa11")["lsoa11cd"])
    assert set(lk["lsoa21cd"]) == set(snapshot.table("geo_lsoa21")["lsoa21cd"])


def test_manifest_records_provenance_and_checksums():
    man = snapshot.manifest()
    assert man["tables"], "empty manifest"
    for name, rec in man["tables"].items():
        for key in ("publisher", "dataset", "vintage", "licence", "attribution", "url",
                    "inputs", "rows", "file", "output_sha256"):
            assert rec.get(key) not in (None, "", []), f"{name}: {key}"
        assert rec["url"].startswith("https://"), name
        path = snapshot_dir() / rec["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == rec["output_sha256"], name
        for inp in rec["inputs"]:
            assert len(inp["sha256"]) == 64
            assert not inp["path"].startswith("/"), "raw paths are recorded relative"


def test_snapshot_within_budget_and_no_raw_copies():
    total = sum(p.stat().st_size for p in snapshot_dir().iterdir())
    assert total <= 40 * 1024 * 1024, f"snapshot is {total / 1e6:.1f} MB"
    assert all(p.suffix in (".parquet", ".json") for p in snapshot_dir().iterdir())


def test_tables_listed_in_manifest_exist():
    man = json.loads((snapshot_dir() / "manifest.json").read_text())
    files = {p.name for p in snapshot_dir().glob("*.parquet")}
    assert files == {rec["file"] for rec in man["tables"].values()}


def test_missing_table_gives_clear_error(tmp_path, monkeypatch):
    from loaders.schema import SnapshotError

    monkeypatch.setenv("HEE_SNAPSHOT_DIR", str(tmp_path))
    snapshot.clear()
    try:
        with pytest.raises(SnapshotError, match="make data"):
            snapshot.table("iod2019_lsoa11")
        (tmp_path / "iod2019_lsoa11.parquet").write_bytes(b"not parquet")
        with pytest.raises(SnapshotError, match="unreadable"):
            snapshot.table("iod2019_lsoa11")
    finally:
        monkeypatch.delenv("HEE_SNAPSHOT_DIR")
        snapshot.clear()
    assert isinstance(snapshot.table("districts"), pd.DataFrame)
