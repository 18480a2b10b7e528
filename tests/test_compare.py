"""Compare-page builders on real snapshot numbers."""

from __future__ import annotations

import pytest

from explorer.charts import decile_stack, domain_dots
from explorer.compare import (
    core20_gap,
    decile_rows,
    deprivation_indicator_rows,
    domain_rows,
    summary_sentences,
)
from explorer.profile import profile


@pytest.fixture(scope="module")
def trio(places):
    ps = [places.get(i) for i in ("workington-parish-wards", "eden", "blackpool")]
    return ps, [profile(p, 2019) for p in ps]


def test_eden_has_no_residents_in_deciles_1_and_2(trio):
    _, profs = trio
    eden = profs[1]
    assert eden.decile_population[0] == eden.decile_population[1] == 0
    rows = decile_rows(profs)
    assert rows.query("place == 'Eden' and decile <= 2")["population"].sum() == 0


def test_blackpool_profile_sums_to_population(trio):
    _, profs = trio
    rows = decile_rows(profs)
    bp = rows[rows["place"] == "Blackpool"]
    assert bp["population"].sum() == 140_162
    assert bp["share"].sum() == pytest.approx(1.0)


def test_decile_chart_carries_the_data(trio):
    _, profs = trio
    chart = decile_stack(decile_rows(profs), 2019, "t")
    spec = chart.to_dict()
    values = next(iter(spec["datasets"].values()))
    assert {v["place"] for v in values} == {"Workington (parish wards)", "Eden", "Blackpool"}
    assert spec["encoding"]["color"]["scale"]["range"][0] == "#440154"  # decile 1 darkest


def test_domain_rows_percentiles_and_ranks(trio):
    ps, profs = trio
    rows = domain_rows(profs, ps)
    assert len(rows) == 3 * 8
    bp = rows[(rows["place"] == "Blackpool") & (rows["domain_key"] == "IMD")].iloc[0]
    assert bp["district_rank"] == 1
    assert bp["percentile"] > 90
    assert rows[rows["place"] == "Workington (parish wards)"]["district_rank"].isna().all()
    assert domain_dots(rows, 2019, "t").to_dict()["mark"]["type"] == "point"


def test_indicators_compare_by_the_ci_rule(places):
    rows = {r.indicator_id: r for r in deprivation_indicator_rows(places.get("eden"))}
    inc = rows["income_deprivation"]
    assert inc.lower_ci < inc.value < inc.upper_ci
    assert inc.upper_ci < inc.england_value
    assert inc.compared_to_england == "better"
    assert rows["core20"].value == 0 and rows["core20"].lower_ci is None
    bp = {r.indicator_id: r for r in deprivation_indicator_rows(places.get("blackpool"))}
    assert bp["income_deprivation"].compared_to_england == "worse"


def test_99_8_interval_is_wider(places):
    p = places.get("workington-parish-wards")
    r95 = {r.indicator_id: r for r in deprivation_indicator_rows(p, 0.95)}["idaopi"]
    r998 = {r.indicator_id: r for r in deprivation_indicator_rows(p, 0.998)}["idaopi"]
    assert r998.lower_ci < r95.lower_ci and r998.upper_ci > r95.upper_ci


def test_summary_says_significant_only_when_ci_says_so(places, trio):
    ps, profs = trio
    england = profile(places.get("england"), 2019)
    rows = [r for p in ps for r in deprivation_indicator_rows(p)]
    text = " ".join(summary_sentences(profs, england, rows))
    assert "45.4%" in text and "England 19.9%" in text
    # Workington's older-people income deprivation CI contains England: never called worse
    wk = {r.indicator_id: r for r in rows if r.place.startswith("Workington")}
    assert wk["idaopi"].compared_to_england == "similar"
    wk_sentence = next(s for s in summary_sentences(profs, england, rows)
                       if s.startswith("Workington (parish wards) is"))
    assert "older people" not in wk_sentence.lower()


def test_core20_gap(trio):
    _, profs = trio
    wk = profs[0]
    assert core20_gap(wk, 0.345) == round(wk.core20_population - 0.345 * wk.population)
    assert core20_gap(profs[1], 0.345) == 0


def test_what_good_looks_like_matches_sex_and_polarity(places):
    from explorer.compare import place_indicator_rows, what_good_looks_like

    rows = place_indicator_rows(places.get("blackpool"))
    good = what_good_looks_like(rows).set_index("Indicator")
    male = good.loc["Life expectancy (male)", "Best North West district"]
    female = good.loc["Life expectancy (female)", "Best North West district"]
    assert male != female  # best male and female values are looked up separately
    income = good.loc["Income deprivation"]
    assert income["Gap"].endswith("fewer people to match Ribble Valley")
    # Blackpool's income-deprived residents minus Ribble Valley's rate x Blackpool's population
    r = next(x for x in rows if x.indicator_id == "income_deprivation")
    people = int(income["Gap"].split()[0].replace(",", ""))
    assert people == round((r.value / 100 - 0.0568) * r.denominator) or abs(
        people - (r.value / 100 - 0.057) * r.denominator) < 200


def test_place_legends_show_whole_names(trio):
    """The place key names each place in full ("Workington (paris…" hid which Workington):
    rendered to SVG by the export path, the legend text is the whole name, never cut."""
    from explorer.charts import indicator_forest
    from explorer.compare import indicator_frame
    from explorer.exports import chart_svg

    ps, profs = trio
    rows = [r for p in ps for r in deprivation_indicator_rows(p)]
    for chart in (domain_dots(domain_rows(profs, ps), 2019, "t"),
                  indicator_forest(indicator_frame(rows), "t", "95%")):
        svg = chart_svg(chart, "footer")
        assert "Workington (parish wards)</text>" in svg
        assert "Workington (paris…" not in svg and "…</text>" not in svg


def test_compare_page_shows_each_gap_sentence_whole():
    """"What good looks like" is an HTML table: a gap is a sentence ("3,236 fewer people to
    match Ribble Valley"), and the data grid it was drawn in cut the longer ones."""
    import re

    from tests.apptest import assert_clean, open_page

    at = open_page("pages/compare.py", p="workington-parish-wards,eden,blackpool")
    assert_clean(at)
    shown = next(m.value for m in at.markdown if "What good looks like, indicator by" in m.value)
    assert "<th scope='col' class=''>Gap</th>" in shown
    gaps = re.findall(r"<td class=''>([\d,]+ (?:fewer|more) people to match [^<]+)</td>",
                      shown)
    assert len(gaps) >= 5 and "3,236 fewer people to match Ribble Valley" in gaps


def test_compare_indicator_table_reads_across_with_the_decision_beside_its_interval():
    """The indicators table has seventeen columns and sentence-long notes: it is a wide table
    (each column as wide as its text needs, the box scrolls sideways; squeezed into the
    page's width its rows were a dozen lines tall), values and intervals stay on one line,
    and the comparison comes right after the value, interval and England value."""
    import re

    from tests.apptest import assert_clean, open_page

    at = open_page("pages/compare.py", p="workington-parish-wards,eden,blackpool")
    assert_clean(at)
    shown = next(m.value for m in at.markdown if "hee-wide" in m.value)
    heads = re.findall(r"<th scope='col' class='[^']*'>([^<]+)</th>", shown)
    i = heads.index("Value")
    assert heads[i:i + 5] == ["Value", "Interval", "England", "Compared with England",
                              "Decided on"]
    assert "Note" in heads and heads.index("Note") > heads.index("Decided on")
    assert re.search(r"<td class='short'>\d+\.\d% to \d+\.\d%</td>", shown)
    from ui import theme
    assert ".hee-table.hee-wide { width: max-content" in theme.BASE_CSS
    assert ".hee-table td.short { white-space: nowrap; }" in theme.BASE_CSS
