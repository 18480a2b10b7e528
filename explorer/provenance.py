"""Provenance of the bundled snapshot, for the Data and methods page and exports."""

from __future__ import annotations

import pandas as pd

from loaders import snapshot
from loaders.paths import snapshot_dir
from loaders.schema import SnapshotError


def sources_table() -> pd.DataFrame:
    """One row per snapshot table: what it is, who published it, vintage, licence, URL."""
    rows = []
    for name, rec in snapshot.manifest()["tables"].items():
        rows.append({
            "table": name, "description": rec.get("description", ""),
            "publisher": rec["publisher"], "dataset": rec["dataset"],
            "vintage": rec["vintage"], "licence": rec["licence"], "url": rec["url"],
            "rows": rec["rows"], "MB": round(rec.get("bytes", 0) / 1e6, 2),
            "inputs": "; ".join(i["path"] for i in rec["inputs"]),
            "notes": rec.get("notes", ""),
        })
    return pd.DataFrame(rows)


def check_snapshot() -> list[tuple[str, str]]:
    """Tables that are missing or unreadable: (file, reason). Empty when all is well."""
    problems = []
    try:
        tables = snapshot.manifest()["tables"]
    except SnapshotError as exc:
        return [(exc.path.name, exc.reason)]
    for rec in tables.values():
        path = snapshot_dir() / rec["file"]
        if not path.is_file():
            problems.append((rec["file"], "file not found"))
            continue
        try:
            import pyarrow.parquet as pq

            pq.read_metadata(path)
        except Exception as exc:
            problems.append((rec["file"], f"unreadable ({type(exc).__name__})"))
    return problems


def attributions() -> list[str]:
    """Distinct attribution statements required by the licences."""
    seen: list[str] = []
    for rec in snapshot.manifest()["tables"].values():
        if rec["attribution"] not in seen:
            seen.append(rec["attribution"])
    return seen
