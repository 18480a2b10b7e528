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
            "rows": rec["rows"], "notes": rec.get("notes", ""),
        })
    return pd.DataFrame(rows)


def inputs_table() -> pd.DataFrame:
    """One row per file a snapshot table was built from: the table, the raw file (relative
    to the shared raw folder) and its SHA-256, then the table's own file and checksum, so a
    figure can be traced to the exact bytes it came from."""
    rows = []
    for name, rec in snapshot.manifest()["tables"].items():
        for i in rec["inputs"]:
            rows.append({"table": name, "file": i["path"], "sha256": i.get("sha256", ""),
                         "role": "input"})
        rows.append({"table": name, "file": f"data/snapshot/{rec['file']}",
                     "sha256": rec.get("output_sha256", ""), "role": "snapshot"})
    return pd.DataFrame(rows, columns=["table", "role", "file", "sha256"])


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
