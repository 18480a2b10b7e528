"""Wilson, Byar's/exact, proportion, rate and DSR outputs against PHEindicatormethods data.

The expected values are the package's own test data (testWilson.R / testByars.R use
testdata_Byars_Wilson.xlsx, testProportions.R testdata_Proportion.xlsx, testRates.R
testdata_Rate.xlsx, testDSRs.R testdata_DSR_ISR.xlsx). These methods are deterministic, so
the tolerance is close to testthat's default (sqrt(machine eps) ~ 1.5e-8): 1e-9 relative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import PHStatsMethods as ph
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PHStatsMethods import euro_standard_pop

from explorer.stats import (
    byars_ci,
    dsr_with_ci,
    proportion_with_ci,
    rate_with_ci,
    wilson_ci,
)
from tests.golden import golden_dir

ROOT = Path(__file__).resolve().parents[1]

RTOL = 1e-9
CONF_LABEL = {0.95: "95%", 0.998: "99.8%"}
GOLDEN_CI_COLS = {0.95: ("lower95_0cl", "upper95_0cl"), 0.998: ("lower99_8cl", "upper99_8cl")}


def _golden_dir() -> Path:
    return golden_dir()


def _sheet(file: str, sheet: str) -> pd.DataFrame:
    return pd.read_excel(_golden_dir() / file, sheet_name=sheet)


def _close(actual: object, expected: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=rtol,
        equal_nan=True,
    )


@pytest.fixture(scope="module")
def bw() -> pd.DataFrame:
    df = _sheet("testdata_Byars_Wilson.xlsx", "testdata_B_W")
    df["conf"] = df["confidence"].map({"95%": 0.95, "99.8%": 0.998})
    return df


# --- Byar's and Wilson (testByars.R, testWilson.R) -------------------------------------


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_byars_limits_for_counts_of_ten_or_more(bw: pd.DataFrame, conf: float) -> None:
    rows = bw[(bw["method"] == "Byars") & (bw["conf"] == conf) & (bw["x"] >= 10)]
    assert len(rows) >= 2
    lower, upper = byars_ci(rows["x"], 1, conf, multiplier=1)
    _close(lower, rows["lowercl"])
    _close(upper, rows["uppercl"])


def test_byars_small_counts_use_exact_method_like_phe_rate(bw: pd.DataFrame) -> None:
    """R's internal byars_* helpers return the raw Byar's approximation for x = 1 (rows with
    x < 10 in testdata_B_W); the published method (phe_rate / ph_rate) switches to the exact
    Poisson limits below 10, which is what byars_ci does. Those rows must therefore differ,
    and our limits must equal phe_rate's (testdata_Rate, Area1: 1 event per 100)."""
    small = bw[(bw["method"] == "Byars") & (bw["x"] < 10)]
    assert not small.empty
    rate = _sheet("testdata_Rate.xlsx", "testdata_Rate")
    area1 = rate[(rate["Area"] == "Area1") & (rate["multiplier"] == 100)].iloc[0]
    for conf, (lo_col, hi_col) in GOLDEN_CI_COLS.items():
        lower, upper = byars_ci(1, 1, conf, multiplier=1)
        # A rate per 100 with denominator 100 is on the count scale.
        _close([lower, upper], [area1[lo_col], area1[hi_col]])
        raw = small[small["conf"] == conf].iloc[0]
        assert upper != pytest.approx(raw["uppercl"], rel=1e-3)


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_wilson_limits(bw: pd.DataFrame, conf: float) -> None:
    rows = bw[(bw["method"] == "Wilson") & (bw["conf"] == conf)]
    assert len(rows) == 3  # includes a fractional count, 0.445 of 1
    lower, upper = wilson_ci(rows["x"], rows["n"], conf)
    _close(lower, rows["lowercl"])
    _close(upper, rows["uppercl"])


def test_scalar_inputs_give_floats() -> None:
    lower, upper = wilson_ci(65, 100)
    assert isinstance(lower, float) and isinstance(upper, float)
    lower, upper = byars_ci(65, 100)
    assert isinstance(lower, float) and isinstance(upper, float)


# --- proportions (testProportions.R) -----------------------------------------------------


@pytest.fixture(scope="module")
def prop() -> pd.DataFrame:
    return _sheet("testdata_Proportion.xlsx", "testdata_Prop")


@pytest.mark.parametrize("multiplier", [1, 100])
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_proportions(prop: pd.DataFrame, multiplier: int, conf: float) -> None:
    expected = prop[prop["multiplier"] == multiplier].iloc[:8]
    result = proportion_with_ci(
        expected[["Area", "Numerator", "Denominator"]],
        "Numerator",
        "Denominator",
        confidence=conf,
        multiplier=multiplier,
    )
    lo_col, hi_col = GOLDEN_CI_COLS[conf]
    _close(result["value"], expected["value"])
    _close(result["lower_ci"], expected[lo_col])
    _close(result["upper_ci"], expected[hi_col])
    assert (result["method"] == "Wilson").all()
    assert (result["confidence"] == CONF_LABEL[conf]).all()
    assert list(result["Area"]) == list(expected["Area"])  # input columns are kept


def test_proportions_missing_inputs_give_nan(prop: pd.DataFrame) -> None:
    expected = prop[prop["Area"].isin(["Area09", "Area10", "Area11"])]
    assert expected[["value", "lower95_0cl", "upper95_0cl"]].isna().all().all()
    result = proportion_with_ci(expected, "Numerator", "Denominator", multiplier=1)
    assert result[["value", "lower_ci", "upper_ci"]].isna().all().all()


def test_proportions_grouped_sums(prop: pd.DataFrame) -> None:
    """phe_proportion on data grouped by Area sums numerators and denominators first."""
    expected = _sheet("testdata_Proportion.xlsx", "testdata_Prop_g")
    summed = (
        prop.groupby("Area", sort=False)[["Numerator", "Denominator"]]
        .agg(lambda s: s.sum(skipna=False))
        .reset_index()
    )
    result = proportion_with_ci(summed, "Numerator", "Denominator", multiplier=1)
    merged = result.merge(expected, on="Area", suffixes=("", "_exp"))
    assert len(merged) == len(expected)
    _close(merged["value"], merged["value_exp"])
    _close(merged["lower_ci"], merged["lowercl"])
    _close(merged["upper_ci"], merged["uppercl"])


def test_proportion_bad_rows_do_not_raise() -> None:
    df = pd.DataFrame({"n": [5, None, 5, -1, 11, 0], "d": [10, 10, 0, 10, 10, 10]})
    result = proportion_with_ci(df, "n", "d")
    assert result["value"].notna().tolist() == [True, False, False, False, False, True]
    assert result["lower_ci"].iloc[5] == 0.0


# --- rates (testRates.R) -------------------------------------------------------------


@pytest.fixture(scope="module")
def rate() -> pd.DataFrame:
    return _sheet("testdata_Rate.xlsx", "testdata_Rate")


@pytest.mark.parametrize("multiplier", [100, 100_000])
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_rates(rate: pd.DataFrame, multiplier: int, conf: float) -> None:
    expected = rate[(rate["multiplier"] == multiplier) & rate["value"].notna()]
    result = rate_with_ci(
        expected[["Area", "Numerator", "Denominator"]],
        "Numerator",
        "Denominator",
        confidence=conf,
        multiplier=multiplier,
    )
    lo_col, hi_col = GOLDEN_CI_COLS[conf]
    _close(result["value"], expected["value"])
    _close(result["lower_ci"], expected[lo_col])
    _close(result["upper_ci"], expected[hi_col])
    assert list(result["method"]) == list(expected["method"])
    assert (result["confidence"] == CONF_LABEL[conf]).all()


def test_rates_numerator_above_denominator_is_allowed(rate: pd.DataFrame) -> None:
    expected = rate[rate["Area"] == "Area12"]
    assert (expected["Numerator"] > expected["Denominator"]).all()
    result = rate_with_ci(expected, "Numerator", "Denominator")
    _close(result["lower_ci"], expected["lower95_0cl"])
    _close(result["upper_ci"], expected["upper95_0cl"])


def test_rates_missing_inputs_give_nan(rate: pd.DataFrame) -> None:
    expected = rate[rate["Area"].isin(["Area09", "Area10", "Area11"])]
    result = rate_with_ci(expected, "Numerator", "Denominator")
    assert result[["value", "lower_ci", "upper_ci"]].isna().all().all()
    # phe_rate labels by count alone: a known count of 10 is "Byars" even without a
    # denominator; a missing count has no method.
    assert result["method"].isna().tolist() == [True, False, True]
    assert expected["method"].isna().tolist() == [True, False, True]
    assert result["method"].iloc[1] == expected["method"].iloc[1] == "Byars"


def test_rates_grouped_sums(rate: pd.DataFrame) -> None:
    expected = _sheet("testdata_Rate.xlsx", "testdata_Rate_g")
    # As testRates.R (test_Rate grouped by Area): each area's rows are summed first.
    summed = (
        rate.groupby("Area", sort=False)[["Numerator", "Denominator"]]
        .agg(lambda s: s.sum(skipna=False))
        .reset_index()
    )
    result = rate_with_ci(summed, "Numerator", "Denominator")
    merged = result.merge(expected, on="Area", suffixes=("", "_exp"))
    assert len(merged) == len(expected)
    _close(merged["value"], merged["value_exp"])
    _close(merged["lower_ci"], merged["lowercl"])
    _close(merged["upper_ci"], merged["uppercl"])


def test_zero_count_rate_uses_exact_limits() -> None:
    lower, upper = byars_ci(0, 1000, multiplier=1000)
    assert lower == 0.0
    assert upper == pytest.approx(3.688879454113936)  # qchisq(0.975, 2) / 2


# --- DSRs (testDSRs.R) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def dsr_expected() -> pd.DataFrame:
    return _sheet("testdata_DSR_ISR.xlsx", "testresults_DSR")


@pytest.fixture(scope="module")
def multiarea() -> pd.DataFrame:
    df = _sheet("testdata_DSR_ISR.xlsx", "testdata_multiarea")
    esp = euro_standard_pop()["euro_standard_pops"].to_numpy()
    # As testDSRs.R: append the ESP2013 weights in row order within each area.
    df["esp2013"] = np.tile(esp, len(df) // len(esp))
    return df


@pytest.mark.parametrize(
    ("multiplier", "expected_rows"), [(100_000, [4, 5, 6]), (10_000, [0, 1, 2])]
)
@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_dsr(
    multiarea: pd.DataFrame,
    dsr_expected: pd.DataFrame,
    multiplier: int,
    expected_rows: list[int],
    conf: float,
) -> None:
    expected = dsr_expected.iloc[expected_rows].reset_index(drop=True)
    result = dsr_with_ci(
        multiarea, "count", "pop", "esp2013", "area", confidence=conf, multiplier=multiplier
    )
    lo_col, hi_col = GOLDEN_CI_COLS[conf]
    assert list(result["area"]) == list(expected["area"])
    _close(result["total_count"], expected["total_count"])
    _close(result["total_pop"], expected["total_pop"])
    _close(result["value"], expected["value"])  # testdata_tiny (9 events) is NaN in both
    _close(result["lower_ci"], expected[lo_col])
    _close(result["upper_ci"], expected[hi_col])
    assert (result["method"] == "Dobson").all()


def test_dsr_user_standard_population(dsr_expected: pd.DataFrame) -> None:
    """testDSRs.R checks only the 95% limits here (the 99.8% cells of this row are not
    used by the R test and are not on the same scale)."""
    data = _sheet("testdata_DSR_ISR.xlsx", "testdata_1976")
    expected = dsr_expected[dsr_expected["area"] == "testdata_1976"].iloc[[1]]
    result = dsr_with_ci(data, "count", "pop", "esp1976")
    _close(result["total_count"], expected["total_count"])
    _close(result["value"], expected["value"])
    _close(result["lower_ci"], expected["lower95_0cl"])
    _close(result["upper_ci"], expected["upper95_0cl"])


def test_dsr_group_with_bad_population_is_nan_not_error(multiarea: pd.DataFrame) -> None:
    data = multiarea.copy()
    data.loc[data["area"] == "testdata_small", "pop"] = 0
    result = dsr_with_ci(data, "count", "pop", "esp2013", "area").set_index("area")
    assert np.isnan(result.loc["testdata_small", "value"])
    assert np.isfinite(result.loc["testdata_big", "value"])


def test_dsr_ungrouped_matches_grouped(multiarea: pd.DataFrame) -> None:
    big = multiarea[multiarea["area"] == "testdata_big"]
    grouped = dsr_with_ci(big, "count", "pop", "esp2013", "area")
    ungrouped = dsr_with_ci(big, "count", "pop", "esp2013")
    assert "area" not in ungrouped.columns
    _close(ungrouped["value"], grouped["value"])
    _close(ungrouped["lower_ci"], grouped["lower_ci"])


# --- vectorisation is only a wrapper around the PHStatsMethods scalar functions --------


@given(
    pairs=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), min_size=1, max_size=30),
    conf=st.sampled_from([0.95, 0.998, 0.99]),
)
def test_vectorised_wilson_and_byars_equal_scalar_phstatsmethods(
    pairs: list[tuple[int, int]], conf: float
) -> None:
    counts = np.array([c for c, _ in pairs], dtype=float)
    dens = counts + np.array([e for _, e in pairs], dtype=float)
    lower, upper = wilson_ci(counts, dens, conf)
    blower, bupper = byars_ci(counts, dens, conf, multiplier=1000)
    for i, (c, d) in enumerate(zip(counts, dens, strict=True)):
        if d == 0:
            assert np.isnan(lower[i]) and np.isnan(blower[i])
            continue
        assert lower[i] == pytest.approx(ph.wilson_lower(c, d, conf), rel=1e-12)
        assert upper[i] == pytest.approx(ph.wilson_upper(c, d, conf), rel=1e-12)
        if c > 0:
            assert blower[i] == pytest.approx(ph.byars_lower(c, conf) / d * 1000, rel=1e-12)
            assert bupper[i] == pytest.approx(ph.byars_upper(c, conf) / d * 1000, rel=1e-12)


def test_wilson_on_arrays_is_bit_identical_to_phstatsmethods_scalar_functions():
    """The store fills 260,000 LSOA intervals through PHStatsMethods' own Wilson code run on
    arrays (explorer.stats.proportions._wilson_vec): every limit must equal the library's
    scalar function exactly, at both comparison confidences, edges included."""
    import numpy as np
    from PHStatsMethods import wilson_lower, wilson_upper

    from explorer.stats import wilson_ci

    rng = np.random.default_rng(20261202)
    den = rng.integers(1, 2_000_000, 5_000).astype(float)
    num = np.floor(rng.random(5_000) * (den + 1))  # 0 <= count <= denominator
    num[:3], den[:3] = (0.0, 7.0, 1.0), (7.0, 7.0, 1.0)
    for conf in (0.95, 0.998):
        lo, hi = wilson_ci(num, den, conf)
        want_lo = [wilson_lower(c, d, conf) for c, d in zip(num, den, strict=True)]
        want_hi = [wilson_upper(c, d, conf) for c, d in zip(num, den, strict=True)]
        assert np.array_equal(lo, np.array(want_lo))
        assert np.array_equal(hi, np.array(want_hi))
