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
    require_rows,
    require_unique,
)
from loaders.table import Table

N_LSOA11 = 32_844
N_LSOA21 = 33_755

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


def build_iod2019(raw: Path) -> Table:
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
    return Table("iod2019_lsoa11", df, source, "IoD2019 scores, ranks, deciles, populations")


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
    lad = read_csv(lad_path, ["ltla24_code", "ltla24_name", "imd_average_score",
                              "imd_rank_of_average_score"])
    require_codes(lad["ltla24_code"], "E0", lad_path)
    require_unique(lad["ltla24_code"], lad_path)
    icb = read_csv(icb_path, ["icb24_code", "icb24_name", "imd_average_score",
                              "imd_rank_of_average_score"])
    require_codes(icb["icb24_code"], "E54", icb_path)
    lad_t = Table(
        "iod2025_lad24",
        lad.sort_values("ltla24_code").reset_index(drop=True),
        Source(dataset="English Indices of Deprivation 2025, File 10 (local authority "
               "district summaries, LAD 2024)", vintage="IoD2025; LAD May 2024",
               inputs=(lad_path,), notes="Official summaries and ranks (1 = most deprived).",
               **common),
        "IoD2025 official district summaries",
    )
    icb_t = Table(
        "iod2025_icb24",
        icb.sort_values("icb24_code").reset_index(drop=True),
        Source(dataset="English Indices of Deprivation 2025, File 13 (ICB summaries)",
               vintage="IoD2025; ICB 2024", inputs=(icb_path,),
               notes="Official summaries and ranks (1 = most deprived).", **common),
        "IoD2025 official ICB summaries",
    )
    return [lsoa, lad_t, icb_t]


def build(raw: Path) -> list[Table]:
    return [build_iod2019(raw), *build_iod2025(raw)]
