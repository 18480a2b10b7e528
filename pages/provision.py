"""Is care where need is? Need against resource in general practice (the inverse care law)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import provision as pv
from explorer import state as url_state
from explorer.provision_charts import MAX_POINTS, gap_lines, gradient_bars, quadrant_scatter
from ui import exports, tables
from ui.charts import show as show_chart
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.widgets import PLACE_KINDS, place_label, place_link, place_options, resolve

require_app_frame()

PAGE = "provision"
GROUPINGS = tuple(pv.GROUPINGS)
YEAR_KEYS = [y.replace("/", "-") for y in pv.YEARS]  # URL form: 2022-23
DEFAULT_PLACE = "north-west"
#: The practices grid as people read it: money in pounds, counts with thousands separators,
#: scores and rates to one decimal (the published IMD scores have three, unevenly shown);
#: the CSV keeps the raw values.
_NUM = st.column_config.NumberColumn
PRACTICE_COLUMNS = {
    "Practice IMD score": _NUM(format="%.1f"),
    "£ per weighted patient": _NUM(format="£%.2f"),
    "Care £ per weighted patient": _NUM(format="£%.2f"),
    "£ per registered patient": _NUM(format="£%.2f"),
    "Registered patients": _NUM(format="%,.0f"),
    "Weighted patients": _NUM(format="%,.0f"),
    "Payments (£)": _NUM(format="£%,.0f"),
    "List living in place": _NUM(format="percent"),
    "Life expectancy M": _NUM(format="%.1f"),
    "Life expectancy F": _NUM(format="%.1f"),
    "Hypertension %": _NUM(format="%.1f"),
    "CQC rating (latest)": st.column_config.TextColumn(width=170),  # "Requires improvement"
}


def _money(v: float | None) -> str:
    return "–" if v is None or pd.isna(v) else f"£{v:,.2f}"


P, GRP, YR = url_state.PLACES, url_state.GROUPING, url_state.YEAR
seed(PAGE, validators={P: place_link(single=True), GRP: url_state.allowed(GRP, "grouping"),
                       YR: url_state.choice(YEAR_KEYS, "year")},
     defaults={P: DEFAULT_PLACE, GRP: "quintile", YR: YEAR_KEYS[-1]})
st.title("Is care where need is?")
st.markdown("General practice payments set against need, practice by practice: are practices "
            "serving more deprived patients resourced for it? (The *inverse care law*: good "
            "care tends to vary inversely with the need for it.)")
show_messages()

g: pv.Gradient | None = None
with guard("Need against resource"):
    cols = st.columns([3, 2, 2])
    options = place_options(PLACE_KINDS) + list(st.session_state.get("custom_places", {}))
    if st.session_state.get(widget_key(P)) not in options:
        st.session_state[widget_key(P)] = DEFAULT_PLACE
    place_id = cols[0].selectbox("Place", options, key=widget_key(P), format_func=place_label,
                                 help="England, a region, an ICB or any place: practices "
                                      "with at least half of their registered list living "
                                      "in it.")
    year_key = cols[1].selectbox("Financial year", YEAR_KEYS[::-1], key=widget_key(YR),
                                 format_func=lambda k: k.replace("-", "/"))
    grouping = cols[2].segmented_control("Groups", GROUPINGS, key=widget_key(GRP),
                                         format_func=str.title) or "quintile"
    link_state = {P: [place_id], GRP: grouping, YR: year_key}
    publish(link_state)
    copy_link(PAGE, link_state)
    place = resolve(place_id)
    year = pv.year_label(year_key)
    source = pv.SOURCE.format(year=year)
    try:
        g = pv.gradient(place, year, grouping)
    except pv.ProvisionError as exc:
        st.warning(str(exc), icon=":material/info:")
        g = None

if g is not None:
    with guard("Need against resource"):
        st.subheader(g.title)
        st.markdown(pv.care_sentence(g))
        t = g.total
        m = st.columns(4)
        m[0].metric("Practices", f"{t['practices']:,}")
        m[1].metric("Registered patients", f"{t['registered_patients']:,.0f}")
        m[2].metric("£ per weighted patient", _money(t["payments_per_weighted_patient"]),
                    help="Total NHS payments ÷ Carr-Hill weighted patients, all the place's "
                         "practices.")
        m[3].metric("Care £ per weighted patient", _money(t["care_payments_per_weighted_patient"]),
                    help="Less dispensing, premises and other non-care items (listed below).")
        st.caption(pv.coverage_sentence(g))

        if pv.is_england(place):
            chart = gradient_bars(g.groups, g.title, grouping)
        else:  # England's figures drawn beside the place's: what the finding compares with
            chart = gradient_bars(g.groups, g.title, grouping,
                                  g.england["payments_per_weighted_patient"], g.england_groups)
        show_chart(chart)
        st.caption(f"{year}. {pv.DEFINITION.format(grouping=grouping)} Source: {source}")
        twin = pv.gradient_table(place, year, grouping)
        with st.expander("Table: payments and need by group"):
            # the shared table format: a missing value is an em dash, never "None"
            tables.show(twin, {
                "Practices": tables.INT, "Registered patients": tables.INT,
                "Weighted patients": tables.INT,
                **{c: tables.num(2) for c in twin.columns if "£" in c},
                **{c: tables.num(1) for c in pv.NEED_MEASURES.values()}},
                label="Payments and need by group", wide=True, max_height=None)
        exports.downloads(f"provision-gradient-{place.id}-{year_key}", twin, g.title, [source],
                          PAGE, link_state, chart=chart)

        st.markdown("**Need by group** (patient-weighted means of the practices' values)")
        need = pv.need_table(place, year, grouping)
        tables.show(need, {"Practices": tables.INT,
                           **{c: tables.num(1) for c in pv.NEED_MEASURES.values()}},
                    label="Need by group", wide=True, max_height=None)
        edition = "IMD 2015" if year < "2019/20" else "IMD 2019"
        st.caption(f"Practice IMD: Fingertips 93553 ({edition}); life expectancy: "
                   "Fingertips 650 (MSOA-based, 2016-20); QOF 2021/22 "
                   "recorded prevalence (register ÷ QOF list size). Weighted by registered "
                   f"patients in {year}. OHID, NHS Digital; Open Government Licence v3.0.")

    with guard("The gap over time"):
        trend = pv.gap_trend(place, grouping)
        ttitle = pv.trend_title(trend, place, grouping)
        st.subheader("Is the gap closing?")
        tchart = None
        if trend["gap_per_weighted"].notna().sum() >= 2:
            tchart = gap_lines(trend, ttitle)
            show_chart(tchart)
        else:
            st.info(ttitle + ". Choose a larger place (its ICB or region) to see the trend.",
                    icon=":material/info:")
        st.caption(f"2014/15 to 2022/23. Most minus least deprived national {grouping}, £ per "
                   "weighted patient, for the place's practices each year. "
                   f"Source: {pv.SOURCE.format(year='2014/15 to 2022/23')}")
        ttwin = pv.gap_trend_table(place, grouping)
        with st.expander("Table: the gap each year"):
            tables.show(ttwin, {c: (tables.INT if c.startswith("Practices") else tables.num(2))
                                for c in ttwin.columns if c != "Year"},
                        label="The gap each year", wide=True, max_height=None)
        exports.downloads(f"provision-trend-{place.id}", ttwin, ttitle,
                          [pv.SOURCE.format(year="2014/15 to 2022/23")], PAGE, link_state,
                          chart=tchart)

    with guard("Practices by need and resource"):
        q = pv.quadrant(place, year)
        st.subheader("Practice by practice")
        if q.empty:
            st.info(f"No practice in {place.name} has both list sizes and a practice IMD score "
                    f"in {year}.")
        else:
            qtitle = pv.quadrant_title(q, place, year)
            qchart = quadrant_scatter(q, qtitle, q.attrs["need_median"], q.attrs["resource_median"],
                                  q.attrs["resource_range"])
            show_chart(qchart)
            counts = pv.quadrant_counts(q)
            drawn = ("cells counting the practices" if len(q) > MAX_POINTS
                     else "one point per practice")
            st.caption(f"{year}. {len(q):,} practices, drawn as {drawn}; need = practice IMD "
                       "score, "
                       "resource = total NHS payments ÷ weighted patients; quadrants split at the "
                       f"England practice medians (IMD {q.attrs['need_median']:.1f}, "
                       f"{_money(q.attrs['resource_median'])}). "
                       + "; ".join(f"{k}: {v:,}" for k, v in counts.items())
                       + f". Source: {source}")
            qtwin = pv.quadrant_table(place, year)
            with tables.on_demand(f"Table: the {len(q):,} practices by quadrant",
                                  key="provision_practices") as is_open:
                if is_open:
                    tables.dataframe(qtwin, hide_index=True, width="stretch",
                                     column_config=PRACTICE_COLUMNS)
            exports.downloads(f"provision-practices-{place.id}-{year_key}", qtwin, qtitle,
                              [source], PAGE, link_state, chart=qchart)

with guard("About these figures"):
    st.subheader("Read these figures with care")
    for note in pv.HONESTY:
        st.markdown(f"- {note}")
