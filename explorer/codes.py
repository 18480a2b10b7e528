"""Whether each of a column of area codes is in a set of codes: one function for the map's
extents, area aggregates and uploads.

Why not ``Series.isin``: on pandas 3's Arrow text columns it makes a pyarrow scalar of every
value it is given (``ArrowStringArray.isin``), ~0.1 s against England's 33,000 LSOA codes;
py-spy put it at 8 % of a busy server's script CPU on 7 Dec (every new map extent asks
several times). Arrow's own hash look-up does the same in about a millisecond.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def member(codes: pd.Series | pd.Index, values: Iterable[object]) -> np.ndarray:
    """``codes.isin(values)`` as a boolean array; missing codes are never members.

    Text columns are looked up in Arrow; other columns (categories, numbers, objects) go to
    pandas, which is fast for them.
    """
    if isinstance(codes.dtype, pd.CategoricalDtype) or not pd.api.types.is_string_dtype(codes):
        return np.asarray(codes.isin(list(values) if isinstance(values, set | frozenset)
                                     else values), dtype=bool)
    if isinstance(values, pd.Series | pd.Index):
        texts = values.dropna().astype(str).to_numpy(dtype=object)
    else:
        texts = [v for v in values if isinstance(v, str)]
    if len(texts) == 0 or len(codes) == 0:
        return np.zeros(len(codes), dtype=bool)
    column = (pa.array(codes.to_numpy(dtype=object), from_pandas=True)
              if codes.dtype == object else pa.array(codes.array))
    found = pc.is_in(column, value_set=pa.array(texts, type=column.type))
    return np.asarray(found.fill_null(False), dtype=bool)
