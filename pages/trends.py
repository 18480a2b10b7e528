"""Trends: every period of an indicator for one to four places, England and the region."""

from __future__ import annotations

import streamlit as st

from explorer import indicators, trends
from explorer import state as url_state
from explorer.places import registry
from ui import exports, tables
from ui.charts import show as show_chart
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.widgets import PLACE_KINDS, place_label, place_link, place_options, resolve

require_app_frame()

PAGE = "trends"
P, IND, SEX = url_state.PLACES, url_state.INDICATOR, url_state.SEX
DEFAULT_PLACES = ["blackpool", "eden"]
DEFAULT_INDICATOR = "91547"


@st.cache_data(show_spinner=False)  # the same for every session: 0.1-0.2 s a run otherwise
def _indicator_names() -> dict[str, str]:
    """Indicators with more than one period (a trend needs at least two)."""
    return {k: m.name for k, m in indicators.registry().items()
            if len(indicators.periods(k)) > 1}


names = _indicator_names()
seed(PAGE, validators={P: place_link(), IND: url_state.choice(names, "indicator"),
                       SEX: url_state.choice(indicators.SEX_ORDER, "sex")},
     defaults={P: DEFAULT_PLACES, IND: DEFAULT_INDICATOR, SEX: None})

st.title("Trends")
show_messages()

with guard("The trend"):
    top = st.columns([4, 3, 2, 1.5])
    ids = top[0].multiselect(
        "Places (one to four; England is always shown)",
        place_options(PLACE_KINDS) + list(st.session_state.get("custom_places", {})),
        key=widget_key(P), format_func=place_label, max_selections=4)
    ind = top[1].selectbox("Indicator", list(names), key=widget_key(IND),
                           format_func=names.get)
    sexes = indicators.sexes(ind)
    if st.session_state.get(widget_key(SEX)) not in sexes:
        st.session_state[widget_key(SEX)] = sexes[0] if sexes else None
    sex = top[2].selectbox("Sex", sexes, key=widget_key(SEX)) if len(sexes) > 1 \
        else (sexes[0] if sexes else None)
    state = {P: ids, IND: ind, SEX: sex if len(sexes) > 1 else None}
    publish(state)
    with top[3]:
        copy_link(PAGE, state)
    if not ids:
        st.info("Choose at least one place to see its trend.")
        st.stop()
    m = indicators.meta(ind)
    places = [resolve(i) for i in ids]
    frame = trends.trend_frame(places, ind, sex)
    title = trends.finding_title(frame, ind)
    chart = trends.trend_chart(frame, ind, title)
    show_chart(chart)
    st.caption(f"Points: the comparison with England in each period (shape and colour: "
               "▲ better, ● similar, ▼ worse, ■ not compared), as the Compare page shows it. "
               f"{trends.intervals_note(frame, ind)} A gap in a line is a period with no value. "
               f"{m.caption}")
    st.markdown(f"**Text description.** {trends.trend_text(frame, ind)}")

    st.subheader("Recent trend (latest five periods, Fingertips' method)")
    markers = trends.marker_rows(frame)
    # HTML, not a data grid: the "Why" text is read whole (a grid cut it mid-sentence, and
    # it is where a series borrowed from another area says so)
    tables.show(markers, label="Recent trend by place", max_height=None)
    st.caption("Proportions: chi-square test for trend on counts and denominators; other "
               "value types: weighted regression on the 95% confidence intervals; significant "
               "at the 99.8% level unless one point reverses the direction. Rolling or pooled "
               "periods, quarters and broken series are not tested (as Fingertips).")

    twin = trends.table_twin(frame, m.unit)
    with st.expander("Table"):
        tables.grid(twin, hide_index=True, width="stretch", column_config={
            "Count": st.column_config.NumberColumn(format="%,.0f"),
            "Denominator": st.column_config.NumberColumn(format="%,.0f")})
    exports.downloads(f"trend-{ind}", twin, title, [m.caption], PAGE, state, chart=chart)
    others = [p for p in ids if p not in registry()]
    if others:
        st.caption("Your own places are summed from their areas' counts where the data "
                   "allow it.")
