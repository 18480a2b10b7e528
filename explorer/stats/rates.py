"""Crude rates (Byar's / exact Poisson CIs) and directly standardised rates (Dobson CIs).

As for proportions, the arithmetic comes from OHID's PHStatsMethods so results match the
Fingertips reference methods: ``byars_lower``/``byars_upper`` already switch to the exact
Poisson method for counts below 10 (exactly what ``ph_rate`` does), and ``ph_dsr`` does the
DSR. This module adds vectorisation and NaN-instead-of-exception handling of bad rows.
"""

from __future__ import annotations

from collections.abc import Sequence

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

__all__ = [
    "BYARS_METHOD",
    "DOBSON_METHOD",
    "EXACT_METHOD",
    "MIN_COUNT_FOR_BYARS",
    "MIN_COUNT_FOR_DSR",
    "byars_ci",
    "dsr_with_ci",
    "rate_method",
    "rate_with_ci",
]

BYARS_METHOD = "Byars"
EXACT_METHOD = "Exact"
DOBSON_METHOD = "Dobson"
#: Counts below this use the exact Poisson interval (Byar's approximation is poor there).
MIN_COUNT_FOR_BYARS = 10
#: DSRs are not published (value NaN) when the total count is below this.
MIN_COUNT_FOR_DSR = 10


def _count_limits(count: float, confidence: float) -> tuple[float, float]:
    """Lower/upper CI for one Poisson count via PHStatsMethods.

    PHStatsMethods raises for a zero count in ``byars_upper`` and returns NaN for the zero
    lower limit (chi-square with 0 d.f.); the exact-method values are 0 and
    ``exact_upper(0)``, which is what R's ``phe_rate`` returns, so handle zero here.
    """
    # imported here: PHStatsMethods imports scipy.stats (~65 MB), needed only once computing
    from PHStatsMethods import byars_lower, byars_upper, exact_upper

    if count == 0:
        return 0.0, float(exact_upper(0, confidence))
    return float(byars_lower(count, confidence)), float(byars_upper(count, confidence))


def byars_ci(
    count: Numeric,
    denominator: Numeric,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> tuple[FloatOrArray, FloatOrArray]:
    """CI for the rate count/denominator * multiplier: Byar's for counts >= 10, else exact.

    With ``denominator=1`` and ``multiplier=1`` this gives limits for the count itself.
    Scalars in give floats out; arrays in give arrays out. Missing/negative counts and
    missing/non-positive denominators give NaN, never an exception. Each distinct count is
    evaluated once, so long frames with repeated counts stay fast.
    """
    conf = normalise_confidence(confidence)
    scalar = is_scalar_input(count, denominator)
    num, den = np.broadcast_arrays(as_float_array(count), as_float_array(denominator))
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    valid = _valid_rate_mask(num, den)
    if valid.any():
        uniq, inverse = np.unique(num[valid], return_inverse=True)
        limits = np.array([_count_limits(float(c), conf) for c in uniq]).reshape(-1, 2)
        scale = multiplier / den[valid]
        lower[valid] = limits[inverse.reshape(-1), 0] * scale
        upper[valid] = limits[inverse.reshape(-1), 1] * scale
    return to_output(lower, scalar), to_output(upper, scalar)


def _valid_rate_mask(
    count: npt.NDArray[np.float64], denominator: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        return np.isfinite(count) & np.isfinite(denominator) & (denominator > 0) & (count >= 0)


def rate_method(count: Numeric) -> npt.NDArray[np.str_]:
    """Method label per count, as ph_rate writes it: "Exact" below 10, else "Byars"."""
    num = as_float_array(count)
    return np.where(num < MIN_COUNT_FOR_BYARS, EXACT_METHOD, BYARS_METHOD)


def rate_with_ci(
    df: pd.DataFrame,
    num_col: str,
    den_col: str,
    confidence: float = 0.95,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Row-wise crude rate per ``multiplier`` with Byar's/exact CI.

    Returns a copy of ``df`` with ``value``, ``lower_ci``, ``upper_ci``, ``confidence`` and
    ``method`` ("Byars"/"Exact" per row by count; missing where the count is missing).
    """
    if not multiplier > 0:
        raise ValueError(f"multiplier must be positive, got {multiplier!r}")
    num = as_float_array(df[num_col])
    den = as_float_array(df[den_col])
    valid = _valid_rate_mask(num, den)
    lower, upper = byars_ci(num, den, confidence, multiplier)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(valid, num / np.where(valid, den, 1.0) * multiplier, np.nan)
    out = df.copy()
    out["value"] = value
    out["lower_ci"] = lower
    out["upper_ci"] = upper
    out["confidence"] = confidence_label(confidence)
    # Like phe_rate, the label depends on the count only (so a missing denominator still
    # says which method would apply); a missing/negative count has no method.
    with np.errstate(invalid="ignore"):
        has_count = np.isfinite(num) & (num >= 0)
    out["method"] = pd.Series(np.where(has_count, rate_method(num), None), index=df.index)
    return out


def dsr_with_ci(
    df: pd.DataFrame,
    num_col: str,
    den_col: str,
    std_pop_col: str,
    group_cols: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    multiplier: int = 100_000,
) -> pd.DataFrame:
    """Directly standardised rate per group (one row per standardisation band in ``df``).

    Uses ``PHStatsMethods.ph_dsr`` (Dobson method CIs) with the standard population supplied
    as a column (e.g. ESP2013 weights), because the reference data use age bands that the
    package's automatic ESP join would mis-order. Value and CIs are NaN where the total count
    is below 10 (Fingertips does not publish those). Groups containing a missing or
    non-positive population, a negative count or a missing standard population are returned
    with NaN instead of making the whole call fail.

    Returns one row per group with the group columns, ``total_count``, ``total_pop``,
    ``value``, ``lower_ci``, ``upper_ci``, ``confidence`` and ``method`` ("Dobson").
    """
    conf = normalise_confidence(confidence)
    if not isinstance(multiplier, (int, np.integer)) or multiplier <= 0:
        raise ValueError(f"multiplier must be a positive integer, got {multiplier!r}")
    groups = [group_cols] if isinstance(group_cols, str) else list(group_cols or [])
    work = df[[*groups, num_col, den_col, std_pop_col]].copy()
    work["_row"] = np.arange(len(work))
    if not groups:
        work["_all"] = "all"
        keys = ["_all"]
    else:
        keys = groups
    for col in (num_col, den_col, std_pop_col):
        work[col] = as_float_array(work[col])
    num, den, std = (work[c].to_numpy() for c in (num_col, den_col, std_pop_col))
    with np.errstate(invalid="ignore"):
        bad_row = ~(np.isfinite(den) & (den > 0) & np.isfinite(std) & (std >= 0)) | (num < 0)
    work["_bad"] = bad_row
    bad_groups = work.groupby(keys, sort=False, dropna=False)["_bad"].transform("any").to_numpy()
    good = work.loc[~bad_groups].drop(columns=["_bad", "_row"])
    bad = work.loc[bad_groups]

    parts: list[pd.DataFrame] = []
    if len(good):
        lower_col, upper_col = _ph_ci_col(conf, "lower"), _ph_ci_col(conf, "upper")
        from PHStatsMethods import ph_dsr  # on first use (scipy.stats: see _count_limits)

        res = ph_dsr(
            good,
            num_col,
            den_col,
            std_pop_col,
            group_cols=keys,
            metadata=False,
            confidence=conf,
            multiplier=int(multiplier),
            euro_standard_pops=False,
        )
        res = res.rename(
            columns={
                "Total Count": "total_count",
                "Total Pop": "total_pop",
                "Value": "value",
                lower_col: "lower_ci",
                upper_col: "upper_ci",
            }
        )
        # PHStatsMethods keeps the CIs when the count is < 10; Fingertips suppresses all.
        small = as_float_array(res["total_count"]) < MIN_COUNT_FOR_DSR
        for col in ("value", "lower_ci", "upper_ci"):
            res[col] = np.where(small, np.nan, as_float_array(res[col]))
        parts.append(res)
    if len(bad):
        bad_summary = (
            bad.groupby(keys, sort=False, dropna=False)
            .agg(total_count=(num_col, "sum"), total_pop=(den_col, "sum"))
            .reset_index()
        )
        bad_summary[["value", "lower_ci", "upper_ci"]] = np.nan
        parts.append(bad_summary)
    res = pd.concat(parts, ignore_index=True)
    for col in ("total_count", "total_pop", "value", "lower_ci", "upper_ci"):
        res[col] = as_float_array(res[col])

    # Restore first-appearance order of groups, as in the input.
    order = work.groupby(keys, sort=False, dropna=False)["_row"].min().rename("_order")
    res = res.merge(order.reset_index(), on=keys, how="left").sort_values("_order")
    res = res.drop(columns="_order").reset_index(drop=True)
    res["confidence"] = confidence_label(conf)
    res["method"] = DOBSON_METHOD
    cols = [*groups, "total_count", "total_pop", "value", "lower_ci", "upper_ci"]
    return res[[*cols, "confidence", "method"]]


def _ph_ci_col(confidence: float, side: str) -> str:
    """Column name PHStatsMethods gives a CI, e.g. (0.95, "lower") -> "lower_95_ci"."""
    percent = str(confidence)[2:].ljust(2, "0")
    if len(percent) > 2:
        percent = percent[:2] + "_" + percent[2:]
    return f"{side}_{percent}_ci"
