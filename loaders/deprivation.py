"""English Indices of Deprivation 2019 (LSOA 2011) and 2025 (LSOA 2021).

Official ranks and deciles are kept as published; scores are never re-ranked
(ranking 3-decimal scores gives ties that move ranks by up to 7 places).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.manifest import MHCLG_ATTRIBUTION, OGL, Source
from loaders.schema import (
    RawDataError,
    read_csv,
    require_codes,
    require_file,
    require_rows,
    require_unique,
)
from loaders.table import Table

N_LSOA11 = 32_844
N_LSOA21 = 33_755
N_LAD19 = 317
N_LAD24 = 296
N_ICB24 = 42

#: Domain keys used across the app, in the official order, with their display names.
DOMAINS: dict[str, str] = {
    "IMD": "Index of Multiple Deprivation",
    "Income": "Income",
    "Employment": "Employment",
    "Education": "Education, skills and training",
    "Health": "Health deprivation and disability",
    "Crime": "Crime",
    "Housing": "Barriers to housing and services",
    "Environment": "Living environment",
}
SUBDOMAINS: dict[str, str] = {
    "Children": "Children and young people (education)",
    "AdultSkills": "Adult skills",
    "GeoBarriers": "Geographical barriers",
    "WiderBarriers": "Wider barriers",
    "Indoors": "Indoors living environment",
    "Outdoors": "Outdoors living environment",
}

IOD2019_URL = (
    "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"
)
IOD2025_URL = (
    "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"
)

_SCORES_2019 = {
    "IMD": "IMD_score",
    "Income": "Income_score",
    "Employment": "Employment_score",
    "Education": "Education_score",
    "Health": "Health_score",
    "Crime": "Crime_score",
    "Barriers (H&S)": "Housing_score",
    "Environment": "Environment_score",
    "IDACI": "IDACI_score",
    "IDAOPI": "IDAOPI_score",
    "YouthSubDomain": "Children_score",
    "AdultSkills": "AdultSkills_score",
    "Barriers (Geo)": "GeoBarriers_score",
    "Barriers (Wider)": "WiderBarriers_score",
    "IndoorsSubDomain": "Indoors_score",
    "OutdoorSubDomain": "Outdoors_score",
    "Population (Total)": "pop_total",
    "Population (0-15)": "pop_0_15",
    "Population (16-59)": "pop_16_59",
    "Population (60+)": "pop_60_plus",
    "Population (Working)": "pop_working_age",
}
#: File 8 numerators: people in income / employment deprivation (counts), for Wilson CIs.
_NUMERATORS = {
    "income_domain_numerator": "income_num",
    "employment_domain_numerator": "employment_num",
    "income_deprivation_affecting_children_index_idaci_numerator": "idaci_num",
    "income_deprivation_affecting_older_people_index_idaopi_numerator": "idaopi_num",
}
_HV_DOMAIN = {
    "IMD": "IMD",
    "Income": "Income",
    "Employment": "Employment",
    "Education": "Education",
    "Health": "Health",
    "Crime": "Crime",
    "Housing_and_Access": "Housing",
    "Housing_and_Services": "Housing",
    "Environment": "Environment",
}
_HV_SUB = {
    "Children_and_young_people": "Children",
    "children_and_young_people": "Children",
    "Adult_skills": "AdultSkills",
    "adult_skills": "AdultSkills",
    "Geographical_barriers": "GeoBarriers",
    "geographical_barriers": "GeoBarriers",
    "Wider_barriers": "WiderBarriers",
    "wider_barriers": "WiderBarriers",
    "Indoors": "Indoors",
    "indoors": "Indoors",
    "Outdoors": "Outdoors",
    "outdoors": "Outdoors",
}


#: Published-summary column prefixes (File 10 / File 13 sheets) -> the app's domain keys.
_SUMMARY_DOMAIN = {
    "imd": "IMD",
    "income": "Income",
    "employment": "Employment",
    "education_skills_and_training": "Education",
    "health_deprivation_and_disability": "Health",
    "crime": "Crime",
    "barriers_to_housing_and_services": "Housing",
    "living_environment": "Environment",
}
#: IMD summary measures kept besides the average scores (published name -> snapshot name).
_SUMMARY_IMD = {
    "imd_average_rank": "imd_average_rank",
    "imd_rank_of_average_rank": "imd_rank_of_average_rank",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally":
        "imd_prop_lsoas_most_deprived_10",
    "imd_rank_of_proportion_of_lso_as_in_most_deprived_10_percent_nationally":
        "imd_rank_of_prop_lsoas_most_deprived_10",
    "imd25_extent": "imd_extent",
    "imd25_rank_of_extent": "imd_rank_of_extent",
    "imd25_local_concentration": "imd_local_concentration",
    "imd25_rank_of_local_concentration": "imd_rank_of_local_concentration",
}


def summary_columns() -> list[str]:
    """Snapshot columns of an official area summary, the same for every vintage and level."""
    cols = [f"{k.lower()}_{m}" for k in _SUMMARY_DOMAIN.values()
            for m in ("average_score", "rank_of_average_score")]
    return cols + list(_SUMMARY_IMD.values())


def _read_summary(path: Path, code: str, name: str, prefix: str, n: int) -> pd.DataFrame:
    """An official IoD2025 area summary, with the app's column names (see summary_columns)."""
    require_file(path)
    with path.open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    # File 13 (ICBs) spells the extent columns "imd_2025_…", File 10 "imd25_…".
    imd = {(k if k in header else k.replace("imd25_", "imd_2025_")): v
           for k, v in _SUMMARY_IMD.items()}
    scores = {f"{src}_{m}": f"{dst.lower()}_{m}" for src, dst in _SUMMARY_DOMAIN.items()
              for m in ("average_score", "rank_of_average_score")}
    df = read_csv(path, [code, name, *scores, *imd])
    df = df[[code, name, *scores, *imd]].rename(columns={**scores, **imd})
    require_codes(df[code], prefix, path)
    require_unique(df[code], path)
    require_rows(df, n, path)
    for c in df.columns:
        if "_rank_of_" in c:
            if not (df[c].notna().all() and df[c].min() == 1 and df[c].max() <= n):
                raise RawDataError(f"{path}: column '{c}' is not a rank 1..{n}")
            df[c] = df[c].astype("int32")
    return df.sort_values(code).reset_index(drop=True)


def reproduce_lad19_summary(lsoa: pd.DataFrame, lad_of: pd.Series) -> pd.DataFrame:
    """IoD2019 File 10 measures for every 2019 district by MHCLG's method (IoD2019 Technical
    Report, ch. 5): average score and average rank are means of the LSOA scores / ranks
    weighted by the File 7 total-population denominators; proportion is the share of the
    district's LSOAs in the most deprived 10% nationally; rank 1 = most deprived.
    Extent and local concentration are not reproduced (left blank)."""
    lad = lsoa["lsoa11cd"].map(lad_of)
    w = lsoa["pop_total"].astype(float)
    wsum = w.groupby(lad).sum()
    out = pd.DataFrame(index=pd.Index(sorted(wsum.index), name="lad19cd"))
    for key in _SUMMARY_DOMAIN.values():
        score = (lsoa[f"{key}_score"] * w).groupby(lad).sum() / wsum
        out[f"{key.lower()}_average_score"] = score
        out[f"{key.lower()}_rank_of_average_score"] = score.rank(
            ascending=False, method="min").astype("int32")
    avg_rank = (lsoa["IMD_rank"] * w).groupby(lad).sum() / wsum
    out["imd_average_rank"] = avg_rank
    out["imd_rank_of_average_rank"] = avg_rank.rank(method="min").astype("int32")
    prop = lsoa["IMD_decile"].eq(1).groupby(lad).mean()
    out["imd_prop_lsoas_most_deprived_10"] = prop
    out["imd_rank_of_prop_lsoas_most_deprived_10"] = prop.rank(
        ascending=False, method="min").astype("int32")
    for c in ("imd_extent", "imd_rank_of_extent", "imd_local_concentration",
              "imd_rank_of_local_concentration"):
        out[c] = float("nan")
    return out[summary_columns()].reset_index()


def _rename_rank_decile(df: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    cols = {}
    for src, dst in mapping.items():
        for kind in ("rank", "decile", "score"):
            if f"{src}_{kind}" in df.columns:
                cols[f"{src}_{kind}"] = f"{dst}_{kind}"
    return df.rename(columns=cols)


def _check_deciles(df: pd.DataFrame, n: int, source: Path) -> None:
    """Every official decile must equal ceil(rank / (n / 10)); catches misaligned joins."""
    for col in [c for c in df.columns if c.endswith("_rank")]:
        dec = col.replace("_rank", "_decile")
        if dec not in df.columns:
            continue
        expected = (-(-df[col] * 10 // n)).astype("int64")
        if not (expected == df[dec]).all():
            raise RawDataError(f"{source}: column '{dec}' is inconsistent with '{col}'")
        if df[col].min() != 1 or df[col].max() != n:
            raise RawDataError(f"{source}: column '{col}' is not a rank 1..{n}")


def build_iod2019(raw: Path) -> list[Table]:
    scores_path = raw / "nhsx-p24" / "iod2019_lsoa11_scores_population.csv"
    ranks_path = raw / "humaniverse-IMD" / "iod2019_lsoa11_ranks_deciles.csv"
    sub_path = raw / "humaniverse-IMD" / "iod2019_lsoa11_subdomain_ranks_deciles.csv"

    scores = read_csv(scores_path, ["LSOA11CD", "LSOA11NM", *_SCORES_2019])
    scores = scores[["LSOA11CD", "LSOA11NM", *_SCORES_2019]].rename(columns=_SCORES_2019)
    require_codes(scores["LSOA11CD"], "E01", scores_path)
    require_unique(scores["LSOA11CD"], scores_path)
    require_rows(scores, N_LSOA11, scores_path)

    rank_cols = [f"{d}_{k}" for d in _HV_DOMAIN if d not in ("Housing_and_Services",)
                 for k in ("rank", "decile")]
    ranks = read_csv(ranks_path, ["lsoa11_code", *rank_cols])
    ranks = _rename_rank_decile(ranks[["lsoa11_code", *rank_cols]], _HV_DOMAIN)
    _check_deciles(ranks, N_LSOA11, ranks_path)

    sub_src = [s for s in _HV_SUB if s[0].isupper()]
    sub_cols = [f"{s}_{k}" for s in sub_src for k in ("rank", "decile")]
    subs = read_csv(sub_path, ["lsoa11_code", *sub_cols])
    subs = _rename_rank_decile(subs[["lsoa11_code", *sub_cols]], _HV_SUB)
    _check_deciles(subs, N_LSOA11, sub_path)

    df = scores.merge(ranks, left_on="LSOA11CD", right_on="lsoa11_code", how="left",
                      validate="one_to_one").drop(columns="lsoa11_code")
    df = df.merge(subs, left_on="LSOA11CD", right_on="lsoa11_code", how="left",
                  validate="one_to_one").drop(columns="lsoa11_code")
    if df["IMD_rank"].isna().any():
        raise RawDataError(f"{ranks_path}: LSOA codes do not match {scores_path}")
    for c in df.columns:
        if c.endswith(("_rank", "_decile")) or c.startswith("pop_"):
            df[c] = df[c].astype("int32")
    ind_path = raw / "humaniverse-IMD" / "iod2019_lsoa11_underlying_indicators.csv"
    ind = read_csv(ind_path, ["lsoa11_code", *_NUMERATORS])
    ind = ind[["lsoa11_code", *_NUMERATORS]].rename(columns=_NUMERATORS)
    df = df.merge(ind, left_on="LSOA11CD", right_on="lsoa11_code", how="left",
                  validate="one_to_one").drop(columns="lsoa11_code")
    df = df.rename(columns={"LSOA11CD": "lsoa11cd", "LSOA11NM": "lsoa11nm"})
    df = df.sort_values("lsoa11cd").reset_index(drop=True)
    source = Source(
        publisher="Ministry of Housing, Communities and Local Government",
        dataset="English Indices of Deprivation 2019, File 7 (scores, ranks, deciles and "
        "population denominators) and File 4 (sub-domains)",
        vintage="IoD2019 (published 26 September 2019); LSOA 2011; populations mid-2015",
        licence=OGL,
        attribution=MHCLG_ATTRIBUTION,
        url=IOD2019_URL,
        inputs=(scores_path, ranks_path, sub_path, ind_path),
        notes="Official ranks and deciles (1 = most deprived) as published; "
        "IDACI/IDAOPI carry scores only. *_num columns are the File 8 numerators "
        "(income, employment, IDACI, IDAOPI), blank where not published. Reconstructed "
        "from repository copies of File 7 (see SOURCES-geo.md §1); every decile equals "
        "ceil(rank/3284.4).",
    )
    lsoa_t = Table("iod2019_lsoa11", df, source, "IoD2019 scores, ranks, deciles, populations")
    lk_path = raw / "ons-lookups" / "imd2019_lookup_lsoa11_lad19_en.csv"
    lk = read_csv(lk_path, ["LSOA11CD", "LAD19CD", "LAD19NM", "IMD19"], dtype={"IMD19": int})
    require_rows(lk, N_LSOA11, lk_path)
    lk = lk.set_index("LSOA11CD")
    if not (lk["IMD19"].reindex(df["lsoa11cd"]).to_numpy() == df["IMD_rank"].to_numpy()).all():
        raise RawDataError(f"{lk_path}: IMD ranks differ from File 7")
    lad = reproduce_lad19_summary(df, lk["LAD19CD"])
    names = lk.drop_duplicates("LAD19CD").set_index("LAD19CD")["LAD19NM"]
    lad.insert(1, "lad19nm", lad["lad19cd"].map(names))
    require_rows(lad, N_LAD19, lk_path)
    lad_t = Table(
        "iod2019_lad19",
        lad,
        Source(
            publisher=source.publisher,
            dataset="English Indices of Deprivation 2019, File 10 (local authority district "
            "summaries) measures, reproduced from File 7 by MHCLG's published method",
            vintage="IoD2019; LAD 2019 (317 districts)",
            licence=OGL, attribution=MHCLG_ATTRIBUTION, url=IOD2019_URL,
            inputs=(scores_path, ranks_path, lk_path),
            notes="The File 10 workbook is not in the raw folder; its average score, average "
            "rank and proportion of LSOAs in the most deprived 10% (and their ranks) are "
            "recomputed here exactly as MHCLG defines them, from the official File 7 LSOA "
            "scores, ranks and mid-2015 denominators and the ONS IMD 2019 LSOA -> LAD19 "
            "lookup. Checked in tests against an independent aggregation (humaniverse/IMD "
            "ltla19). Extent and local concentration are not reproduced.",
        ),
        "IoD2019 district summaries (File 10 method)",
    )
    return [lsoa_t, lad_t]


def build_iod2025(raw: Path) -> list[Table]:
    main_path = raw / "humaniverse-IMD" / "iod2025_lsoa21_scores_ranks_deciles.csv"
    sub_path = raw / "humaniverse-IMD" / "iod2025_lsoa21_subdomains.csv"
    lad_path = raw / "humaniverse-IMD" / "iod2025_lad24_summaries.csv"
    icb_path = raw / "humaniverse-IMD" / "iod2025_icb24_summaries.csv"

    dom_src = [d for d in _HV_DOMAIN if d != "Housing_and_Access"]
    main_cols = [f"{d}_{k}" for d in dom_src for k in ("score", "rank", "decile")]
    main = read_csv(main_path, ["lsoa21_code", *main_cols])
    main = _rename_rank_decile(main[["lsoa21_code", *main_cols]], _HV_DOMAIN)
    require_codes(main["lsoa21_code"], "E01", main_path)
    require_unique(main["lsoa21_code"], main_path)
    require_rows(main, N_LSOA21, main_path)
    _check_deciles(main, N_LSOA21, main_path)

    sub_src = [s for s in _HV_SUB if s[0].islower()]
    sub_cols = [f"{s}_{k}" for s in sub_src for k in ("score", "rank", "decile")]
    subs = read_csv(sub_path, ["lsoa21_code", *sub_cols])
    subs = _rename_rank_decile(subs[["lsoa21_code", *sub_cols]], _HV_SUB)
    _check_deciles(subs, N_LSOA21, sub_path)
    df = main.merge(subs, on="lsoa21_code", how="left", validate="one_to_one")
    for c in df.columns:
        if c.endswith(("_rank", "_decile")):
            df[c] = df[c].astype("int32")
    df = df.rename(columns={"lsoa21_code": "lsoa21cd"}).sort_values("lsoa21cd")
    df = df.reset_index(drop=True)

    common = dict(
        publisher="Ministry of Housing, Communities and Local Government",
        licence=OGL,
        attribution=MHCLG_ATTRIBUTION,
        url=IOD2025_URL,
    )
    lsoa = Table(
        "iod2025_lsoa21",
        df,
        Source(
            dataset="English Indices of Deprivation 2025, File 7 (scores, ranks, deciles)",
            vintage="IoD2025 (published 30 October 2025); LSOA 2021",
            inputs=(main_path, sub_path),
            notes="Official ranks and deciles (1 = most deprived). IoD2019 and IoD2025 are "
            "not directly comparable (different LSOAs and indicators).",
            **common,
        ),
        "IoD2025 scores, ranks, deciles",
    )
    lad = _read_summary(lad_path, "ltla24_code", "ltla24_name", "E0", N_LAD24)
    icb = _read_summary(icb_path, "icb24_code", "icb24_name", "E54", N_ICB24)
    lad_t = Table(
        "iod2025_lad24",
        lad,
        Source(dataset="English Indices of Deprivation 2025, File 10 (local authority "
               "district summaries, LAD 2024)", vintage="IoD2025; LAD May 2024",
               inputs=(lad_path,), notes="Official summaries and ranks (1 = most deprived).",
               **common),
        "IoD2025 official district summaries",
    )
    icb_t = Table(
        "iod2025_icb24",
        icb,
        Source(dataset="English Indices of Deprivation 2025, File 13 (ICB summaries)",
               vintage="IoD2025; ICB 2024", inputs=(icb_path,),
               notes="Official summaries and ranks (1 = most deprived).", **common),
        "IoD2025 official ICB summaries",
    )
    return [lsoa, lad_t, icb_t]


def build(raw: Path) -> list[Table]:
    return [*build_iod2019(raw), *build_iod2025(raw)]
