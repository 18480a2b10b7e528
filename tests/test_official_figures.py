"""Official figures first: district and ICB scores and ranks are MHCLG's, read here straight
from the raw files (csv module, no loader code), and computed figures say they are computed."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest

from explorer.__main__ import main
from explorer.places import registry
from explorer.profile import profile
from loaders import snapshot


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _cli(*args: str) -> object:
    out = io.StringIO()
    assert main(list(args), out=out) == 0
    return json.loads(out.getvalue())


# ------------------------------------------------------------------ IoD2025 File 10 and 13

def test_iod2025_all_296_districts_show_the_published_file10_score_and_rank(raw_dir):
    rows = _rows(raw_dir / "humaniverse-IMD" / "iod2025_lad24_summaries.csv")
    assert len(rows) == 296
    reg = registry()
    for r in rows:
        pr = profile(reg.resolve(r["ltla24_code"]), 2025)
        assert pr.code == r["ltla24_code"], r["ltla24_name"]
        assert pr.imd_score == float(r["imd_average_score"]), r["ltla24_name"]
        assert pr.district_rank == pr.imd_rank == int(r["imd_rank_of_average_score"])
        assert pr.district_rank_of == pr.imd_rank_of == 296
        assert pr.imd_score_source == "official" and "File 10" in pr.imd_score_method
        assert pr.domain_scores["Income"] == float(r["income_average_score"])
        assert pr.domain_scores["Housing"] == float(
            r["barriers_to_housing_and_services_average_score"])
        assert pr.official_summary["imd_rank_of_extent"] == int(r["imd25_rank_of_extent"])
    manchester = profile("manchester", 2025)
    assert manchester.imd_score == 38.677  # not the Census-weighted 38.951 shown before


def test_iod2025_all_42_icbs_show_the_published_file13_score_and_rank(raw_dir):
    rows = _rows(raw_dir / "humaniverse-IMD" / "iod2025_icb24_summaries.csv")
    assert len(rows) == 42
    icbs = registry().all("icb")
    assert len(icbs) == 42
    seen = set()
    for r in rows:
        place = registry().resolve(r["icb24_code"])  # 2024 code, an alias where it changed
        assert place.kind == "icb"
        seen.add(place.id)
        pr = profile(place, 2025)
        assert pr.imd_score == float(r["imd_average_score"]), r["icb24_name"]
        assert pr.imd_rank == int(r["imd_rank_of_average_score"]) and pr.imd_rank_of == 42
        assert pr.official_area_code == r["icb24_code"] and pr.imd_score_source == "official"
        assert pr.district_rank is None  # an ICB is not a district
    assert len(seen) == 42


def test_surrey_heartlands_and_sussex_take_their_2024_codes_and_lsoas():
    lk = snapshot.table("icb22_icb24").set_index("icb22cd")
    assert lk.loc["E54000052", "icb24cd"] == "E54000063"  # Surrey Heartlands
    assert lk.loc["E54000053", "icb24cd"] == "E54000064"  # Sussex
    assert lk["code_changed"].sum() == 2
    g21 = snapshot.table("geo_lsoa21")
    for pid, code in (("icb-surrey-heartlands", "E54000063"), ("icb-sussex", "E54000064")):
        p = registry().get(pid)
        assert set(p.lsoa21) == set(g21.loc[g21["icb24cd"] == code, "lsoa21cd"])
        pr = profile(p, 2025)
        assert pr.population > 0 and pr.core20_share is not None


# ------------------------------------------------------------------ IoD2019 File 10

def test_iod2019_all_317_districts_match_file10_method_recomputed_from_raw(raw_dir):
    """File 10's average score is the mean of File 7 LSOA scores weighted by File 7's
    total population; recomputed here from the raw File 7 columns and the ONS LSOA -> LAD19
    lookup, and checked against humaniverse/IMD's independent ltla19 aggregation."""
    lad_of = {r["LSOA11CD"]: r["LAD19CD"]
              for r in _rows(raw_dir / "ons-lookups" / "imd2019_lookup_lsoa11_lad19_en.csv")}
    num: dict[str, float] = defaultdict(float)
    den: dict[str, float] = defaultdict(float)
    for r in _rows(raw_dir / "nhsx-p24" / "iod2019_lsoa11_scores_population.csv"):
        w = float(r["Population (Total)"])
        num[lad_of[r["LSOA11CD"]]] += float(r["IMD"]) * w
        den[lad_of[r["LSOA11CD"]]] += w
    mean = {k: num[k] / den[k] for k in num}
    assert len(mean) == 317
    order = sorted(mean, key=lambda k: -mean[k])
    rank = {k: i + 1 for i, k in enumerate(order)}
    hv = {r["ltla19_code"]: float(r["Score"])
          for r in _rows(raw_dir / "humaniverse-IMD" / "iod2019_lad19_aggregated.csv")}
    reg = registry()
    for code, value in mean.items():
        pr = profile(reg.resolve(code), 2019)
        assert pr.code == code
        assert pr.imd_score == pytest.approx(value, abs=1e-9), code
        assert pr.imd_score == pytest.approx(hv[code], abs=0.0011), code  # 3-dp rounding
        assert pr.district_rank == rank[code] and pr.district_rank_of == 317, code
        assert pr.imd_score_source == "official" and "File 10" in pr.imd_score_method
    # SOURCES-geo.md spot checks: Blackpool 45.04 1st, Knowsley 43.01, Liverpool 42.41
    assert [order[i] for i in range(3)] == ["E06000009", "E08000011", "E08000012"]
    assert round(mean["E06000009"], 3) == 45.039


def test_iod2019_share_of_lsoas_in_most_deprived_10pc_matches_independent_aggregation(
        raw_dir):
    hv = {r["ltla19_code"]: float(r["Proportion"])
          for r in _rows(raw_dir / "humaniverse-IMD" / "iod2019_lad19_aggregated.csv")}
    reg = registry()
    for code, share in hv.items():
        summary = profile(reg.resolve(code), 2019).official_summary
        assert summary is not None
        # humaniverse rounds to 4 dp
        assert summary["imd_prop_lsoas_most_deprived_10"] == pytest.approx(share, abs=6e-5)
        assert summary["imd_extent"] is None  # not reproduced, and not pretended
    # File 10 (2019): Middlesbrough has the largest share (48.8%); Blackpool (41.5%) is 6th
    assert profile("middlesbrough", 2019).official_summary[
        "imd_rank_of_prop_lsoas_most_deprived_10"] == 1
    assert profile("blackpool", 2019).official_summary[
        "imd_rank_of_prop_lsoas_most_deprived_10"] == 6


# ------------------------------------------------------------------ computed, and labelled

@pytest.mark.parametrize(("place", "vintage"), [
    ("workington-parish-wards", 2019), ("workington-parish-wards", 2025),
    ("pennine-lancashire", 2019), ("allerdale", 2025), ("england", 2025),
    ("icb-sussex", 2019)])
def test_places_the_publisher_does_not_cover_are_computed_and_say_so(place, vintage):
    pr = profile(place, vintage)
    assert pr.imd_score_source == "computed" and pr.domain_scores_source == "computed"
    assert pr.imd_score_method.startswith("computed from") and "LSOAs" in pr.imd_score_method
    assert pr.imd_rank is None and pr.district_rank is None and pr.rank_note


def test_no_place_has_population_zero_in_either_vintage():
    empty = [(p.id, v) for p in registry().all() for v in (2019, 2025)
             if profile(p, v).population == 0]
    assert empty == []


def test_every_lsoa_2021_is_in_exactly_one_2025_district():
    g21 = snapshot.table("geo_lsoa21")
    count: dict[str, int] = defaultdict(int)
    for p in registry().all("district"):
        for c in p.lsoa21:
            count[c] += 1
    assert set(count) == set(g21["lsoa21cd"]) and set(count.values()) == {1}
    assert "E01027305" in registry().get("cherwell").lsoa21  # West Northants -> Cherwell 2024


# ------------------------------------------------------------------ CLI for whole families

@pytest.mark.parametrize("vintage", ["2019", "2025"])
def test_profile_kind_district_equals_profile_place_for_each(vintage):
    records = _cli("profile", "--kind", "district", "--vintage", vintage)
    assert isinstance(records, list) and len(records) == len(registry().all("district"))
    for rec in records:
        assert rec["code"]
        assert _cli("profile", rec["id"], "--vintage", vintage) == rec


def test_profile_kind_csv_has_one_row_per_icb():
    out = io.StringIO()
    assert main(["profile", "--kind", "icb", "--vintage", "2025", "--format", "csv"],
                out=out) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 42 and {r["imd_score_source"] for r in rows} == {"official"}


def test_profile_needs_a_place_or_a_kind():
    assert main(["profile"], out=io.StringIO()) == 2
    assert main(["profile", "eden", "--kind", "district"], out=io.StringIO()) == 2


# ------------------------------------------------------------------ Overview page

@pytest.mark.parametrize("region", ["icb-sussex", "icb-surrey-heartlands"])
def test_overview_for_changed_icbs_at_iod2025_renders_official_score(region):
    from tests.apptest import assert_clean, open_page

    at = open_page(r=region, v="2025")
    assert_clean(at)
    metrics = {m.label: m.value for m in at.metric}
    assert "IMD average score (official)" in metrics
    captions = " ".join(c.value for c in at.caption)
    official = profile(region, 2025)
    assert f"IMD average score {official.imd_score:.3f}: MHCLG's published figure" in captions
    assert f"ranked {official.imd_rank} of 42" in captions


def test_overview_labels_computed_scores_and_dashes_town_ranks():
    from explorer.overview import NO_RANK, region_table, table_twin
    from tests.apptest import assert_clean, open_page

    at = open_page(r="lsc-north-cumbria", v="2019")
    assert_clean(at)
    assert "IMD score (computed from LSOAs)" in {m.label for m in at.metric}
    captions = " ".join(c.value for c in at.caption)
    region = profile("lsc-north-cumbria", 2019)
    assert f"computed from {region.lsoa_count:,} LSOAs" in captions
    assert "MHCLG publishes no summary" in captions and "not ranked" in captions
    twin = table_twin(region_table(registry().get("lsc-north-cumbria"), 2019))
    towns = twin[twin["Kind"] == "town"]
    districts = twin[twin["Kind"] == "district"]
    assert len(towns) and (towns["District rank"] == NO_RANK).all()
    assert (towns["IMD score source"] == "computed from LSOAs").all()
    assert (districts["IMD score source"] == "official (MHCLG)").all()
    blackpool = districts[districts["Place"] == "Blackpool"].iloc[0]
    assert blackpool["District rank"] == "1 of 317"
    assert not twin.astype(str).isin(["None", "nan"]).any().any()


def test_a_single_lsoa_carries_its_own_published_score_and_rank(raw_dir):
    from explorer.places import Place

    row = next(r for r in _rows(raw_dir / "ons-lookups" / "imd2019_lookup_lsoa11_lad19_en.csv")
               if r["LSOA11CD"] == "E01012673")
    p = Place(id="lsoa-e01012673", name="Blackpool 010A", kind="lsoa", definition="LSOA",
              lsoa11=("E01012673",), code="E01012673")
    pr = profile(p, 2019)
    assert pr.imd_score_source == "official" and pr.imd_rank == int(row["IMD19"]) == 2
    assert pr.imd_rank_of == 32_844 and "File 7" in pr.imd_score_method


# ------------------------------------------------- one score and rank on every page (issue 9)

_RAW_DOMAIN = {"IMD": "imd", "Income": "income", "Employment": "employment",
               "Education": "education_skills_and_training",
               "Health": "health_deprivation_and_disability", "Crime": "crime",
               "Housing": "barriers_to_housing_and_services", "Environment": "living_environment"}


def test_nw_districts_compare_map_and_profile_show_the_same_official_score_and_rank(raw_dir):
    """Compare's domain ranks, the map's district colouring values and the profile (Overview,
    CLI) all carry MHCLG's published File 10 figures for every North West district."""
    from explorer import area_metrics as am
    from explorer import compare

    raw = {r["ltla24_code"]: r for r in
           _rows(raw_dir / "humaniverse-IMD" / "iod2025_lad24_summaries.csv")}
    g21 = snapshot.table("geo_lsoa21")
    nw24 = set(g21.loc[g21["rgnnm"] == "North West", "lad24cd"])
    assert len(nw24) == 35 and nw24 <= set(raw)  # the North West's LAD 2024 districts
    nw = [p for kind in ("district", "former district") for p in registry().all(kind)
          if "E12000002" in p.parents or p.code in nw24]
    assert {p.code for p in nw} >= nw24
    for vintage in (2019, 2025):
        geo = am.geography("district", vintage)
        values = am.area_values(geo.id)
        assert am.value_label(am.get("imd_score"), geo) == "IMD score (MHCLG average score)"
        for p in nw:
            pr = profile(p, vintage)
            if pr.imd_score_source != "official":
                continue
            rows = compare.domain_rows([pr], [p]).set_index("domain_key")
            assert rows.loc["IMD", "district_rank"] == pr.district_rank, p.name
            for d in _RAW_DOMAIN:
                assert values.loc[pr.code, f"{d}_score"] == pr.domain_scores[d], (p.name, d)
                assert rows.loc[d, "score"] == pr.domain_scores[d]
            if vintage == 2025:  # independently: the raw file
                r = raw[pr.code]
                for d, col in _RAW_DOMAIN.items():
                    assert rows.loc[d, "district_rank"] == int(r[f"{col}_rank_of_average_score"])
                    assert rows.loc[d, "score"] == float(r[f"{col}_average_score"])
    # ICBs on the 2025 map: File 13's average score
    icb = {r["icb24_code"]: float(r["imd_average_score"])
           for r in _rows(raw_dir / "humaniverse-IMD" / "iod2025_icb24_summaries.csv")}
    v = am.area_values("icb25")["IMD_score"]
    assert {c: v[c] for c in icb} == icb
