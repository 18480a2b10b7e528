"""One number, one path: the place-value engine and every consumer of its records agree.

The Compare page rows, the place brief, the CLI and the CORE20PLUS5 card are built from the
same :class:`explorer.values.PlaceValue` records; these tests fail if any two of them print
a different value, interval or label for the same place and indicator, if a printed
interval is not the one the label was decided on, or if a borrowed value is not marked.
"""

from __future__ import annotations

import random
import re

import pytest

from explorer import brief, indicators
from explorer.__main__ import indicator_records
from explorer.compare import format_value, place_indicator_rows
from explorer.core20plus5 import card
from explorer.figure import indicator_figure

FIXED = ("eden", "blackpool", "cumberland", "workington-parish-wards", "allerdale",
         "lsc-north-cumbria", "england")


def _sample(places, n: int = 6, seed: int = 9) -> list:
    """The fixed places and a seeded random draw of other built-in places of every kind."""
    rng = random.Random(seed)
    pool = [p for p in places.all() if p.id not in FIXED]
    return [places.get(i) for i in FIXED] + rng.sample(pool, n)


def _key(r) -> tuple[str, str | None]:
    return r.indicator_id, r.sex


def _same(a, b, what: str) -> None:
    for field in ("value", "lower_ci", "upper_ci", "confidence", "count", "denominator",
                  "england_value"):
        x, y = getattr(a, field) if not isinstance(a, dict) else a[field], \
            getattr(b, field) if not isinstance(b, dict) else b[field]
        assert (x is None and y is None) or x == pytest.approx(y, rel=1e-12, abs=1e-12), \
            (what, field, x, y)
    la = a["compared_to_england"] if isinstance(a, dict) else a.compared_to_england
    lb = b["compared_to_england"] if isinstance(b, dict) else b.compared_to_england
    assert la == lb, (what, la, lb)


def test_cli_england_inside_printed_limits_iff_similar(places):
    """For every record compared by interval: England inside the printed limits <=>
    'similar' (the interval shown is the interval that decides)."""
    checked = 0
    for place in _sample(places):
        for conf in (None, 95, 99.8):
            for rec in indicator_records(place, conf):
                if not rec["comparison_basis"].endswith(" CI"):
                    continue  # published labels, exact counts, no interval
                lo, hi, eng = rec["lower_ci"], rec["upper_ci"], rec["england_value"]
                assert rec["confidence"] == rec["comparison_confidence"], rec
                inside = lo <= eng <= hi
                assert inside == (rec["compared_to_england"] == "similar"), (place.id, rec)
                checked += 1
    assert checked > 200


def test_published_interval_is_never_replaced_by_a_narrower_wilson(places):
    # children in absolute low income, Cumberland 2022/23: published 14.79-15.72, England
    # 15.6 -> similar (a Wilson interval from the counts would say "better")
    pv = indicators.indicator_for_place(places.get("cumberland"), "93701", period="2022/23")
    assert (pv.lower_ci, pv.upper_ci) == pytest.approx((14.79, 15.72))
    assert pv.interval_method == "published" and pv.confidence == 95
    assert pv.england_value == pytest.approx(15.6)
    assert pv.compared_to_england == "similar"
    for conf in (95, 99.8):  # the control does not touch published limits
        again = indicators.indicator_for_place(places.get("cumberland"), "93701",
                                               period="2022/23", confidence=conf)
        assert (again.lower_ci, again.upper_ci) == (pv.lower_ci, pv.upper_ci)


def test_confidence_control_changes_limits_and_label_together(places):
    bpl = places.get("blackpool")
    r95 = indicators.indicator_for_place(bpl, "qof-dm", confidence=95)
    r998 = indicators.indicator_for_place(bpl, "qof-dm", confidence=99.8)
    assert r95.confidence == r95.comparison_confidence == 95
    assert r998.confidence == r998.comparison_confidence == 99.8
    assert r998.lower_ci < r95.lower_ci < r95.value < r95.upper_ci < r998.upper_ci
    assert r95.interval_label == "95% (Wilson)" and r998.interval_label == "99.8% (Wilson)"


def test_consumers_hold_identical_values_limits_and_labels(places):
    """Compare rows, the brief, the CLI and the CORE20PLUS5 card agree, for random places."""
    for place in _sample(places, n=4, seed=14):
        if place.kind == "country":
            continue
        compare = {_key(r): r for r in place_indicator_rows(place, 0.95)}
        cli = {(r["indicator_id"], r["sex"]): r for r in indicator_records(place, 95)}
        c = card(place, 0.95)
        sections, data = brief.build_sections([place], 0.95)
        brief_rows = {_key(r): r for r in data["rows"]}
        assert set(brief_rows) == set(compare)
        for k, r in compare.items():
            _same(r, brief_rows[k], f"brief {place.id} {k}")
            if r.value is not None:
                _same(r, cli[k], f"cli {place.id} {k}")
        for r in c.rows:
            _same(r, cli[_key(r)], f"card {place.id} {_key(r)}")
            if _key(r) in compare:
                _same(r, compare[_key(r)], f"card/compare {place.id} {_key(r)}")
        # the brief prints the page's own headline (one figure object)
        page_title = indicator_figure(list(compare.values()), "95%").title
        html = brief.render(sections, data, "http://x", "now")
        assert page_title in html


def test_borrowed_values_are_marked_and_counted_apart(places):
    wk = places.get("workington-parish-wards")
    rows = place_indicator_rows(wk)
    lent = [r for r in rows if r.borrowed]
    assert lent and all(r.lender and r.fit == "containing area" for r in lent)
    assert {"Allerdale (district)", "Cumberland (district from April 2023)"} >= \
        {r.lender for r in lent}
    fig = indicator_figure(rows, "95%")
    m = re.search(r"(\d+) of (\d+) .* and (\d+) values? taken from larger areas", fig.title)
    assert m, fig.title
    plot = fig.chart.to_dict()
    data = next(iter(plot["datasets"].values()))
    hollow = [d for d in data if d["borrowed"]]
    assert hollow and all(d["fit_label"].startswith("taken from ") for d in hollow)
    assert int(m.group(3)) == len(hollow)
    assert int(m.group(2)) == len(data) - len(hollow)
    # the fill is white exactly for borrowed points (hollow markers)
    points = [lay for lay in plot["layer"] if lay["encoding"].get("fill")]
    assert points[0]["encoding"]["fill"]["condition"] == {"test": "datum.borrowed",
                                                           "value": "#ffffff"}
    assert set(fig.export["lender"].dropna()) == {r.lender for r in lent}
    assert "Taken from a larger area" in fig.table.columns


def test_former_district_prefers_its_own_latest_figure(places):
    eden = places.get("eden")
    own = indicators.indicator_for_place(eden, "90366", sex="Female")
    assert own.period == "2019 - 21" and own.fit == "own" and own.lender is None
    latest = indicators.indicator_for_place(eden, "90366", sex="Female", prefer="latest")
    assert latest.fit == "containing area"
    assert latest.lender.startswith("Westmorland and Furness")
    assert latest.period != own.period


def test_units_fit_the_number(places):
    for place in _sample(places, n=4, seed=3):
        for r in indicators.indicators_for_place(place):
            if r.unit == "%" and r.value is not None:
                assert 0 <= r.value <= 100, (place.id, r.indicator_id, r.value)
                for lim in (r.lower_ci, r.upper_ci):
                    assert lim is None or -1e-9 <= lim <= 100 + 1e-9
            m = indicators.meta(r.indicator_id)
            if m.ci_method == "none":  # complete counts or unsampled: no caveat
                assert not r.small_number, (place.id, r.indicator_id)
    smi = indicators.indicator_for_place(places.get("blackpool"), "91096")
    assert smi.unit == "ratio" and format_value(smi.value, smi.unit) == "525.3"
    rural = indicators.indicator_for_place(places.get("blackpool"), "rural-share")
    assert rural.value == 0 and not rural.small_number


def test_age_restricted_registers_say_their_age_group():
    assert indicators.meta("qof-dm").age_group == "17+"
    assert indicators.meta("qof-dep").age_group == "18+"
    assert indicators.meta("qof-copd").age_group is None  # all ages


def test_registry_load_does_not_mutate_the_app_registry(tmp_path):
    text = indicators.INDICATORS_FILE.read_text(encoding="utf-8")
    before = dict(indicators.registry().marmot_principles)
    path = tmp_path / "indicators.yaml"
    path.write_text(text.replace("Give every child the best start in life", "Changed"),
                    encoding="utf-8")
    other = indicators.load_registry(path)
    assert other.marmot_principles[1] == "Changed"
    assert dict(indicators.registry().marmot_principles) == before


def test_deprivation_counts_are_registry_entries_summed_like_any_lsoa_indicator(places):
    from explorer.store import derived_data

    ids = [m.id for m in indicators.registry().tagged("deprivation")]
    assert ids == ["core20", "income_deprivation", "employment_deprivation", "idaci",
                   "idaopi"]
    bpl = places.get("blackpool")
    pv = indicators.indicator_for_place(bpl, "core20")
    from explorer.profile import profile

    pr = profile(bpl, 2019)
    assert pv.count == pr.core20_population and pv.denominator == pr.population
    assert pv.value == pytest.approx(pr.core20_share * 100)
    data = derived_data("income_deprivation")
    dec = indicators.by_deprivation_decile("income_deprivation", bpl)
    inc = indicators.indicator_for_place(bpl, "income_deprivation")
    assert dec["count"].sum() == pytest.approx(inc.count)
    assert data.count.sum() > inc.count


def test_slice_text_columns_are_compact_and_read_as_the_rows():
    """A slice's text columns are the categorical codes (not a list per row) and read back
    exactly the rows' values, missing as None, for a stored and a derived indicator."""
    import numpy as np
    import pandas as pd

    from explorer import store

    for ind in ("91547", "core20"):
        frame = store.raw(ind)
        period = frame["period"].iloc[-1]
        sl = store.slice_of(ind, period, "Persons")
        keep = ((frame["period"] == period) & (frame["sex"] == "Persons")
                & frame["category"].isna()).to_numpy(dtype=bool)
        if store.meta(ind).method == "derived":  # LSOA counts are kept apart, as LsoaData
            keep = keep & (frame["area_type"] != "lsoa").to_numpy(dtype=bool)
        rows = frame[keep]
        for labels, col in ((sl.codes, "area_code"), (sl.area_type, "area_type"),
                            (sl.age, "age"), (sl.value_note, "value_note"),
                            (sl.compared, "compared_to_england")):
            want = [None if pd.isna(v) else v for v in rows[col].tolist()]
            assert list(labels) == want and [labels[i] for i in range(len(want))] == want
            assert labels.codes.dtype.itemsize <= 4 and isinstance(labels.codes, np.ndarray)
        assert sl.any_msoa == bool((rows["area_type"] == "msoa").any())
    plain = store.Labels(pd.Series(["a", None, "b", "a"]))
    assert list(plain) == ["a", None, "b", "a"] and plain.has("b") and not plain.has("c")


def test_a_place_spanning_districts_names_the_range_of_their_published_values(places):
    """No combined life expectancy can be made for Lancashire and South Cumbria with North
    Cumbria, but the note says what its districts' own published values span, lowest and
    highest named, in the same period, and both ends are those districts' own figures."""
    from explorer import geography as geog

    region = places.get("lsc-north-cumbria")
    pv = indicators.indicator_for_place(region, "90366", sex="Male")
    assert pv.value is None
    assert f"In {pv.period} the districts' own values" in pv.geography_note
    m = re.search(r"the districts' own values \((all (\d+)|(\d+) of the (\d+)) districts of "
                  r"(2019|2024) mostly inside it have one\) range from ([\d.]+) years in "
                  r"(.+?) to ([\d.]+) years in (.+?)\.", pv.geography_note)
    assert m, pv.geography_note
    level = "lad19" if m.group(5) == "2019" else "lad24"
    number, sizes = geog.level_numbers(level)
    counts = geog.lsoa_set(tuple(region.lsoa11), 2011).counts(level)
    inside = [c for c, k in counts.items() if 2 * k >= sizes[number[c]]]
    assert int(m.group(2) or m.group(4)) == len(inside) >= 14
    own = {}
    for code in inside:
        d = indicators.indicator_for_place(code, "90366", sex="Male", period=pv.period)
        if d.value is not None and d.fit == "own":
            own[geog.names(level)[code]] = d.value
    lo, hi = min(own, key=own.get), max(own, key=own.get)
    assert (m.group(7), m.group(9)) == (lo, hi) == ("Blackpool", "Ribble Valley")
    assert float(m.group(6)) == pytest.approx(own[lo], abs=0.05)
    assert float(m.group(8)) == pytest.approx(own[hi], abs=0.05)


def test_an_interval_is_written_with_enough_decimals_to_show_its_width():
    """'0.5% (0.5%–0.5%)' read as no uncertainty at all; the limits get up to two more
    decimals where one would write them the same, and no more than they need."""
    from explorer.registry import format_interval

    assert format_interval(22.81, 23.24, "%") == ("22.8%", "23.2%")
    assert format_interval(0.512, 0.548, "%") == ("0.51%", "0.55%")
    assert format_interval(0.5121, 0.5129, "%") == ("0.512%", "0.513%")
    assert format_interval(0.5, 0.5, "%") == ("0.5%", "0.5%")  # a real zero width stays
    assert format_interval(184.12, 184.14, "per 100,000") == ("184.12 per 100,000",
                                                             "184.14 per 100,000")
    assert format_interval(None, None, "%") == ("–", "–")
    assert format_interval(5, 6, "count") == ("5", "6")


def test_no_interval_on_the_core20plus5_page_reads_as_one_number():
    """The page's default place showed 'Learning disability (QOF): 0.5% (0.5%–0.5%, 95%
    (Wilson))' for a Wilson interval of 0.48% to 0.55%."""
    import re

    from tests.apptest import open_page

    at = open_page("pages/core20plus5.py")
    lines = [m.value for m in at.markdown if "–" in m.value]
    intervals = [re.search(r"\(([^()–]+)–([^(),]+),", t) for t in lines]
    intervals = [m.groups() for m in intervals if m]
    assert intervals, lines[:3]
    assert not [(lo, hi) for lo, hi in intervals if lo.strip() == hi.strip()], intervals
    assert any("Learning disability (QOF)**: 0.5% (0.48%–0.55%" in t for t in lines)


def test_a_published_label_without_limits_says_what_decided_it(places):
    """Fingertips' district extracts carry OHID's "compared to England" label for life
    expectancy, smoking and others, but not the limits it was decided on. The label never
    stands alone beside the value: the card line, the Compare chart's tooltip and the table
    twin all say it is OHID's own 95% comparison and that its limits are not in the data."""
    from explorer import values
    from explorer.charts import indicator_forest
    from explorer.compare import indicator_frame
    from explorer.figure import INDICATOR_TABLE
    from tests.apptest import open_page
    from ui.charts import screen_spec

    bp = places.get("blackpool")
    aps = values.indicator_for_place(bp, "92443")  # APS smoking, 2024: 20.8% against 10.4%
    assert (aps.value, aps.england_value, aps.compared_to_england) == (20.8, 10.4, "worse")
    assert aps.lower_ci is None and aps.label_without_limits
    assert aps.decided_on == ("OHID's own 95% comparison; its limits are not in the "
                              "published data")
    qof = values.indicator_for_place(bp, "91547")  # published label with published limits
    assert qof.lower_ci is not None and not qof.label_without_limits
    assert qof.decided_on == "OHID's own 95% comparison, on the limits shown"
    wilson = values.indicator_for_place(bp, "qof-ld")
    assert wilson.decided_on == wilson.comparison_basis and wilson.decided_on.endswith("CI")

    frame = indicator_frame([aps, qof])
    assert INDICATOR_TABLE["decided_on"] == "Decided on"
    assert list(frame["decided_on"]) == [aps.decided_on, qof.decided_on]
    spec, _, subtitle, _ = screen_spec(indicator_forest(frame, "t", "95%"))
    rows = [r for d in spec["datasets"].values() for r in d]
    assert {r["decided_on"] for r in rows} == {aps.decided_on, qof.decided_on}
    assert next(r for r in rows if r["label"] == aps.label)["interval_label"] == "none"
    assert "a judged dot without a bar: OHID's own comparison" in subtitle
    tips = [t for lay in spec["layer"] for t in lay.get("encoding", {}).get("tooltip", [])]
    assert {"field": "decided_on", "type": "nominal", "title": "Decided on"} in tips

    smi = values.indicator_for_place(bp, "91096")  # excess U75 mortality in SMI
    assert smi.compared_to_england == "not compared" and not smi.label_without_limits

    at = open_page("pages/core20plus5.py", p="blackpool")
    line = next(m.value for m in at.markdown if m.value.startswith("**Adult smoking (APS)**"))
    assert line.endswith(":red-badge[Worse] *(OHID's own 95% comparison; its limits are not "
                         "in the published data)*"), line
    smi_line = next(m.value for m in at.markdown if m.value.startswith(f"**{smi.label}**"))
    assert smi_line.endswith("[Not compared]"), smi_line
