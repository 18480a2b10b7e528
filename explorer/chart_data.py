"""A chart's rows as Vega-Lite inline values: Altair's own result, made column by column.

Altair turns a DataFrame into ``{"values": [...]}`` with ``sanitize_pandas_dataframe`` and
``to_dict(orient="records")``: a copy of the frame, then a ``where``/``astype`` per column,
then a row-by-row boxing pass. For the small frames charts carry (tens of rows, twenty-odd
columns, several layers sharing one frame) that was most of a chart's conversion: a three-
place trend chart took ~56 ms to convert, ~40 ms of it here. :func:`to_values` gives the
same values (same Python types, ``None`` for NaN, infinities and missing text) from one
NumPy list per column, converts a frame shared by several layers once per conversion, and
hands anything it does not cover (categoricals, dates, nullable extension types, geometry,
non-text column names, object columns mixing numbers or NaN) to Altair unchanged.

The tests hold it to that: with :data:`explorer.exports.VALIDATE_ENV` set (as
``tests/conftest.py`` does) every conversion is also made with Altair's own transformer and
the two specs must be equal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from altair.utils import data as alt_data
from pandas.api import types as ptypes

NAME = "hee"

_seen = threading.local()


def _plain(values: list, missing: np.ndarray) -> list:
    if missing.any():
        return [None if m else v for v, m in zip(values, missing.tolist(), strict=True)]
    return values


def _is_text(values: np.ndarray) -> bool:
    """Text with gaps: every cell a str, None or NaN, and at least one str. Altair runs an
    object column through ``Series.apply``, whose type inference turns other mixes (numbers
    in an object column, all-missing columns) into floats: those go to Altair."""
    seen_text = False
    for v in values:
        if isinstance(v, str):
            seen_text = True
        elif v is not None and not (isinstance(v, float) and v != v):
            return False
    return seen_text


def _column(col: pd.Series) -> list | None:
    """One column's values as Altair would write them, or None (not covered here)."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":
            arr = col.to_numpy()
            return _plain(arr.tolist(), ~np.isfinite(arr))
        if dtype.kind in "iub":
            return col.to_numpy().tolist()
        if dtype.kind == "O":
            values = col.to_numpy()
            if all(v is None for v in values):  # a column nobody has (counts of a life
                return [None] * len(values)      # expectancy): None, as Altair writes it
            if not _is_text(values):
                return None
            return _plain(values.tolist(), col.isna().to_numpy())
        return None
    if ptypes.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return _plain(col.astype(object).tolist(), col.isna().to_numpy())
    return None


def records(df: pd.DataFrame) -> list[dict] | None:
    """``sanitize_pandas_dataframe(df).to_dict(orient="records")`` for the dtypes charts use,
    or None when the frame needs Altair's own handling."""
    if isinstance(df.index, pd.MultiIndex) or isinstance(df.columns, pd.MultiIndex | pd.RangeIndex):
        return None
    names = list(df.columns)
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    columns = []
    for name in names:
        values = _column(df[name])
        if values is None:
            return None
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def to_values(data: Any, max_rows: int | None = None) -> Any:
    """The data transformer: a plain DataFrame through :func:`records` (once per frame and
    conversion), everything else through Altair's default."""
    if (isinstance(data, pd.DataFrame) and not hasattr(data, "__geo_interface__")
            and (max_rows is None or len(data) <= max_rows)):
        memo = getattr(_seen, "memo", None)
        hit = memo.get(id(data)) if memo is not None else None
        if hit is not None and hit[0] is data:
            return {"values": [dict(r) for r in hit[1]]}
        rows = records(data)
        if rows is not None:
            if memo is not None:
                memo[id(data)] = (data, rows)
            return {"values": [dict(r) for r in rows] if memo is not None else rows}
    return alt_data.to_values(data) if max_rows is None else \
        alt.vegalite.data.default_data_transformer(data, max_rows=max_rows)


@contextlib.contextmanager
def one_conversion() -> Iterator[None]:
    """Within one conversion a frame shared by several layers is converted once (keyed on
    the frame object, which the chart keeps alive for the duration)."""
    outer = getattr(_seen, "memo", None)
    _seen.memo = {}
    try:
        yield
    finally:
        _seen.memo = outer


alt.data_transformers.register(NAME, to_values)
