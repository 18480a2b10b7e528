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


@functools.cache
def manifest() -> dict:
    path = snapshot_dir() / "manifest.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise SnapshotError("manifest", path, "file not found") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise SnapshotError("manifest", path, f"unreadable ({exc})") from exc


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
