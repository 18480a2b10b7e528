"""Census 2021 usual residents by five-year age band, LSOA 2021 (England)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.deprivation import N_LSOA21
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, require_codes, require_file, require_unique
from loaders.table import Table

CENSUS_URL = "https://www.nomisweb.co.uk/sources/census_2021_bulk"
_BANDS = ["0_4", "5_9", "10_14", "15_19", "20_24", "25_29", "30_34", "35_39", "40_44",
          "45_49", "50_54", "55_59", "60_64", "65_69", "70_74", "75_79", "80_84", "85_plus"]


def build(raw: Path) -> list[Table]:
    path = require_file(raw / "census2021_ts007a_age_lsoa"
                        / "TS007A_age_by_five_year_age_bands_lsoa11.csv")
    try:
        df = pd.read_csv(path, skiprows=7, header=None, dtype=str, skip_blank_lines=True)
    except Exception as exc:
        raise RawDataError(f"{path}: could not be parsed ({exc})") from exc
    if df.shape[1] != 21:
        raise RawDataError(f"{path}: expected 21 columns (name, code, total, 18 bands), "
                           f"found {df.shape[1]}")
    df.columns = ["lsoa21nm", "lsoa21cd", "pop_total", *[f"pop_{b}" for b in _BANDS]]
    df = df[df["lsoa21cd"].astype("string").str.startswith("E01", na=False)].copy()
    require_codes(df["lsoa21cd"], "E01", path)
    require_unique(df["lsoa21cd"], path)
    if len(df) != N_LSOA21:
        raise RawDataError(f"{path}: expected {N_LSOA21:,} English LSOAs, found {len(df):,}")
    num = [c for c in df.columns if c.startswith("pop_")]
    df[num] = df[num].apply(pd.to_numeric, errors="raise").astype("int32")
    if not (df[num[1:]].sum(axis=1) == df["pop_total"]).all():
        raise RawDataError(f"{path}: age bands do not sum to the total")
    df["pop_65_plus"] = df[["pop_65_69", "pop_70_74", "pop_75_79", "pop_80_84",
                            "pop_85_plus"]].sum(axis=1).astype("int32")
    df = df.drop(columns="lsoa21nm").sort_values("lsoa21cd").reset_index(drop=True)
    return [Table(
        "census2021_age_lsoa21",
        df,
        Source(publisher="Office for National Statistics",
               dataset="Census 2021 TS007A: age by five-year age bands", vintage="Census day, "
               "21 March 2021; LSOA 2021", licence=OGL,
               attribution="Source: Office for National Statistics licensed under the Open "
               "Government Licence v3.0 (Census 2021, via Nomis).", url=CENSUS_URL,
               inputs=(path,), notes="Usual residents. Used as the IoD2025 population "
               "denominator, since IoD2025 File 7 denominators were not available."),
        "Census 2021 usual residents by age, LSOA 2021",
    )]
