"""QOF 2021/22 recorded prevalence attributed from GP practices to LSOAs (2011).

Why: QOF is published per GP practice, but places in the app are sets of LSOAs (towns, wards,
sub-regions). Following the usual CORE20 attribution, each practice's prevalence is spread
over the LSOAs its patients live in, using NHS Digital's "Patients registered at a GP
practice" (July 2022, practice x LSOA):

    LSOA register estimate  = sum over practices of (practice prevalence x patients of that
                              practice living in the LSOA) x age share
    LSOA denominator        = registered patients living in the LSOA, at practices with a
                              valid prevalence for the register, x age share

where "age share" is the share of the LSOA's Census 2021 usual residents in the register's
own age group (1 for all-age registers). QOF's prevalences are on register-specific list
sizes (17+ for diabetes, 18+ for depression, obesity, CKD and epilepsy, 15+ for smoking, 6+
for asthma), but the raw QOF file carries only the prevalence fractions (no list sizes by
age) and "Patients registered at a GP practice" by LSOA has no ages; so each LSOA's
registered patients are apportioned to the age group by its residents' ages:

* Census 2021 TS007A five-year bands (LSOA 2021), moved to LSOA 2011 through the ONS
  LSOA 2011 -> 2021 lookup (an LSOA 2021 with several 2011 parents lends each an equal share
  of its residents);
* ages inside a five-year band are taken as evenly spread (17+ = 3/5 of 15-19 plus 20+,
  18+ = 2/5 of 15-19 plus 20+, 6+ = 4/5 of 5-9 plus 10+).

Checked against published figures: England's apportioned 17+ list is within 1% of QOF's
published 17+ list (49.96 million), and Blackpool's residents' 17+ share (81.5%) is within
half a point of the published 17+ list of Blackpool's practices over their patients (81.9%).

Both are stored per LSOA (area_type "lsoa"; the value column is left empty there, being
count / denominator x 100) so any place sums numerators and denominators and gets a Wilson
CI; England is the sum over every English LSOA, computed the same way.

Caveats (repeated in data/indicators.yaml):
* attribution is by registration, not residence-based recording; patients of practices
  without a QOF 2021/22 record are left out of numerator and denominator alike;
* for age-restricted registers, count and denominator are estimates of the patients in the
  register's age group (the residents' age mix standing in for the patients'), not
  published register and list sizes;
* a practice whose prevalence is missing or above 100% for a register is excluded from that
  register only (reported in the build output).

This module contributes rows to ``indicator_values`` (assembled by :mod:`loaders.fingertips`,
so it is not a build module of its own: rebuild with ``--only fingertips``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from loaders.fingertips import ENGLAND, Part, finalise
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_columns, require_file

QOF_URL = ("https://digital.nhs.uk/data-and-information/publications/statistical/"
           "quality-and-outcomes-framework-achievement-prevalence-and-exceptions-data/2021-22")
PATIENTS_URL = ("https://digital.nhs.uk/data-and-information/publications/statistical/"
                "patients-registered-at-a-gp-practice/july-2022")
PERIOD = "2021/22"

#: QOF register -> (indicator id, age basis of QOF's own list-size denominator)
REGISTERS: dict[str, tuple[str, str]] = {
    "HYP": ("qof-hyp", "All ages"),
    "COPD": ("qof-copd", "All ages"),
    "AST": ("qof-ast", "6+ yrs"),
    "MH": ("qof-mh", "All ages"),
    "DEP": ("qof-dep", "18+ yrs"),
    "DM": ("qof-dm", "17+ yrs"),
    "OB": ("qof-ob", "18+ yrs"),
    "SMOK": ("qof-smok", "15+ yrs"),
    "CHD": ("qof-chd", "All ages"),
    "CKD": ("qof-ckd", "18+ yrs"),
    "CAN": ("qof-can", "All ages"),
    "DEM": ("qof-dem", "All ages"),
    "AF": ("qof-af", "All ages"),
    "HF": ("qof-hf", "All ages"),
    "STIA": ("qof-stia", "All ages"),
    "LD": ("qof-ld", "All ages"),
    "EP": ("qof-ep", "18+ yrs"),
}
N_PRACTICES = 6_470
#: Census five-year bands from 20-24 upward, for AGE_BANDS.
_FROM_20: tuple[str, ...] = (
    "pop_20_24", "pop_25_29", "pop_30_34", "pop_35_39", "pop_40_44", "pop_45_49",
    "pop_50_54", "pop_55_59", "pop_60_64", "pop_65_69", "pop_70_74", "pop_75_79",
    "pop_80_84", "pop_85_plus")


def _inputs(raw: Path) -> tuple[Path, Path]:
    folder = raw / "gp_practice_qof_2122_nhsx"
    return (folder / "qof_2122_practice_prevalence.csv",
            folder / "gp_reg_patients_by_practice_lsoa11_jul2022.parquet")


#: Age group -> weights of the Census five-year bands inside it (bands evenly spread).
AGE_BANDS: dict[str, dict[str, float]] = {
    "6+ yrs": {"pop_5_9": 0.8, "pop_10_14": 1.0, "pop_15_19": 1.0, **dict.fromkeys(_FROM_20, 1.0)},
    "15+ yrs": {"pop_15_19": 1.0, **dict.fromkeys(_FROM_20, 1.0)},
    "17+ yrs": {"pop_15_19": 0.6, **dict.fromkeys(_FROM_20, 1.0)},
    "18+ yrs": {"pop_15_19": 0.4, **dict.fromkeys(_FROM_20, 1.0)},
}


def age_shares(census: pd.DataFrame, lookup: pd.DataFrame) -> pd.DataFrame:
    """Share of each LSOA 2011's Census 2021 residents in each QOF age group.

    ``census``: lsoa21cd, pop_total and the five-year ``pop_*`` bands (census2021_age_lsoa21);
    ``lookup``: lsoa11cd, lsoa21cd (lsoa11_lsoa21). An LSOA 2021 with k 2011 parents gives
    each 1/k of its residents. Index: lsoa11cd; one column per age group of AGE_BANDS.
    """
    c = census.set_index("lsoa21cd")
    groups = pd.DataFrame({"total": c["pop_total"].astype("float64")})
    for age, weights in AGE_BANDS.items():
        groups[age] = sum(c[b].astype("float64") * w for b, w in weights.items())
    lk = lookup[["lsoa11cd", "lsoa21cd"]]
    k = lk.groupby("lsoa21cd")["lsoa11cd"].transform("size").astype("float64")
    rows = groups.reindex(lk["lsoa21cd"].to_numpy()).div(k.to_numpy(), axis=0)
    summed = rows.groupby(lk["lsoa11cd"].to_numpy()).sum()
    out = summed[list(AGE_BANDS)].div(summed["total"].where(summed["total"] > 0), axis=0)
    out.index.name = "lsoa11cd"
    return out


def attribute(prev: pd.DataFrame, patients: pd.DataFrame,
              shares: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """LSOA (2011, England) numerator and denominator per register; returns (frame, report).

    ``prev``: OrganisationCode + '<REG>-prevalance' fractions; ``patients``:
    OrganisationCode, LSOA11CD, Patient; ``shares``: :func:`age_shares` (None: every LSOA's
    patients count in full, as if all registers were all-age). An LSOA without a Census
    share takes England's. Pure function so tests can check the arithmetic.
    """
    pat = patients[patients["LSOA11CD"].astype(str).str.startswith("E01")]
    known = pat["OrganisationCode"].isin(prev["OrganisationCode"])
    report = {
        "patients_total_england_lsoas": int(pat["Patient"].sum()),
        "patients_at_practices_without_qof": int(pat.loc[~known, "Patient"].sum()),
        "practices_without_qof": int(pat.loc[~known, "OrganisationCode"].nunique()),
        "excluded_practice_registers": {},
    }
    pat = pat[known]
    merged = pat.merge(prev, on="OrganisationCode", how="left", validate="many_to_one")
    frames = []
    for reg, (ind, age) in REGISTERS.items():
        p = merged[f"{reg}-prevalance"].astype("float64")
        ok = p.notna() & (p >= 0) & (p <= 1)
        bad = merged.loc[~ok, "OrganisationCode"].unique()
        if len(bad):
            report["excluded_practice_registers"][reg] = sorted(map(str, bad))
        num = (p.where(ok, 0.0) * merged["Patient"]).groupby(merged["LSOA11CD"]).sum()
        den = merged["Patient"].where(ok, 0).groupby(merged["LSOA11CD"]).sum()
        if shares is not None and age in shares.columns:
            share = shares[age].reindex(num.index)
            report["lsoas_without_age_share"] = int(share.isna().sum())
            share = share.fillna(float(shares[age].mean()))
            num, den = num * share, den * share
        frames.append(pd.DataFrame({"indicator_id": ind, "area_code": num.index.astype(str),
                                    "age": age, "count": num.to_numpy(),
                                    "denominator": den.to_numpy(dtype="float64")}))
    df = pd.concat(frames, ignore_index=True)
    df = df[df["denominator"] > 0]
    return df, report


def parts(raw: Path) -> list[Part]:
    prev_path, pat_path = _inputs(raw)
    prev_cols = ["OrganisationCode", *[f"{r}-prevalance" for r in REGISTERS]]
    prev = read_csv(prev_path, prev_cols)
    if len(prev) != N_PRACTICES:
        raise RawDataError(f"{prev_path}: expected {N_PRACTICES:,} practices, found {len(prev):,}")
    if prev["OrganisationCode"].duplicated().any():
        raise RawDataError(f"{prev_path}: column 'OrganisationCode' has duplicated values")
    require_file(pat_path)
    try:
        patients = pd.read_parquet(pat_path, columns=["OrganisationCode", "LSOA11CD",
                                                      "Patient"])
    except Exception as exc:
        raise RawDataError(f"{pat_path}: could not be read ({exc})") from exc
    require_columns(patients, ["OrganisationCode", "LSOA11CD", "Patient"], pat_path)
    if (patients["Patient"] < 0).any():
        raise RawDataError(f"{pat_path}: negative patient counts")

    from loaders import census, geography  # the Census ages and the 2011 -> 2021 lookup

    census_table = census.build(raw)[0]
    lookup = geography.build_lsoa11_lsoa21(raw)
    shares = age_shares(census_table.frame, lookup.frame)
    lsoa, report = attribute(prev[prev_cols], patients, shares)
    # Estimated counts are kept to 0.1 of a patient and age-group denominators to whole
    # patients (ample for estimates, and it lets Parquet dictionary-encode them); England is
    # summed from the stored LSOA values so "a place's numerator is the sum over its LSOAs"
    # holds exactly.
    lsoa["count"] = lsoa["count"].round(1)
    lsoa["denominator"] = lsoa["denominator"].round(0)
    eng = lsoa.groupby(["indicator_id", "age"], as_index=False)[["count", "denominator"]].sum()
    eng["area_code"] = ENGLAND
    eng["area_type"] = "england"
    eng["value"] = eng["count"] / eng["denominator"] * 100
    lsoa["area_type"] = "lsoa"
    # LSOA values are not stored (they are count / denominator; explorer.indicators.values()
    # fills them): 560k random floats would double the size of the snapshot table
    lsoa["value"] = float("nan")
    df = pd.concat([lsoa, eng], ignore_index=True)
    df["period"] = PERIOD
    df["sex"] = "Persons"
    df["source"] = "qof_2122_lsoa_attributed"
    n_lsoa = lsoa["area_code"].nunique()
    excluded = {k: len(v) for k, v in report["excluded_practice_registers"].items()}
    print(f"    qof: {n_lsoa:,} LSOAs; {report['patients_at_practices_without_qof']:,} of "
          f"{report['patients_total_england_lsoas']:,} patients at "
          f"{report['practices_without_qof']} practices without QOF 2021/22 data left out; "
          f"practice prevalence missing/above 100% excluded per register: {excluded or 'none'}",
          file=sys.stderr)
    source = Source(
        publisher="NHS Digital (now NHS England)",
        dataset="Quality and Outcomes Framework 2021-22: practice-level recorded prevalence "
        "(all registers), attributed to LSOA 2011 through 'Patients registered at a GP "
        "practice' (July 2022, practice x LSOA)",
        vintage="QOF 2021/22 (published September 2022); registrations July 2022; LSOA 2011",
        licence=OGL,
        attribution="Contains public sector information from NHS Digital (NHS England) "
        "licensed under the Open Government Licence v3.0.",
        url=QOF_URL,
        inputs=(prev_path, pat_path, *census_table.source.inputs, *lookup.source.inputs),
        notes="Register estimate per LSOA = sum over practices of practice prevalence x "
        "patients of the practice living in the LSOA (x the LSOA's age share for "
        "age-restricted registers); denominator = those patients (x the age share). "
        "England = sum over English LSOAs. Prevalence fractions from "
        "nhsx/p24-pvt-diabetes-inequal @ 90bb52b7 (data/qof.parquet, converted to CSV); "
        f"patient counts: {PATIENTS_URL}. Attribution by registration. Age-restricted "
        "registers (6+, 15+, 17+, 18+): count and denominator are the LSOA's patients "
        "apportioned to the age group by its Census 2021 residents' ages (TS007A five-year "
        "bands, evenly spread within a band; LSOA 2021 -> 2011 by the ONS lookup).",
        extra={"attribution_report": {**{k: v for k, v in report.items()
                                          if k != "excluded_practice_registers"},
                                      "excluded_practice_registers":
                                          report["excluded_practice_registers"]}},
    )
    return [Part("qof_2122_lsoa_attributed", finalise(df, prev_path), source)]

