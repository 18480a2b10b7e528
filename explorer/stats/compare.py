"""Fingertips-style "compared with benchmark" categories and small-number flags.

The rule is the one Fingertips uses for its RAG/BOB colours: an area is "similar" to the
benchmark (usually England) when the benchmark lies inside the area's confidence interval
(inclusive); otherwise it is better/worse when the indicator has a polarity, or
lower/higher when it does not. Which interval (95% or 99.8%) is used is decided by the
limits the caller passes in; :func:`compare_at_levels` computes both.
"""

from __future__ import annotations

import math
from typing import Any, Final, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._common import (
    STANDARD_CONFIDENCES,
    Numeric,
    as_float_array,
    is_scalar_input,
    normalise_confidence,
)
from ._common import confidence_label as make_confidence_label
from .proportions import wilson_ci
from .rates import byars_ci

__all__ = [
    "BETTER",
    "COMPARISONS",
    "HIGHER",
    "HIGH_IS_GOOD",
    "LOWER",
    "LOW_IS_GOOD",
    "NOT_COMPARED",
    "NO_JUDGEMENT",
    "POLARITIES",
    "SIMILAR",
    "SMALL_NUMBER_THRESHOLD",
    "WORSE",
    "Comparison",
    "Polarity",
    "compare_at_levels",
    "compare_frame",
    "compare_many",
    "compare_to_benchmark",
    "polarity_from_fingertips",
    "small_number_flag",
]

Polarity: TypeAlias = Literal["high_is_good", "low_is_good", "no_judgement"]
Comparison: TypeAlias = Literal["better", "similar", "worse", "lower", "higher", "not compared"]

HIGH_IS_GOOD: Final = "high_is_good"
LOW_IS_GOOD: Final = "low_is_good"
NO_JUDGEMENT: Final = "no_judgement"
POLARITIES: Final[tuple[Polarity, ...]] = (HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT)

BETTER: Final = "better"
SIMILAR: Final = "similar"
WORSE: Final = "worse"
LOWER: Final = "lower"
HIGHER: Final = "higher"
NOT_COMPARED: Final = "not compared"
COMPARISONS: Final[tuple[Comparison, ...]] = (BETTER, SIMILAR, WORSE, LOWER, HIGHER, NOT_COMPARED)

#: Counts below this are flagged as small (unstable rates; Fingertips suppresses DSRs < 10).
SMALL_NUMBER_THRESHOLD: Final = 10

_FINGERTIPS_POLARITY: Final[dict[str, Polarity]] = {
    "rag - high is good": HIGH_IS_GOOD,
    "rag - low is good": LOW_IS_GOOD,
    "bob - blue orange blue": NO_JUDGEMENT,
    "not applicable": NO_JUDGEMENT,
    "no judgement": NO_JUDGEMENT,
}


def _check_polarity(polarity: str | None) -> Polarity:
    """Map None to no judgement and reject anything not in :data:`POLARITIES`."""
    if polarity is None:
        return NO_JUDGEMENT
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES} or None, got {polarity!r}")
    return polarity  # type: ignore[return-value]


def _check_label(label: str | None) -> None:
    """Validate a confidence label such as "95%" or "99.8%" (None means unspecified)."""
    if label is None:
        return
    try:
        make_confidence_label(float(str(label).strip().rstrip("%")))
    except (TypeError, ValueError) as exc:
        msg = f"confidence_label must look like '95%' or '99.8%', got {label!r}"
        raise ValueError(msg) from exc


def polarity_from_fingertips(text: str | None) -> Polarity:
    """Translate Fingertips' polarity text ("RAG - High is good", ...) to a :data:`Polarity`.

    Unknown or missing text maps to no judgement, because colouring an area better/worse on
    a guessed polarity would be misleading.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return NO_JUDGEMENT
    key = str(text).strip().lower().replace("_", " ")
    if key in POLARITIES:
        return key  # type: ignore[return-value]
    if key.replace(" ", "_") in POLARITIES:
        return key.replace(" ", "_")  # type: ignore[return-value]
    return _FINGERTIPS_POLARITY.get(key, NO_JUDGEMENT)


def _is_missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def compare_to_benchmark(
    value: float | None,
    lower: float | None,
    upper: float | None,
    benchmark: float | None,
    polarity: Polarity | None,
    confidence_label: str | None = "95%",
) -> Comparison:
    """Fingertips comparison of one area with a benchmark.

    - value, either limit or the benchmark missing (or lower > upper) -> "not compared";
    - lower <= benchmark <= upper -> "similar" (the interval decides, not the point value);
    - otherwise "better"/"worse" for high_is_good/low_is_good, or "lower"/"higher" when
      polarity is None / "no_judgement".

    ``confidence_label`` records which interval ``lower``/``upper`` are ("95%" or "99.8%").
    It does not change the rule; it is validated so mislabelled calls fail early.
    """
    _check_label(confidence_label)
    pol = _check_polarity(polarity)
    vals = [value, lower, upper, benchmark]
    if any(_is_missing(v) for v in vals):
        return NOT_COMPARED
    v, lo, hi, bench = (float(x) for x in vals)  # type: ignore[arg-type]
    if not all(math.isfinite(x) for x in (v, lo, hi, bench)) or lo > hi:
        return NOT_COMPARED
    if lo <= bench <= hi:
        return SIMILAR
    area_is_higher = lo > bench
    if pol == NO_JUDGEMENT:
        return HIGHER if area_is_higher else LOWER
    if pol == HIGH_IS_GOOD:
        return BETTER if area_is_higher else WORSE
    return WORSE if area_is_higher else BETTER


def compare_many(
    value: Numeric,
    lower: Numeric,
    upper: Numeric,
    benchmark: Numeric,
    polarity: Polarity | None,
) -> npt.NDArray[np.object_]:
    """Vectorised :func:`compare_to_benchmark` (benchmark may be scalar or per row)."""
    pol = _check_polarity(polarity)
    v, lo, hi, bench = np.broadcast_arrays(
        as_float_array(value),
        as_float_array(lower),
        as_float_array(upper),
        as_float_array(benchmark),
    )
    ok = np.isfinite(v) & np.isfinite(lo) & np.isfinite(hi) & np.isfinite(bench)
    with np.errstate(invalid="ignore"):
        ok &= lo <= hi
        similar = (lo <= bench) & (bench <= hi)
        area_higher = lo > bench
    if pol == NO_JUDGEMENT:
        above, below = HIGHER, LOWER
    elif pol == HIGH_IS_GOOD:
        above, below = BETTER, WORSE
    else:
        above, below = WORSE, BETTER
    out = np.where(similar, SIMILAR, np.where(area_higher, above, below)).astype(object)
    out[~ok] = NOT_COMPARED
    return out


def compare_frame(
    df: pd.DataFrame,
    benchmark: Numeric | str,
    polarity: Polarity | None,
    value_col: str = "value",
    lower_col: str = "lower_ci",
    upper_col: str = "upper_ci",
) -> pd.Series:
    """Comparison category per row of a frame produced by ``proportion_with_ci`` etc.

    ``benchmark`` is a number (e.g. the England value) or the name of a column holding a
    per-row benchmark. Returns a string Series aligned to ``df.index``.
    """
    bench = df[benchmark] if isinstance(benchmark, str) else benchmark
    result = compare_many(df[value_col], df[lower_col], df[upper_col], bench, polarity)
    return pd.Series(result, index=df.index, name="comparison", dtype=object)


def compare_at_levels(
    count: Numeric,
    denominator: Numeric,
    benchmark: Numeric,
    polarity: Polarity | None,
    statistic: Literal["proportion", "rate"] = "proportion",
    multiplier: float = 100,
    confidences: tuple[float, ...] = STANDARD_CONFIDENCES,
) -> dict[str, Comparison] | dict[str, npt.NDArray[np.object_]]:
    """Compare areas with a benchmark at several confidence levels (default 95% and 99.8%).

    The CI is recomputed from count/denominator with Wilson (proportions) or Byar's/exact
    (rates) at each level, and ``benchmark`` must be on the same scale as ``multiplier``
    (e.g. a percentage for ``multiplier=100``). Keys are labels such as "95%" and "99.8%";
    values are single categories for scalar input, arrays of categories for array input.
    """
    if statistic not in ("proportion", "rate"):
        raise ValueError(f"statistic must be 'proportion' or 'rate', got {statistic!r}")
    scalar = is_scalar_input(count, denominator, benchmark)
    num, den = np.broadcast_arrays(as_float_array(count), as_float_array(denominator))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / np.where(den > 0, den, 1.0) * multiplier, np.nan)
    out: dict[str, Any] = {}
    for conf in confidences:
        c = normalise_confidence(conf)
        if statistic == "proportion":
            lo, hi = wilson_ci(num, den, c)
            lo, hi = np.asarray(lo) * multiplier, np.asarray(hi) * multiplier
        else:
            lo, hi = byars_ci(num, den, c, multiplier)
        result = compare_many(value, lo, hi, benchmark, polarity)
        out[make_confidence_label(c)] = result.reshape(-1)[0] if scalar else result
    return out


def small_number_flag(
    count: Numeric, threshold: int = SMALL_NUMBER_THRESHOLD
) -> bool | npt.NDArray[np.bool_]:
    """True where a count is known and below ``threshold`` (default 10).

    Used to warn that a rate/percentage rests on few events (Fingertips does not publish
    DSRs from fewer than 10 events). Missing counts are not flagged: there is no number to
    be small. Scalars give a bool, arrays a boolean array.
    """
    arr = as_float_array(count)
    with np.errstate(invalid="ignore"):
        flags = np.isfinite(arr) & (arr < threshold)
    if is_scalar_input(count):
        return bool(flags.reshape(-1)[0])
    return flags
