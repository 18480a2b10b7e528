"""Map: where is it worst? A choropleth of LSOAs, wards, districts or ICBs that works offline.

Reads as the screen: the map with its legend and summary on the left; on the right the
pickers, the area finder and the selected area's profile; below, the table twin with its CSV
and the sources.
"""

from __future__ import annotations

import streamlit as st

from explorer import area_metrics as am
from explorer import maps
from ui import custom_place as cpu
from ui import map_view as mv
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import show_messages

require_app_frame()
mv.seed_from_url()

st.title("Where is it worst?")
st.caption("Colour England's neighbourhoods, wards, districts or ICBs by deprivation. Click an "
           "area for its profile; share the link to reopen this exact view.")
show_messages()

with guard("The map"):
    top = st.columns([1.7, 1, 1.8], gap="medium")
    map_col, side_col = st.columns([3, 1.2], gap="medium")
    with side_col:
        choice = mv.controls(top=(top[0], top[1], top[2]))
        building = cpu.build_mode_toggle()
    view = mv.view_frame(choice)
    mv.update_selection_from_map(choice)
    built = cpu.map_click_event(building)  # build mode: a click adds/removes the area
    sel, sel_message = mv.valid_selection(choice, view)
    ind, geo = choice.indicator, choice.geo
    summary = maps.alt_text(view, ind, geo, choice.extent)

    with map_col:
        for note in [*choice.notes, *([sel_message] if sel_message else [])]:
            st.info(note, icon=":material/info:")
        mv.draw_map(choice, view, sel, alt=summary)
        mv.draw_legend(maps.legend(view, ind, geo, choice.scheme))
        st.markdown(f"**{summary}**")
        for warning in maps.gaps(view, ind).messages(geo, am.value_label(ind, geo)):
            st.warning(warning, icon=":material/warning:")
    with side_col:
        st.divider()
        if building:
            cpu.map_builder(built)
        else:
            mv.finder(choice, view, sel)
            mv.side_panel(choice, view, sel)

    source = am.source_caption(ind, geo)
    st.caption(f"{ind.description} {geo.note} {source}")
    mv.table_twin(choice, view, source, summary)
    with guard("Your data on the map"):
        mv.uploads_on_map(choice)
    mv.publish_state(choice, sel)
    with side_col:
        copy_link(mv.PAGE, mv.current_state(choice, sel))
