"""Inequalities within a place: the gradient by deprivation, SII and RII, life expectancy."""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer.charts import gradient_chart
from explorer.inequalities import (
    any_gradient,
    england_reference,
    gradient_indicators,
    gradient_sentence,
    life_expectancy,
)
from ui import exports, tables
from ui.charts import show as show_chart
from ui.custom_place import caption as custom_caption
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.widgets import PLACE_KINDS, place_label, place_link, place_options, resolve

require_app_frame()

PAGE = "inequalities"
GROUPINGS = url_state.GROUPINGS
P, IND, GRP, CI = url_state.PLACES, url_state.INDICATOR, url_state.GROUPING, url_state.CONFIDENCE


indicator_names = gradient_indicators()
if url_state.REGION in st.query_params and P not in st.query_params:
    st.query_params[P] = st.query_params[url_state.REGION]  # ?r=blackpool names the place
    del st.query_params[url_state.REGION]
seed(PAGE, validators={P: place_link(single=True),
                       IND: url_state.choice(indicator_names, "indicator"),
                       GRP: url_state.allowed(GRP),
                       CI: url_state.allowed(CI, "confidence level")},
     defaults={P: "lsc-north-cumbria", IND: "qof-copd", GRP: "decile",
               CI: url_state.DEFAULT_CONFIDENCE})
st.title("Inequalities within a place")
show_messages()

with guard("The deprivation gradient", essential=True):
    cols = st.columns([3, 3, 2, 1])
    options = place_options(PLACE_KINDS)
    if st.session_state.get(widget_key(P)) not in options:
        st.session_state[widget_key(P)] = "lsc-north-cumbria"
    place_id = cols[0].selectbox("Place", options, key=widget_key(P), format_func=place_label)
    ind = cols[1].selectbox("Indicator", list(indicator_names), key=widget_key(IND),
                            format_func=indicator_names.get)
    grouping = cols[2].segmented_control("Groups", GROUPINGS, key=widget_key(GRP),
                                         format_func=str.title) or "decile"
    ci = cols[3].radio("Confidence", list(url_state.CONFIDENCES), key=widget_key(CI),
                       format_func=lambda k: f"{k}%")
    publish({P: [place_id], IND: ind, GRP: grouping, CI: ci})
    copy_link(PAGE, {P: [place_id], IND: ind, GRP: grouping, CI: ci})
    place = resolve(place_id)
    conf = url_state.confidence_level(ci)
    g = any_gradient(ind, place, grouping, conf)
    sentence = gradient_sentence(g)
    st.subheader(sentence)
    label = f"{ci}%"
    m = st.columns(2)
    if g.sii is not None:
        m[0].metric("Slope index of inequality (SII)", f"{-g.sii * 100:+.1f} pts",
                    help="Modelled difference between the most and least deprived ends of "
                         "the place's population, ranked by national deprivation (most minus "
                         f"least; OHID phe_sii method, {label} simulated limits "
                         f"{-g.sii_ci[1] * 100:+.1f} to {-g.sii_ci[0] * 100:+.1f}).")
        m[1].metric("Relative index of inequality (RII)", f"{g.rii:.2f}",
                    help="Least deprived ÷ most deprived modelled value (OHID convention); "
                         f"{label} limits {g.rii_ci[0]:.2f} to {g.rii_ci[1]:.2f}. Below 1: "
                         "higher in the most deprived.")
    if g.sii is not None:
        st.caption("Read the two together: the SII is most deprived **minus** least deprived "
                   "(positive: higher in the most deprived); the RII is least deprived "
                   "**divided by** most deprived (OHID's convention), so the same gradient "
                   "gives a positive SII and an RII below 1.")
    eng = england_reference(ind, place, grouping, conf)
    chart = gradient_chart(g.table, f"{g.name} by national deprivation {grouping} in "
                           f"{place.name}", grouping, confidence_label=label,
                           england_table=eng)
    show_chart(chart)
    if g.note:
        st.info(g.note)
    source = ("IoD2019 File 7/8 (MHCLG), Open Government Licence v3.0"
              if ind in ("income_deprivation", "employment_deprivation", "idaci", "idaopi")
              else "NHS England QOF 2021/22 attributed to LSOAs by GP registrations (July "
                   "2022); deprivation: IoD2019 (MHCLG). Open Government Licence v3.0")
    st.caption(f"Residents grouped by the national IMD {grouping} of their LSOA (1 = most "
               f"deprived). Wilson {label} confidence intervals; SII/RII by weighted "
               f"regression on relative rank with logit transform and simulated limits. "
               f"Source: {source}.")
    custom_caption([place])
    twin = g.table.rename(columns={"group": grouping.title(), "count": "Count",
                                   "denominator": "Denominator", "lsoas": "LSOAs",
                                   "value": "Value", "lower_ci": f"Lower {label}",
                                   "upper_ci": f"Upper {label}"})
    if eng is not None:  # the chart's dashed line, as numbers
        twin["England"] = eng["value"].to_numpy()
    with st.expander("Table"):
        tables.show(twin, {"Value": tables.PCT, "England": tables.PCT,
                           f"Lower {label}": tables.PCT,
                           f"Upper {label}": tables.PCT, "Count": tables.INT,
                           "Denominator": tables.INT, "LSOAs": tables.INT},
                    label=sentence)
    exports.downloads(f"gradient-{ind}-{place.id}", twin, sentence, [source], PAGE,
                      {P: [place_id], IND: ind, GRP: grouping, CI: ci}, chart=chart)

with guard("Life expectancy"):
    st.subheader("Life expectancy at birth")
    le = life_expectancy(place)
    cols = st.columns(2)
    for col, row in zip(cols, le, strict=True):
        with col:
            if row.value is None:
                st.markdown(f"**{row.sex}s**")
                st.info(row.note or f"Life expectancy is not published for {place.name}.",
                        icon=":material/info:")
                continue
            st.metric(f"{row.sex}s, {row.period} ({row.geography})", f"{row.value:.1f} years",
                      delta=f"{row.gap:+.1f} vs England ({row.england:.1f})")
            if row.sii is not None:
                st.markdown(f"Inequality in life expectancy (SII, {row.sii_period}): "
                            f"**{row.sii:.1f} years** between the most and least deprived "
                            f"(England {row.sii_england:.1f}).")
            if row.note:
                st.caption(row.note)
    st.caption(f"{le[0].source} Life expectancy and its slope index are published for "
               "districts and upper-tier authorities; other places show the area containing "
               "them, named above.")
