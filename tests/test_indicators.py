"""explorer.indicators: the registry, store queries and honest values for any place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from explorer import indicators as ind
from explorer.places import Place
from explorer.stats.proportions import wilson_ci
from loaders import snapshot

REPO = Path(__file__).resolve().parents[1]


# --- registry -----------------------------------------------------------------------------


def test_registry_loads_and_matches_the_store():
    reg = ind.registry()
    assert len(reg) >= 50
    assert ind.validate_against_store() == []
    stored = set(snapshot.table("indicator_values")["indicator_id"].astype(str).unique())
    assert stored <= set(reg)  # every indicator in the store has metadata
    for meta in reg.values():  # every metadata entry has data
        assert len(ind.values(meta.id)) > 0, meta.id
        assert ind.latest_period(meta.id) is not None, meta.id


def test_registry_fields_are_complete():
    for m in ind.registry().values():
        assert m.marmot_principle is None or 1 <= m.marmot_principle <= 8
        assert m.core20plus5 in (*ind.CORE20PLUS5, None)
        assert m.url.startswith("https://")
        assert m.licence and m.publisher and m.vintage and m.caveats
    assert ind.registry().marmot_principles[1] == "Give every child the best start in life"
    assert ind.meta("qof-mh").core20plus5 == "smi"
    assert ind.meta("93085").core20plus5 == "maternity"
    assert ind.meta("93861").marmot_principle == 8


def _write(tmp_path: Path, mutate) -> Path:
    spec = yaml.safe_load((REPO / "data" / "indicators.yaml").read_text(encoding="utf-8"))
    mutate(spec)
    path = tmp_path / "indicators.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s["indicators"][0].update(colour="red"), "unknown key"),
    (lambda s: s["indicators"][0].update(polarity="up_is_good"), "'polarity'"),
    (lambda s: s["indicators"][0].update(marmot_principle=9), "marmot_principle"),
    (lambda s: s["indicators"][0].update(core20plus5="dental"), "core20plus5"),
    (lambda s: s["indicators"][0].update(ci_method="bootstrap"), "'ci_method'"),
    (lambda s: s["indicators"][0].pop("caveats"), "missing key"),
    (lambda s: s["indicators"].append(dict(s["indicators"][0])), "duplicate"),
    (lambda s: s.update(extra={}), "top-level"),
])
def test_registry_rejects_bad_entries(tmp_path, mutate, message):
    with pytest.raises(ind.IndicatorRegistryError, match=message):
        ind.load_registry(_write(tmp_path, mutate))


def test_unknown_indicator():
    with pytest.raises(ind.UnknownIndicatorError):
        ind.indicator_for_place("blackpool", "no-such-indicator")


# --- store queries --------------------------------------------------------------------------


def test_values_fill_lsoa_values_and_wilson_cis():
    v = ind.values("qof-copd")
    lsoa = v[v["area_type"] == "lsoa"]
    assert lsoa["value"].notna().all()
    assert (lsoa["value"] - lsoa["count"] / lsoa["denominator"] * 100).abs().max() < 1e-9
    assert (lsoa["lower_ci"] <= lsoa["value"]).all() and (lsoa["value"] <= lsoa["upper_ci"]).all()


def test_latest_period_prefers_the_latest_end():
    assert ind.latest_period("90366") == "2023 - 25"
    assert ind.latest_period("92445") == "2022 - 24"  # pooled, ends after 2023
    assert ind.latest_period("91112") == "2021/22 Q1 - 2025/26 Q3"
    assert ind.latest_period("93085", area_codes=["E07000026"]) is None  # not in the NW seed


# --- values for places ------------------------------------------------------------------------


def test_lsoa_indicator_sums_over_the_place_lsoas(places):
    town = places.get("workington-parish-wards")
    pv = ind.indicator_for_place(town, "qof-copd")
    rows = ind.values("qof-copd")
    sub = rows[rows["area_code"].isin(town.lsoa11)]
    assert len(sub) == len(town.lsoa11) == 20
    assert pv.count == pytest.approx(sub["count"].sum())
    assert pv.denominator == pytest.approx(sub["denominator"].sum())
    # the limits carried are those the comparison is decided on: QOF at 99.8% by default
    lo, hi = wilson_ci(pv.count, pv.denominator, 0.998)
    assert pv.confidence == pv.comparison_confidence == 99.8
    assert (pv.lower_ci, pv.upper_ci) == pytest.approx((lo * 100, hi * 100))
    pv95 = ind.indicator_for_place(town, "qof-copd", confidence=95)
    lo, hi = wilson_ci(pv.count, pv.denominator, 0.95)
    assert pv95.confidence == pv95.comparison_confidence == 95
    assert (pv95.lower_ci, pv95.upper_ci) == pytest.approx((lo * 100, hi * 100))
    assert pv.geography_used == town.label and pv.method == "lsoa"


def test_england_and_blackpool_copd_attributed_prevalence(places):
    eng = ind.indicator_for_place(places.get("england"), "qof-copd")
    assert 1.8 <= eng.value <= 2.0  # QOF 2021/22 England COPD prevalence 1.9%
    assert eng.compared_to_england == "not compared"
    bpl = ind.indicator_for_place(places.get("blackpool"), "qof-copd")
    assert bpl.england_value == pytest.approx(eng.value)
    assert bpl.lower_ci > 1.5 * eng.value
    assert bpl.compared_to_england == "higher"  # no-judgement polarity, 99.8% Wilson
    assert bpl.comparison_basis == "99.8% Wilson CI"


def test_a_town_gets_an_lsoa_attributed_value_with_a_wilson_ci(places):
    pv = ind.indicator_for_place(places.get("workington-bua"), "qof-mh")
    assert pv.value is not None and pv.lower_ci < pv.value < pv.upper_ci
    assert pv.count > 100 and not pv.small_number
    assert pv.compared_to_england in ("higher", "similar", "lower")


def test_district_only_indicator_for_a_town_shows_its_district(places):
    pv = ind.indicator_for_place(places.get("workington-parish-wards"), "90366",
                                 period="2018 - 20", sex="Male")
    assert pv.geography_used == "Allerdale (district)"
    assert pv.geography_code == "E07000026"
    assert pv.value == pytest.approx(78.7)
    assert "Allerdale" in pv.geography_note and "district" in pv.geography_note
    assert pv.england_value == pytest.approx(79.3)


def test_former_district_falls_back_to_its_successor_and_says_so(places):
    pv = ind.indicator_for_place(places.get("workington-parish-wards"), "90366", sex="Male")
    assert pv.period == "2023 - 25"
    assert pv.geography_code == "E06000063"  # Cumberland
    assert "merged into Cumberland" in pv.geography_note
    own = ind.indicator_for_place(places.get("allerdale"), "90366", period="2018 - 20",
                                  sex="Male")
    assert own.geography_code == "E07000026" and own.geography_note == ""


def test_multi_district_sub_region_gets_no_fabricated_value(places):
    fc = places.get("fylde-coast")
    pv = ind.indicator_for_place(fc, "90366", sex="Male")
    assert pv.value is None and pv.lower_ci is None
    assert "spans 3 districts" in pv.geography_note
    assert pv.compared_to_england == "not compared"
    for district_only in ("93721", "90362", "92443"):
        assert ind.indicator_for_place(fc, district_only).value is None


def test_multi_district_sum_only_when_counts_allow(places):
    fc = places.get("fylde-coast")
    pv = ind.indicator_for_place(fc, "93085", period="2018/19")
    rows = ind.values("93085")
    rows = rows[(rows["period"] == "2018/19")
                & rows["area_code"].isin(["E06000009", "E07000119", "E07000128"])]
    assert len(rows) == 3
    assert pv.count == pytest.approx(rows["count"].sum())
    assert pv.denominator == pytest.approx(rows["denominator"].sum())
    assert pv.lower_ci < pv.value < pv.upper_ci
    assert "Sum over the 3 districts" in pv.geography_note
    # North Cumbria's old districts are absent from the NW seed: no sum, and it says why
    nc = ind.indicator_for_place(places.get("north-cumbria"), "93085")
    assert nc.value is None and "no value" in nc.geography_note


def test_msoa_values_are_never_combined(places):
    town = ind.indicator_for_place(places.get("workington-parish-wards"), "hoc-copd")
    assert town.value is None and town.value_range is not None
    lo, hi = town.value_range
    assert lo <= hi and town.n_areas == 4
    one = Place(id="one-lsoa", name="One LSOA", kind="custom", definition="test",
                lsoa11=("E01012680",))
    pv = ind.indicator_for_place(one, "hoc-copd")
    assert pv.value is not None and "MSOA" in pv.geography_note
    assert pv.geography_used.startswith("Blackpool")


def test_count_indicator_sums_whole_msoas(places):
    town = places.get("workington-parish-wards")
    pv = ind.indicator_for_place(town, "dwp-cilif-count", period="2019/20")
    geo = snapshot.table("geo_lsoa11")
    msoas = geo.loc[geo["lsoa11cd"].isin(town.lsoa11), "msoa11cd"].unique()
    rows = ind.values("dwp-cilif-count")
    rows = rows[(rows["period"] == "2019/20") & rows["area_code"].isin(msoas)]
    assert pv.value == rows["count"].sum() and len(rows) == 4


def test_published_comparison_is_kept(places):
    pv = ind.indicator_for_place(places.get("blackpool"), "91547", period="2021/22")
    assert round(pv.value, 1) == 23.9 and round(pv.england_value, 1) == 15.4
    assert pv.compared_to_england == "worse" and pv.comparison_basis == "as published"
    cilif = ind.indicator_for_place(places.get("blackpool"), "dwp-cilif-pct", period="2019/20")
    assert round(cilif.value, 1) == 32.3 and cilif.compared_to_england == "worse"


def test_derived_indicators(places):
    eng = ind.indicator_for_place(places.get("england"), "census-65plus")
    census = snapshot.table("census2021_age_lsoa21")
    assert eng.value == pytest.approx(census["pop_65_plus"].sum() / census["pop_total"].sum()
                                      * 100)
    eden = ind.indicator_for_place(places.get("eden"), "rural-share")
    bpl = ind.indicator_for_place(places.get("blackpool"), "rural-share")
    assert eden.value > 60 and bpl.value == 0
    # a complete classification: no interval, compared as an exact count, no caveat
    assert eden.lower_ci is None and eden.compared_to_england == "higher"
    assert bpl.compared_to_england == "lower" and not bpl.small_number
    assert eden.comparison_basis == "exact count (no sampling error)"


def test_indicators_for_place_lists_persons_or_both_sexes(places):
    rows = ind.indicators_for_place(places.get("blackpool"))
    by = {}
    for r in rows:
        by.setdefault(r.indicator_id, []).append(r.sex)
    assert sorted(by["90366"]) == ["Female", "Male"]
    assert by["91547"] == ["Persons"]
    assert all(r.value is not None or r.value_range is not None for r in rows)
    assert len(by) >= 45


def test_by_deprivation_decile_adds_up(places):
    bpl = places.get("blackpool")
    dec = ind.by_deprivation_decile("qof-copd", bpl)
    assert list(dec["imd_decile"]) == list(range(1, 11))
    total = ind.indicator_for_place(bpl, "qof-copd")
    assert dec["count"].sum() == pytest.approx(total.count)
    assert dec["denominator"].sum() == pytest.approx(total.denominator)
    assert dec.loc[0, "lsoa_count"] == 39  # Blackpool LSOAs in the most deprived decile
    filled = dec[dec["lsoa_count"] > 0]
    assert (filled["lower_ci"] <= filled["value"]).all()
    with pytest.raises(ValueError):
        ind.by_deprivation_decile("qof-copd", bpl, vintage=2025)
    with pytest.raises(ValueError):
        ind.by_deprivation_decile("90366", bpl)


def test_town_flags(places):
    flags = ind.town_flags(places.get("workington-parish-wards"))
    assert flags["coastal"] is True and flags["town_code"] == "E35000575"
    assert ind.town_flags(places.get("blackpool")) is None


def test_no_streamlit_in_health_code():
    for rel in ("explorer/indicators.py", "loaders/fingertips.py", "loaders/qof.py",
                "loaders/dwp.py", "loaders/hoc.py", "loaders/towns.py"):
        assert "streamlit" not in (REPO / rel).read_text(encoding="utf-8"), rel


def test_place_value_is_serialisable(places):
    d = ind.indicator_for_place(places.get("eden"), "qof-hyp").to_dict()
    assert isinstance(pd.Series(d).to_json(), str)


# --- the precomputed fast path agrees with a straightforward recomputation ------------------

_CHECK_PLACES = ("workington-parish-wards", "eden", "blackpool", "fylde-coast",
                 "icb-lancashire-and-south-cumbria", "england")


@pytest.mark.parametrize("place_id", _CHECK_PLACES)
def test_lsoa_sums_match_a_direct_recomputation(places, place_id):
    place = places.get(place_id)
    by_id = {pv.indicator_id: pv for pv in ind.indicators_for_place(place, True)}
    for iid in ("qof-copd", "qof-hyp", "qof-ld"):
        rows = ind.values(iid)
        eng = rows.loc[rows["area_code"] == ind.ENGLAND, "value"].iloc[0]
        sub = rows[(rows["area_type"] == "lsoa") & rows["area_code"].isin(place.lsoa11)]
        pv = by_id[iid]
        assert pv.n_areas == len(sub)
        assert pv.count == pytest.approx(sub["count"].sum(), rel=1e-12)
        assert pv.denominator == pytest.approx(sub["denominator"].sum(), rel=1e-12)
        assert pv.value == pytest.approx(pv.count / pv.denominator * 100, rel=1e-12)
        assert pv.england_value == pytest.approx(eng, rel=1e-12)
        lo, hi = wilson_ci(pv.count, pv.denominator, 0.998)  # QOF: Fingertips' 99.8%
        assert pv.confidence == 99.8
        assert (pv.lower_ci, pv.upper_ci) == pytest.approx((lo * 100, hi * 100), rel=1e-12)
    census = snapshot.table("census2021_age_lsoa21")
    c = census[census["lsoa21cd"].isin(place.lsoa21)]
    pv = by_id["census-65plus"]
    assert (pv.count, pv.denominator, pv.n_areas) == (c["pop_65_plus"].sum(),
                                                      c["pop_total"].sum(), len(c))


@pytest.mark.parametrize("place_id", _CHECK_PLACES)
def test_msoa_and_published_values_match_a_direct_recomputation(places, place_id):
    place = places.get(place_id)
    geo = snapshot.table("geo_lsoa11")
    msoas = set(geo.loc[geo["lsoa11cd"].isin(place.lsoa11), "msoa11cd"])
    hoc = ind.indicator_for_place(place, "hoc-copd")
    rows = ind.values("hoc-copd")
    rows = rows[(rows["period"] == hoc.period) & rows["area_code"].isin(msoas)]
    if len(rows) == 1:
        assert hoc.value == pytest.approx(rows["value"].iloc[0], rel=1e-12)
    else:
        assert hoc.n_areas == len(rows)
        assert hoc.value_range == pytest.approx((rows["value"].min(), rows["value"].max()))
    if place.code:  # a place with its own published row shows exactly that row
        pv = ind.indicator_for_place(place, "90366", sex="Female")
        rows = ind.values("90366")
        own = rows[(rows["period"] == pv.period) & (rows["sex"] == "Female")
                   & rows["area_code"].isin([place.code])]
        if len(own):
            assert pv.geography_code == place.code
            for got, want in zip((pv.value, pv.lower_ci, pv.upper_ci),
                                 own[["value", "lower_ci", "upper_ci"]].iloc[0], strict=True):
                assert got is None if pd.isna(want) else got == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("place_id", _CHECK_PLACES)
def test_place_geography_matches_value_counts(places, place_id):
    place = places.get(place_id)
    g = snapshot.table("geo_lsoa11").set_index("lsoa11cd")
    geo = ind._lsoa_set(place.lsoa11, 2011)
    for level, (col, _, _) in ind._LEVELS.items():
        expected = g.loc[g.index.intersection(place.lsoa11), col].value_counts()
        assert list(geo.counts(level).items()) == list(expected.items()), level


def test_latest_period_and_sexes_match_a_direct_recomputation():
    for iid in ind.registry():
        df = ind.values(iid)
        assert ind.sexes(iid) == [s for s in ind.SEX_ORDER
                                  if s in set(df["sex"].dropna().astype(str))]
        for sex in (None, *ind.sexes(iid)):
            d = df[df["value"].notna() | df["count"].notna()]
            if sex is not None:
                d = d[d["sex"] == sex]
            if (d["area_type"] != "england").any():
                d = d[d["area_type"] != "england"]
            top = d.sort_values(["period_sort", "period_start"]).iloc[-1]["period"]
            assert ind.latest_period(iid, sex) == str(top), (iid, sex)


def test_registry_yaml_reads_the_same_with_either_loader():
    text = (REPO / "data" / "indicators.yaml").read_text(encoding="utf-8")
    assert ind._load_yaml(text) == yaml.safe_load(text)
