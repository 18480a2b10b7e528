"""Health loaders: the indicator store's contract and published facts it must reproduce.

Runs on the real snapshot (``python -m loaders.build --only fingertips towns``);
the few raw-file checks skip when the raw folder is absent.
"""

from __future__ import annotations

import pandas as pd
import pytest

from loaders import snapshot
from loaders.dwp import read_statxplore
from loaders.fingertips import AREA_TYPES, COLUMNS, COMPARISONS, KEY, SEXES, parse_period
from loaders.qof import REGISTERS, age_shares, attribute

N_LSOA11 = 32_844
N_MSOA11 = 6_791


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    return snapshot.table("indicator_values")


def _value(store: pd.DataFrame, ind: str, code: str, period: str, sex: str = "Persons"):
    rows = store[(store["indicator_id"] == ind) & (store["area_code"] == code)
                 & (store["period"] == period) & (store["sex"] == sex)]
    assert len(rows) == 1, (ind, code, period, sex, len(rows))
    return rows.iloc[0]


# --- contract -------------------------------------------------------------------------


def test_store_columns_and_dtypes(store):
    assert tuple(store.columns) == COLUMNS
    for col in ("indicator_id", "area_code", "area_type", "period", "sex", "source"):
        assert isinstance(store[col].dtype, pd.CategoricalDtype), col
    for col in ("period_start", "period_sort"):
        assert store[col].dtype == "int32"
    for col in ("value", "lower_ci", "upper_ci", "count", "denominator"):
        assert store[col].dtype == "float64"


def test_store_keys_codes_and_vocabularies(store):
    assert not store["area_code"].isna().any()
    assert (store["area_code"].astype(str).str.len() == 9).all()
    assert set(store["area_type"].astype(str)) <= set(AREA_TYPES)
    assert set(store["sex"].astype(str)) <= set(SEXES)
    assert set(store["compared_to_england"].dropna().astype(str)) <= set(COMPARISONS)
    assert not store.duplicated(list(KEY)).any()
    # period_start/period_sort agree with the label
    sample = store.drop_duplicates("period")
    for label, start, sort in sample[["period", "period_start", "period_sort"]].itertuples(
            index=False):
        assert parse_period(label) == (start, sort)


def test_store_rows_have_a_value_or_counts(store):
    has = store["value"].notna() | store["count"].notna() | store["value_note"].notna()
    assert has.all()
    assert (store["count"].dropna() >= 0).all()
    both = store.dropna(subset=["count", "denominator"])
    assert (both["count"] <= both["denominator"]).all()


def test_store_row_counts(store):
    by = store.groupby(["source", "area_type"], observed=True).size()
    assert by[("qof_2122_lsoa_attributed", "lsoa")] == len(REGISTERS) * N_LSOA11
    assert by[("qof_2122_lsoa_attributed", "england")] == len(REGISTERS)
    assert by[("hoc_msoa_prevalence", "msoa")] == 7 * N_MSOA11
    # DWP MSOA counts: every English MSOA for 8 CiLIF years and 8 UC months
    msoa = store[(store["source"] == "dwp_statxplore") & (store["area_type"] == "msoa")]
    assert msoa.groupby("indicator_id", observed=True)["area_code"].nunique().eq(N_MSOA11).all()
    assert len(msoa) == 2 * 8 * N_MSOA11
    # the manifest records each part's row count, and they add up to the table
    rec = snapshot.source("indicator_values")
    parts = rec["extra"]["parts"]
    assert sum(p["rows"] for p in parts.values()) == len(store) == rec["rows"]
    assert set(parts) == set(store["source"].astype(str).unique())


def test_manifest_provenance(store):
    rec = snapshot.source("indicator_values")
    assert rec["licence"] == "Open Government Licence v3.0"
    assert rec["module"] == "fingertips"
    assert all(len(i["sha256"]) == 64 for i in rec["inputs"])
    for key, part in rec["extra"]["parts"].items():
        assert part["url"].startswith("https://"), key
        assert part["publisher"] and part["vintage"] and part["inputs"], key
    urls = {p["url"] for p in rec["extra"]["parts"].values()}
    assert "https://fingertips.phe.org.uk/" in urls
    assert "https://stat-xplore.dwp.gov.uk/" in urls
    assert any("quality-and-outcomes-framework" in u and "2021-22" in u for u in urls)
    unmatched = rec["extra"]["parts"]["dwp_statxplore"]["extra"]["unmatched_names"]
    assert unmatched["children_relative_low_income_msoa_14-22"]["count"] > 1000  # Wales, Scotland


def test_health_tables_fit_their_size_budget():
    tables = snapshot.manifest()["tables"]
    mine = [r["bytes"] for r in tables.values()
            if r["module"] in ("fingertips", "qof", "dwp", "hoc", "towns")]
    assert sum(mine) <= 10e6
    assert snapshot.manifest()["total_bytes"] <= 40e6


def test_lsoa_rows_store_numerator_and_denominator(store):
    lsoa = store[store["area_type"] == "lsoa"]
    assert lsoa["value"].isna().all()  # filled by explorer.indicators.values()
    assert lsoa["count"].notna().all() and (lsoa["denominator"] > 0).all()
    eng = store[(store["source"] == "qof_2122_lsoa_attributed")
                & (store["area_type"] == "england")].set_index("indicator_id")
    sums = lsoa.groupby("indicator_id", observed=True)[["count", "denominator"]].sum()
    pd.testing.assert_frame_equal(
        eng.loc[sums.index, ["count", "denominator"]].astype(float), sums, check_names=False,
        rtol=1e-12)


def test_towns_flags():
    t = snapshot.table("towns_flags").set_index("town_code")
    assert len(t) == 1_100 and t.index.is_unique
    assert t.loc["E35000575", "coastal"]  # Workington BUASD
    assert t.loc["E35000575", "income_group"] == "higher deprivation"
    assert t.loc["E35001472", "population_2011"] == 147_663  # Blackpool BUASD
    assert not t.loc["E34000039", "coastal"]  # Penrith BUA
    assert t["coastal"].sum() == 153


# --- published facts --------------------------------------------------------------------


def test_blackpool_lowest_male_life_expectancy_2018_20(store):
    le = store[(store["indicator_id"] == "90366") & (store["period"] == "2018 - 20")
               & (store["sex"] == "Male")]
    districts = le[le["area_type"].isin(["ua", "district"])].sort_values("value")
    assert districts.iloc[0]["area_code"] == "E06000009"
    assert districts.iloc[0]["value"] == pytest.approx(74.4)
    assert districts.iloc[1]["value"] == pytest.approx(75.7)  # Middlesbrough, Manchester
    assert _value(store, "90366", "E92000001", "2018 - 20", "Male")["value"] == \
        pytest.approx(79.3)
    assert _value(store, "90366", "E06000009", "2018 - 20", "Male")["compared_to_england"] \
        == "worse"


def test_smoking_at_time_of_delivery_2018_19(store):
    eng = _value(store, "93085", "E92000001", "2018/19", "Female")
    bpl = _value(store, "93085", "E06000009", "2018/19", "Female")
    assert round(eng["value"], 1) == 10.6
    assert round(bpl["value"], 1) == 25.7
    assert (bpl["count"], bpl["denominator"]) == (451, 1758)
    assert bpl["lower_ci"] < bpl["value"] < bpl["upper_ci"]


def test_qof_smoking_91547_2021_22(store):
    assert round(_value(store, "91547", "E06000009", "2021/22")["value"], 1) == 23.9
    assert round(_value(store, "91547", "E92000001", "2021/22")["value"], 1) == 15.4
    assert round(_value(store, "91547", "E07000026", "2021/22")["value"], 1) == 14.4
    assert _value(store, "91547", "E06000009", "2021/22")["compared_to_england"] == "worse"
    # re-based NHS codes lose Fingertips' "n" prefix
    assert _value(store, "91547", "E54000048", "2021/22")["area_type"] == "icb"


def test_children_in_relative_low_income_fye2020(store):
    row = _value(store, "dwp-cilif-pct", "E06000009", "2019/20")
    assert round(row["value"], 1) == 32.3
    assert round(_value(store, "dwp-cilif-pct", "E07000026", "2019/20")["value"], 1) == 21.4
    assert round(_value(store, "dwp-cilif-pct", "E07000030", "2019/20")["value"], 1) == 19.5
    assert round(_value(store, "dwp-uc-households-pct", "E06000009", "March 2020")["value"],
                 1) == 18.3


def test_dwp_msoa_names_matched_to_codes(store):
    # "Blackpool 001" -> E02002623 (ONS MSOA 2011 names)
    geo = snapshot.table("geo_lsoa11").drop_duplicates("msoa11cd").set_index("msoa11nm")
    code = geo.loc["Blackpool 001", "msoa11cd"]
    row = _value(store, "dwp-cilif-count", code, "2014/15")
    assert row["value"] == 229 and row["area_type"] == "msoa"


# --- pure loader functions ---------------------------------------------------------------


@pytest.mark.parametrize(("label", "expected"), [
    ("2018", (2018, 201800)),
    ("2018 - 20", (2018, 202000)),
    ("2001-03", (2001, 200300)),
    ("2022/23", (2022, 202200)),
    ("2020/21 - 24/25", (2020, 202400)),
    ("2021/22 Q1 - 2025/26 Q3", (2021, 202503)),
    ("2021/22 Q1", (2021, 202101)),
    ("March 2020", (2020, 202003)),
    ("November 2023", (2023, 202311)),
])
def test_parse_period(label, expected):
    assert parse_period(label) == expected


def test_parse_period_rejects_unknown_labels():
    with pytest.raises(ValueError):
        parse_period("sometime in 2020")


def test_qof_attribution_arithmetic():
    prev = pd.DataFrame({"OrganisationCode": ["P1", "P2"],
                         **{f"{r}-prevalance": [0.10, 0.30] for r in REGISTERS}})
    prev.loc[1, "LD-prevalance"] = 1.2  # impossible: excluded for that register only
    pats = pd.DataFrame({"OrganisationCode": ["P1", "P2", "P1", "P3", "P1"],
                         "LSOA11CD": ["E01000001", "E01000001", "E01000002", "E01000002",
                                      "W01000001"],
                         "Patient": [100, 50, 200, 7, 9]})
    df, report = attribute(prev, pats)
    copd = df[df["indicator_id"] == "qof-copd"].set_index("area_code")
    assert copd.loc["E01000001", "count"] == pytest.approx(0.1 * 100 + 0.3 * 50)
    assert copd.loc["E01000001", "denominator"] == 150
    assert copd.loc["E01000002", "denominator"] == 200  # P3 has no QOF record
    assert "W01000001" not in copd.index  # England only
    ld = df[df["indicator_id"] == "qof-ld"].set_index("area_code")
    assert ld.loc["E01000001", "denominator"] == 100
    assert report["patients_at_practices_without_qof"] == 7
    assert report["excluded_practice_registers"] == {"LD": ["P2"]}


def test_qof_age_shares_apportion_census_bands_to_lsoa11():
    bands = ["pop_0_4", "pop_5_9", "pop_10_14", "pop_15_19", "pop_20_24", "pop_25_29",
             "pop_30_34", "pop_35_39", "pop_40_44", "pop_45_49", "pop_50_54", "pop_55_59",
             "pop_60_64", "pop_65_69", "pop_70_74", "pop_75_79", "pop_80_84", "pop_85_plus"]
    census = pd.DataFrame({"lsoa21cd": ["A", "B"], **{b: [0, 0] for b in bands}})
    census.loc[0, ["pop_0_4", "pop_15_19", "pop_20_24"]] = [50, 50, 100]   # A: 200 people
    census.loc[1, ["pop_5_9", "pop_30_34"]] = [100, 100]                   # B: 200 people
    census["pop_total"] = census[bands].sum(axis=1)
    # LSOA 2011 "x" is split into A and B; "y" and "z" merged into B
    lookup = pd.DataFrame({"lsoa11cd": ["x", "x", "y", "z"], "lsoa21cd": ["A", "B", "B", "B"]})
    sh = age_shares(census, lookup)
    # x: all of A (200) + a third of B (66.7); 17+ = 0.6*50 + 100 + 33.3
    assert sh.loc["x", "17+ yrs"] == pytest.approx((30 + 100 + 100 / 3) / (200 + 200 / 3))
    assert sh.loc["y", "18+ yrs"] == pytest.approx(0.5)
    assert sh.loc["y", "6+ yrs"] == pytest.approx((80 + 100) / 200)
    pats = pd.DataFrame({"OrganisationCode": ["P1"], "LSOA11CD": ["E01000001"],
                         "Patient": [1000]})
    prev = pd.DataFrame({"OrganisationCode": ["P1"],
                         **{f"{r}-prevalance": [0.1] for r in REGISTERS}})
    shares = pd.DataFrame({"17+ yrs": [0.8], "18+ yrs": [0.75], "15+ yrs": [0.85],
                           "6+ yrs": [0.9]}, index=pd.Index(["E01000001"], name="lsoa11cd"))
    df = attribute(prev, pats, shares)[0].set_index("indicator_id")
    assert df.loc["qof-dm", "denominator"] == pytest.approx(800)
    assert df.loc["qof-dm", "count"] == pytest.approx(80)
    assert df.loc["qof-hyp", "denominator"] == 1000  # all-age registers untouched


def _published_241(raw_dir, area: str) -> tuple[float, float]:
    """QOF diabetes 17+ (Fingertips 241) 2021/22 register and 17+ list, from the raw file."""
    h = pd.read_csv(raw_dir / "fingertipsnext_seed_nw" / "healthdata.csv",
                    encoding="utf-8-sig")
    r = h[(h["IndicatorId"] == 241) & (h["Year"] == 2021) & (h["AreaCode"] == area)].iloc[0]
    return float(r["Count"]), float(r["Denominator"])


def test_qof_age_restricted_denominators_are_the_age_group_lists(raw_dir):
    """Diabetes is on the 17+ list: England's apportioned list and register are within 1% of
    QOF's published 17+ figures, and Blackpool's 17+ share of its resident patients matches
    the published 17+ share of Blackpool's practices."""
    from explorer.values import indicator_for_place

    count, den = _published_241(raw_dir, "E92000001")
    assert (count, den) == (3_625_401, 49_956_777)
    eng = snapshot.table("indicator_values")
    eng = eng[(eng["indicator_id"] == "qof-dm") & (eng["area_type"] == "england")].iloc[0]
    assert eng["age"] == "17+ yrs"
    assert eng["denominator"] == pytest.approx(den, rel=0.01)  # all ages would be 61.7M
    assert eng["count"] == pytest.approx(count, rel=0.01)      # all ages would be 4.5M

    v = indicator_for_place("blackpool", "qof-dm")
    assert v.age_group == "17+" and v.value == pytest.approx(v.count / v.denominator * 100)
    # all-age patients living in Blackpool's LSOAs at practices with a QOF diabetes figure
    raw = raw_dir / "gp_practice_qof_2122_nhsx"
    pats = pd.read_parquet(raw / "gp_reg_patients_by_practice_lsoa11_jul2022.parquet")
    prev = pd.read_csv(raw / "qof_2122_practice_prevalence.csv",
                       usecols=["OrganisationCode", "DM-prevalance"]).dropna()
    g11 = snapshot.table("geo_lsoa11")
    bp = set(g11.loc[g11["lad19cd"] == "E06000009", "lsoa11cd"])
    all_ages = pats[pats["LSOA11CD"].isin(bp)
                    & pats["OrganisationCode"].isin(prev["OrganisationCode"])]["Patient"].sum()
    assert all_ages == 155_027 and v.denominator == pytest.approx(126_300, abs=300)
    # the published 17+ list of Blackpool's practices (sub-ICB 00R) over their patients
    m = pd.read_csv(raw_dir / "gp_practice_reference"
                    / "qof2324_practice_pcn_subicb_icb_mapping.csv")
    practices = set(m.loc[m["SUB_ICB_ODS_CODE"] == "00R", "PRACTICE_CODE"])
    _, bp_den = _published_241(raw_dir, "E06000009")
    published_share = bp_den / pats[pats["OrganisationCode"].isin(practices)]["Patient"].sum()
    assert published_share == pytest.approx(v.denominator / all_ages, abs=0.01)


def test_read_statxplore_skips_title_block_and_flags(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        'Stat-Xplore\n\n"Households on Universal Credit"\n\n'
        '"Month","March 2022","March 2022 - Annotations","November 2023 (p)",'
        '"November 2023 - Annotations",\n'
        '"National - Regional - LA - OAs",\n'
        '"Blackpool 001",47,,..,,\n"Total",47,,0,,\n\nSymbol,Description\n', encoding="utf-8")
    df, heading = read_statxplore(path)
    assert heading == "National - Regional - LA - OAs"
    assert list(df.columns) == ["name", "March 2022", "November 2023"]
    assert df["name"].tolist() == ["Blackpool 001", "Total"]
    assert df.attrs["flags"] == {"November 2023": "provisional"}


def test_raw_statxplore_ltla_file_has_title_free_header(raw_dir):
    df, _ = read_statxplore(raw_dir / "dwp_statxplore_cilif_uc"
                            / "children_relative_low_income_ltla_14-22.csv")
    assert df.columns[-1] == "2021/22" and df.attrs["flags"]["2021/22"] == "provisional"
    assert df.set_index("name").loc["Blackpool", "2019/20"] == "8141"
