"""NHS Payments to General Practice loader: every year loads, and matches published totals."""

from __future__ import annotations

import pandas as pd
import pytest

from loaders import nhs_payments, snapshot

# (practices, registered patients, total payments £): SOURCES.md spot checks and HEEC's
# data/payments/README.md table (2020/21-2022/23 there include the COVID and PCN columns).
PUBLISHED = {
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


@pytest.mark.parametrize("year", list(PUBLISHED))
def test_every_year_loads_with_published_rows_and_totals(raw_dir, year):
    df = nhs_payments.read_year(raw_dir, year)
    n, reg, tot = PUBLISHED[year]
    assert len(df) == n
    assert df["practice_code"].is_unique
    assert round(df["registered"].sum()) == reg
    total = df["total"].sum()
    if year >= "2020/21":
        assert df["covid"].notna().all() and df["pcn"].notna().all()
        total += df["covid"].sum() + df["pcn"].sum()
    else:
        assert df["covid"].isna().all()
    assert round(total) == tot
    assert (df["weighted"] >= 0).all()


def test_2022_23_total_excluding_covid_and_pcn(raw_dir):
    """SOURCES.md: 10,230,094,804 excluding COVID and PCN payments (separate columns)."""
    assert round(nhs_payments.read_year(raw_dir, "2022/23")["total"].sum()) == 10_230_094_804


def test_2022_23_pcn_columns_are_mapped(raw_dir):
    df = nhs_payments.read_year(raw_dir, "2022/23")
    assert df["pcn_code"].str.match(r"^U\d{5}$").mean() > 0.95
    assert df["pcn_name"].str.contains("PCN", case=False).mean() > 0.9


def test_bad_year_file_is_a_clear_error(tmp_path):
    folder = tmp_path / "nhs_payments_gp"
    folder.mkdir()
    (folder / "payments_to_general_practice_14-15.csv").write_text("Practice Code\nA1\n")
    with pytest.raises(nhs_payments.RawDataError, match="missing column"):
        nhs_payments.read_year(tmp_path, "2014/15")


def test_pcn_workforce_file_is_per_person_not_totals(raw_dir):
    """Why the view shows no PCN FTE per 10,000: the file holds mean FTE per person."""
    assert nhs_payments.pcn_workforce_is_per_person(raw_dir)


def test_snapshot_tables_schema_and_manifest():
    pay = snapshot.table("gp_payments")
    assert list(pay.columns) == ["year", "practice_code", "registered", "weighted", "total",
                                 "dispensing", "premises", "other_non_care", "covid", "pcn",
                                 "dispensing_practice"]
    assert len(pay) == sum(v[0] for v in PUBLISHED.values())
    by_year = pay.groupby("year", observed=True)["total"].sum()
    assert round(by_year["2014/15"]) == 7_990_324_226
    assert round(by_year["2022/23"]) == 10_230_094_804
    prac = snapshot.table("gp_practices")
    assert prac["practice_code"].is_unique
    assert set(pay["practice_code"]) == set(prac["practice_code"])
    lists = snapshot.table("gp_practice_lsoa11")
    whole = lists[lists["lsoa11cd"] == "ALL"]
    assert whole["practice_code"].is_unique and len(whole) == 6_484
    for name in ("gp_payments", "gp_practices", "gp_practice_lsoa11"):
        rec = snapshot.source(name)
        assert rec["licence"] == "Open Government Licence v3.0"
        assert rec["url"].startswith("https://")
        assert all(len(i["sha256"]) == 64 for i in rec["inputs"])
        assert rec["module"] == "nhs_payments"
    assert sum(snapshot.source(n)["bytes"] for n in ("gp_payments", "gp_practices",
                                                     "gp_practice_lsoa11")) < 6e6


def test_practice_measures_are_in_range():
    prac = snapshot.table("gp_practices")
    assert prac["imd2019"].dropna().between(0, 100).all()
    assert prac["le_male"].dropna().between(65, 95).all()
    assert prac["qof_hyp"].dropna().between(0, 100).all()
    assert pd.api.types.is_string_dtype(prac["name"])


def test_build_is_reproducible_and_matches_the_committed_snapshot(raw_dir, tmp_path):
    from loaders.build import build

    man = build(("loaders.nhs_payments",), raw=raw_dir, out=tmp_path / "a")
    for name, rec in man["tables"].items():
        assert rec["output_sha256"] == snapshot.source(name)["output_sha256"], name
