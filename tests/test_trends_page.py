"""The trend view (explorer/trends.py, pages/trends.py) and the `trend` CLI, on the real
snapshot: every period from the Compare page's place-value function, the marker shown."""

from __future__ import annotations

import html
import io
import json

import pandas as pd
import pytest

from explorer import charts, exports, indicators, trends
from explorer.__main__ import main
from tests.apptest import assert_clean, open_page
from tests.test_pages import chart_data


def test_each_period_is_the_compare_pages_value():
    frame = trends.trend_frame(["blackpool", "eden"], "91547")
    assert set(frame["place"]) == {"Blackpool", "Eden", "North West", "England"}
    for r in frame[frame["place_id"] == "blackpool"].itertuples():
        pv = indicators.indicator_for_place("blackpool", "91547", period=r.period)
        assert r.value == pv.value and r.compared_to_england == pv.compared_to_england
    assert frame["period"].nunique() == len(indicators.periods("91547"))


def test_qof_smoking_marker_matches_fingertips_published_blackpool(raw_dir):
    # Fingertips' export gives the marker for the latest period of each district.
    import pandas as pd

    d = pd.read_csv(raw_dir / "gp_practice_heec"
                    / "fingertips_91547_smoking_qof_prevalence_all_areas.csv")
    latest = indicators.periods("91547")[-1]
    pub = d[(d["Area Code"] == "E06000009") & (d["Time period"] == latest)]
    ours = trends.recent_trend("blackpool", "91547")
    if pub["Recent Trend"].notna().any():
        assert ours.marker == pub["Recent Trend"].iloc[0]
    assert ours.marker == "Decreasing and getting better"


def test_rolling_life_expectancy_is_not_tested_and_title_states_the_finding():
    frame = trends.trend_frame(["blackpool"], "90366", "Male")
    assert set(frame["recent_trend"]) == {"Cannot be calculated"}
    assert "overlap" in frame["recent_trend_reason"].iloc[0]
    title = trends.finding_title(frame, "90366")
    assert title.startswith("Blackpool's male life expectancy has fallen from")
    assert "while England's has" in title


def test_gaps_are_kept_as_missing_periods():
    frame = trends.trend_frame(["blackpool"], "93563")  # a biennial survey, with breaks
    assert trends.recent_trend("blackpool", "93563").marker == "Cannot be calculated"
    chart = trends.trend_chart(frame, "93563", "t").to_dict()
    assert chart["title"]["text"] == ["t"]


def test_a_place_with_no_value_in_a_column_keeps_it_missing_not_nan():
    # the North West has no count or denominator for falls admissions (22401): its rows
    # are missing there, and the chart's rows say null, never NaN (not JSON)
    frame = trends.trend_frame(["allerdale", "north-west"], "22401", "Male")
    assert frame["count"].dtype == "float64" and frame["value"].dtype == "float64"
    assert frame.loc[frame["place_id"] == "north-west", "count"].isna().all()
    spec = exports.chart_dict(trends.trend_chart(frame, "22401", "t"))
    json.dumps(spec["datasets"], allow_nan=False)  # raises on a NaN or an infinity


def _ringed(chart: dict) -> list[dict]:
    """The rows of the chart's ring layer (values of another area), from the inline data."""
    layer = next((lay for lay in chart["layer"] if lay.get("mark", {}).get("size") == 420),
                 None)
    if layer is None:
        return []
    return chart["datasets"][layer["data"]["name"]]


def test_another_areas_value_is_ringed_on_the_chart():
    """Borrowed is visibly borrowed: Eden's 2022/23 smoking value is Westmorland and
    Furness's; that one point is ringed and the subtitle says what a ring means. Blackpool's
    own series has no ring."""
    frame = trends.trend_frame(["eden"], "91547")
    chart = trends.trend_chart(frame, "91547", "t").to_dict()
    ringed = _ringed(chart)
    eden = frame[frame["place_id"] == "eden"]
    lent = eden[trends.lent(eden, "Eden")]
    assert len(lent) >= 1
    assert all(u.startswith("Westmorland and Furness") for u in lent["geography_used"])
    assert sorted((r["place"], r["period"]) for r in ringed) == sorted(
        ("Eden", p) for p in lent["period"])
    assert trends.RINGED in " ".join(chart["title"]["subtitle"])  # said on the chart too
    own = trends.trend_chart(trends.trend_frame(["blackpool"], "91547"), "91547", "t")
    assert _ringed(own.to_dict()) == []
    assert trends.RINGED not in " ".join(own.to_dict()["title"]["subtitle"])
    # end labels: limited to what a phone box can spare, whole names from a laptop up; no
    # right padding on top (Vega's fit-x already makes room for the labels)
    labels = [lay for lay in chart["layer"] if lay.get("mark", {}).get("type") == "text"]
    limit = labels[0]["mark"]["limit"]["expr"]
    phone, laptop, wide = trends.END_LABEL_PX
    assert limit == f"{charts.PHONE} ? {phone} : {charts.WIDE} ? {wide} : {laptop}"
    assert chart["padding"]["right"] == 5


def test_cli_trend_json_and_csv():
    out = io.StringIO()
    assert main(["trend", "Blackpool", "--indicator", "91547"], out=out) == 0
    rec = json.loads(out.getvalue())
    assert rec["recent_trend"] == "Decreasing and getting better"
    assert rec["trend_method"].startswith("chi-square test for trend")
    assert len(rec["periods"]) == len(indicators.periods("91547"))
    first = rec["periods"][0]
    assert set(first) == {"period", "value", "lower_ci", "upper_ci", "ci_level", "count",
                          "denominator", "compared_to_england"}
    out = io.StringIO()
    assert main(["trend", "blackpool", "--indicator", "90366", "--sex", "Male", "--format",
                 "csv"], out=out) == 0
    assert out.getvalue().splitlines()[0].startswith("period,value,lower_ci")
    assert main(["trend", "blackpool", "--indicator", "no-such"], out=io.StringIO()) == 2


def test_cli_indicators_have_recent_trend():
    out = io.StringIO()
    assert main(["indicators", "blackpool"], out=out) == 0
    recs = json.loads(out.getvalue())
    assert all("recent_trend" in r for r in recs)
    smoking = next(r for r in recs if r["indicator_id"] == "91547")
    assert smoking["recent_trend"] == "Decreasing and getting better"


@pytest.mark.parametrize("sex", ["Male"])
def test_trend_page_opens_by_url_with_two_places(sex):
    at = open_page("pages/trends.py", p="blackpool,eden", ind="90366", sex=sex)
    assert_clean(at)
    rows = chart_data(at)
    periods = indicators.periods("90366", sex)
    for place in ("Blackpool", "Eden", "England"):
        got = {r["period"] for r in rows if r["place"] == place and r["value"] is not None}
        assert got == set(periods), place
    assert at.multiselect[0].value == ["blackpool", "eden"]
    markers = next(m.value for m in at.markdown if "Recent trend by place" in m.value)
    assert markers.index("<td class=''>Blackpool</td>") < markers.index("<td class=''>Eden</td>")
    assert "<th scope='col' class=''>Recent trend</th>" in markers
    # the reason is a sentence in a cell that wraps (a data grid cut it mid-sentence)
    why = trends.marker_rows(trends.trend_frame(["blackpool", "eden"], "90366", sex))["Why"]
    assert all(html.escape(" ".join(w.split())) in markers for w in why if w)
    text = " ".join(m.value for m in at.markdown)
    assert "recent trend" in text


def test_trend_page_bad_link_gives_messages():
    at = open_page("pages/trends.py", p="atlantis", ind="nope", sex="Other")
    assert_clean(at)
    shown = " ".join(str(x.value) for x in [*at.info, *at.warning])
    assert "atlantis" in shown and "indicator" in shown


def test_glance_every_district_and_indicator():
    from explorer import glance

    c = glance.cells(2019)
    rows = glance.rows()
    assert c["place_id"].nunique() == 39 and len(glance.nw_districts(2024)) == 35
    assert len(c) == 39 * len(rows)
    # a cell is the Compare page's latest value for the district
    cell = c[(c["place_id"] == "blackpool") & (c["indicator_id"] == "91547")].iloc[0]
    pv = indicators.indicator_for_place("blackpool", "91547")
    assert cell["value"] == pv.value and cell["compared_to_england"] == pv.compared_to_england
    assert cell["recent_trend"] == trends.recent_trend("blackpool", "91547").marker
    table, cells = glance.rug(2019, "marmot", "worsening")
    assert set(cells.loc[cells["shown"], "compared_to_england"]) <= {"worse"}
    assert len(table) < len(glance.rug(2019)[0])


def test_glance_page_renders_and_filters():
    at = open_page("pages/glance.py", flt="worse", view="core20plus5")
    assert_clean(at)
    assert "worse than England" in at.subheader[0].value
    grid = at.dataframe[0].value
    assert "Blackpool" in grid.columns and len(grid) > 5
    # the headline's counts carry separators ("424 of 2100" read as a code)
    import re
    at = open_page("pages/glance.py")
    assert re.match(r"[\d,]+ of \d{1,3},\d{3} district values", at.subheader[0].value)
    # the twin (2,379 rows: 735 of the page's 926 kB) is sent only once its expander opens
    assert len(at.dataframe) == 1
    label = next(e.label for e in at.expander if e.label.startswith("Table (one row"))
    assert label.endswith(": 2,379 rows)")
    at.session_state["glance_twin"] = True
    at.run()
    assert_clean(at)
    assert len(at.dataframe) == 2 and len(at.dataframe[1].value) == 2379


def test_compare_and_core20plus5_rows_link_to_the_trend():
    at = open_page("pages/compare.py", p="blackpool,eden")
    assert_clean(at)
    # the indicator table twin is the shared HTML table (ui/tables.py): find the row
    table = next(m.value for m in at.markdown if "hee-table" in m.value and "Open trend" in m.value)
    row = next(r for r in table.split("<tr>")
               if ">Smoking at delivery (female)<" in r and ">Blackpool<" in r)
    assert "href='/trends?p=blackpool&amp;ind=93085'" in row
    assert f">{trends.recent_trend('blackpool', '93085').marker}<" in row
    at = open_page("pages/core20plus5.py", p="blackpool")
    assert_clean(at)
    captions = " ".join(c.value for c in at.caption)
    assert "Recent trend:" in captions and "(/trends?p=blackpool&ind=" in captions


def test_end_labels_that_would_overlap_are_pushed_apart():
    """England and Workington both end at 14.7 %: their names are drawn at least 15 px apart,
    centred on the lines; labels already clear of each other are not moved."""
    off = trends.label_offsets([14.7, 14.7, 30.0], low=10.0, high=32.0)
    assert abs(off[1] - off[0]) >= trends.LABEL_GAP_PX and off[2] == 0.0
    assert abs(off[0] + off[1]) < 0.2  # the pair centred on where both lines end
    assert trends.label_offsets([12.0, 20.0], 10.0, 22.0) == [0.0, 0.0]
    frame = trends.trend_frame(["workington-parish-wards", "blackpool"], "91547")
    chart = trends.trend_chart(frame, "91547", "t").to_dict()
    text = next(layer for layer in chart["layer"] if layer["mark"]["type"] == "text")
    assert text["encoding"]["y"]["field"] == "label_y"
    ends = {r["place"]: r for r in chart["datasets"][text["data"]["name"]]}
    apart = abs(ends["England"]["label_y"] - ends["Workington (parish wards)"]["label_y"])
    assert apart > abs(ends["England"]["value"] - ends["Workington (parish wards)"]["value"])
    assert ends["Blackpool"]["label_y"] == ends["Blackpool"]["value"]  # clear: not moved


def test_borrowed_note_names_the_lender_and_the_periods():
    """A town shown as its district says whose values, and when only some periods are."""
    from explorer.trends import borrowed_note, lent

    def series(used: list[object]) -> pd.DataFrame:
        return pd.DataFrame({"period": [f"20{10 + i}/{11 + i}" for i in range(len(used))],
                             "value": [1.0] * len(used), "geography_used": used})

    own = series(["Workington (BUA)", None, "Workington (BUA)"])
    assert borrowed_note(own, "Workington") == "" and not lent(own, "Workington").any()
    every = series(["Allerdale", "Allerdale", "Cumberland"])
    assert borrowed_note(every, "Workington") == "values of Allerdale, Cumberland"
    some = series([None, "Allerdale", "Workington (BUA)"])
    assert borrowed_note(some, "Workington") == "2011/12: values of Allerdale"
    many = series(["Allerdale"] * 5 + [None])
    assert borrowed_note(many, "Workington") == "5 periods: values of Allerdale"


def test_a_finding_drawn_from_another_areas_values_says_so():
    """Workington's smoking line is Allerdale's then Cumberland's values: the finding (the
    chart's title and text alternative) names them; Blackpool's own values do not."""
    from explorer.places import registry

    reg = registry()
    town = trends.trend_frame([reg.get("workington-bua")], "91547")
    title = trends.finding_title(town, "91547")
    assert title.startswith("Workington (built-up area)'s smoking")
    assert "(values of Allerdale (district), Cumberland (district from April 2023))" in title
    own = trends.finding_title(trends.trend_frame([reg.get("blackpool")], "91547"), "91547")
    assert "values of" not in own


def test_a_chart_without_bars_says_what_decided_its_points():
    """Life expectancy's district series carry OHID's "compared to England" labels but no
    limits: the chart promised "Bars: 95% confidence intervals" and drew none. Its subtitle
    and the page's caption now say the comparisons are OHID's own; a series with limits
    keeps the bars sentence."""
    from explorer.places import registry
    from ui.charts import screen_spec

    places = [registry().get("blackpool"), registry().get("eden")]
    le = trends.trend_frame(places, "90366", "Male")
    assert le["lower_ci"].isna().all() and (le["compared_to_england"] == "worse").any()
    bare = ("No bars: the published data carry no limits; each comparison is OHID's own "
            "(95%).")
    assert trends.intervals_note(le, "90366") == bare
    subtitle = screen_spec(trends.trend_chart(le, "90366", "t"))[2]
    assert bare in subtitle and "Bars: 95%" not in subtitle
    qof = trends.trend_frame(places, "91547", "Persons")
    assert qof["lower_ci"].notna().any()
    assert trends.intervals_note(qof, "91547").startswith("Bars: 95% confidence intervals")
    mixed = pd.concat([qof, le.assign(comparison_basis="as published")])
    assert "a point without a bar is OHID's own comparison (95%)" in trends.intervals_note(
        mixed, "91547")
    # QOF depression (Fingertips compares QOF prevalence at 99.8%): its own level
    dep = trends.trend_frame(places, "848", "Persons")
    assert dep["lower_ci"].isna().all() and (dep["compared_to_england"] == "higher").any()
    assert trends.intervals_note(dep, "848").endswith("OHID's own (99.8%).")

    at = open_page("pages/trends.py", p="blackpool,eden", ind="90366")
    assert_clean(at)
    assert any(bare in c.value for c in at.caption), [c.value[:80] for c in at.caption]


def test_an_end_label_starts_clear_of_a_ring():
    """Eden's life expectancy ends on Westmorland and Furness's value (ringed); its end
    label started under the ring (radius ~12 px at size 420)."""
    import math

    from explorer.places import registry
    from ui.charts import screen_spec

    frame = trends.trend_frame([registry().get("eden")], "90366", "Male")
    spec = screen_spec(trends.trend_chart(frame, "90366", "t"))[0]
    ring = next(lay for lay in spec["layer"] if lay["mark"].get("size") == 420)
    text = next(lay for lay in spec["layer"] if lay["mark"].get("type") == "text")
    radius = math.sqrt(ring["mark"]["size"] / math.pi) + ring["mark"]["strokeWidth"] / 2
    assert text["mark"]["dx"] > radius
    plain = trends.trend_frame([registry().get("blackpool")], "90366", "Male")
    spec = screen_spec(trends.trend_chart(plain, "90366", "t"))[0]
    assert next(lay for lay in spec["layer"] if lay["mark"].get("type") == "text"
                )["mark"]["dx"] == 9
