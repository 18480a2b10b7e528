"""Fingertips-style "compared with benchmark" categories.

The rule is the one Fingertips uses for its RAG/BOB colours: an area is "similar" to the
benchmark (usually England) when the benchmark lies inside the area's confidence interval
(inclusive); otherwise it is better/worse when the indicator has a polarity, or
lower/higher when it does not. Which interval (95% or 99.8%) is used is decided by the
limits the caller passes in (the place-value engine passes the limits it shows).
"""

from __future__ import annotations

import math
from typing import Final, Literal, TypeAlias

import pandas as pd

from ._common import confidence_label as make_confidence_label

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
    "compare_to_benchmark",
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
