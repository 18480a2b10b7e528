"""The only reader of the snapshot.

Tables are read once per process and shared by every session (``functools.cache`` at the
loader boundary; Streamlit sessions share the process). Frames are shared: treat them as
read-only. A missing or corrupt file raises :class:`SnapshotError` naming the file and the fix.
"""

from __future__ import annotations

import functools
import json

import pandas as pd
import pyarrow.parquet as pq

from loaders.paths import snapshot_dir
from loaders.schema import SnapshotError

#: Fields every table record of the manifest must carry (captions, the sources page,
#: exports and the static-file keys read them).
REQUIRED_FIELDS: tuple[str, ...] = ("publisher", "dataset", "vintage", "licence",
                                    "attribution", "url", "file", "rows", "inputs")
#: A manifest is a few hundred KB; a much bigger file is not one.
MAX_MANIFEST_BYTES = 20_000_000


@functools.cache
def manifest() -> dict:
    """The snapshot's manifest, checked once: a damaged file (random bytes, no tables,
    missing fields) raises :class:`SnapshotError` naming manifest.json, never a KeyError or
    UnicodeDecodeError deep inside a page."""
    path = snapshot_dir() / "manifest.json"
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise SnapshotError("manifest", path, "far too large to be a manifest")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError as exc:
        raise SnapshotError("manifest", path, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise SnapshotError("manifest", path, "unreadable (not UTF-8 text)") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise SnapshotError("manifest", path, f"unreadable ({type(exc).__name__})") from exc
    _check_manifest(data, path)
    return data


def _check_manifest(data: object, path) -> None:
    if not isinstance(data, dict) or not isinstance(data.get("tables"), dict) \
            or not data["tables"]:
        raise SnapshotError("manifest", path, "it lists no tables")
    for name, rec in data["tables"].items():
        if not isinstance(rec, dict):
            raise SnapshotError("manifest", path, f"the entry of table '{name}' is damaged")
        missing = [f for f in REQUIRED_FIELDS if f not in rec]
        if missing:
            raise SnapshotError("manifest", path, f"the entry of table '{name}' lacks "
                                f"{', '.join(missing)}")
        if not isinstance(rec["inputs"], list) or not all(
                isinstance(i, dict) and "path" in i for i in rec["inputs"]):
            raise SnapshotError("manifest", path, f"the inputs of table '{name}' are damaged")


def source(name: str) -> dict:
    """The provenance record of a table (publisher, dataset, vintage, licence, URL…)."""
    try:
        return manifest()["tables"][name]
    except KeyError as exc:
        raise SnapshotError(name, snapshot_dir() / "manifest.json",
                            "no such table in the manifest") from exc


def caption(name: str) -> str:
    """A one-line source caption for charts and exports."""
    rec = source(name)
    return f"Source: {rec['publisher']}, {rec['dataset']} ({rec['vintage']}). {rec['licence']}."



@functools.cache
def table(name: str) -> pd.DataFrame:
    """A snapshot table, read once per process and shared (treat it as read-only)."""
    return read(name)


def read(name: str) -> pd.DataFrame:
    """A snapshot table read afresh and not kept: for a caller that keeps its own
    restructured copy (the indicator store splits its 800,000 rows by indicator), so the
    process does not hold the table twice."""
    path = snapshot_dir() / f"{name}.parquet"
    try:
        return pq.read_table(path).to_pandas()
    except FileNotFoundError as exc:
        raise SnapshotError(name, path, "file not found") from exc
    except Exception as exc:
        raise SnapshotError(name, path, f"unreadable ({type(exc).__name__}: {exc})") from exc


@functools.cache
def geo_table(name: str):
    """A GeoParquet table as a GeoDataFrame (geopandas is imported only when needed)."""
    return read_geo(name)


def read_geo(name: str):
    """A GeoParquet table read afresh and not kept: for a one-off build from the geometry
    (a map picture's area raster) in a server that otherwise never holds it."""
    import geopandas as gpd

    path = snapshot_dir() / f"{name}.parquet"
    try:
        return gpd.read_parquet(path)
    except FileNotFoundError as exc:
        raise SnapshotError(name, path, "file not found") from exc
    except Exception as exc:
        raise SnapshotError(name, path, f"unreadable ({type(exc).__name__}: {exc})") from exc


def clear() -> None:
    """Forget cached tables (tests that swap the snapshot folder)."""
    manifest.cache_clear()
    table.cache_clear()
    geo_table.cache_clear()
