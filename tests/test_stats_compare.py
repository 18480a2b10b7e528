"""Fingertips "compared with benchmark" rules, small-number flags and CI-level helpers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.stats import (
    BETTER,
    HIGH_IS_GOOD,
    HIGHER,
    LOW_IS_GOOD,
    LOWER,
    NO_JUDGEMENT,
    NOT_COMPARED,
    SIMILAR,
    WORSE,
    compare_to_benchmark,
    confidence_label,
    wilson_ci,
)

ENGLAND = 50.0


@pytest.mark.parametrize("polarity", [HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT, None])
@pytest.mark.parametrize(("lower", "upper"), [(45, 55), (50, 60), (40, 50), (50, 50)])
def test_benchmark_inside_ci_is_similar(polarity: str | None, lower: float, upper: float) -> None:
    """Limits are inclusive: touching the benchmark is still "similar"."""
    assert compare_to_benchmark(52, lower, upper, ENGLAND, polarity) == SIMILAR


@pytest.mark.parametrize(
    ("polarity", "above", "below"),
    [
        (HIGH_IS_GOOD, BETTER, WORSE),
        (LOW_IS_GOOD, WORSE, BETTER),
        (NO_JUDGEMENT, HIGHER, LOWER),
        (None, HIGHER, LOWER),
    ],
)
def test_polarity_decides_direction(polarity: str | None, above: str, below: str) -> None:
    assert compare_to_benchmark(60, 55, 65, ENGLAND, polarity) == above
    assert compare_to_benchmark(40, 35, 45, ENGLAND, polarity) == below


def test_interval_decides_not_point_value() -> None:
    # Point value far above England but the interval reaches it: similar.
    assert compare_to_benchmark(70, 49, 90, ENGLAND, HIGH_IS_GOOD) == SIMILAR
    # Point value close to England but the interval clears it: better.
    assert compare_to_benchmark(50.5, 50.1, 51, ENGLAND, HIGH_IS_GOOD) == BETTER


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
@pytest.mark.parametrize("position", range(4))
def test_missing_anything_is_not_compared(missing: object, position: int) -> None:
    args: list[object] = [52.0, 45.0, 55.0, ENGLAND]
    args[position] = missing
    assert compare_to_benchmark(*args, HIGH_IS_GOOD) == NOT_COMPARED  # type: ignore[arg-type]


def test_inverted_or_infinite_interval_is_not_compared() -> None:
    assert compare_to_benchmark(52, 55, 45, ENGLAND, HIGH_IS_GOOD) == NOT_COMPARED
    assert compare_to_benchmark(52, 45, math.inf, ENGLAND, HIGH_IS_GOOD) == NOT_COMPARED


def test_confidence_label_is_validated_but_does_not_change_the_rule() -> None:
    for label in ("95%", "99.8%", None):
        assert compare_to_benchmark(60, 55, 65, ENGLAND, HIGH_IS_GOOD, label) == BETTER
    with pytest.raises(ValueError, match="confidence_label"):
        compare_to_benchmark(60, 55, 65, ENGLAND, HIGH_IS_GOOD, "fifty")
    with pytest.raises(ValueError, match="confidence_label"):
        compare_to_benchmark(60, 55, 65, ENGLAND, HIGH_IS_GOOD, "50%")


def test_unknown_polarity_raises() -> None:
    with pytest.raises(ValueError, match="polarity"):
        compare_to_benchmark(60, 55, 65, ENGLAND, "high is good")  # type: ignore[arg-type]


def test_confidence_labels() -> None:
    assert confidence_label(0.95) == "95%"
    assert confidence_label(0.998) == "99.8%"
    assert confidence_label(99.8) == "99.8%"


@given(
    count=st.integers(min_value=0, max_value=5000),
    extra=st.integers(min_value=1, max_value=5000),
    benchmark=st.floats(min_value=0, max_value=100),
    polarity=st.sampled_from([HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT]),
)
def test_99_8_is_never_more_decisive_than_95(
    count: int, extra: int, benchmark: float, polarity: str
) -> None:
    """The 99.8% interval contains the 95% one, so a "similar" at 95% stays "similar"."""
    n = count + extra
    levels = {}
    for conf, label in ((0.95, "95%"), (0.998, "99.8%")):
        lo, hi = wilson_ci(count, n, conf)
        levels[label] = compare_to_benchmark(count / n * 100, lo * 100, hi * 100, benchmark,
                                             polarity, label)  # type: ignore[arg-type]
    if levels["95%"] == SIMILAR:
        assert levels["99.8%"] == SIMILAR
    if levels["99.8%"] != SIMILAR:
        assert levels["99.8%"] == levels["95%"]
