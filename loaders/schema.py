"""Schema checks at the loader boundary: fail early, naming the file and column."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd


class RawDataError(Exception):
    """A raw input is missing, malformed or inconsistent; the build must stop."""


class SnapshotError(Exception):
    """A snapshot table is missing or unreadable; the app shows a message naming it."""

    def __init__(self, table: str, path: Path, reason: str) -> None:
        self.table = table
        self.path = path
        self.reason = reason
        super().__init__(
            f"Snapshot table '{table}' could not be read from {path}: {reason}. "
            "Rebuild it with `make data`."
        )


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise RawDataError(f"Raw input file not found: {path}")
    return path


def require_columns(df: pd.DataFrame, columns: Iterable[str], source: Path | str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise RawDataError(f"{source}: missing column(s) {', '.join(missing)}")


def require_codes(series: pd.Series, prefix: str, source: Path | str, *, length: int = 9) -> None:
    """ONS GSS codes: a fixed prefix and nine characters (e.g. E01 for LSOAs)."""
    s = series.astype("string")
    bad = s[~(s.str.startswith(prefix, na=False) & (s.str.len() == length))]
    if len(bad):
        sample = ", ".join(map(str, bad.head(5).tolist()))
        raise RawDataError(
            f"{source}: column '{series.name}' has {len(bad)} value(s) that are not "
            f"{prefix}… codes, e.g. {sample}"
        )


def require_unique(series: pd.Series, source: Path | str) -> None:
    dup = series[series.duplicated()]
    if len(dup):
        raise RawDataError(
            f"{source}: column '{series.name}' has duplicated values, e.g. {dup.iloc[0]}"
        )


def require_rows(df: pd.DataFrame, n: int, source: Path | str) -> None:
    if len(df) != n:
        raise RawDataError(f"{source}: expected {n:,} rows, found {len(df):,}")


def read_csv(path: Path, columns: Iterable[str], **kwargs) -> pd.DataFrame:
    """Read a raw CSV and check it has the columns the build relies on."""
    require_file(path)
    try:
        df = pd.read_csv(path, **kwargs)
    except Exception as exc:
        raise RawDataError(f"{path}: could not be parsed as CSV ({exc})") from exc
    require_columns(df, columns, path)
    return df
