"""QOF 2021/22 recorded prevalence attributed from GP practices to LSOAs (2011).

Why: QOF is published per GP practice, but places in the app are sets of LSOAs (towns, wards,
sub-regions). Following the usual CORE20 attribution, each practice's prevalence is spread
over the LSOAs its patients live in, using NHS Digital's "Patients registered at a GP
practice" (July 2022, practice x LSOA):

    LSOA register estimate  = sum over practices of (practice prevalence x patients of that
                              practice living in the LSOA)
    LSOA denominator        = registered patients (all ages) living in the LSOA, at practices
                              with a valid prevalence for the register

Both are stored per LSOA (area_type "lsoa"; the value column is left empty there, being
count / denominator x 100) so any place sums numerators and denominators and gets a Wilson
CI; England is the sum over every English LSOA, computed the same way.

Caveats (repeated in data/indicators.yaml):
* attribution is by registration, not residence-based recording; patients of practices
  without a QOF 2021/22 record are left out of numerator and denominator alike;
* QOF prevalence uses register-specific list sizes (e.g. 17+ for diabetes, 18+ for
  depression and obesity, 16+ for epilepsy); the practice's own ratio is applied to its
  all-age patients because the age-specific lists are not available by LSOA. The value is
  therefore a patient-weighted mean of practice prevalences on QOF's own bases, the
  "count" is an estimate (not a register size), and the Wilson CI (all-age n) is slightly
  narrower than one on the register's own base;
* a practice whose prevalence is missing or above 100% for a register is excluded from that
  register only (reported in the build output).

This module contributes rows to ``indicator_values`` (assembled by :mod:`loaders.fingertips`)
and builds no table of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from loaders.fingertips import ENGLAND, Part, finalise
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_columns, require_file
from loaders.table import Table

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


def _inputs(raw: Path) -> tuple[Path, Path]:
    folder = raw / "gp_practice_qof_2122_nhsx"
    return (folder / "qof_2122_practice_prevalence.csv",
            folder / "gp_reg_patients_by_practice_lsoa11_jul2022.parquet")


def attribute(prev: pd.DataFrame, patients: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """LSOA (2011, England) numerator and denominator per register; returns (frame, report).

    ``prev``: OrganisationCode + '<REG>-prevalance' fractions; ``patients``:
    OrganisationCode, LSOA11CD, Patient. Pure function so tests can check the arithmetic.
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

    lsoa, report = attribute(prev[prev_cols], patients)
    # Estimated counts are kept to 0.1 of a patient (ample for an estimate, and it lets
    # Parquet dictionary-encode them); England is summed from the stored LSOA values so
    # the invariant "a place's numerator is the sum over its LSOAs" holds exactly.
    lsoa["count"] = lsoa["count"].round(1)
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
        inputs=(prev_path, pat_path),
        notes="Register estimate per LSOA = sum over practices of practice prevalence x "
        "patients of the practice living in the LSOA; denominator = those patients (all "
        "ages). England = sum over English LSOAs. Prevalence fractions from "
        "nhsx/p24-pvt-diabetes-inequal @ 90bb52b7 (data/qof.parquet, converted to CSV); "
        f"patient counts: {PATIENTS_URL}. Attribution by registration; register-specific "
        "QOF denominators (17+/18+ lists) applied to all-age patients.",
        extra={"attribution_report": {**{k: v for k, v in report.items()
                                          if k != "excluded_practice_registers"},
                                      "excluded_practice_registers":
                                          report["excluded_practice_registers"]}},
    )
    return [Part("qof_2122_lsoa_attributed", finalise(df, prev_path), source)]


def build(raw: Path) -> list[Table]:
    """No table of its own: the rows join ``indicator_values`` (built by loaders.fingertips).

    Checks the inputs so ``--only qof`` still validates them, and says where the rows went.
    """
    prev_path, pat_path = _inputs(raw)
    require_file(prev_path)
    require_file(pat_path)
    print("    qof: rows are part of indicator_values; rebuild with --only fingertips",
          file=sys.stderr)
    return []

