"""Overview: what does inequality look like in this region?"""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer.charts import core20_bar, pct
from explorer.overview import headline, region_table
from explorer.places import DEFAULT_REGION
from explorer.profile import CORE20_DEFINITION, VINTAGES
from loaders import snapshot
from ui import exports, tables
from ui.charts import show as show_chart
from ui.frame import guard, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages
from ui.widgets import REGION_KINDS, place_options, region_picker, vintage_picker

require_app_frame()

PAGE = "overview"
MAX_BARS = 45

seed(PAGE, validators={"r": url_state.choice(place_options(REGION_KINDS), "region"),
                       "v": url_state.choice(VINTAGES, "vintage")},
     defaults={"r": DEFAULT_REGION, "v": 2019})

st.title("Where is deprivation concentrated?")
show_messages()

with guard("The region overview"):
    left, right = st.columns([3, 2])
    with left:
        region = region_picker()
    with right:
        vintage = vintage_picker()
    publish({"r": region.id, "v": vintage})
    copy_link(PAGE, {"r": region.id, "v": vintage})

    prof, england = headline(region, vintage)
    table = region_table(region, vintage)
    source = snapshot.caption(f"iod{vintage}_lsoa{'11' if vintage == 2019 else '21'}")

    st.subheader(f"{region.name}: {pct(prof.core20_share, 0)} of residents live in England's "
                 "most deprived 20% of neighbourhoods")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Residents", f"{prof.population:,}", help=prof.population_source)
    c2.metric("In the most deprived 20% (Core20)", pct(prof.core20_share),
              delta=f"{(prof.core20_share - england.core20_share) * 100:+.1f} pts vs England",
              delta_color="inverse", help=CORE20_DEFINITION)
    c3.metric("Neighbourhoods in the most deprived 10%",
              f"{prof.decile_lsoa_count[0]:,} of {prof.lsoa_count:,}",
              help="LSOAs in national IMD decile 1")
    c4.metric("Population-weighted IMD score", f"{prof.imd_score:.1f}",
              delta=f"{prof.imd_score - england.imd_score:+.1f} vs England",
              delta_color="inverse", help="Higher = more deprived. England "
              f"{england.imd_score:.1f}.")

    if table.empty:
        st.info(f"No district or town lies wholly inside {region.name}.")
    else:
        shown = table.head(MAX_BARS)
        chart = core20_bar(shown, region.name, england.core20_share, vintage)
        show_chart(chart)
        note = (f" Showing the {MAX_BARS} places with the highest share of {len(table)}."
                if len(table) > MAX_BARS else "")
        st.caption(f"Districts and towns (sets of wards or built-up areas; see Data and "
                   f"methods) inside {region.name}.{note} {CORE20_DEFINITION}. Populations: "
                   f"{prof.population_source}. {source}")
        twin = table[["name", "kind", "population", "core20_population", "core20_share",
                      "imd_score", "lsoa_count", "district_rank"]].rename(columns={
                          "name": "Place", "kind": "Kind", "population": "Residents",
                          "core20_population": "Residents in Core20",
                          "core20_share": "Core20 share", "imd_score": "IMD score",
                          "lsoa_count": "LSOAs", "district_rank": "District rank (1 = most "
                          "deprived)"})
        with st.expander("Table of these figures", expanded=False):
            tables.show(twin, {"Core20 share": tables.PCT, "IMD score": tables.num(1),
                               "District rank (1 = most deprived)": tables.RANK},
                        label=f"Core20 share of districts and towns in {region.name}",
                        caption="District rank: districts only (towns are not ranked).")
        exports.downloads(
            name=f"core20-{region.id}-iod{vintage}", chart=chart, table=twin,
            title=f"Core20 share of districts and towns in {region.name}, IoD{vintage}",
            sources=[source], page=PAGE, state={"r": region.id, "v": vintage})
