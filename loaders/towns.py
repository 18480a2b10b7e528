"""Town flags from the ONS English towns (education) dataset: coastal, income group, size.

Why: CORE20PLUS5 names coastal communities among its PLUS groups, and no official LSOA-level
coastal flag was found; ONS's 2023 towns dataset classifies each 2011 built-up area (BUA)
or built-up-area sub-division (BUASD) as coastal or not and into income-deprivation groups.
Places carry the BUA11/BUASD11 code they are flagged by (``Place.bua11``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_unique
from loaders.table import Table

TOWNS_URL = ("https://www.ons.gov.uk/peoplepopulationandcommunity/educationandchildcare/"
             "articles/whydochildrenandyoungpeopleinsmallertownsdobetteracademicallythanthose"
             "inlargertowns/2023-07-25")
N_TOWNS = 1_100
_COLS = ["town_code", "town_name", "population", "size", "region", "coastal", "income",
         "job_density", "university"]
_INCOME = {"Lower deprivation towns": "lower deprivation", "Mid deprivation towns":
           "mid deprivation", "Higher deprivation towns": "higher deprivation",
           "Cities": "city"}


def build(raw: Path) -> list[Table]:
    path = raw / "ons-towns" / "english_education_towns.csv"
    df = read_csv(path, _COLS, dtype={"town_code": str})
    # the last rows are London and residual aggregates without a code (Inner/Outer London,
    # other small BUAs, not BUA): not towns. Chester BUASD crosses into Wales and has a
    # cross-border code K06000004.
    towns = df[df["town_code"].astype("string").str.match(r"^(E3[45]|K06)\d{6}$",
                                                          na=False)].copy()
    dropped = df.loc[~df.index.isin(towns.index), "town_name"].tolist()
    if len(dropped) > 5:
        raise RawDataError(f"{path}: {len(dropped)} rows without a BUA11/BUASD11 code")
    require_unique(towns["town_code"], path)
    if len(towns) != N_TOWNS:
        raise RawDataError(f"{path}: expected {N_TOWNS:,} towns, found {len(towns):,}")
    bad = set(towns["coastal"].dropna()) - {"Coastal", "Non-coastal"}
    bad |= set(towns["income"].dropna()) - set(_INCOME)
    if bad or towns[["coastal", "income", "population"]].isna().any().any():
        raise RawDataError(f"{path}: unexpected or missing coastal/income values {bad}")
    out = pd.DataFrame({
        "town_code": towns["town_code"],
        "code_type": towns["town_code"].str[:3].map({"E34": "BUA11", "E35": "BUASD11",
                                                     "K06": "BUASD11 (cross-border)"}),
        "town_name": towns["town_name"],
        "coastal": towns["coastal"].eq("Coastal"),
        "income_group": towns["income"].map(_INCOME),
        "population_2011": towns["population"].astype("int32"),
        "size": towns["size"],
        "region": towns["region"],
        "job_density": towns["job_density"],
        "university": towns["university"].eq("University"),
    })
    for col in ("code_type", "income_group", "size", "region", "job_density"):
        out[col] = out[col].astype("category")
    out = out.sort_values("town_code").reset_index(drop=True)
    source = Source(
        publisher="Office for National Statistics",
        dataset="Why do children and young people in smaller towns do better academically "
        "than those in larger towns? - towns dataset (coastal flag, income deprivation "
        "group, size, 2011 population)",
        vintage="2023 release; built-up areas 2011; population Census 2011",
        licence=OGL,
        attribution="Source: Office for National Statistics licensed under the Open "
        "Government Licence v3.0.",
        url=TOWNS_URL,
        inputs=(path,),
        notes="Third-party re-upload of the TidyTuesday 2024-01-23 copy "
        "(j-bren03/CS362FinalProject @ ebb6001e); the original's coastal_detailed column "
        "is missing. Residual aggregate rows dropped: " + ", ".join(map(str, dropped)) + ".",
    )
    return [Table("towns_flags", out, source,
                  "ONS English towns: coastal flag, income deprivation group, 2011 population")]
