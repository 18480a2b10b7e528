"""Figures the app shows, checked against values published independently of this code."""

from __future__ import annotations

import pytest

from explorer.profile import district_scores, profile
from loaders import snapshot


def test_blackpool_is_most_deprived_district_iod2019():
    # MHCLG IoD2019 File 10, local authority "average score": Blackpool 45.039, Knowsley 43.006
    d = district_scores(2019).sort_values("rank")
    assert d.index[0] == "E06000009"
    assert d.iloc[0]["score"] == pytest.approx(45.04, abs=0.005)
    assert d.index[1] == "E08000011"  # Knowsley
    assert d.iloc[1]["score"] == pytest.approx(43.01, abs=0.005)
    assert profile("Blackpool", 2019).district_rank == 1


def test_most_deprived_lsoa_is_tendring_018a_and_blackpool_holds_8_of_top_10():
    df = snapshot.table("iod2019_lsoa11").sort_values("IMD_rank")
    assert df.iloc[0]["lsoa11nm"] == "Tendring 018A"
    assert df.iloc[0]["lsoa11cd"] == "E01021988"
    top10 = df.head(10)["lsoa11nm"]
    assert top10.str.startswith("Blackpool").sum() == 8


def test_blackpool_still_first_in_iod2025():
    lad = snapshot.table("iod2025_lad24").set_index("ltla24_code")
    assert lad.loc["E06000009", "imd_rank_of_average_score"] == 1
    assert lad.loc["E06000009", "imd_average_score"] == pytest.approx(43.467, abs=0.001)
    assert profile("Blackpool", 2025).district_rank == 1
    iod = snapshot.table("iod2025_lsoa21").sort_values("IMD_rank")
    assert iod.iloc[0]["lsoa21cd"] == "E01021988"  # Tendring 018A again


def test_cumbrian_districts_iod2025_ranks():
    lad = snapshot.table("iod2025_lad24").set_index("ltla24_code")
    assert lad.loc["E06000063", "imd_rank_of_average_score"] == 95   # Cumberland
    assert lad.loc["E06000064", "imd_rank_of_average_score"] == 161  # Westmorland and Furness


@pytest.mark.parametrize(("place", "lsoas", "population", "core20"), [
    ("Eden", 36, 52_576, 0.0),
    ("Allerdale", 60, 96_756, 0.202),
    ("Blackpool", 94, 140_162, 0.563),
    ("Barrow-in-Furness", 49, 67_676, 0.394),
    ("Copeland", 49, 69_139, 0.233),
    ("Carlisle", 68, 108_109, 0.176),
    ("South Lakeland", 59, 103_776, 0.0),
    ("workington-parish-wards", 20, 32_343, 0.454),
    ("workington-bua", 16, 25_763, 0.570),
])
def test_core20_shares_match_published_calculations(place, lsoas, population, core20):
    pr = profile(place, 2019)
    assert pr.lsoa_count == lsoas
    assert pr.population == population
    assert pr.core20_share == pytest.approx(core20, abs=0.0006)


def test_lancashire_and_south_cumbria_decile1_lsoas():
    # SOURCES-geo.md §7: the 16 LADs of L&SC hold 1,049 LSOAs, 198 in the most deprived 10%,
    # 94 of them in Pennine Lancashire
    lads = ["Blackburn with Darwen", "Blackpool", "Burnley", "Chorley", "Fylde", "Hyndburn",
            "Lancaster", "Pendle", "Preston", "Ribble Valley", "Rossendale", "South Ribble",
            "West Lancashire", "Wyre", "Barrow-in-Furness", "South Lakeland"]
    profs = [profile(n, 2019) for n in lads]
    assert sum(p.lsoa_count for p in profs) == 1049
    assert sum(p.decile_lsoa_count[0] for p in profs) == 198
    assert profile("pennine-lancashire", 2019).decile_lsoa_count[0] == 94
