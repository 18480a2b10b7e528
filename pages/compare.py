"""Compare places side by side: deprivation profile, domains, indicators, what good looks like."""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer import text as plain_text
from explorer.charts import pct
from explorer.compare import (
    best_in,
    core20_gap,
    place_indicator_rows,
    summary_sentences,
    what_good_looks_like,
)
from explorer.figure import decile_figure, domain_figure, indicator_figure
from explorer.overview import districts_of_vintage
from explorer.places import DEFAULT_COMPARISON, registry
from explorer.profile import CORE20_DEFINITION, profile
from explorer.upload import indicator_row
from loaders import snapshot
from ui import exports, tables
from ui.custom_place import caption as custom_caption
from ui.figure import show
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.user_data import user_indicators
from ui.widgets import PLACE_KINDS, place_label, place_link, place_options, resolve

require_app_frame()

PAGE = "compare"
CONFIDENCE = url_state.CONFIDENCE_LEVELS
PERIODS = url_state.PERIOD_CHOICES
P, CI, PER, V = url_state.PLACES, url_state.CONFIDENCE, url_state.PERIOD, url_state.VINTAGE
#: The deprivation profile's tabs, one per IoD vintage. The open one is in the link (v=2025
#: reopens the IoD2025 tab) and only it is drawn: the two tabs' charts, tables and exports
#: were a fifth of a Compare run's samples in a room (py-spy), the hidden one half of it.
VINTAGE_TABS = {2019: "IoD2019 (LSOA 2011)", 2025: "IoD2025 (LSOA 2021)"}


seed(PAGE, validators={P: place_link(),
                       CI: url_state.allowed(CI, "confidence level"),
                       PER: url_state.allowed(PER, "period choice"),
                       V: url_state.allowed(V, "IoD vintage")},
     defaults={P: list(DEFAULT_COMPARISON), CI: url_state.DEFAULT_CONFIDENCE,
               PER: url_state.DEFAULT_PERIOD, V: url_state.VINTAGES[0]})
# the tabs' widget state is the open tab's label; the link's is the vintage
_tab = st.session_state.get(widget_key(V))
if _tab in VINTAGE_TABS:
    st.session_state[widget_key(V)] = VINTAGE_TABS[_tab]
elif _tab not in VINTAGE_TABS.values():
    st.session_state[widget_key(V)] = VINTAGE_TABS[url_state.VINTAGES[0]]
open_vintage = next(v for v, label in VINTAGE_TABS.items()
                    if label == st.session_state[widget_key(V)])
# a place sent here by another page (map "Compare" button)
for pid in st.session_state.pop("compare_add", []):
    current = st.session_state.get(widget_key(P), [])
    if pid not in current:
        st.session_state[widget_key(P)] = [*current, pid][-4:]

st.title("Compare places")
show_messages()

with guard("The comparison", essential=True):
    top = st.columns([4, 1, 1, 1])
    ids = top[0].multiselect(
        "Places (two to four)", place_options(PLACE_KINDS), key=widget_key(P),
        format_func=place_label, max_selections=4,
        help="Towns are sets of wards or built-up areas; former districts are the pre-2023 "
             "Cumbrian districts. Type to search.")
    conf_key = top[1].radio("Confidence", list(CONFIDENCE), key=widget_key(CI),
                            format_func=lambda k: f"{k}%", horizontal=True)
    prefer = top[2].radio(
        "Period", list(PERIODS), key=widget_key(PER), format_func=PERIODS.get,
        help="Former districts (Allerdale, Eden…): the latest period with the place's own "
             "published figure, or the latest period even if only a larger area has it.")
    state = {P: ids, CI: conf_key, PER: prefer, V: open_vintage}
    publish(state)
    with top[3]:
        copy_link(PAGE, state)
    if not ids:
        st.info("Choose at least one place to see its profile.")
        st.stop()
    places = [resolve(i) for i in ids]
    st.page_link("pages/provision.py", label="Is care where need is? GP payments against need",
                 icon=":material/balance:", query_params={P: ids[0]})
    confidence = CONFIDENCE[conf_key]
    england = profile(registry().get("england"), 2019)
    profiles = [profile(p, 2019) for p in places]
    ind_rows = [r for p in places for r in place_indicator_rows(p, confidence, prefer)]
    ind_rows += [indicator_row(u, p, confidence) for u in user_indicators() for p in places]

    st.subheader("In brief")
    for sentence in summary_sentences(profiles, england, ind_rows):
        st.markdown(f"- {plain_text.escape_markdown(sentence)}")  # names may be user text

    st.subheader("Residents in England's most deprived 20% of neighbourhoods (Core20)")
    cols = st.columns(len(profiles) + 1)
    for col, pr in zip(cols, profiles, strict=False):
        col.metric(pr.name, pct(pr.core20_share), help=pr.definition)
        col.caption(f"{pr.core20_population:,} of {pr.population:,} residents")
    cols[-1].metric("England", pct(england.core20_share))
    cols[-1].caption(f"{england.core20_population:,} of {england.population:,}")
    st.caption(f"{CORE20_DEFINITION}. IoD2019, populations mid-2015. "
               f"{snapshot.caption('iod2019_lsoa11')}")
    custom_caption(places)

with guard("The deprivation profile"):
    st.subheader("Residents by national deprivation decile")
    tabs = st.tabs(list(VINTAGE_TABS.values()), key=widget_key(V), on_change="rerun")
    for tab, vintage in zip(tabs, VINTAGE_TABS, strict=True):
        if not tab.open:
            continue
        with tab:
            vplaces = [p for p in places if p.lsoas(vintage)]
            skipped = [p.name for p in places if not p.lsoas(vintage)]
            if skipped:
                st.info(f"No IoD{vintage} definition for {', '.join(skipped)}.")
            if not vplaces:
                continue
            show(decile_figure([profile(p, vintage) for p in vplaces], vintage), PAGE,
                 {P: ids}, subheader=False)

with guard("The domains"):
    show(domain_figure(profiles, places), PAGE, {P: ids}, columns={
        "Score": tables.num(3), "National percentile": tables.num(0),
        "District rank": tables.RANK})

with guard("The indicators"):
    fig = indicator_figure(ind_rows, f"{conf_key}%", places)  # with recent-trend markers
    # notes and geography sentences a readable width: the table scrolls sideways instead
    # of squeezing 17 columns into rows a dozen lines tall
    show(fig, PAGE, state, expanded=True, wide=True, max_height=640, columns={
        "Trend": tables.link("Open trend"), "Count": tables.INT, "Denominator": tables.INT,
        "Note": tables.LONG,
        **tables.same_columns(("Value", "Interval", "Interval level", "England",
                               "Compared with England"), tables.SHORT)})

with guard("What good looks like"):
    st.subheader("What does good look like?")
    nw = registry().get("north-west")
    nw_prof = profile(nw, 2019)
    nw_districts = [p for p in districts_of_vintage(2019) if "E12000002" in p.parents]
    best, best_prof = best_in(nw_districts)
    st.markdown(f"**Best in the North West:** {best.label}, {pct(best_prof.core20_share)} of "
                f"residents in the Core20. **North West average:** "
                f"{pct(nw_prof.core20_share)}. **England:** {pct(england.core20_share)}.")
    for pr in profiles:
        gap = core20_gap(pr, nw_prof.core20_share)
        if gap:
            st.markdown(f"- **{pr.name}** would need **{gap:,} fewer residents** in the most "
                        "deprived quintile to match the North West average "
                        f"({pct(pr.core20_share)} now).")
        else:
            st.markdown(f"- **{pr.name}** already has a Core20 share at or below the North "
                        f"West average ({pct(pr.core20_share)}).")
    good = what_good_looks_like(ind_rows)
    if not good.empty:
        st.markdown("**Indicator by indicator**: the best North West district on its own "
                    "figures, and the gap to it.")
        # HTML, not a data grid: each gap is a sentence, read whole
        tables.show(good, label="What good looks like, indicator by indicator")
        exports.downloads("what-good-looks-like", good,
                          "What good looks like: best North West district by indicator",
                          list(fig.sources), PAGE, state)
    st.caption(f"Core20: IoD2019. {snapshot.caption('iod2019_lsoa11')} The best district is "
               "chosen by the indicator's polarity among North West districts with their own "
               "published or computed value; gaps in people use the place's denominator.")
