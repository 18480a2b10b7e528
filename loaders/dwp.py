"""DWP children in relative low-income families, households on Universal Credit, and ONS
model-based unemployment, for districts (LTLA 2021) and MSOAs (2011).

Sources in ``dwp_statxplore_cilif_uc/``:

* tidy LTLA files (an R package's datasets, converted from .rda): counts with a denominator,
  so a percentage and a Wilson CI can be made (``dwp-cilif-pct``, ``dwp-uc-households-pct``)
  and ONS unemployment rates (``ons-unemployment``);
* raw Stat-Xplore exports (names only, with a title block): counts for LTLAs and MSOAs
  (``dwp-cilif-count``, ``dwp-uc-households-count``). Names are matched to codes: LTLAs
  through the tidy files' name/code pairs, MSOAs through ``geo_lsoa11`` (msoa11nm ->
  msoa11cd, "Blackpool 001" style). Names that do not match an English area (Welsh MSOAs,
  Scottish intermediate zones, "Unknown", "Total") are reported in the build output and the
  manifest, never silently dropped; an English area missing from a file stops the build.

Caveats: the tidy CiLIF percentage divides by the ONS population aged 0-16, while DWP's
official percentage uses 0-15, so it is slightly lower than DWP's published figure; the UC
percentage divides March counts by APS household estimates (a survey estimate); England
rows are sums over English districts, computed here, not published.

This module contributes rows to ``indicator_values`` (assembled by :mod:`loaders.fingertips`)
and builds no table of its own.
"""

from __future__ import annotations

import functools
import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.fingertips import ENGLAND, Part, finalise, fy_label
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_codes, require_file

STATXPLORE_URL = "https://stat-xplore.dwp.gov.uk/"
CILIF_URL = ("https://www.gov.uk/government/collections/"
             "children-in-low-income-families-local-area-statistics")
UNEMPLOYMENT_URL = ("https://www.nomisweb.co.uk/datasets/lmsumod")
DWP = "Department for Work and Pensions"
DWP_ATTRIBUTION = ("Contains public sector information from the Department for Work and "
                   "Pensions licensed under the Open Government Licence v3.0.")
ONS_ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open "
                   "Government Licence v3.0.")
FOLDER = "dwp_statxplore_cilif_uc"
_ENGLISH_LTLA = r"^E0[6789]\d{6}$"
#: Universal Credit months kept from the monthly series: each March (the month the tidy
#: percentages use) plus the latest month published in the file.
UC_MONTH = "March"


def read_statxplore(path: Path) -> tuple[pd.DataFrame, str]:
    """A Stat-Xplore CSV export -> (frame of names x period columns, area heading).

    Skips the optional title block, stops at the "Total" row, drops annotation columns and
    strips "(p)"/"(r)" flags from period names (kept in ``attrs['flags']``).
    """
    require_file(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    try:
        start = next(i for i, line in enumerate(lines)
                     if line.startswith(('"Year"', '"Month"')))
        end = next(i for i, line in enumerate(lines[start:], start)
                   if line.startswith('"Total"'))
    except StopIteration as exc:
        raise RawDataError(f"{path}: no Stat-Xplore header row or 'Total' row") from exc
    df = pd.read_csv(io.StringIO("\n".join(lines[start:end + 1])), dtype=str,
                     keep_default_na=False)
    heading = df.iloc[0, 0]
    df = df.iloc[1:]
    name_col = df.columns[0]
    keep = [c for c in df.columns[1:] if "Annotations" not in c and not c.startswith("Unnamed")]
    flags = {}
    renamed = {}
    for c in keep:
        base = c.replace("(p)", "").replace("(r)", "").strip()
        if "(p)" in c:
            flags[base] = "provisional"
        elif "(r)" in c:
            flags[base] = "revised"
        renamed[c] = base
    out = df[[name_col, *keep]].rename(columns={name_col: "name", **renamed})
    out.attrs["flags"] = flags
    return out.reset_index(drop=True), heading


def _counts_long(df: pd.DataFrame, periods: list[str], path: Path) -> pd.DataFrame:
    long = df.melt(id_vars="name", value_vars=periods, var_name="period", value_name="raw")
    raw = long["raw"].str.strip()
    suppressed = raw.eq("..")
    num = pd.to_numeric(raw.where(~suppressed), errors="coerce")
    bad = num.isna() & ~suppressed
    if bad.any():
        raise RawDataError(f"{path}: non-numeric counts, e.g. {raw[bad].head(3).tolist()}")
    long["count"] = num
    flags = df.attrs.get("flags", {})
    long["value_note"] = np.where(suppressed, "nil or negligible (..)",
                                  long["period"].map(flags).fillna(""))
    long["value_note"] = long["value_note"].replace("", None)
    return long.drop(columns="raw")


def _match(names: pd.Series, lookup: dict[str, str], expected: set[str], kind: str,
           path: Path) -> tuple[pd.Series, list[str]]:
    """Names -> codes; returns (codes, unmatched names). Missing English areas fail."""
    codes = names.map(lookup)
    dup = names[codes.notna() & names.duplicated(keep=False)]
    if len(dup):
        raise RawDataError(f"{path}: {kind} name(s) listed twice: {sorted(set(dup))[:5]}")
    missing = expected - set(codes.dropna())
    if missing:
        raise RawDataError(f"{path}: {len(missing)} English {kind}(s) missing, e.g. "
                           f"{sorted(missing)[:5]}")
    unmatched = sorted(names[codes.isna()].unique().tolist())
    return codes, unmatched


def _report(label: str, unmatched: list[str]) -> dict:
    print(f"    dwp: {label}: {len(unmatched):,} names not matched to an English area "
          f"(outside England or not areas), e.g. {unmatched[:6]}", file=sys.stderr)
    return {"count": len(unmatched), "examples": unmatched[:25]}


def lookup_path(raw: Path) -> Path:
    """The raw LSOA 2011 master lookup that ``geo_lsoa11`` is built from (same names)."""
    return raw / "derived" / "lsoa11_geography_master_en.csv"


@functools.cache
def _lookups(raw: Path) -> tuple[dict[str, str], set[str], dict[str, str], pd.DataFrame]:
    """Name -> code lookups read from the raw master lookup behind ``geo_lsoa11`` (so that a
    clean build without a previous snapshot works): MSOA 2011 names, and district names of
    2019, 2023 and 2024 (Stat-Xplore files use the geography of their latest month, e.g.
    Cumberland in the UC file, Allerdale in the CiLIF file)."""
    path = lookup_path(raw)
    cols = ["LSOA11CD", "MSOA11CD", "MSOA11NM", "LAD19CD", "LAD19NM", "LAD23CD", "LAD23NM",
            "LAD24CD", "LAD24NM"]
    g = read_csv(path, cols, dtype=str, usecols=cols)
    msoa = g[["MSOA11CD", "MSOA11NM"]].drop_duplicates()
    require_codes(msoa["MSOA11CD"], "E02", path)
    if msoa["MSOA11NM"].duplicated().any() or msoa["MSOA11CD"].duplicated().any():
        raise RawDataError(f"{path}: MSOA names and codes are not one-to-one")
    lad: dict[str, str] = {}
    for y in ("24", "23", "19"):
        for n, c in g[[f"LAD{y}NM", f"LAD{y}CD"]].drop_duplicates().itertuples(index=False):
            if lad.setdefault(n, c) != c:
                raise RawDataError(f"{path}: district name {n!r} has two codes")
    return (dict(zip(msoa["MSOA11NM"], msoa["MSOA11CD"], strict=True)),
            set(msoa["MSOA11CD"]), lad, g[["LSOA11CD", "LAD19CD", "LAD23CD", "LAD24CD"]])


def _match(names: pd.Series, lookup: dict[str, str], kind: str,
           path: Path) -> tuple[pd.Series, list[str]]:
    """Names -> codes; returns (codes, names that match no English area)."""
    codes = names.map(lookup)
    dup = names[codes.notna() & names.duplicated(keep=False)]
    if len(dup):
        raise RawDataError(f"{path}: {kind} name(s) listed twice: {sorted(set(dup))[:5]}")
    unmatched = sorted(names[codes.isna()].unique().tolist())
    return codes, unmatched


def _check_msoas(codes: pd.Series, expected: set[str], path: Path) -> None:
    missing = expected - set(codes.dropna())
    if missing:
        raise RawDataError(f"{path}: {len(missing)} English MSOA(s) missing, e.g. "
                           f"{sorted(missing)[:5]}")


def _check_districts(codes: pd.Series, lsoas: pd.DataFrame, path: Path) -> None:
    """Every English LSOA must lie in a matched district of 2019, 2023 or 2024."""
    have = set(codes.dropna())
    covered = (lsoas["LAD19CD"].isin(have) | lsoas["LAD23CD"].isin(have)
               | lsoas["LAD24CD"].isin(have))
    if not covered.all():
        gaps = sorted(set(lsoas.loc[~covered, "LAD24CD"]))
        raise RawDataError(f"{path}: English district(s) missing, e.g. {gaps[:5]}")
    twice = (lsoas["LAD19CD"].isin(have) & lsoas["LAD24CD"].isin(have)
             & (lsoas["LAD19CD"] != lsoas["LAD24CD"]))
    if twice.any():
        both = sorted(set(lsoas.loc[twice, "LAD24CD"]))
        raise RawDataError(f"{path}: districts listed both before and after reorganisation, "
                           f"e.g. {both[:5]}; England would be double counted")


def _report(label: str, unmatched: list[str]) -> dict:
    print(f"    dwp: {label}: {len(unmatched):,} names not matched to an English area "
          f"(outside England or not areas), e.g. {unmatched[:6]}", file=sys.stderr)
    return {"count": len(unmatched), "examples": unmatched[:25]}


def _with_england(df: pd.DataFrame, value: str, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Append England = sum over English districts (count and denominator), only for
    indicator-periods whose districts cover every English LSOA; otherwise say so."""
    lad = df[df["area_type"].isin(["ua", "district"])]
    cols = ["count"] + (["denominator"] if value == "pct" else [])
    frames = [df]
    for (ind, period), grp in lad.groupby(["indicator_id", "period"], sort=True):
        have = set(grp["area_code"])
        covered = (lsoas["LAD19CD"].isin(have) | lsoas["LAD23CD"].isin(have)
                   | lsoas["LAD24CD"].isin(have))
        if not covered.all():
            n = lsoas.loc[~covered, "LAD19CD"].nunique()
            print(f"    dwp: {ind} {period}: {n} English districts have no value; no England "
                  "total is made", file=sys.stderr)
            continue
        eng = grp[cols].sum(min_count=1).to_frame().T
        eng = eng.assign(indicator_id=ind, period=period, sex=grp["sex"].iloc[0],
                         age=grp["age"].iloc[0], area_code=ENGLAND, area_type="england",
                         value_note="sum of English districts (computed, not published)")
        frames.append(eng)
    return pd.concat(frames, ignore_index=True)


def _ltla_area_type(codes: pd.Series) -> pd.Series:
    return np.where(codes.str.startswith("E06"), "ua", "district")


def _tidy(raw: Path) -> tuple[pd.DataFrame, dict[str, str], tuple[Path, ...]]:
    folder = raw / FOLDER
    lsoas = _lookups(raw)[3]
    cil_path = folder / "children_low_income_ltla.csv"
    uc_path = folder / "UC_households_ltla.csv"
    un_path = folder / "unemployment_ltla.csv"
    cil = read_csv(cil_path, ["ltla21_name", "ltla21_code", "year", "children_low_income_abs",
                              "population_0_16", "children_low_income_perc"])
    uc = read_csv(uc_path, ["ltla21_name", "ltla21_code", "year", "UC_households_abs",
                            "households_number", "UC_households_perc"])
    un = read_csv(un_path, ["ltla21_name", "ltla21_code", "year", "unemployment_perc"])
    names: dict[str, str] = {}
    for df, path in ((cil, cil_path), (uc, uc_path), (un, un_path)):
        df.dropna(subset=["ltla21_code"], inplace=True)
        bad = df.loc[~df["ltla21_code"].str.match(r"^[ENSW]\d{8}$"), "ltla21_code"]
        if len(bad):
            raise RawDataError(f"{path}: column 'ltla21_code' has non-GSS values, e.g. "
                               f"{bad.head(3).tolist()}")
        for n, c in zip(df["ltla21_name"], df["ltla21_code"], strict=True):
            if names.setdefault(n, c) != c:
                raise RawDataError(f"{path}: name {n!r} has two codes")
    frames = []
    cil = cil[cil["ltla21_code"].str.match(_ENGLISH_LTLA)]
    check = (cil["children_low_income_abs"] / cil["population_0_16"] * 100
             - cil["children_low_income_perc"]).abs().max()
    if check > 1e-6:
        raise RawDataError(f"{cil_path}: percentage is not count / population_0_16")
    frames.append(pd.DataFrame({
        "indicator_id": "dwp-cilif-pct", "area_code": cil["ltla21_code"],
        "period": [fy_label(int(y) - 1) for y in cil["year"]],  # year = financial year end
        "age": "0-16 yrs", "count": cil["children_low_income_abs"],
        "denominator": cil["population_0_16"]}))
    uc = uc[uc["ltla21_code"].str.match(_ENGLISH_LTLA)]
    frames.append(pd.DataFrame({
        "indicator_id": "dwp-uc-households-pct", "area_code": uc["ltla21_code"],
        "period": [f"{UC_MONTH} {int(y)}" for y in uc["year"]], "age": "All ages",
        "count": uc["UC_households_abs"], "denominator": uc["households_number"]}))
    df = pd.concat(frames, ignore_index=True)
    df = df[df["count"].notna() & df["denominator"].notna()]
    df["area_type"] = _ltla_area_type(df["area_code"])
    df["sex"] = "Persons"
    df = _with_england(df, "pct", lsoas)
    df["value"] = df["count"] / df["denominator"] * 100
    un = un[un["ltla21_code"].str.match(_ENGLISH_LTLA) & un["unemployment_perc"].notna()]
    unemp = pd.DataFrame({
        "indicator_id": "ons-unemployment", "area_code": un["ltla21_code"],
        "area_type": _ltla_area_type(un["ltla21_code"]),
        "period": [fy_label(int(y) - 1) for y in un["year"]], "sex": "Persons",
        "age": "16+ yrs", "value": un["unemployment_perc"]})
    df = pd.concat([df, unemp], ignore_index=True)
    return df, names, (cil_path, uc_path, un_path)


def _statxplore(raw: Path) -> tuple[pd.DataFrame, dict, tuple[Path, ...]]:
    folder = raw / FOLDER
    msoa_lookup, msoa_codes, lad_lookup, lsoas = _lookups(raw)
    unmatched: dict[str, dict] = {}
    frames = []
    inputs = []
    for stem, ind, level in (
        ("children_relative_low_income_ltla_14-22", "dwp-cilif-count", "ltla"),
        ("children_relative_low_income_msoa_14-22", "dwp-cilif-count", "msoa"),
        ("households_on_UC_ltla_15-22", "dwp-uc-households-count", "ltla"),
        ("households_on_UC_msoa_15-22", "dwp-uc-households-count", "msoa"),
    ):
        path = folder / f"{stem}.csv"
        inputs.append(path)
        df, _heading = read_statxplore(path)
        periods = [c for c in df.columns if c != "name"]
        if ind == "dwp-uc-households-count":
            march = [p for p in periods if p.startswith(UC_MONTH)]
            periods = sorted(set(march) | {periods[-1]}, key=periods.index)
        if level == "ltla":
            codes, miss = _match(df["name"], lad_lookup, "district", path)
            _check_districts(codes, lsoas, path)
        else:
            codes, miss = _match(df["name"], msoa_lookup, "MSOA", path)
            _check_msoas(codes, msoa_codes, path)
        unmatched[stem] = _report(stem, miss)
        keep = codes.notna()
        flags = df.attrs.get("flags", {})
        df = df[keep].assign(name=codes[keep])
        df.attrs["flags"] = flags
        long = _counts_long(df, periods, path)
        long.rename(columns={"name": "area_code"}, inplace=True)
        long["indicator_id"] = ind
        long["area_type"] = ("msoa" if level == "msoa"
                             else _ltla_area_type(long["area_code"]))
        long["age"] = "0-15 yrs" if ind == "dwp-cilif-count" else "All ages"
        frames.append(long)
    df = pd.concat(frames, ignore_index=True)
    df["period"] = df["period"].str.strip()
    df["sex"] = "Persons"
    # England = sum of English districts from the LTLA files
    df = _with_england(df, "count", lsoas)
    df["value"] = df["count"]
    return df, unmatched, tuple(inputs)


def parts(raw: Path) -> list[Part]:
    tidy, _names, tidy_inputs = _tidy(raw)
    counts, unmatched, sx_inputs = _statxplore(raw)
    tidy["source"] = "dwp_tidy_ltla"
    counts["source"] = "dwp_statxplore"
    un = tidy["indicator_id"].eq("ons-unemployment")
    tidy.loc[un, "source"] = "ons_unemployment_ltla"
    tidy_src = Source(
        publisher=DWP, dataset="Children in low income families: local area statistics "
        "(relative low income, count) and households on Universal Credit (March), with ONS "
        "population aged 0-16 and APS household estimates as denominators",
        vintage="FYE2015-FYE2020 (CiLIF); March 2016-March 2020 (UC); LTLA 2021",
        licence=OGL, attribution=DWP_ATTRIBUTION, url=CILIF_URL, inputs=tidy_inputs[:2],
        notes="MatteoLarrode/ChildrenLowIncomeHouseholdsUK @ 2350500c (data/*.rda converted "
        "to CSV). The CiLIF % divides by the 0-16 population (DWP's official % uses 0-15); "
        "the UC % divides March UC households by APS household estimates. England = sum of "
        "English districts, computed.")
    un_src = Source(
        publisher="Office for National Statistics",
        dataset="Model-based estimates of unemployment (local authorities), aged 16+",
        vintage="12 months to March, 2014/15-2019/20; LTLA 2021", licence=OGL,
        attribution=ONS_ATTRIBUTION, url=UNEMPLOYMENT_URL, inputs=tidy_inputs[2:],
        notes="Same R package; 'year' is the financial year end. No England row.")
    sx_src = Source(
        publisher=DWP, dataset="Stat-Xplore: children in relative low income families "
        "(count, aged 0-15) and households on Universal Credit (count), by local authority "
        "and MSOA", vintage="FYE2015-FYE2022 (2021/22 provisional); UC March 2016-March 2022 "
        "and November 2023 (provisional); MSOA 2011",
        licence=OGL, attribution=DWP_ATTRIBUTION, url=STATXPLORE_URL,
        inputs=(*sx_inputs, lookup_path(raw)),
        notes="Raw Stat-Xplore exports (names only), MatteoLarrode/ChildrenLowIncomeHouseholdsUK "
        "@ 2350500c (inst/extdata). District names matched to 2019/2023/2024 district codes "
        "and MSOA names to MSOA 2011 codes through the ONS lookup behind geo_lsoa11; the LTLA "
        "UC file uses April 2023 districts (Cumberland, Westmorland and Furness) for every "
        "month. '..' = nil or negligible, kept as a missing count with a note. England = sum "
        "of English districts, computed.",
        extra={"unmatched_names": unmatched})
    return [
        Part("dwp_tidy_ltla", finalise(tidy[~un], FOLDER), tidy_src),
        Part("ons_unemployment_ltla", finalise(tidy[un], FOLDER), un_src),
        Part("dwp_statxplore", finalise(counts, FOLDER), sx_src),
    ]

