"""Published Fingertips indicators, and the assembly of the ``indicator_values`` store.

One long, Fingertips-like table holds every indicator value the app shows: published
district/UA/county/ICB/England rows from three Fingertips extracts (this module), QOF
2021/22 prevalence attributed to LSOAs (:mod:`loaders.qof`), DWP counts and rates
(:mod:`loaders.dwp`) and House of Commons Library MSOA prevalence (:mod:`loaders.hoc`).
A single table keeps the query layer (``explorer.indicators``) simple; the ``source`` column
names the part each row came from, and the manifest record of the table carries one full
provenance record per part (``extra["parts"]``), so a row can always be traced to its
publisher, vintage and raw file.

Because the build gives every table to exactly one module, this module assembles the table;
``loaders.qof``/``loaders.dwp``/``loaders.hoc`` provide their parts and build no table of
their own. Rebuild the store with ``python -m loaders.build --only fingertips``.

Fingertips extracts used:

* ``fingertips_la_trafforddatalab/``: 14 current district/UA indicators, values rounded to
  1 dp, no CIs/counts; the published "compared to England" is kept.
* ``fingertips_la_trafforddashboard_2020/``: only what the current extract lacks (excess
  under-75 mortality in adults with SMI, 91096; under-75 preventable cancer mortality, 40502).
* ``fingertipsnext_seed_nw/``: North West extract with counts, denominators and 95% CIs.
* ``gp_practice_heec/fingertips_91547_…``: an untouched Fingertips export (QOF smoking).
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_columns
from loaders.table import Table

FINGERTIPS_URL = "https://fingertips.phe.org.uk/"
OHID = "Office for Health Improvement and Disparities (OHID), Fingertips"
OHID_ATTRIBUTION = (
    "Contains public sector information from OHID Fingertips licensed under the Open "
    "Government Licence v3.0."
)

ENGLAND = "E92000001"

#: Columns of ``indicator_values`` in order. ``period_sort`` orders the period labels of one
#: indicator (end year * 100 + quarter or month); ``period_start`` is the first year covered.
COLUMNS: tuple[str, ...] = (
    "indicator_id", "area_code", "area_type", "period", "period_start", "period_sort", "sex",
    "age", "category", "value", "lower_ci", "upper_ci", "count", "denominator", "value_note",
    "compared_to_england", "source",
)
#: Columns every part must provide; the others default to missing.
REQUIRED: tuple[str, ...] = ("indicator_id", "area_code", "area_type", "period", "sex", "age",
                             "value", "source")
KEY: tuple[str, ...] = ("indicator_id", "area_code", "period", "sex", "age", "category")
_CATEGORICAL = ("indicator_id", "area_code", "area_type", "period", "sex", "age", "category",
                "value_note", "compared_to_england", "source")
_FLOAT = ("value", "lower_ci", "upper_ci", "count", "denominator")
AREA_TYPES: tuple[str, ...] = ("england", "region", "county", "ua", "district", "icb",
                               "sub-icb", "msoa", "lsoa")
SEXES: tuple[str, ...] = ("Persons", "Male", "Female")
COMPARISONS: tuple[str, ...] = ("better", "similar", "worse", "lower", "higher", "not compared")


@dataclass(frozen=True)
class Part:
    """Rows of ``indicator_values`` from one raw source, with their provenance."""

    key: str
    frame: pd.DataFrame
    source: Source


# --------------------------------------------------------------------------------------
# Shared helpers (also used by loaders.qof, loaders.dwp and loaders.hoc)


def area_type(code: str) -> str:
    """Area type from the GSS code prefix (E06 = UA; E07/E08/E09 = district tier)."""
    prefix = code[:3]
    return {
        "E92": "england", "E12": "region", "E10": "county", "E11": "county", "E06": "ua",
        "E07": "district", "E08": "district", "E09": "district", "E54": "icb",
        "E38": "sub-icb", "E02": "msoa", "E01": "lsoa",
    }.get(prefix, "")


_P_YEAR = re.compile(r"^(\d{4})$")
_P_YEARS = re.compile(r"^(\d{4})\s*-\s*(\d{2}|\d{4})$")
_P_FY = re.compile(r"^(\d{4})/(\d{2})$")
_P_FYS = re.compile(r"^(\d{4})/(\d{2})\s*-\s*(\d{2})/(\d{2})$")
_P_FYQ = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])$")
_P_FYQS = re.compile(r"^(\d{4})/(\d{2}) Q([1-4])\s*-\s*(\d{4})/(\d{2}) Q([1-4])$")
_MONTHS = {m: i for i, m in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}
_P_MONTH = re.compile(r"^(" + "|".join(_MONTHS) + r") (\d{4})$")


def _century(start: int, yy: str) -> int:
    """Expand a two-digit end year relative to the start year (2019 - 21 -> 2021)."""
    if len(yy) == 4:
        return int(yy)
    end = start // 100 * 100 + int(yy)
    return end + 100 if end < start else end


def parse_period(label: str) -> tuple[int, int]:
    """(period_start, period_sort) for a published period label; unknown forms fail loudly.

    ``period_sort`` is (start year of the last component) * 100 + quarter/month, so the
    latest of a series of cumulative quarters or rolling 3-year periods sorts last.
    """
    s = str(label).strip()
    if m := _P_YEAR.match(s):
        y = int(m[1])
        return y, y * 100
    if m := _P_YEARS.match(s):
        y = int(m[1])
        return y, _century(y, m[2]) * 100
    if m := _P_FY.match(s):
        y = int(m[1])
        return y, y * 100
    if m := _P_FYS.match(s):
        y = int(m[1])
        return y, _century(y, m[3]) * 100
    if m := _P_FYQ.match(s):
        y = int(m[1])
        return y, y * 100 + int(m[3])
    if m := _P_FYQS.match(s):
        return int(m[1]), int(m[4]) * 100 + int(m[6])
    if m := _P_MONTH.match(s):
        y = int(m[2])
        return y, y * 100 + _MONTHS[m[1]]
    raise ValueError(f"unrecognised period label {label!r}")


def fy_label(year: int) -> str:
    """Financial-year label from its first calendar year: 2022 -> '2022/23'."""
    return f"{year}/{(year + 1) % 100:02d}"


_COMPARED = {
    "better": "better", "worse": "worse", "similar": "similar", "not compared": "not compared",
    "lower": "lower", "higher": "higher", "lower 99.8": "lower", "higher 99.8": "higher",
    "lower 95": "lower", "higher 95": "higher", "same": "similar",
}


def normalise_compared(series: pd.Series, source: Path | str) -> pd.Series:
    """Published 'compared to England' text -> better/similar/worse/lower/higher/not compared."""
    s = series.astype("string").str.strip().str.lower()
    out = s.map(_COMPARED)
    bad = s[s.notna() & out.isna()]
    if len(bad):
        raise RawDataError(f"{source}: unknown 'compared to England' value(s) "
                           f"{sorted(bad.unique().tolist())[:5]}")
    return out


def finalise(df: pd.DataFrame, source: Path | str) -> pd.DataFrame:
    """Check one part against the store schema and fix the dtypes; fail naming the source.

    Checks: every column present, known area and sex values, GSS-like codes with no NaN,
    parsable periods, a unique key, counts not above denominators.
    """
    require_columns(df, REQUIRED, source)
    df = df.copy()
    for col in ("category", "value_note", "compared_to_england", "lower_ci", "upper_ci",
                "count", "denominator"):
        if col not in df:
            df[col] = None
    if df["area_code"].isna().any() or (df["area_code"].astype(str).str.len() != 9).any():
        bad = df.loc[df["area_code"].isna() | (df["area_code"].astype(str).str.len() != 9),
                     "area_code"]
        raise RawDataError(f"{source}: area codes missing or not 9 characters, e.g. "
                           f"{bad.head(3).tolist()}")
    unknown = set(df["area_type"].unique()) - set(AREA_TYPES)
    if unknown:
        raise RawDataError(f"{source}: unknown area_type(s) {sorted(map(str, unknown))}")
    if not df["sex"].isin(SEXES).all():
        raise RawDataError(f"{source}: unknown sex value(s) "
                           f"{sorted(set(df['sex'].dropna()) - set(SEXES))}")
    comp = df["compared_to_england"].dropna()
    if not comp.isin(COMPARISONS).all():
        raise RawDataError(f"{source}: compared_to_england outside {COMPARISONS}")
    try:
        parsed = [parse_period(p) for p in df["period"].astype(str)]
    except ValueError as exc:
        raise RawDataError(f"{source}: {exc}") from exc
    df["period_start"] = np.array([p[0] for p in parsed], dtype="int32")
    df["period_sort"] = np.array([p[1] for p in parsed], dtype="int32")
    for col in _FLOAT:
        df[col] = pd.to_numeric(df[col], errors="raise").astype("float64")
    over = df["count"] > df["denominator"] * (1 + 1e-9)
    if over.any():
        raise RawDataError(f"{source}: {int(over.sum())} row(s) with count above denominator")
    key = list(KEY)
    dup = df.duplicated(key, keep=False)
    if dup.any():
        ex = df.loc[dup, key].head(2).to_dict("records")
        raise RawDataError(f"{source}: duplicated indicator/area/period/sex/age rows, e.g. {ex}")
    return df[list(COLUMNS)]


def _drop_exact_duplicates(df: pd.DataFrame, key: list[str], source: Path,
                           keep_first_where: pd.Series | None = None) -> pd.DataFrame:
    """Fingertips exports repeat an area under two parents; identical repeats are dropped,
    conflicting ones stop the build, except rows allowed by ``keep_first_where`` (the first
    listed is kept and the number of such keys is printed)."""
    df = df.drop_duplicates()
    dup = df.duplicated(key, keep=False)
    if keep_first_where is not None:
        allowed = dup & keep_first_where.reindex(df.index, fill_value=False)
        if allowed.any():
            n = int(df[allowed].drop_duplicates(key).shape[0])
            print(f"    {Path(source).name}: {n} key(s) listed twice with different values; "
                  "first listed kept", file=sys.stderr)
            df = df[~(allowed & df.duplicated(key, keep="first"))]
            dup = df.duplicated(key, keep=False)
    if dup.any():
        ex = df.loc[dup, key].head(2).to_dict("records")
        raise RawDataError(f"{source}: conflicting duplicate rows, e.g. {ex}")
    return df


def _source(dataset: str, vintage: str, inputs: tuple[Path, ...], notes: str,
            url: str = FINGERTIPS_URL, publisher: str = OHID) -> Source:
    return Source(publisher=publisher, dataset=dataset, vintage=vintage, licence=OGL,
                  attribution=OHID_ATTRIBUTION, url=url, inputs=inputs, notes=notes)


# --------------------------------------------------------------------------------------
# fingertips_la_trafforddatalab/ (current LA indicators, no CIs)

#: file -> (Fingertips id, indicator name as published, column holding sex or None, age)
_TRAFFORD: dict[str, tuple[str, str, str | None, str]] = {
    "life_expectancy": ("90366", "Life expectancy at birth", "inequality", "All ages"),
    "healthy_life_expectancy": ("90362", "Healthy life expectancy at birth", "inequality",
                                "All ages"),
    "inequality_life_expectancy": ("92901", "Inequality in life expectancy at birth",
                                   "inequality", "All ages"),
    "mortality_rate": ("93721", "Under 75 mortality rate from causes considered preventable "
                       "(per 100,000 population)", "unit", "<75 yrs"),
    "adults_smoking": ("92443", "Smoking Prevalence in adults (aged 18 and over) - current "
                       "smokers (APS)", None, "18+ yrs"),
    "adults_smoking_manual": ("92445", "Smoking prevalence in adults in routine and manual "
                              "occupations (aged 18 to 64) - current smokers (APS)", None,
                              "18-64 yrs"),
    "adults_depression": ("848", "Depression: QOF prevalence", None, "18+ yrs"),
    "overweight_adult": ("93088", "Overweight (including obesity) prevalence in adults, (using "
                         "adjusted self-reported height and weight)", None, "18+ yrs"),
    "inactive_adults": ("93015", "Percentage of physically inactive adults", None, "19+ yrs"),
    "active_adults": ("93014", "Percentage of physically active adults", None, "19+ yrs"),
    "nhs_health_checks": ("91112", "People receiving an NHS Health Check", None, "40-74 yrs"),
    "obese_reception": ("90319", "Reception prevalence of obesity (including severe obesity)",
                        None, "4-5 yrs"),
    "obese_year6": ("90323", "Year 6 prevalence of obesity (including severe obesity)", None,
                    "10-11 yrs"),
    "children_dental_decay": ("93563", "Percentage of 5 year olds with experience of visually "
                              "obvious dental decay", None, "5 yrs"),
}
_TRAFFORD_COLS = ["area_code", "area_name", "area_type", "period", "indicator", "measure",
                  "unit", "value", "compared_to_England", "inequality"]


def _trafford(raw: Path) -> Part:
    folder = raw / "fingertips_la_trafforddatalab"
    frames = []
    inputs = []
    for stem, (ind, name, sex_col, age) in _TRAFFORD.items():
        path = folder / f"{stem}.csv"
        inputs.append(path)
        df = read_csv(path, _TRAFFORD_COLS, dtype={"period": str})
        # keep whole-area rows of the single-year indicator (obesity files also hold pooled
        # periods and deprivation quintiles; Trafford's own wards are E05 codes)
        df = df[(df["indicator"] == name) & df["area_code"].astype(str).str.match(
            r"^E(92|06|07|08|09|10)")]
        if stem.startswith("obese"):
            df = df[df["inequality"].isna()]
        if df.empty:
            raise RawDataError(f"{path}: no rows of indicator '{name}'")
        sex = df[sex_col] if sex_col else pd.Series("Persons", index=df.index)
        out = pd.DataFrame({
            "indicator_id": ind,
            "area_code": df["area_code"].astype(str),
            "area_type": df["area_code"].astype(str).map(area_type),
            "period": df["period"].astype(str).str.strip(),
            "sex": sex.astype(str),
            "age": age,
            "value": pd.to_numeric(df["value"], errors="coerce"),
            "compared_to_england": normalise_compared(df["compared_to_England"], path),
        })
        out.loc[out["area_code"] == ENGLAND, "compared_to_england"] = None
        out = out[out["value"].notna()]
        frames.append(_drop_exact_duplicates(out, ["indicator_id", "area_code", "period",
                                                   "sex"], path))
    df = pd.concat(frames, ignore_index=True)
    df["source"] = "fingertips_trafforddatalab"
    return Part("fingertips_trafforddatalab", finalise(df, folder), _source(
        "Fingertips public health indicators for local authorities (life expectancy, healthy "
        "life expectancy, inequality in life expectancy, preventable mortality, smoking, "
        "depression, overweight, physical activity, NHS Health Checks, child obesity, dental "
        "decay), via Trafford Data Lab's tidy extracts",
        "Fingertips API extract of May 2026; periods 2011 to 2024/25 (LE 2015-17 to 2023-25)",
        tuple(inputs),
        "traffordDataLab/trafford_themes @ ae20a088 (data/health, data/children). Values "
        "rounded to 1 dp by the extract; no confidence intervals, counts or denominators; "
        "'compared to England' as published. Obesity: single-year whole-area rows only."))


# --------------------------------------------------------------------------------------
# fingertips_la_trafforddashboard_2020/ (older extract: only what the current one lacks)

#: file -> (Fingertips id, age)
_DASHBOARD: dict[str, tuple[str, str]] = {
    "mortality_serious_mental_illness": ("91096", "18-74 yrs"),
    "preventable_mortality_from_cancer": ("40502", "<75 yrs"),
}


def _dashboard_2020(raw: Path) -> Part:
    folder = raw / "fingertips_la_trafforddashboard_2020"
    frames = []
    inputs = []
    for stem, (ind, age) in _DASHBOARD.items():
        path = folder / f"{stem}.csv"
        inputs.append(path)
        df = read_csv(path, ["area_code", "period", "value", "unit", "significance"],
                      dtype={"period": str})
        # E47 rows are CIPFA-group means and combined authorities, not areas
        df = df[df["area_code"].astype(str).str.match(r"^E(92|06|07|08|09|10)")]
        out = pd.DataFrame({
            "indicator_id": ind,
            "area_code": df["area_code"].astype(str),
            "area_type": df["area_code"].astype(str).map(area_type),
            "period": df["period"].astype(str).str.strip(),
            "sex": df["unit"].astype(str),
            "age": age,
            "value": pd.to_numeric(df["value"], errors="coerce"),
            "compared_to_england": normalise_compared(df["significance"], path),
        })
        out.loc[out["area_code"] == ENGLAND, "compared_to_england"] = None
        out = out[out["value"].notna()]
        frames.append(_drop_exact_duplicates(out, ["area_code", "period", "sex"], path))
    df = pd.concat(frames, ignore_index=True)
    df["source"] = "fingertips_trafforddashboard_2020"
    return Part("fingertips_trafforddashboard_2020", finalise(df, folder), _source(
        "Fingertips indicators (2020 extract): excess under-75 mortality in adults with "
        "severe mental illness (91096); under-75 mortality from cancer considered preventable "
        "(40502), via Trafford Data Lab's dashboard",
        "Fingertips extract of August 2020; 2001-03 to 2015-17 (cancer), 2009/10 to 2014/15 "
        "(SMI)", tuple(inputs),
        "traffordDataLab/dashboard @ 83e9bc0c. Historic series: pre-2019 definitions, "
        "pre-2019 geographies (the Cumbria districts and Lancashire county are present). "
        "'compared to England' as published (column 'significance')."))


# --------------------------------------------------------------------------------------
# fingertipsnext_seed_nw/ (North West, with counts and CIs)

#: Seed indicators kept: id -> reason in one word (the rest are out of scope or duplicates
#: of the current extract, e.g. 93015/93088, or pooled periods whose labels cannot be
#: rebuilt from the first year alone, e.g. 92904).
SEED_INDICATORS: tuple[int, ...] = (93085, 241, 247, 94063, 91344, 93701, 22401, 93763,
                                    20401, 93861)
_SEED_COLS = ["IndicatorId", "Year", "SexID", "AreaCode", "Count", "Value", "LowerCI",
              "UpperCI", "Denominator", "Sex", "Age", "CategoryType", "Category"]


def _seed(raw: Path) -> Part:
    folder = raw / "fingertipsnext_seed_nw"
    path = folder / "healthdata.csv"
    ind_path = folder / "indicators.csv"
    df = read_csv(path, _SEED_COLS, dtype={"AreaCode": str}, encoding="utf-8-sig")
    meta = read_csv(ind_path, ["IndicatorID", "PeriodType"], encoding="utf-8-sig")
    period_type = dict(zip(meta["IndicatorID"].astype(int), meta["PeriodType"].astype(str),
                           strict=True))
    missing = [i for i in SEED_INDICATORS if i not in period_type]
    if missing:
        raise RawDataError(f"{ind_path}: no PeriodType for indicator(s) {missing}")
    df["AreaCode"] = df["AreaCode"].astype(str).str.strip()  # stray spaces in the seed
    df = df[df["IndicatorId"].isin(SEED_INDICATORS) & df["CategoryType"].isna()
            & df["AreaCode"].str.match(r"^E(92|12|10|06|07|08|09|54|38)\d{6}$")
            & df["Value"].notna()]  # some areas repeat with an empty value
    # Sub-ICBs appear under two NHS hierarchies, for 94063 with slightly different values
    df = _drop_exact_duplicates(df, ["IndicatorId", "AreaCode", "Year", "Sex", "Age"], path,
                                keep_first_where=df["AreaCode"].str.startswith("E38"))
    ages = df.groupby("IndicatorId")["Age"].nunique()
    if (ages > 1).any():
        raise RawDataError(f"{path}: several age groups for {ages[ages > 1].index.tolist()}")

    def label(row_ind: int, year: int) -> str:
        kind = period_type[row_ind]
        if kind == "Calendar":
            return str(year)
        if kind in ("Financial", "Academic", "Yearly"):
            return fy_label(year)
        raise RawDataError(f"{ind_path}: unsupported PeriodType {kind!r} for {row_ind}")

    periods = {(i, y): label(i, y) for i, y in
               df[["IndicatorId", "Year"]].drop_duplicates().itertuples(index=False)}
    out = pd.DataFrame({
        "indicator_id": df["IndicatorId"].astype(str),
        "area_code": df["AreaCode"],
        "area_type": df["AreaCode"].map(area_type),
        "period": [periods[(i, y)] for i, y in zip(df["IndicatorId"], df["Year"],
                                                   strict=True)],
        "sex": df["Sex"].astype(str),
        "age": df["Age"].astype(str),
        "value": df["Value"],
        "lower_ci": df["LowerCI"],
        "upper_ci": df["UpperCI"],
        "count": df["Count"],
        "denominator": df["Denominator"],
        "source": "fingertipsnext_seed_nw",
    })
    # ratios (ISR) carry a "count" of observed events against an expected denominator
    ratio = out["indicator_id"].eq("91344")
    out.loc[ratio, ["count", "denominator"]] = np.nan
    out = out[out["value"].notna()]
    return Part("fingertipsnext_seed_nw", finalise(out, path), _source(
        "Fingertips API extract seeding DHSC's FingertipsNext (North West areas): smoking at "
        "time of delivery, QOF diabetes and dementia prevalence, breast screening coverage, "
        "urgent suspected cancer referrals, children in absolute low-income families, falls "
        "admissions 65+, alcohol-related mortality, under-18 conceptions, PM2.5-attributable "
        "mortality",
        "Fingertips API extract of February 2025; periods 2018 to 2023 (first year of the "
        "period; financial years labelled e.g. 2022/23)",
        (path, ind_path),
        "dhsc-govuk/FingertipsNext @ 48772927 (healthdata.csv) and d1600f4a (indicators.csv). "
        "Area codes stripped of stray spaces; whole-area rows of England, North West "
        "districts/UAs/counties, sub-ICBs and ICBs only (GP and PCN rows dropped); exact "
        "duplicate rows (areas listed under two parents) dropped; where a sub-ICB is listed twice "
        "with different values (94063, 2022/23-2023/24: two sub-ICB versions, differences "
        "under 0.1 percentage points) the first listed is kept. 95% CIs, counts and "
        "denominators as published; no 'compared to England' in the extract (computed by "
        "the app from the CIs)."))


# --------------------------------------------------------------------------------------
# gp_practice_heec/fingertips_91547_… (full Fingertips export, QOF smoking 15+)

_FT_EXPORT_COLS = ["Indicator ID", "Area Code", "Area Type", "Sex", "Age", "Category Type",
                   "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
                   "Count", "Denominator", "Value note",
                   "Compared to England value or percentiles"]
_EXPORT_AREA_TYPES = ("England", "Regions (statistical)", "County", "UA", "District", "ICBs",
                      "ICB sub-locations")


def _export_91547(raw: Path) -> Part:
    path = raw / "gp_practice_heec" / "fingertips_91547_smoking_qof_prevalence_all_areas.csv"
    df = read_csv(path, _FT_EXPORT_COLS, dtype={"Time period": str})
    if set(df["Indicator ID"].dropna().astype(int)) != {91547}:
        raise RawDataError(f"{path}: expected only Fingertips indicator 91547")
    df = df[df["Category Type"].isna() & df["Area Type"].isin(_EXPORT_AREA_TYPES)].copy()
    # Fingertips prefixes re-based NHS areas with "n" (nE54000048 = E54000048)
    df["Area Code"] = df["Area Code"].astype(str).str.replace(r"^n(?=E\d{8}$)", "",
                                                                regex=True)
    out = pd.DataFrame({
        "indicator_id": "91547",
        "area_code": df["Area Code"],
        "area_type": df["Area Code"].map(area_type),
        "period": df["Time period"].astype(str),
        "sex": df["Sex"].fillna("Persons").astype(str),
        "age": "15+ yrs",  # the export mixes "15+ yrs" and "Not applicable"
        "value": df["Value"],
        "lower_ci": df["Lower CI 95.0 limit"],
        "upper_ci": df["Upper CI 95.0 limit"],
        "count": df["Count"],
        "denominator": df["Denominator"],
        "value_note": df["Value note"].astype("string"),
        "compared_to_england": normalise_compared(
            df["Compared to England value or percentiles"], path),
        "source": "fingertips_91547_export",
    })
    out.loc[out["area_code"] == ENGLAND, "compared_to_england"] = None
    out = out[out["value"].notna()]
    # areas are repeated under each parent area type (County & UA, District & UA), and
    # 2015/16 comes twice (once with merged-authority notes and slightly different CIs):
    # copies with the same value, count and denominator are one row; the noted copy is kept
    out = out.sort_values("value_note", na_position="last", kind="mergesort")
    out = out.drop_duplicates(["area_code", "period", "value", "count", "denominator"])
    out = _drop_exact_duplicates(out, ["area_code", "period"], path).sort_index()
    return Part("fingertips_91547_export", finalise(out, path), _source(
        "Fingertips indicator 91547: smoking prevalence in adults (15+), current smokers "
        "(QOF); full 'all data' export",
        "Fingertips export of 2025 (HEEC copy); 2013/14 to 2022/23 for areas",
        (path,),
        "HealthEquityEvidenceCentre/HEEC @ 8a7205b2 (data/behaviours/raw/smok_qof_prev.csv), "
        "untouched. Kept: England, regions, counties, UAs, districts, ICBs and sub-ICBs "
        "(whole-area rows; GP rows dropped). The 'n' prefix Fingertips gives re-based NHS "
        "codes is removed; identical rows listed under two parents are dropped."))


# --------------------------------------------------------------------------------------
# Assembly


def fingertips_parts(raw: Path) -> list[Part]:
    return [_trafford(raw), _dashboard_2020(raw), _seed(raw), _export_91547(raw)]


def assemble(parts: list[Part]) -> pd.DataFrame:
    """Concatenate parts into the store: sorted rows, categorical codes, float values."""
    frames = [p.frame for p in parts if len(p.frame)]
    df = pd.concat(frames, ignore_index=True)
    dup = df.duplicated(list(KEY), keep=False)
    if dup.any():
        ex = df.loc[dup, ["source", *KEY]].head(4).to_dict("records")
        raise RawDataError(f"indicator_values: the same value comes from two sources, e.g. {ex}")
    # area-major order: an LSOA's 17 QOF rows sit together, so codes and denominators
    # run-length encode (the table is about half the size of an indicator-major order)
    df = df.sort_values(["area_type", "area_code", "indicator_id", "period_sort", "period",
                         "sex", "age"], kind="mergesort").reset_index(drop=True)
    for col in _CATEGORICAL:
        df[col] = df[col].astype("string").astype("category")
    return df[list(COLUMNS)]


def combined_source(parts: list[Part]) -> Source:
    """One provenance record for the table, with each part's full record in ``extra``."""
    publishers: list[str] = []
    for p in parts:
        if p.source.publisher not in publishers:
            publishers.append(p.source.publisher)
    inputs = tuple(sorted({i for p in parts for i in p.source.inputs}))
    extra = {"parts": {p.key: {**{k: v for k, v in asdict(p.source).items()
                                  if k not in ("inputs", "extra")},
                               "inputs": [str(i.name) for i in p.source.inputs],
                               "rows": len(p.frame),
                               **({"extra": p.source.extra} if p.source.extra else {})}
                       for p in parts}}
    return Source(
        publisher="; ".join(publishers),
        dataset="Health indicator store: published Fingertips indicators, QOF 2021/22 "
        "prevalence attributed to LSOAs, DWP children in low-income families and Universal "
        "Credit households, House of Commons Library MSOA prevalence",
        vintage="; ".join(f"{p.key}: {p.source.vintage}" for p in parts),
        licence=OGL,
        attribution="Contains public sector information licensed under the Open Government "
        "Licence v3.0 (OHID Fingertips; NHS Digital / NHS England; DWP; ONS; House of "
        "Commons Library).",
        url=FINGERTIPS_URL,
        inputs=inputs,
        notes="Row-level provenance: the 'source' column names a part; extra.parts holds the "
        "publisher, dataset, vintage, official URL and inputs of each part. Metadata for "
        "each indicator (definition, unit, polarity, caveats) is in data/indicators.yaml.",
        extra=extra,
    )


def build(raw: Path) -> list[Table]:
    from loaders import dwp, hoc, qof  # their parts join this module's table

    parts = [*fingertips_parts(raw), *qof.parts(raw), *dwp.parts(raw), *hoc.parts(raw)]
    df = assemble(parts)
    for p in parts:
        print(f"    indicator_values part {p.key:<36} {len(p.frame):>9,} rows", file=sys.stderr)
    return [Table("indicator_values", df, combined_source(parts),
                  "Long-format health indicator values (Fingertips-like columns); LSOA rows "
                  "hold numerator and denominator only (value = count / denominator x 100, "
                  "filled by explorer.indicators.values())")]
