"""Proportions with Wilson score confidence intervals, as published by Fingertips.

The arithmetic is delegated to OHID's PHStatsMethods (``wilson_lower`` / ``wilson_upper``) so
the figures match the reference implementation; this module only adds vectorisation and the
"bad input gives NaN, never an exception" behaviour a dashboard needs.
"""

from __future__ import annotations

import functools
import math
import types
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._common import (
    FloatOrArray,
    Numeric,
    as_float_array,
    confidence_label,
    is_scalar_input,
    normalise_confidence,
    to_output,
)

__all__ = ["WILSON_METHOD", "proportion_with_ci", "wilson_ci"]

#: Method label written to output frames (matches PHStatsMethods / PHEindicatormethods).
WILSON_METHOD = "Wilson"



@functools.cache
def _wilson_vec() -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """PHStatsMethods' ``wilson_lower`` / ``wilson_upper`` evaluated on whole arrays.

    The library's functions are scalar only (they call ``math.sqrt``), and a call per row
    cost ~3 s for the 260,000 LSOA rows the store fills. Their own code objects are run with
    ``numpy.sqrt`` in place of ``math.sqrt``: the same formula, operations in the same order,
    bit-identical results (``tests/test_stats_golden.py`` checks that against the scalar
    functions). If the library ever stops matching that shape, the scalar functions are
    vectorised row by row instead. Imported on first use: PHStatsMethods imports scipy.stats
    (~65 MB a server holds only once it computes an interval)."""
    from PHStatsMethods import wilson_lower, wilson_upper

    def on_arrays(fn: Callable[..., float]) -> Callable[..., np.ndarray]:
        if fn.__globals__.get("sqrt") is math.sqrt and "sqrt" in fn.__code__.co_names:
            env = {**fn.__globals__, "sqrt": np.sqrt}
            return types.FunctionType(fn.__code__, env, fn.__name__, fn.__defaults__,
                                      fn.__closure__)
        return np.vectorize(fn, otypes=[np.float64])

    return on_arrays(wilson_lower), on_arrays(wilson_upper)


def _valid_proportion_mask(
    count: npt.NDArray[np.float64], denominator: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Rows where a Wilson interval is defined: 0 <= count <= denominator, denominator > 0."""
    with np.errstate(invalid="ignore"):
        return (
            np.isfinite(count)
            & np.isfinite(denominator)
            & (denominator > 0)
            & (count >= 0)
            & (count <= denominator)
        )


def wilson_ci(
    count: Numeric, denominator: Numeric, confidence: float = 0.95
) -> tuple[FloatOrArray, FloatOrArray]:
    """Wilson score interval for count/denominator, as a proportion (0-1 scale).

    Scalars in give floats out; arrays/Series in give numpy arrays out (broadcast together).
    Missing counts, non-positive denominators, negative counts and counts above the
    denominator give NaN rather than raising, because they are data problems a page should
    show as "no value", not crash on. Each distinct (count, denominator) pair is computed once.
    """
    conf = normalise_confidence(confidence)
    scalar = is_scalar_input(count, denominator)
    num, den = np.broadcast_arrays(as_float_array(count), as_float_array(denominator))
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    valid = _valid_proportion_mask(num, den)
    if valid.any():
        pairs = np.column_stack([num[valid], den[valid]])
        uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        lower_vec, upper_vec = _wilson_vec()
        lo = np.asarray(lower_vec(uniq[:, 0], uniq[:, 1], conf), dtype=np.float64)
        hi = np.asarray(upper_vec(uniq[:, 0], uniq[:, 1], conf), dtype=np.float64)
        lower[valid] = lo[inverse]
        upper[valid] = hi[inverse]
    return to_output(lower, scalar), to_output(upper, scalar)


def proportion_with_ci(
    df: pd.DataFrame,
    num_col: str,
    den_col: str,
    confidence: float = 0.95,
    multiplier: float = 100,
) -> pd.DataFrame:
    """Row-wise proportion with Wilson CI, scaled by ``multiplier`` (100 = percentage).

    Returns a copy of ``df`` with columns ``value``, ``lower_ci``, ``upper_ci``,
    ``confidence`` (label such as "95%") and ``method`` ("Wilson") added or overwritten.
    Rows that cannot be computed (missing or invalid inputs, see :func:`wilson_ci`) get NaN
    in the three numeric columns. ``multiplier`` must be positive.
    """
    if not multiplier > 0:
        raise ValueError(f"multiplier must be positive, got {multiplier!r}")
    num = as_float_array(df[num_col])
    den = as_float_array(df[den_col])
    valid = _valid_proportion_mask(num, den)
    lower, upper = wilson_ci(num, den, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(valid, num / np.where(valid, den, 1.0), np.nan)
    out = df.copy()
    out["value"] = value * multiplier
    out["lower_ci"] = np.asarray(lower) * multiplier
    out["upper_ci"] = np.asarray(upper) * multiplier
    out["confidence"] = confidence_label(confidence)
    out["method"] = WILSON_METHOD
    return out
