"""The inequality gradient and SII on real data, and the CORE20PLUS5 card."""

from __future__ import annotations

import pytest

from explorer import indicators
from explorer.core20plus5 import card, clinical_areas, marmot_rows
from explorer.inequalities import (
    any_gradient,
    decile_counts_iod,
    gradient_indicators,
    gradient_sentence,
    group_table,
    life_expectancy,
)


def test_income_deprivation_gradient_across_the_region(places):
    region = places.get("lsc-north-cumbria")
    g = any_gradient("income_deprivation", region)
    # decile counts add up to the place's own value (LSOAs with a published numerator)
    deciles = decile_counts_iod("income_deprivation", region)
    total = indicators.indicator_for_place(region, "income_deprivation")
    assert g.table["count"].sum() == pytest.approx(deciles["count"].sum())
    assert deciles["count"].sum() == pytest.approx(total.count)
    assert deciles["denominator"].sum() == pytest.approx(total.denominator)
    assert g.table["lsoas"].sum() == deciles["lsoa_count"].sum() == total.n_areas
    # steep, monotone gradient: most deprived decile far above least deprived
    values = g.table["value"].tolist()
    assert values[0] > 0.3 and values[-1] < 0.05
    assert g.sii is not None and g.sii < 0  # OHID convention: least minus most deprived
    lo, hi = g.sii_ci
    assert lo < g.sii < hi
    assert 0 < g.rii < 1
    assert "percentage points higher in the most deprived" in gradient_sentence(g)


def test_quintiles_group_deciles_in_pairs(places):
    g10 = any_gradient("qof-copd", places.get("blackpool"), "decile")
    g5 = any_gradient("qof-copd", places.get("blackpool"), "quintile")
    assert g5.table.loc[0, "count"] == pytest.approx(g10.table.loc[[0, 1], "count"].sum())
    assert len(g5.table) == 5


def test_too_few_groups_means_no_sii(places):
    g = any_gradient("income_deprivation", places.get("blackpool"), "quintile")
    assert g.sii is None and "no SII" in g.note
    assert "not enough deprivation groups" in gradient_sentence(g)


def test_eden_has_empty_deciles_reported(places):
    g = any_gradient("qof-copd", places.get("eden"))
    assert "1, 2, 10" in g.note
    assert g.table.loc[0, "lsoas"] == 0


def test_gradient_indicators_are_count_based():
    names = gradient_indicators()
    assert {"income_deprivation", "qof-copd", "qof-hyp", "qof-mh"} <= set(names)


def test_group_table_wilson_ci():
    import pandas as pd

    df = pd.DataFrame({"decile": range(1, 11), "count": [10] * 10, "denominator": [100] * 10,
                       "lsoa_count": [1] * 10})
    t = group_table(df)
    assert t["value"].tolist() == [0.1] * 10
    assert (t["lower_ci"] < 0.1).all() and (t["upper_ci"] > 0.1).all()


def test_blackpool_life_expectancy_gap(places):
    le = {r.sex: r for r in life_expectancy(places.get("blackpool"))}
    assert le["Male"].value < le["Male"].england
    assert le["Male"].gap == pytest.approx(le["Male"].value - le["Male"].england)
    assert le["Male"].sii is not None and le["Male"].sii > le["Male"].sii_england


def test_core20plus5_card_for_blackpool(places):
    c = card(places.get("blackpool"))
    assert c.core20.core20_share == pytest.approx(0.563, abs=0.001)
    areas = {a.key: rows for a, rows in c.areas}
    assert set(areas) == {a.key for a in clinical_areas()}
    smoking = next(r for r in areas["maternity"] if r.indicator_id == "93085")
    assert smoking.compared_to_england == "worse"
    copd = next(r for r in areas["respiratory"] if r.indicator_id == "qof-copd")
    assert copd.value > copd.england_value
    assert any(r.indicator_id == "census-65plus" for r in c.plus)


def test_coastal_flag_for_workington(places):
    for pid in ("workington-parish-wards", "workington-bua", "blackpool-town", "morecambe"):
        c = card(places.get(pid))
        assert c.coastal.startswith("Coastal"), pid
    assert card(places.get("penrith")).coastal.startswith("Non-coastal")


def test_marmot_view_groups_by_principle(places):
    groups = marmot_rows(places.get("blackpool"))
    assert len(groups) == 8
    titles = [t for t, _ in groups]
    assert titles[0].startswith("1. Give every child the best start")
    assert groups[6][1] == []  # principle 7: no ethnicity data bundled


def test_englands_residents_in_each_decile_are_drawn_beside_a_place(raw_dir, places):
    """What the same level of deprivation looks like nationally: England's value in each
    national decile, from the same sums as a place's. Decile 1's income-deprived count is
    checked against the raw IoD2019 files (File 8 numerators, File 1 deciles; csv module)."""
    import csv

    from explorer.charts import gradient_chart
    from explorer.inequalities import england_groups, england_reference
    from ui.charts import screen_spec

    deciles, numerator = {}, {}
    raw = raw_dir / "humaniverse-IMD"
    with (raw / "iod2019_lsoa11_ranks_deciles.csv").open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["lsoa11_code"].startswith("E"):
                deciles[row["lsoa11_code"]] = int(row["IMD_decile"])
    with (raw / "iod2019_lsoa11_underlying_indicators.csv").open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row["income_domain_numerator"]:  # blank: not published
                numerator[row["lsoa11_code"]] = float(row["income_domain_numerator"])
    first = sum(v for code, v in numerator.items() if deciles.get(code) == 1)

    eng = england_groups("income_deprivation", "decile")
    assert list(eng["group"]) == list(range(1, 11))
    assert england_reference("income_deprivation", places.get("england")) is None
    assert england_reference("income_deprivation", places.get("eden")).equals(eng)
    assert eng.loc[0, "count"] == pytest.approx(first)
    total = indicators.indicator_for_place(places.get("england"), "income_deprivation")
    assert eng["count"].sum() == pytest.approx(total.count)
    assert eng["denominator"].sum() == pytest.approx(total.denominator)

    g = any_gradient("income_deprivation", places.get("blackpool"))
    spec, _, subtitle, _ = screen_spec(gradient_chart(g.table, "t", "decile",
                                                      england_table=eng))
    drawn = [r for d in spec["datasets"].values() for r in d if "v" in r and "lo" not in r]
    assert [round(r["v"], 6) for r in drawn] == [round(v * 100, 6) for v in eng["value"]]
    assert "dashed line with diamonds: England's residents in the same national decile" \
        in subtitle

    from tests.apptest import open_page

    at = open_page("pages/inequalities.py", p="blackpool", ind="income_deprivation")
    table = next(m.value for m in at.markdown if "hee-table" in m.value and "England" in m.value)
    assert f"{eng.loc[0, 'value'] * 100:.1f}%" in table
