"""SII/RII against PHEindicatormethods' golden data (testSII.R) plus behavioural tests.

Golden cases mirror tests/testthat/testSII.R in PHEindicatormethods: same input rows of
testdata_SII.xlsx, same arguments, same expected rows. Point estimates (SII, RII, intercept)
are deterministic and must match to 1e-9 relative. Confidence limits are simulated (golden
values come from 100,000 draws of R's RNG - 10,000 for one case - ours from NumPy's), so,
like the R tests (which allow a mean relative difference of 0.05), they get a Monte Carlo
tolerance: every limit within 2% of the golden interval's width (scaled by
sqrt(100,000 / golden draws)), and the R-style mean relative difference per column < 0.05.
The life-expectancy case uses LE_testdata.csv and the published output of the package's
phe_sii vignette (run there with only 1,000 draws, so its limits get a wider tolerance).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from explorer.stats.sii import (
    SIIDataWarning,
    compute_sii,
    phe_sii,
    relative_rank,
)
from tests.golden import golden_dir

ROOT = Path(__file__).resolve().parents[1]

GROUPS = ["Area", "Grouping1", "Grouping2"]
POINT_RTOL = 1e-9
CI_WIDTH_FRACTION = 0.02
R_MEAN_REL_TOL = 0.05


def _golden_dir() -> Path:
    return golden_dir()


@pytest.fixture(scope="module")
def sii_data() -> pd.DataFrame:
    return pd.read_excel(_golden_dir() / "testdata_SII.xlsx", sheet_name="testdata_SII")


@pytest.fixture(scope="module")
def le_data() -> pd.DataFrame:
    return pd.read_csv(_golden_dir() / "LE_testdata.csv")


def _rows(df: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    return df[(df["RecordNo"] >= first) & (df["RecordNo"] <= last)].copy()


@dataclass(frozen=True)
class Case:
    """One expect_equal() from testSII.R: input RecordNo range, arguments, expected rows."""

    name: str
    rows: tuple[int, int]
    expected: tuple[int, ...]
    kwargs: dict[str, Any]
    confidences: tuple[float, ...] = (0.95,)
    grouped: bool = True
    sii_only: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


SE = {"value": "Value", "se": "StandardError"}
CLS = {"value": "Value", "lower_cl": "LowerCL", "upper_cl": "UpperCL"}
RII = {"rii": True}
ICPT = {"rii": True, "intercept": True}

CASES = [
    # default (normal, e.g. life expectancy), value_type = 0
    Case("default SE", (1, 20), (1, 11), {**SE, **RII}),
    Case("default CLs", (1, 20), (1, 11), {**CLS, **RII}),
    Case("default intercept", (1, 20), (246, 256), {**CLS, **ICPT}),
    Case("ungrouped", (1, 10), (1,), {**CLS, **RII}, grouped=False),
    Case("99% (decimal)", (21, 40), (21, 31), {**CLS, **RII, "confidence": 0.99}, (0.99,)),
    Case("99% (percent)", (21, 40), (21, 31), {**SE, **RII, "confidence": 99}, (0.99,)),
    Case(
        "95% and 99%", (226, 245), (226, 236), {**SE, **RII, "confidence": [95, 99]}, (0.95, 0.99)
    ),
    Case("100,000 reps", (41, 60), (41, 51), {**SE, **RII}),
    Case("quintiles", (61, 70), (61, 66), {**SE, **RII}, sii_only=True),
    # rates, value_type = 1
    Case("rate SE", (71, 90), (71, 81), {**SE, **RII, "value_type": 1}),
    Case("rate CLs", (71, 90), (71, 81), {**CLS, **RII, "value_type": 1}),
    Case("rate intercept", (71, 90), (266, 276), {**CLS, **ICPT, "value_type": 1}),
    Case(
        "rate log transform",
        (306, 325),
        (306, 316),
        {**CLS, **ICPT, "value_type": 1, "transform": True},
    ),
    Case(
        "rate log transform, multiplier -1",
        (386, 405),
        (386, 396),
        {**CLS, **ICPT, "value_type": 1, "transform": True, "multiplier": -1},
    ),
    Case(
        "rate log transform, 98%",
        (406, 425),
        (406, 416),
        {**CLS, **ICPT, "value_type": 1, "transform": True, "confidence": 98},
        (0.98,),
    ),
    Case(
        "rate log transform, 95% and 98%",
        (366, 385),
        (366, 376),
        {**CLS, **ICPT, "value_type": 1, "transform": True, "confidence": [95, 98]},
        (0.95, 0.98),
    ),
    Case(
        "rate log transform, no rii",
        (426, 445),
        (426, 436),
        {**CLS, "value_type": 1, "transform": True},
    ),
    # proportions, value_type = 2
    Case("proportion SE", (91, 110), (91, 101), {**SE, **RII, "value_type": 2}),
    Case("proportion CLs", (91, 110), (91, 101), {**CLS, **RII, "value_type": 2}),
    Case(
        "proportion from counts",
        (91, 110),
        (91, 101),
        {"x": "Count", "lower_cl": "LowerCL", "upper_cl": "UpperCL", **RII, "value_type": 2},
    ),
    # testSII.R runs this one with value_type = 1 on rows 91:110; the sheet's own rows say
    # proportion, and both agree with the expected row to simulation accuracy.
    Case("proportion intercept", (286, 305), (286, 296), {**CLS, **ICPT, "value_type": 2}),
    Case(
        "proportion x100 with rii",
        (111, 130),
        (111, 121),
        {**CLS, **RII, "value_type": 2, "multiplier": 100},
    ),
    Case(
        "proportion x100 without rii",
        (111, 130),
        (111, 121),
        {**CLS, "value_type": 2, "multiplier": 100},
    ),
    Case(
        "proportion x-100 with rii",
        (131, 150),
        (131, 141),
        {**CLS, **RII, "value_type": 2, "multiplier": -100},
    ),
    Case(
        "proportion x-100 without rii",
        (131, 150),
        (131, 141),
        {**CLS, "value_type": 2, "multiplier": -100},
    ),
    Case(
        "proportion logit transform",
        (326, 345),
        (326, 336),
        {**CLS, **ICPT, "value_type": 2, "transform": True},
    ),
    Case(
        "proportion logit transform, multiplier -1",
        (346, 365),
        (346, 356),
        {**CLS, **ICPT, "value_type": 2, "transform": True, "multiplier": -1},
    ),
    Case(
        "proportion logit transform, 98%",
        (466, 485),
        (466, 476),
        {**CLS, **ICPT, "value_type": 2, "transform": True, "confidence": 98},
        (0.98,),
    ),
    Case(
        "proportion logit transform, 95% and 98%",
        (486, 505),
        (486, 496),
        {**CLS, **ICPT, "value_type": 2, "transform": True, "confidence": [95, 98]},
        (0.95, 0.98),
    ),
    Case(
        "proportion logit transform, no rii",
        (446, 465),
        (446, 456),
        {**CLS, "value_type": 2, "transform": True},
    ),
]


def _suffix(conf: float) -> str:
    return f"{conf * 100:.1f}".replace(".", "_")


def _ci_allowance(expected: pd.DataFrame) -> float:
    """Allowed |difference| as a fraction of the CI width: 2% for golden limits simulated
    with 100,000 draws, scaled up by sqrt(100,000 / draws) when R used fewer."""
    reps = float(expected["Repetitions"].iloc[0])
    return CI_WIDTH_FRACTION * max(1.0, float(np.sqrt(100_000 / reps)))


def _r_mean_relative_difference(actual: np.ndarray, expected: np.ndarray) -> float:
    """all.equal()'s numeric measure, which testthat's tolerance is applied to."""
    return float(np.mean(np.abs(actual - expected)) / np.mean(np.abs(expected)))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_sii_matches_phe_sii_golden(sii_data: pd.DataFrame, case: Case) -> None:
    data = _rows(sii_data, *case.rows)
    result = phe_sii(
        data,
        "Quantile",
        "Population",
        group_cols=GROUPS if case.grouped else None,
        output_type="standard",
        **case.kwargs,
    )
    expected = sii_data.set_index("RecordNo").loc[list(case.expected)]
    assert len(result) == len(expected)

    np.testing.assert_allclose(result["sii"], expected["sii"], rtol=POINT_RTOL)
    if case.sii_only:
        return
    with_rii = bool(case.kwargs.get("rii"))
    assert ("rii" in result.columns) == with_rii
    assert ("intercept" in result.columns) == bool(case.kwargs.get("intercept"))
    if with_rii:
        np.testing.assert_allclose(result["rii"], expected["rii"], rtol=POINT_RTOL)
    if case.kwargs.get("intercept"):
        np.testing.assert_allclose(result["intercept"], expected["Intercept"], rtol=POINT_RTOL)

    stats = ["sii", "rii"] if with_rii else ["sii"]
    for i, conf in enumerate(case.confidences, start=1):
        s = _suffix(conf)
        for stat in stats:
            got_lo = result[f"{stat}_lower{s}cl"].to_numpy()
            got_hi = result[f"{stat}_upper{s}cl"].to_numpy()
            exp_lo = expected[f"{stat}_lowercl_{i}"].to_numpy()
            exp_hi = expected[f"{stat}_uppercl_{i}"].to_numpy()
            allowed = _ci_allowance(expected) * np.abs(exp_hi - exp_lo)
            assert np.all(np.abs(got_lo - exp_lo) <= allowed), (stat, conf)
            assert np.all(np.abs(got_hi - exp_hi) <= allowed), (stat, conf)
            assert _r_mean_relative_difference(got_lo, exp_lo) < R_MEAN_REL_TOL
            assert _r_mean_relative_difference(got_hi, exp_hi) < R_MEAN_REL_TOL
            assert np.all(got_lo <= got_hi)


# First ten rows printed by PHEindicatormethods' "Worked examples for phe_sii" vignette:
# LE_data |> group_by(Sex, GeoCode) |> phe_sii(Decile, Pop, value = LifeExp, se = SE,
#   confidence = c(0.95, 0.998), repetitions = 1000)   (men, E06000001-E06000010)
LE_VIGNETTE = pd.DataFrame(
    [
        ("E06000001", 11.68886, 9.215442, 14.07460, 7.896985, 15.27278),
        ("E06000002", 12.54785, 10.579679, 14.57307, 9.433565, 15.43696),
        ("E06000003", 10.05084, 7.820256, 12.30021, 6.098286, 13.65081),
        ("E06000004", 14.85223, 13.029586, 16.66506, 11.542089, 17.22223),
        ("E06000005", 11.68095, 9.126462, 14.13962, 7.997806, 15.28689),
        ("E06000006", 12.27526, 10.014238, 14.29402, 8.563631, 15.53240),
        ("E06000007", 11.59893, 10.131272, 12.96125, 9.068544, 13.56129),
        ("E06000008", 10.72510, 8.539485, 12.66773, 7.260345, 13.95977),
        ("E06000009", 13.59387, 11.385259, 15.63067, 10.072540, 16.61999),
        ("E06000010", 11.20094, 9.667654, 12.58422, 8.983728, 13.32130),
    ],
    columns=["GeoCode", "sii", "lo95", "hi95", "lo998", "hi998"],
)


def test_sii_life_expectancy_matches_vignette(le_data: pd.DataFrame) -> None:
    data = le_data[(le_data["Sex"] == 1) & le_data["GeoCode"].isin(LE_VIGNETTE["GeoCode"])]
    result = phe_sii(
        data,
        "Decile",
        "Pop",
        group_cols=["Sex", "GeoCode"],
        value="LifeExp",
        se="SE",
        confidence=[0.95, 0.998],
    )
    assert list(result["GeoCode"]) == list(LE_VIGNETTE["GeoCode"])
    # The vignette prints 7 significant figures.
    np.testing.assert_allclose(result["sii"], LE_VIGNETTE["sii"], rtol=5e-7)
    assert (result["indicator_type"] == "normal").all()
    assert (result["CI_confidence"] == "95%, 99.8%").all()
    # The vignette's limits come from only 1,000 draws (99.8% limits are then the 1st and
    # 999th order statistics), so allow for its Monte Carlo error: 10% / 25% of the width.
    for lo, hi, col_lo, col_hi, frac in (
        ("lo95", "hi95", "sii_lower95_0cl", "sii_upper95_0cl", 0.10),
        ("lo998", "hi998", "sii_lower99_8cl", "sii_upper99_8cl", 0.25),
    ):
        width = (LE_VIGNETTE[hi] - LE_VIGNETTE[lo]).to_numpy()
        assert np.all(np.abs(result[col_lo].to_numpy() - LE_VIGNETTE[lo]) <= frac * width)
        assert np.all(np.abs(result[col_hi].to_numpy() - LE_VIGNETTE[hi]) <= frac * width)


def test_sii_life_expectancy_drops_area_with_missing_decile(le_data: pd.DataFrame) -> None:
    codes = ["E06000001", "E06000053"]
    data = le_data[le_data["GeoCode"].isin(codes)]
    assert data[data["GeoCode"] == "E06000053"]["Decile"].nunique() < 10
    with pytest.warns(SIIDataWarning, match="E06000053"):
        result = phe_sii(
            data,
            "Decile",
            "Pop",
            group_cols=["Sex", "GeoCode"],
            value="LifeExp",
            se="SE",
            repetitions=1000,
        )
    assert set(result["GeoCode"]) == {"E06000001"}
    assert len(result) == 2  # both sexes


# --- behaviour -------------------------------------------------------------------------


def test_relative_rank_is_cumulative_midpoint() -> None:
    np.testing.assert_allclose(relative_rank([12, 10, 78]), [0.06, 0.17, 0.61])


def test_same_seed_reproduces_and_other_seed_only_moves_limits(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 1, 20)
    kwargs: dict[str, Any] = dict(group_cols=GROUPS, **SE, rii=True, repetitions=2000)
    first = phe_sii(data, "Quantile", "Population", **kwargs)
    again = phe_sii(data, "Quantile", "Population", **kwargs)
    other = phe_sii(data, "Quantile", "Population", seed=7, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    np.testing.assert_allclose(other["sii"], first["sii"])
    assert not np.allclose(other["sii_lower95_0cl"], first["sii_lower95_0cl"])


def test_group_limits_do_not_depend_on_other_groups(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 1, 20)
    both = phe_sii(data, "Quantile", "Population", group_cols=GROUPS, **SE, repetitions=2000)
    one = phe_sii(
        data[data["Area"] == "area2"],
        "Quantile",
        "Population",
        group_cols=GROUPS,
        **SE,
        repetitions=2000,
    )
    pd.testing.assert_frame_equal(both.iloc[[1]].reset_index(drop=True), one)


def test_compute_sii_matches_frame_function(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 306, 315).sort_values("Quantile")
    frame = phe_sii(
        data,
        "Quantile",
        "Population",
        **CLS,
        value_type=1,
        transform=True,
        rii=True,
        intercept=True,
        output_type="standard",
    )
    single = compute_sii(
        data["Population"],
        data["Value"],
        lower_cl=data["LowerCL"],
        upper_cl=data["UpperCL"],
        value_type="rate",
        transform=True,
    )
    assert single.sii == pytest.approx(frame["sii"].iloc[0], rel=1e-12)
    assert single.rii == pytest.approx(frame["rii"].iloc[0], rel=1e-12)
    assert single.intercept == pytest.approx(frame["intercept"].iloc[0], rel=1e-12)
    lo, hi = single.sii_ci[0.95]
    assert lo < single.sii < hi


def test_reliability_stat_adds_small_mads(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 1, 20)
    result = phe_sii(
        data,
        "Quantile",
        "Population",
        group_cols=GROUPS,
        **CLS,
        rii=True,
        repetitions=1000,
        reliability_stat=True,
        output_type="standard",
    )
    for col in ("sii_mad95_0", "rii_mad95_0"):
        assert (result[col] > 0).all()
    width = result["sii_upper95_0cl"] - result["sii_lower95_0cl"]
    assert (result["sii_mad95_0"] < 0.1 * width).all()
    # phe_sii's column count for this call (grouped by 3, standard, rii, reliability): 11.
    assert result.shape == (2, 11)


def test_full_type_adds_metadata(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 326, 345)
    result = phe_sii(
        data,
        "Quantile",
        "Population",
        group_cols=GROUPS,
        **CLS,
        value_type=2,
        transform=True,
        repetitions=1000,
        confidence=[0.95, 0.998],
    )
    row = result.iloc[0]
    assert (row["indicator_type"], row["transform"]) == ("proportion", "logit")
    assert row["CI_confidence"] == "95%, 99.8%"
    assert row["CI_method"] == "simulation 1000 reps"
    assert row["sii_lower99_8cl"] < row["sii_lower95_0cl"] < row["sii"]


def test_warns_for_more_than_ten_quantiles(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 211, 225)
    with pytest.warns(SIIDataWarning, match="more than 10 quantiles"):
        phe_sii(data, "Quantile", "Population", **CLS, repetitions=1000)


def test_incomplete_group_is_dropped_with_warning(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 1, 20)
    data = data[data["RecordNo"] != 16]  # area2 loses a decile
    with pytest.warns(SIIDataWarning, match="area2"):
        result = phe_sii(data, "Quantile", "Population", group_cols=GROUPS, **CLS, repetitions=1000)
    assert list(result["Area"]) == ["area1"]


def test_invalid_group_data_is_dropped_not_raised(sii_data: pd.DataFrame) -> None:
    data = _rows(sii_data, 1, 20)
    data.loc[data["RecordNo"] == 3, "Population"] = 0
    data.loc[data["RecordNo"] == 14, "StandardError"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = phe_sii(data, "Quantile", "Population", group_cols=GROUPS, **SE, repetitions=1000)
    assert result.empty
    assert any(issubclass(w.category, SIIDataWarning) for w in caught)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({**CLS, "transform": True}, "value_type should be 1 or 2"),
        ({**SE, "transform": True, "value_type": 1}, "se must be missing"),
        ({**SE, "repetitions": 999}, "1000 or greater"),
        ({**SE, "value_type": 3}, "value_type should be 0, 1 or 2"),
        ({**SE, "confidence": 0.35}, "confidence"),
        ({**SE, "confidence": 135}, "confidence"),
        ({"value": "Value", "lower_cl": "LowerCL"}, "lower_cl and upper_cl, or se"),
        ({"se": "StandardError"}, "requires value"),
        ({**SE, "value_type": 2}, "value proportions are not all between 0 and 1"),
    ],
)
def test_invalid_arguments_raise(
    sii_data: pd.DataFrame, kwargs: dict[str, Any], message: str
) -> None:
    data = _rows(sii_data, 1, 20)
    with pytest.raises(ValueError, match=message):
        phe_sii(data, "Quantile", "Population", group_cols=GROUPS, **kwargs)


def test_too_few_quantiles_raise(sii_data: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="between 5 and 100"):
        phe_sii(_rows(sii_data, 1, 3), "Quantile", "Population", **CLS)


def test_non_numeric_column_raises(sii_data: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="numeric"):
        phe_sii(_rows(sii_data, 151, 160), "Quantile", "Grouping1", **SE)
