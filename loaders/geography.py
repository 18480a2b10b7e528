"""ONS geography lookups: LSOA 2011 and 2021 up to ward, district, MSOA, region and ICB."""

from __future__ import annotations

from pathlib import Path

from loaders.deprivation import N_LSOA11, N_LSOA21
from loaders.manifest import OGL, Source
from loaders.schema import RawDataError, read_csv, require_codes, require_rows, require_unique
from loaders.table import Table

ONS_LOOKUP_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "MSOA names: House of Commons Library MSOA Names (Open Parliament Licence)."
)
GEOPORTAL = "https://geoportal.statistics.gov.uk/"
#: Integrated Care Boards in England (July 2022 and April 2024 alike).
N_ICB = 42

_MASTER_COLS = {
    "LSOA11CD": "lsoa11cd",
    "LSOA11NM": "lsoa11nm",
    "WD19CD": "wd19cd",
    "WD19NM": "wd19nm",
    "LAD19CD": "lad19cd",
    "LAD19NM": "lad19nm",
    "MSOA11CD": "msoa11cd",
    "MSOA11NM": "msoa11nm",
    "MSOA11HCLNM": "msoa11hclnm",
    "LAD23CD": "lad23cd",
    "LAD23NM": "lad23nm",
    "LAD24CD": "lad24cd",
    "LAD24NM": "lad24nm",
    "UTLA19CD": "utla19cd",
    "UTLA19NM": "utla19nm",
    "RGN19CD": "rgn19cd",
    "RGN19NM": "rgn19nm",
    "SICBL22CD": "sicbl22cd",
    "SICBL22NM": "sicbl22nm",
    "ICB22CD": "icb22cd",
    "ICB22NM": "icb22nm",
    "RUC11CD": "ruc11cd",
    "RUC11_urban_rural": "ruc11_urban_rural",
    "TCITY15NM": "tcity15nm",
}


def build_lsoa11(raw: Path) -> Table:
    path = raw / "derived" / "lsoa11_geography_master_en.csv"
    df = read_csv(path, _MASTER_COLS, dtype=str)
    df = df[list(_MASTER_COLS)].rename(columns=_MASTER_COLS)
    require_codes(df["lsoa11cd"], "E01", path)
    require_unique(df["lsoa11cd"], path)
    require_rows(df, N_LSOA11, path)
    for col, prefix in [("wd19cd", "E05"), ("lad19cd", "E0"), ("icb22cd", "E54"),
                        ("msoa11cd", "E02"), ("rgn19cd", "E12")]:
        require_codes(df[col], prefix, path)
    df["ruc11_rural"] = df["ruc11_urban_rural"].eq("Rural")
    df = df.sort_values("lsoa11cd").reset_index(drop=True)
    return Table(
        "geo_lsoa11",
        df,
        Source(
            publisher="Office for National Statistics; House of Commons Library (MSOA names)",
            dataset="LSOA (2011) best-fit lookups to Ward (Dec 2019), LAD 2019/2023/2024, "
            "MSOA 2011, UTLA/Region 2019, Sub-ICB/ICB (July 2022), Rural-Urban "
            "Classification 2011, Major Towns and Cities 2015",
            vintage="LSOA 2011; wards December 2019; ICB July 2022",
            licence=OGL,
            attribution=ONS_LOOKUP_ATTRIBUTION,
            url=GEOPORTAL,
            inputs=(path,),
            notes="Joined from the ONS lookups listed in SOURCES-geo.md §3–4 (derived "
            "convenience table, no values changed).",
        ),
        "LSOA 2011 geography",
    )


def build_lsoa21(raw: Path) -> Table:
    ward_path = raw / "humaniverse-geographr" / "lookup_lsoa21_ward24_ltla24.csv"
    icb_path = raw / "humaniverse-geographr" / "lookup_lsoa21_sicbl24_icb24.csv"
    l1121_path = raw / "humaniverse-geographr" / "lookup_lsoa11_lsoa21_ltla22.csv"
    ruc_path = raw / "humaniverse-geographr" / "ruc21_lsoa21.csv"
    reg_path = raw / "humaniverse-geographr" / "lookup_ltla23_region23.csv"
    ward = read_csv(ward_path, ["lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name",
                                "ltla24_code", "ltla24_name"], dtype=str)
    ward = ward[ward["lsoa21_code"].str.startswith("E")]
    icb = read_csv(icb_path, ["lsoa21_code", "sicbl24_code", "sicbl24_name", "icb24_code",
                              "icb24_name"], dtype=str)
    l22 = read_csv(l1121_path, ["lsoa21_code", "ltla22_code", "ltla22_name"], dtype=str)
    l22 = l22[l22["lsoa21_code"].str.startswith("E")].drop_duplicates("lsoa21_code")
    ruc = read_csv(ruc_path, ["lsoa21_code", "ruc21_code", "ruc"], dtype=str)
    reg = read_csv(reg_path, ["ltla23_code", "region23_code", "region23_name"], dtype=str)
    df = ward.merge(icb, on="lsoa21_code", how="left", validate="one_to_one")
    df = df.merge(l22[["lsoa21_code", "ltla22_code", "ltla22_name"]], on="lsoa21_code",
                  how="left", validate="one_to_one")
    df = df.merge(ruc[["lsoa21_code", "ruc21_code", "ruc"]], on="lsoa21_code", how="left",
                  validate="one_to_one")
    # LAD 2024 = LAD 2023 everywhere in England, so the 2023 region lookup applies.
    df = df.merge(reg.rename(columns={"ltla23_code": "ltla24_code"})[
        ["ltla24_code", "region23_code", "region23_name"]], on="ltla24_code", how="left")
    df = df.rename(columns={
        "lsoa21_code": "lsoa21cd", "lsoa21_name": "lsoa21nm", "ward24_code": "wd24cd",
        "ward24_name": "wd24nm", "ltla24_code": "lad24cd", "ltla24_name": "lad24nm",
        "sicbl24_code": "sicbl24cd", "sicbl24_name": "sicbl24nm", "icb24_code": "icb24cd",
        "icb24_name": "icb24nm", "ltla22_code": "lad22cd", "ltla22_name": "lad22nm",
        "ruc21_code": "ruc21cd", "ruc": "ruc21_urban_rural", "region23_code": "rgncd",
        "region23_name": "rgnnm",
    })
    require_unique(df["lsoa21cd"], ward_path)
    require_rows(df, N_LSOA21, ward_path)
    for col in ("icb24cd", "lad22cd", "rgncd"):
        if df[col].isna().any():
            raise RawDataError(f"{ward_path}: {df[col].isna().sum()} LSOAs have no {col}")
    df["ruc21_rural"] = df["ruc21_urban_rural"].eq("Rural")
    df = df.sort_values("lsoa21cd").reset_index(drop=True)
    return Table(
        "geo_lsoa21",
        df,
        Source(
            publisher="Office for National Statistics",
            dataset="LSOA (2021) to Electoral Ward (2024) to LAD (2024) best-fit lookup; "
            "LSOA (2021) to Sub-ICB Location to ICB (April 2024); LSOA 2011 to 2021 to LAD 2022; "
            "Rural-Urban Classification 2021; LAD to Region 2023",
            vintage="LSOA 2021; wards and LAD 2024; ICB April 2024",
            licence=OGL,
            attribution=ONS_LOOKUP_ATTRIBUTION,
            url=GEOPORTAL,
            inputs=(ward_path, icb_path, l1121_path, ruc_path, reg_path),
        ),
        "LSOA 2021 geography",
    )


def build_lsoa11_lsoa21(raw: Path) -> Table:
    path = raw / "humaniverse-geographr" / "lookup_lsoa11_lsoa21_ltla22.csv"
    df = read_csv(path, ["lsoa11_code", "lsoa21_code", "change_code"], dtype=str)
    df = df[df["lsoa11_code"].str.startswith("E")]
    df = df[["lsoa11_code", "lsoa21_code", "change_code"]].rename(
        columns={"lsoa11_code": "lsoa11cd", "lsoa21_code": "lsoa21cd"})
    if not set(df["change_code"]) <= {"U", "S", "M", "X"}:
        raise RawDataError(f"{path}: unexpected change_code values")
    df = df.sort_values(["lsoa11cd", "lsoa21cd"]).reset_index(drop=True)
    return Table(
        "lsoa11_lsoa21",
        df,
        Source(
            publisher="Office for National Statistics",
            dataset="LSOA (2011) to LSOA (2021) to LAD (2022) lookup",
            vintage="2022",
            licence=OGL,
            attribution=ONS_LOOKUP_ATTRIBUTION,
            url=GEOPORTAL,
            inputs=(path,),
            notes="change_code: U unchanged, S split, M merged, X irregular.",
        ),
        "LSOA 2011 to 2021",
    )


def build_wards_parishes(raw: Path) -> list[Table]:
    wd_path = raw / "ons-lookups" / "wd19_lad19_uk.csv"
    par_path = raw / "ons-lookups" / "par19_wd19_lad19_ew.csv"
    wd = read_csv(wd_path, ["WD19CD", "WD19NM", "LAD19CD", "LAD19NM"], dtype=str)
    wd = wd[wd["WD19CD"].str.startswith("E")][["WD19CD", "WD19NM", "LAD19CD", "LAD19NM"]]
    wd.columns = ["wd19cd", "wd19nm", "lad19cd", "lad19nm"]
    require_unique(wd["wd19cd"], wd_path)
    par = read_csv(par_path, ["PAR19CD", "PAR19NM", "WD19CD", "WD19NM", "LAD19CD"], dtype=str)
    par = par[par["PAR19CD"].str.startswith("E")][["PAR19CD", "PAR19NM", "WD19CD", "LAD19CD"]]
    par.columns = ["par19cd", "par19nm", "wd19cd", "lad19cd"]
    src = dict(publisher="Office for National Statistics", licence=OGL,
               attribution=ONS_LOOKUP_ATTRIBUTION, url=GEOPORTAL)
    return [
        Table("wards19", wd.sort_values("wd19cd").reset_index(drop=True),
              Source(dataset="Ward to Local Authority District (December 2019) Lookup in the UK",
                     vintage="December 2019", inputs=(wd_path,), **src),
              "Wards (Dec 2019) in England"),
        Table("parishes19", par.sort_values(["par19cd", "wd19cd"]).reset_index(drop=True),
              Source(dataset="Parish to Ward to LAD (December 2019) Lookup in England and Wales",
                     vintage="December 2019", inputs=(par_path,), **src),
              "Parishes (Dec 2019) to wards"),
    ]


def build_msoa_bua(raw: Path) -> Table:
    path = raw / "ons-lookups" / "msoa11_buasd11_bua11_lad11_rgn11_ew.csv"
    df = read_csv(path, ["MSOA11CD", "MSOA11NM", "BUASD11CD", "BUASD11NM", "BUA11CD",
                         "BUA11NM"], dtype=str)
    df = df[df["MSOA11CD"].str.startswith("E")][
        ["MSOA11CD", "MSOA11NM", "BUASD11CD", "BUASD11NM", "BUA11CD", "BUA11NM"]]
    df.columns = [c.lower() for c in df.columns]
    return Table(
        "msoa11_bua11",
        df.sort_values("msoa11cd").reset_index(drop=True),
        Source(publisher="Office for National Statistics",
               dataset="MSOA (2011) to Built-up Area Sub Division to Built-up Area (December "
               "2011) best-fit lookup", vintage="2011", licence=OGL,
               attribution=ONS_LOOKUP_ATTRIBUTION, url=GEOPORTAL, inputs=(path,)),
        "MSOA 2011 to built-up areas (best fit)",
    )


def build_districts(raw: Path) -> Table:
    """Every English district 2019–2024 with its successor, county and region."""
    hist_path = raw / "humaniverse-geographr" / "lookup_ltla16_to_ltla24.csv"
    reg19_path = raw / "humaniverse-geographr" / "lookup_ltla19_region19.csv"
    utla_path = raw / "humaniverse-geographr" / "lookup_ltla19_utla19.csv"
    hist = read_csv(hist_path, ["ltla19_code", "ltla19_name", "ltla24_code", "ltla24_name"],
                    dtype=str)
    hist = hist[hist["ltla19_code"].str.startswith("E")][
        ["ltla19_code", "ltla19_name", "ltla24_code", "ltla24_name"]].drop_duplicates()
    reg = read_csv(reg19_path, ["ltla19_code", "region19_code", "region19_name"], dtype=str)
    utla = read_csv(utla_path, ["ltla19_code", "utla19_code", "utla19_name"], dtype=str)
    df = hist.merge(reg[["ltla19_code", "region19_code", "region19_name"]], on="ltla19_code",
                    how="left").merge(utla[["ltla19_code", "utla19_code", "utla19_name"]]
                                      .drop_duplicates("ltla19_code"),
                                      on="ltla19_code", how="left")
    df.columns = ["lad19cd", "lad19nm", "lad24cd", "lad24nm", "rgncd", "rgnnm", "utla19cd",
                  "utla19nm"]
    require_unique(df["lad19cd"], hist_path)
    require_codes(df["lad24cd"], "E0", hist_path)
    return Table(
        "districts",
        df.sort_values("lad19cd").reset_index(drop=True),
        Source(publisher="Office for National Statistics",
               dataset="Code History Database (LAD 2016–2024); LAD to Region (April 2019); "
               "LTLA to UTLA (April 2019)", vintage="2019–2024", licence=OGL,
               attribution=ONS_LOOKUP_ATTRIBUTION, url=GEOPORTAL,
               inputs=(hist_path, reg19_path, utla_path)),
        "Districts 2019 to 2024",
    )


def build_icb22_icb24(lsoa11: Table, lsoa21: Table, l1121: Table) -> Table:
    """ICB July 2022 -> ICB April 2024, so one place carries both vintages' LSOAs.

    ONS reissued two codes in April 2024 when a boundary moved (Surrey Heartlands
    E54000052 -> E54000063, Sussex E54000053 -> E54000064); every other ICB kept its code.
    Matched on the ONS name (unique in both years) and checked against the LSOA 2011 -> 2021
    lookup: most of each 2022 ICB's LSOAs must land in the 2024 ICB it is matched with.
    """
    a = lsoa11.frame[["icb22cd", "icb22nm"]].drop_duplicates()
    b = lsoa21.frame[["icb24cd", "icb24nm"]].drop_duplicates()
    for df, col in ((a, "icb22nm"), (b, "icb24nm")):
        require_unique(df[col], f"{col} in the LSOA lookups")
    df = a.merge(b, left_on="icb22nm", right_on="icb24nm", how="outer", validate="one_to_one")
    if df.isna().any().any() or len(df) != N_ICB:
        raise RawDataError(f"ICB 2022 and 2024 names do not pair up one to one ({len(df)} rows)")
    x = l1121.frame.merge(lsoa11.frame[["lsoa11cd", "icb22cd"]], on="lsoa11cd").merge(
        lsoa21.frame[["lsoa21cd", "icb24cd"]], on="lsoa21cd")
    landed = x.groupby("icb22cd")["icb24cd"].agg(lambda s: s.value_counts().index[0])
    bad = df[df["icb22cd"].map(landed) != df["icb24cd"]]
    if len(bad):
        raise RawDataError(f"ICB {bad['icb22nm'].iloc[0]}: its LSOAs mostly land in another "
                           "2024 ICB than the one with its name")
    df["code_changed"] = df["icb22cd"] != df["icb24cd"]
    return Table(
        "icb22_icb24",
        df.sort_values("icb22cd").reset_index(drop=True)[
            ["icb22cd", "icb22nm", "icb24cd", "icb24nm", "code_changed"]],
        Source(publisher="Office for National Statistics",
               dataset="ICB (July 2022) and ICB (April 2024) names and codes from the LSOA "
               "to Sub-ICB Location to ICB lookups", vintage="July 2022; April 2024",
               licence=OGL, attribution=ONS_LOOKUP_ATTRIBUTION, url=GEOPORTAL,
               inputs=(*lsoa11.source.inputs, *lsoa21.source.inputs,
                       *l1121.source.inputs),
               notes="Paired on the ONS name; 2 ICBs changed code in April 2024 (Surrey "
               "Heartlands, Sussex); each pairing checked against where the 2022 ICB's LSOAs "
               "land through the LSOA 2011 -> 2021 lookup."),
        "ICB 2022 to 2024 codes",
    )


def build(raw: Path) -> list[Table]:
    g11, g21, l1121 = build_lsoa11(raw), build_lsoa21(raw), build_lsoa11_lsoa21(raw)
    return [g11, g21, build_icb22_icb24(g11, g21, l1121), l1121,
            *build_wards_parishes(raw), build_msoa_bua(raw), build_districts(raw)]
