"""Build the derived snapshot: ``python -m loaders.build`` (or ``make data``).

Reads the raw public files, checks every schema at the boundary, and writes compact
Parquet/GeoParquet tables plus ``manifest.json`` into ``data/snapshot/``. The new snapshot
is written to a temporary folder first and swapped in only when every table built, so a
failed build keeps the previous snapshot.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from loaders.paths import raw_dir, snapshot_dir
from loaders.schema import RawDataError
from loaders.table import Table

#: Source modules in build order; each exposes ``build(raw: Path) -> list[Table]``.
SOURCE_MODULES: tuple[str, ...] = (
    "loaders.deprivation",
    "loaders.geography",
    "loaders.census",
    "loaders.boundaries",
    "loaders.fingertips",  # with the rows of loaders.qof, loaders.dwp and loaders.hoc
    "loaders.towns",
    "loaders.nhs_payments",
)

MANIFEST = "manifest.json"
SNAPSHOT_FORMAT = 1


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_table(table: Table, folder: Path) -> Path:
    """Write one table deterministically (no index, stable row order, zstd)."""
    path = folder / f"{table.name}.parquet"
    if table.geo:
        table.frame.to_parquet(path, index=False, compression="zstd",
                               write_covering_bbox=False)
    else:
        table.frame.to_parquet(path, index=False, compression="zstd")
    return path


def build(modules: tuple[str, ...] = SOURCE_MODULES, raw: Path | None = None,
          out: Path | None = None, only: tuple[str, ...] = ()) -> dict:
    raw = raw or raw_dir()
    out = out or snapshot_dir()
    if not raw.is_dir():
        raise RawDataError(f"Raw data folder not found: {raw} (set HEE_RAW_DIR)")
    old_manifest: dict = {}
    if only and (out / MANIFEST).is_file():
        old_manifest = json.loads((out / MANIFEST).read_text())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=out.parent))
    tmp.chmod(0o755)
    try:
        tables: dict[str, dict] = {}
        for mod_name in modules:
            short = mod_name.rsplit(".", 1)[-1]
            if only and short not in only:
                # keep the previous build of this module's tables
                for name, rec in old_manifest.get("tables", {}).items():
                    if rec.get("module") == short:
                        shutil.copy2(out / rec["file"], tmp / rec["file"])
                        tables[name] = rec
                continue
            module = importlib.import_module(mod_name)
            for table in module.build(raw):
                if table.name in tables:
                    raise RawDataError(f"table {table.name} built twice")
                path = write_table(table, tmp)
                rec = table.source.record(raw, len(table.frame), path.name)
                rec["description"] = table.description
                rec["module"] = short
                rec["columns"] = [str(c) for c in table.frame.columns]
                rec["output_sha256"] = _file_sha256(path)
                rec["bytes"] = path.stat().st_size
                tables[table.name] = rec
                print(f"  {table.name:<32} {len(table.frame):>9,} rows "
                      f"{path.stat().st_size / 1e6:7.2f} MB", file=sys.stderr)
        manifest = {
            "format": SNAPSHOT_FORMAT,
            "generated_by": "python -m loaders.build",
            "raw_root": "../shared/data/raw (override with HEE_RAW_DIR)",
            "total_bytes": sum(r["bytes"] for r in tables.values()),
            "tables": dict(sorted(tables.items())),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        # swap in: keep the old snapshot until the new one is in place
        backup = out.with_name(out.name + ".previous")
        if backup.exists():
            shutil.rmtree(backup)
        if out.exists():
            out.rename(backup)
        tmp.rename(out)
        if backup.exists():
            shutil.rmtree(backup)
        return manifest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, help="raw data folder (default $HEE_RAW_DIR or "
                        "../shared/data/raw)")
    parser.add_argument("--out", type=Path, help="snapshot folder (default data/snapshot)")
    parser.add_argument("--only", nargs="*", default=(),
                        help="rebuild only these source modules, keep the other tables")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - {m.rsplit(".", 1)[-1] for m in SOURCE_MODULES})
    if unknown:
        parser.error(f"unknown source module(s): {', '.join(unknown)} (the rows of qof, dwp "
                     "and hoc are part of indicator_values: use --only fingertips)")
    try:
        manifest = build(raw=args.raw, out=args.out, only=tuple(args.only))
    except RawDataError as exc:
        print(f"Build stopped, previous snapshot kept: {exc}", file=sys.stderr)
        return 1
    print(f"Snapshot: {len(manifest['tables'])} tables, "
          f"{manifest['total_bytes'] / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
