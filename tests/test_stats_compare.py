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
    COMPARISONS,
    HIGH_IS_GOOD,
    HIGHER,
    LOW_IS_GOOD,
    LOWER,
    NO_JUDGEMENT,
    NOT_COMPARED,
    SIMILAR,
    WORSE,
    compare_at_levels,
    compare_frame,
    compare_many,
    compare_to_benchmark,
    confidence_label,
    polarity_from_fingertips,
    proportion_with_ci,
    small_number_flag,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RAG - High is good", HIGH_IS_GOOD),
        ("RAG - Low is good", LOW_IS_GOOD),
        ("BOB - Blue orange blue", NO_JUDGEMENT),
        ("Not applicable", NO_JUDGEMENT),
        ("high_is_good", HIGH_IS_GOOD),
        (None, NO_JUDGEMENT),
        ("something new", NO_JUDGEMENT),
    ],
)
def test_polarity_from_fingertips(text: str | None, expected: str) -> None:
    assert polarity_from_fingertips(text) == expected


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
maybe_missing = st.one_of(finite, st.just(math.nan))


@given(
    rows=st.lists(
        st.tuples(maybe_missing, maybe_missing, maybe_missing, maybe_missing),
        min_size=1,
        max_size=20,
    ),
    polarity=st.sampled_from([HIGH_IS_GOOD, LOW_IS_GOOD, NO_JUDGEMENT, None]),
)
def test_vectorised_matches_scalar(
    rows: list[tuple[float, float, float, float]], polarity: str | None
) -> None:
    arr = np.array(rows, dtype=float)
    many = compare_many(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], polarity)  # type: ignore[arg-type]
    single = [compare_to_benchmark(*r, polarity) for r in rows]  # type: ignore[arg-type]
    assert list(many) == single
    assert set(single) <= set(COMPARISONS)


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
    levels = compare_at_levels(count, count + extra, benchmark, polarity)  # type: ignore[arg-type]
    assert set(levels) == {"95%", "99.8%"}
    if levels["95%"] == SIMILAR:
        assert levels["99.8%"] == SIMILAR
    if levels["99.8%"] != SIMILAR:
        assert levels["99.8%"] == levels["95%"]


def test_compare_at_levels_can_differ_between_levels() -> None:
    # 60/100 vs 50%: Wilson 95% CI 50.2-69.1 excludes 50, 99.8% CI includes it.
    assert compare_at_levels(60, 100, 50, HIGH_IS_GOOD) == {"95%": BETTER, "99.8%": SIMILAR}
    # Rates per 100,000: 150 events in 100,000 against 120 per 100,000, low is good.
    res = compare_at_levels(150, 100_000, 120, LOW_IS_GOOD, statistic="rate", multiplier=100_000)
    assert res["95%"] == WORSE
    assert compare_at_levels(5, 0, 50, HIGH_IS_GOOD)["95%"] == NOT_COMPARED


def test_compare_frame_with_scalar_and_column_benchmark() -> None:
    df = pd.DataFrame({"n": [60, 40, 50, None], "d": [100, 100, 100, 100]}, index=[3, 4, 5, 6])
    out = proportion_with_ci(df, "n", "d")
    res = compare_frame(out, 50, HIGH_IS_GOOD)
    assert res.tolist() == [BETTER, WORSE, SIMILAR, NOT_COMPARED]
    assert list(res.index) == [3, 4, 5, 6]
    out["england"] = [70, 30, 50, 50]
    assert compare_frame(out, "england", None).tolist() == [LOWER, HIGHER, SIMILAR, NOT_COMPARED]


def test_compare_frame_matches_wilson_limits() -> None:
    lower, upper = wilson_ci(60, 100, 0.998)
    df = pd.DataFrame({"value": [60.0], "lower_ci": [lower * 100], "upper_ci": [upper * 100]})
    assert compare_frame(df, 50, HIGH_IS_GOOD).iloc[0] == SIMILAR


def test_small_number_flag() -> None:
    assert small_number_flag(9) is True
    assert small_number_flag(10) is False
    assert small_number_flag(0) is True
    assert small_number_flag(math.nan) is False
    assert small_number_flag(None) is False  # type: ignore[arg-type]
    assert small_number_flag(4, threshold=5) is True
    flags = small_number_flag(pd.Series([3, 10, None, 25]))
    assert isinstance(flags, np.ndarray)
    assert flags.tolist() == [True, False, False, False]


def test_compare_at_levels_vectorised_matches_scalar() -> None:
    counts, dens = [60, 40, 50, 5, 7], [100, 100, 100, 0, 10]
    many = compare_at_levels(counts, dens, 50, HIGH_IS_GOOD)
    for i, (n, d) in enumerate(zip(counts, dens, strict=True)):
        single = compare_at_levels(n, d, 50, HIGH_IS_GOOD)
        assert {k: v[i] for k, v in many.items()} == single
