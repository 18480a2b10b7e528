"""NHS Payments to General Practice 2014/15-2022/23, practice need measures, practice x LSOA lists.

Why: the inverse-care-law view (explorer.provision) sets resource (payments per registered
and per Carr-Hill weighted patient) against need (practice IMD, QOF prevalence, practice life
expectancy) practice by practice, and attributes practices to places through the LSOAs their
registered patients live in. Three compact tables:

* ``gp_payments``: one row per practice and financial year, only the columns the view needs
  (list sizes, the total, and the non-care lines it subtracts). Column names differ between
  the nine annual files, so every year has an explicit column map (:data:`COLUMNS`).
* ``gp_practices``: one row per practice ever in a payments file: latest name, PCN, ICB,
  Fingertips 93553 practice IMD score (2015 and 2019 editions), Fingertips 650 practice life
  expectancy (2016-20), QOF 2021/22 prevalence of the main registers, latest CQC rating.
* ``gp_practice_lsoa11``: NHS Digital "Patients registered at a GP practice" (July 2022),
  practice x LSOA 2011 patient counts (English LSOAs), for attributing practices to places.

Not loaded: ``pcn_workforce_fte_by_staff_group.csv``. HEEC built it by *averaging* the FTE of
individual staff records per PCN, year and staff group (their README: ``summarise(FTE =
mean(FTE))``), so its ``FTE`` is a mean FTE per person (median 0.77, max 3.7), not the PCN's
total FTE; an "additional-roles FTE per 10,000 patients" cannot be derived from it. The check
:func:`pcn_workforce_is_per_person` keeps that reason testable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_file, require_unique
from loaders.table import Table

FOLDER = "nhs_payments_gp"
PAYMENTS_URL = ("https://digital.nhs.uk/data-and-information/publications/statistical/"
                "nhs-payments-to-general-practice")
HEEC = "HealthEquityEvidenceCentre/HEEC @ 8a7205b2025b12f89fe366b6793400babca4d692"
YEARS: tuple[str, ...] = ("2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20",
                          "2020/21", "2021/22", "2022/23")

#: Lines subtracted for "payments for patient care" (HEEC's Prescribing and IT & Premises
#: groups, plus Seniority, a length-of-service payment to individual GPs ended in 2020).
DISPENSING = ("Prescribing Fee Payments", "Dispensing Fee Payments", "Reimbursement of Drugs")
PREMISES = ("Premises Payments",)
OTHER_NON_CARE = ("Information Management and Technology", "Seniority")

_REG = "Number of Registered Patients (Last Known Figure)"
_WEI = "Number of Weighted Patients (Last Known Figure)"
_TOT = "Total NHS Payments to General Practice"
_COMMON = {
    "practice_code": "Practice Code", "practice_name": "Practice Name",
    "region_name": "NHS England (Region) Name", "ccg_code": "CCG Code",
    "dispensing_practice": "Dispensing Practice", "registered": _REG, "weighted": _WEI,
    "total": _TOT, "prescribing_fee": "Prescribing Fee Payments",
    "dispensing_fee": "Dispensing Fee Payments", "drugs": "Reimbursement of Drugs",
    "premises": "Premises Payments", "imt": "Information Management and Technology",
    "seniority": "Seniority",
}
_PCN = {"pcn_code": "PCN Code", "pcn_name": "PCN Name"}
_COVID_2021 = ("Total NHS Payments including covid vaccination and covid support and "
               "expansion payments")
_COVID_2122 = ("Total NHS Payments to General Practice including covid vaccination, covid "
               "support and long covid payments")
_WITH_PCN = "Total NHS Payments including PCN Workforce, Leadership and Support"

#: Year -> (file suffix, {our column: the file's column}). ``covid_total``/``pcn_total`` are
#: the file's totals *including* those payments (separate columns from 2020/21); 2022/23
#: labels the PCN code and name columns ``Code`` and ``CCG NAME`` (the CCG name is in
#: ``Sub ICB NAME``).
COLUMNS: dict[str, tuple[str, dict[str, str]]] = {
    "2014/15": ("14-15", dict(_COMMON)),
    "2015/16": ("15-16", dict(_COMMON)),
    "2016/17": ("16-17", dict(_COMMON)),
    "2017/18": ("17-18", dict(_COMMON)),
    "2018/19": ("18-19", dict(_COMMON)),
    "2019/20": ("19-20", {**_COMMON, **_PCN}),
    "2020/21": ("20-21", {**_COMMON, **_PCN, "covid_total": _COVID_2021,
                          "pcn_total": _WITH_PCN}),
    "2021/22": ("21-22", {**_COMMON, **_PCN, "covid_total": _COVID_2122,
                          "pcn_total": _WITH_PCN}),
    "2022/23": ("22-23", {**_COMMON, "pcn_code": "Code", "pcn_name": "CCG NAME",
                          "covid_total": _COVID_2122, "pcn_total": _WITH_PCN}),
}

#: Published check figures: practices, registered patients, total payments (£) per year.
#: 2014/15-2019/20: SOURCES.md and HEEC's data/payments/README.md table (the
#: "Total NHS Payments to General Practice" column). 2020/21-2022/23: HEEC's table adds the
#: COVID and PCN payments (separate columns those years); ``total`` here excludes them and
#: ``total + covid + pcn`` reproduces HEEC's figure.
PUBLISHED: dict[str, tuple[int, int, float]] = {
    "2014/15": (7_959, 56_633_982, 7_990_324_226),
    "2015/16": (7_841, 57_371_518, 8_182_561_838),
    "2016/17": (7_763, 58_688_866, 8_883_780_328),
    "2017/18": (7_543, 59_527_981, 9_050_596_202),
    "2018/19": (7_279, 59_824_330, 9_261_391_490),
    "2019/20": (7_001, 60_316_398, 9_377_079_859),
    "2020/21": (6_808, 60_671_585, 10_309_607_071),
    "2021/22": (6_758, 61_570_004, 11_510_115_126),
    "2022/23": (6_669, 62_134_645, 11_011_986_630),
}
#: 2022/23 total without COVID and PCN payments, from SOURCES.md.
PUBLISHED_TOTAL_EXCL_2223 = 10_230_094_804

#: QOF 2021/22 registers shown as need measures (fractions in the raw file, % here).
QOF_REGISTERS: tuple[str, ...] = ("HYP", "DM", "COPD", "AST", "CHD", "DEP", "MH", "OB")
_MONEY = ("total", "dispensing", "premises", "other_non_care", "covid", "pcn")


def payments_path(raw: Path, year: str) -> Path:
    return raw / FOLDER / f"payments_to_general_practice_{COLUMNS[year][0]}.csv"


def read_year(raw: Path, year: str) -> pd.DataFrame:
    """One year's file -> the tidy columns, with explicit names and schema checks."""
    path = payments_path(raw, year)
    cols = COLUMNS[year][1]
    # utf-8-sig: some files start with a byte-order mark
    df = read_csv(path, list(cols.values()), encoding="utf-8-sig", low_memory=False)
    out = pd.DataFrame({ours: df[theirs] for ours, theirs in cols.items()})
    require_unique(out["practice_code"], path)
    money = [c for c in cols if c not in ("practice_code", "practice_name", "region_name",
                                          "ccg_code", "dispensing_practice", "pcn_code",
                                          "pcn_name")]
    for c in money:
        v = pd.to_numeric(out[c], errors="coerce")
        if v.isna().any():
            raise RawDataError(f"{path}: column '{cols[c]}' has {int(v.isna().sum())} "
                               "non-numeric value(s)")
        out[c] = v.astype("float64")
    if (out["registered"] < 0).any() or (out["weighted"] < 0).any():
        raise RawDataError(f"{path}: negative list sizes")
    out["dispensing"] = out["prescribing_fee"] + out["dispensing_fee"] + out["drugs"]
    out["other_non_care"] = out["imt"] + out["seniority"]
    if "covid_total" in out:
        out["covid"] = out["covid_total"] - out["total"]
        out["pcn"] = out["pcn_total"] - out["total"]
    else:
        out["covid"] = float("nan")
        out["pcn"] = float("nan")
    if "pcn_code" not in out:
        out["pcn_code"] = None
        out["pcn_name"] = None
    out["year"] = year
    out["dispensing_practice"] = out["dispensing_practice"].astype("string").str.strip() \
        .str.lower().map({"yes": True, "no": False}).astype("boolean")
    for c in ("practice_code", "practice_name", "region_name", "ccg_code", "pcn_code",
              "pcn_name"):
        out[c] = out[c].astype("string").str.strip()
    return out


def check_year(df: pd.DataFrame, year: str, path: Path | str) -> None:
    """Row count, registered patients and total payments against the published figures."""
    n, reg, tot = PUBLISHED[year]
    if len(df) != n:
        raise RawDataError(f"{path}: expected {n:,} practices, found {len(df):,}")
    if round(df["registered"].sum()) != reg:
        raise RawDataError(f"{path}: registered patients {df['registered'].sum():,.0f} "
                           f"!= published {reg:,}")
    total = df["total"].sum()
    if year >= "2020/21":
        total += df["covid"].sum() + df["pcn"].sum()
    if round(total) != tot:
        raise RawDataError(f"{path}: total payments {total:,.0f} != published {tot:,}")


def payments(raw: Path) -> pd.DataFrame:
    frames = []
    for year in YEARS:
        df = read_year(raw, year)
        check_year(df, year, payments_path(raw, year))
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def pcn_workforce_is_per_person(raw: Path) -> bool:
    """True when the PCN workforce file's FTE is a mean per person (see module docstring)."""
    path = raw / FOLDER / "pcn_workforce_fte_by_staff_group.csv"
    df = read_csv(path, ["PCN_CODE", "Year", "STAFF_GROUP", "FTE"])
    # a real PCN employs tens of FTE by 2023; here even the sum over staff groups is tiny
    per_pcn_year = df.groupby(["PCN_CODE", "Year"])["FTE"].sum()
    return bool(df["FTE"].quantile(0.9) <= 1.0 and per_pcn_year.max() < 10)


def _practice_imd(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / "gp_practice_heec" / "practice_imd_score_fingertips93553.csv"
    df = read_csv(path, ["IndicatorID", "Year", "AreaCode", "Value"], encoding="utf-8-sig")
    if set(df["IndicatorID"]) != {93553}:
        raise RawDataError(f"{path}: expected Fingertips indicator 93553 only")
    wide = df[df["Year"].isin([2015, 2019])].pivot_table(
        index="AreaCode", columns="Year", values="Value", aggfunc="first")
    wide = wide.rename(columns={2015: "imd2015", 2019: "imd2019"})
    return wide, path


def _practice_le(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / "gp_practice_heec" / "practice_life_expectancy_msoa_based.csv"
    df = read_csv(path, ["Practice.Code", "Year", "Life_Expectancy_Female",
                         "Life_Expectancy_Male"])
    # two practices have male and female values on separate rows: take each one's value
    df = df[df["Year"] == 2020].groupby("Practice.Code")[
        ["Life_Expectancy_Male", "Life_Expectancy_Female"]].first()
    return (df
            .rename(columns={"Life_Expectancy_Male": "le_male",
                             "Life_Expectancy_Female": "le_female"}), path)


def _practice_qof(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / "gp_practice_qof_2122_nhsx" / "qof_2122_practice_prevalence.csv"
    cols = [f"{r}-prevalance" for r in QOF_REGISTERS]
    df = read_csv(path, ["OrganisationCode", *cols])
    require_unique(df["OrganisationCode"], path)
    out = df.set_index("OrganisationCode")[cols].astype("float64") * 100
    out = out.where((out >= 0) & (out <= 100))
    out.columns = [f"qof_{r.lower()}" for r in QOF_REGISTERS]
    return out, path


def _practice_cqc(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / FOLDER / "cqc_practice_ratings.csv"
    df = read_csv(path, ["Practice.Code", "Year", "domain", "service_population_group",
                         "latest_rating"])
    df = df[(df["domain"] == "Overall") & (df["service_population_group"] == "Overall")]
    df = df.sort_values(["Practice.Code", "Year"]).drop_duplicates("Practice.Code", keep="last")
    return (df.set_index("Practice.Code")[["latest_rating", "Year"]]
            .rename(columns={"latest_rating": "cqc_rating", "Year": "cqc_year"}), path)


def _mapping(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / "gp_practice_reference" / "qof2324_practice_pcn_subicb_icb_mapping.csv"
    df = read_csv(path, ["PRACTICE_CODE", "PCN_ODS_CODE", "PCN_NAME", "ICB_NAME"])
    require_unique(df["PRACTICE_CODE"], path)
    return df.set_index("PRACTICE_CODE")[["PCN_ODS_CODE", "PCN_NAME", "ICB_NAME"]], path


def practices(raw: Path, pay: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Path, ...]]:
    """One row per practice in any payments year, with its need measures."""
    latest = pay.sort_values("year").drop_duplicates("practice_code", keep="last")
    latest_pcn = (pay.dropna(subset=["pcn_code"]).sort_values("year")
                  .drop_duplicates("practice_code", keep="last")
                  .set_index("practice_code")[["pcn_code", "pcn_name"]])
    out = latest.set_index("practice_code")[["practice_name", "year"]] \
        .rename(columns={"practice_name": "name", "year": "last_year"})
    out = out.join(latest_pcn)
    mapping, mpath = _mapping(raw)
    # the QOF 2023/24 mapping is newer than any payments year: prefer it for PCN and ICB
    out["pcn_code"] = mapping["PCN_ODS_CODE"].reindex(out.index).fillna(out["pcn_code"])
    out["pcn_name"] = mapping["PCN_NAME"].reindex(out.index).fillna(out["pcn_name"])
    out["icb_name"] = mapping["ICB_NAME"].reindex(out.index)
    imd, ipath = _practice_imd(raw)
    le, lpath = _practice_le(raw)
    qof, qpath = _practice_qof(raw)
    cqc, cpath = _practice_cqc(raw)
    out = out.join(imd).join(le).join(qof).join(cqc)
    out.index.name = "practice_code"
    out = out.reset_index()
    for c in ("practice_code", "name", "last_year", "pcn_code", "pcn_name", "icb_name",
              "cqc_rating"):
        out[c] = out[c].astype("string")
    out["cqc_year"] = out["cqc_year"].astype("Int16")
    for c in ("imd2015", "imd2019", "le_male", "le_female"):
        out[c] = out[c].astype("float64").round(3)
    for c in qof.columns:
        out[c] = out[c].round(3)
    return out.sort_values("practice_code", ignore_index=True), (mpath, ipath, lpath, qpath,
                                                                 cpath)


def practice_lsoa(raw: Path) -> tuple[pd.DataFrame, Path]:
    path = raw / "gp_practice_qof_2122_nhsx" / "gp_reg_patients_by_practice_lsoa11_jul2022.parquet"
    require_file(path)
    try:
        df = pd.read_parquet(path, columns=["OrganisationCode", "LSOA11CD", "Patient"])
    except Exception as exc:
        raise RawDataError(f"{path}: could not be read ({exc})") from exc
    if (df["Patient"] < 0).any():
        raise RawDataError(f"{path}: negative patient counts")
    # every practice's list total (all LSOAs, incl. Welsh and unknown) is kept as a row with
    # lsoa11cd "ALL" so shares are of the whole list; English LSOA rows follow
    total = df.groupby("OrganisationCode", as_index=False)["Patient"].sum()
    total["LSOA11CD"] = "ALL"
    eng = df[df["LSOA11CD"].astype(str).str.startswith("E01")]
    out = pd.concat([total, eng], ignore_index=True).rename(columns={
        "OrganisationCode": "practice_code", "LSOA11CD": "lsoa11cd", "Patient": "patients"})
    out["practice_code"] = out["practice_code"].astype("category")
    out["lsoa11cd"] = out["lsoa11cd"].astype("category")
    out["patients"] = out["patients"].astype("int32")
    return out.sort_values(["practice_code", "lsoa11cd"], ignore_index=True), path


def build(raw: Path) -> list[Table]:
    pay = payments(raw)
    prac, prac_inputs = practices(raw, pay)
    keep = ["year", "practice_code", "registered", "weighted", *_MONEY, "dispensing_practice"]
    tidy = pay[keep].copy()
    for c in _MONEY:
        tidy[c] = tidy[c].round(2)
    tidy["year"] = tidy["year"].astype("category")
    tidy = tidy.sort_values(["year", "practice_code"], ignore_index=True)
    lsoa, lpath = practice_lsoa(raw)
    n_in_lsoa = lsoa["practice_code"].nunique()
    print(f"    nhs_payments: {len(tidy):,} practice-years; {len(prac):,} practices; "
          f"{n_in_lsoa:,} practices in the July 2022 practice x LSOA file", file=sys.stderr)
    attribution = ("Contains public sector information from NHS Digital (NHS England) "
                   "licensed under the Open Government Licence v3.0.")
    pay_source = Source(
        publisher="NHS Digital (now NHS England)",
        dataset="NHS Payments to General Practice, England (practice level)",
        vintage="financial years 2014/15 to 2022/23",
        licence=OGL, attribution=attribution, url=PAYMENTS_URL,
        inputs=tuple(payments_path(raw, y) for y in YEARS),
        notes=f"Annual CSVs via {HEEC} (data/payments/raw). total = 'Total NHS Payments to "
        "General Practice' (from 2020/21 COVID and PCN payments are separate columns; covid "
        "and pcn here are the file's 'including' totals minus total). dispensing = "
        f"{' + '.join(DISPENSING)}; premises = {PREMISES[0]}; other_non_care = "
        f"{' + '.join(OTHER_NON_CARE)}. Registered and weighted = 'Number of Registered/"
        "Weighted Patients (Last Known Figure)'; weighted is the Carr-Hill Global Sum "
        "workload weighting.",
        extra={"published_checks": {y: list(v) for y, v in PUBLISHED.items()},
               "column_maps": {y: m for y, (_, m) in COLUMNS.items()}},
    )
    prac_source = Source(
        publisher="OHID Fingertips; NHS Digital (now NHS England); Care Quality Commission",
        dataset="GP practice need measures: practice IMD score (Fingertips 93553, IMD 2015 "
        "and 2019), life expectancy MSOA-based (Fingertips 650, 2016-20), QOF 2021/22 "
        "recorded prevalence, QOF 2023/24 practice-PCN-ICB mapping, latest CQC overall rating",
        vintage="IMD 2015/2019; LE 2016-20; QOF 2021/22; mapping 2023/24; CQC to 2024",
        licence=OGL,
        attribution="Contains public sector information licensed under the Open Government "
        "Licence v3.0 (OHID, NHS England, CQC).",
        url="https://fingertips.phe.org.uk/profile/general-practice",
        inputs=prac_inputs,
        notes=f"Practice IMD, LE and CQC via {HEEC}; QOF 2021/22 via nhsx/p24-pvt-diabetes-"
        "inequal @ 90bb52b7; mapping via wylie102/QOF-visualisation. name/last_year = the "
        "latest payments year the practice appears in. QOF prevalence in %, register / the "
        "register's QOF list size; values outside 0-100% are left empty.",
    )
    lsoa_source = Source(
        publisher="NHS Digital (now NHS England)",
        dataset="Patients registered at a GP practice, July 2022: practice x LSOA 2011",
        vintage="July 2022; LSOA 2011", licence=OGL, attribution=attribution,
        url="https://digital.nhs.uk/data-and-information/publications/statistical/"
        "patients-registered-at-a-gp-practice/july-2022",
        inputs=(lpath,),
        notes="Via nhsx/p24-pvt-diabetes-inequal @ 90bb52b7. English LSOA rows only, plus one "
        "row per practice with lsoa11cd 'ALL' = its whole list (incl. Welsh and unknown "
        "LSOAs), so a practice's share living in a place is of its whole list.",
    )
    return [
        Table("gp_payments", tidy, pay_source,
              "NHS payments to general practice by practice and year, 2014/15-2022/23 (£)"),
        Table("gp_practices", prac, prac_source,
              "GP practices: name, PCN, ICB, practice IMD, life expectancy, QOF prevalence, CQC"),
        Table("gp_practice_lsoa11", lsoa, lsoa_source,
              "Registered patients by practice and LSOA 2011 (July 2022)"),
    ]
