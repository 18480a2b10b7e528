"""CORE20PLUS5: Core20, PLUS groups and the five clinical areas for a place, and a Marmot view."""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer.charts import pct
from explorer.compare import indicator_frame
from explorer.core20plus5 import card, marmot_rows
from explorer.figure import INDICATOR_EXPORT
from explorer.indicators import caption
from explorer.profile import CORE20_DEFINITION
from explorer.trends import row_trend
from loaders import snapshot
from ui import exports
from ui.custom_place import caption as custom_caption
from ui.frame import guard, require_app_frame
from ui.indicator_cards import indicator_line
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.widgets import PLACE_KINDS, place_label, place_link, place_options, resolve

require_app_frame()

PAGE = "core20plus5"
VIEWS = {"card": "CORE20PLUS5", "marmot": "Marmot principles"}


P, VIEW, CI = url_state.PLACES, url_state.VIEW, url_state.CONFIDENCE
seed(PAGE, validators={P: place_link(single=True), VIEW: url_state.choice(VIEWS, "view"),
                       CI: url_state.allowed(CI, "confidence level")},
     defaults={P: "blackpool", VIEW: "card", CI: url_state.DEFAULT_CONFIDENCE})
st.title("CORE20PLUS5")
show_messages()

with guard("The CORE20PLUS5 card", essential=True):
    cols = st.columns([3, 2, 1])
    options = place_options(PLACE_KINDS)
    if st.session_state.get(widget_key(P)) not in options:
        st.session_state[widget_key(P)] = "blackpool"
    place_id = cols[0].selectbox("Place", options, key=widget_key(P), format_func=place_label)
    view = cols[1].segmented_control("View", list(VIEWS), key=widget_key(VIEW),
                                     format_func=VIEWS.get) or "card"
    ci = cols[2].radio("Confidence", list(url_state.CONFIDENCES), key=widget_key(CI),
                       format_func=lambda k: f"{k}%", horizontal=True)
    publish({P: [place_id], VIEW: view, CI: ci})
    copy_link(PAGE, {P: [place_id], VIEW: view, CI: ci})
    place = resolve(place_id)
    st.page_link("pages/provision.py", label="Is care where need is? GP payments against need",
                 icon=":material/balance:", query_params={P: place_id})
    conf = url_state.confidence_level(ci)
    c = card(place, conf)

    if view == "card":
        st.subheader(f"Core20: {pct(c.core20.core20_share)} of {place.name}'s residents live "
                     "in England's most deprived 20% of neighbourhoods")
        m = st.columns(3)
        m[0].metric("Core20 share (IoD2019)", pct(c.core20.core20_share),
                    help=CORE20_DEFINITION)
        m[1].metric("Residents in Core20", f"{c.core20.core20_population:,}",
                    help=f"of {c.core20.population:,} ({c.core20.population_source})")
        if c.core20_2025 is not None:
            m[2].metric("Core20 share (IoD2025)", pct(c.core20_2025.core20_share),
                        help=c.core20_2025.population_source)
        st.caption(f"{CORE20_DEFINITION}. {snapshot.caption('iod2019_lsoa11')}")
        custom_caption([place])
        for row in c.core20_rows:
            indicator_line(row)

        st.subheader("PLUS groups")
        if c.coastal:
            st.markdown(f"**Coastal town:** {c.coastal} (ONS towns classification, 2011 "
                        "built-up areas)")
        elif place.kind == "town":
            st.markdown("**Coastal town:** no ONS coastal classification for this town.")
        for row in c.plus:
            indicator_line(row, row_trend(place, row.indicator_id, row.name))

        st.subheader("The five clinical areas")
        for area, rows in c.areas:
            with st.container(border=True):
                st.markdown(f"#### {area.title}")
                st.caption(area.ask)
                if not rows:
                    st.info("No indicator for this area is available for this place.")
                for row in rows:
                    indicator_line(row, row_trend(place, row.indicator_id, row.name))
                if area.gap_note:
                    st.caption(area.gap_note)
        all_rows = c.rows
    else:
        st.subheader(f"{place.name} through the Marmot principles")
        all_rows = []
        for title, rows in marmot_rows(place, conf):
            with st.expander(title, expanded=bool(rows)):
                if not rows:
                    st.caption("No indicator in the bundled data serves this principle "
                               "(e.g. there are no ethnicity breakdowns).")
                for row in rows:
                    indicator_line(row, row_trend(place, row.indicator_id, row.name))
            all_rows += rows

    frame = indicator_frame(all_rows)
    if not frame.empty:
        export = frame[list(INDICATOR_EXPORT)]
        exports.downloads(f"core20plus5-{place.id}", export,
                          f"CORE20PLUS5 indicators for {place.name}",
                          sorted({caption(i) for i in frame["indicator_id"]}), PAGE,
                          {P: [place_id], VIEW: view, CI: ci})
    st.caption("Compared with England by the Fingertips rule on the interval shown: computed "
               "Wilson intervals at the chosen level, published intervals (95%) as published, "
               "Fingertips' own labels as published. Values marked 'taken from' are a "
               "containing area's. QOF "
               "prevalences are attributed to neighbourhoods through GP registrations (July "
               "2022), not recorded where people live. Sources: OHID Fingertips, NHS England "
               "QOF 2021/22, DWP, ONS Census 2021; Open Government Licence v3.0.")
