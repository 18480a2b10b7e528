"""Map: where is it worst? A choropleth of LSOAs, wards, districts or ICBs that works offline.

Reads as the screen: pickers, messages, the map with its legend and a side panel for the
selected area, a one-line summary, the table twin with its CSV, and the sources.
"""

from __future__ import annotations

import streamlit as st

from explorer import area_metrics as am
from explorer import maps
from ui import map_view as mv
from ui.frame import guard
from ui.state import show_messages

mv.seed_from_url()

st.title("Where is it worst?")
st.caption("Colour England's neighbourhoods, wards, districts or ICBs by deprivation. "
           "Click an area for its profile; share the link to reopen this exact view.")
show_messages()

with guard("The map"):
    choice = mv.controls()
    for note in choice.notes:
        st.info(note, icon=":material/info:")

    view = mv.view_frame(choice)
    mv.update_selection_from_map(choice)
    sel, sel_message = mv.valid_selection(choice, view)
    if sel_message:
        st.info(sel_message, icon=":material/link_off:")

    ind, geo = choice.indicator, choice.geo
    summary = maps.alt_text(view, ind, geo, choice.extent)
    for warning in maps.gaps(view, ind).messages(geo, am.value_label(ind, geo)):
        st.warning(warning, icon=":material/warning:")

    map_col, side_col = st.columns([3, 1.15], gap="medium")
    with map_col:
        mv.draw_map(choice, view, sel, alt=summary)
        mv.draw_legend(maps.legend(view, ind, geo, choice.scheme))
        st.markdown(f"**{summary}**")
    with side_col:
        mv.finder(choice, view, sel)
        mv.side_panel(choice, view, sel)

    source = am.source_caption(ind, geo)
    st.caption(f"{ind.description} {geo.note} {source}")
    mv.table_twin(choice, view, source, summary)
    mv.publish_state(choice, sel)
