"""Overview: what does inequality look like in this region?"""

from __future__ import annotations

import streamlit as st

from explorer import state as url_state
from explorer.charts import CORE20_PHONE_ROW_PX, CORE20_ROW_PX, core20_bar, pct
from explorer.overview import (
    NO_RANK,
    RANK_COLUMN,
    headline,
    rank_caption,
    region_table,
    score_caption,
    table_twin,
)
from explorer.places import DEFAULT_REGION
from explorer.profile import CORE20_DEFINITION, VINTAGES
from loaders import snapshot
from ui import exports, tables
from ui.charts import show as show_chart
from ui.frame import guard, on_a_phone, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages
from ui.widgets import REGION_KINDS, place_link, region_picker, vintage_picker

require_app_frame()

PAGE = "overview"
R, V = url_state.REGION, url_state.VINTAGE
MAX_BARS = 45

seed(PAGE, validators={R: place_link(REGION_KINDS, single=True, what="region"),
                       V: url_state.choice(VINTAGES, "vintage")},
     defaults={R: DEFAULT_REGION, V: 2019})

st.title("Where is deprivation concentrated?")
show_messages()

with guard("The region overview"):
    left, right = st.columns([3, 2])
    with left:
        region = region_picker()
    with right:
        vintage = vintage_picker()
    publish({R: region.id, V: vintage})
    copy_link(PAGE, {R: region.id, V: vintage})

    prof, england = headline(region, vintage)
    if prof.core20_share is None or not prof.population:  # e.g. an ICB without IoD2025 areas
        st.info(f"No IoD{vintage} figures for {region.name}: none of its neighbourhoods is in "
                f"the IoD{vintage} data. Choose the other vintage or another region.",
                icon=":material/info:")
        st.stop()
    table = region_table(region, vintage)
    source = snapshot.caption(f"iod{vintage}_lsoa{'11' if vintage == 2019 else '21'}")

    st.subheader(f"{region.name}: {pct(prof.core20_share, 0)} of residents live in England's "
                 "most deprived 20% of neighbourhoods")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Residents", f"{prof.population:,}", help=prof.population_source)
    c2.metric("In the most deprived 20% (Core20)", pct(prof.core20_share),
              delta=(f"{(prof.core20_share - england.core20_share) * 100:+.1f} pts vs England"
                     if prof.core20_share is not None else None),
              delta_color="inverse", help=CORE20_DEFINITION)
    c3.metric("Neighbourhoods in the most deprived 10%",
              f"{prof.decile_lsoa_count[0]:,} of {prof.lsoa_count:,}",
              help="LSOAs in national IMD decile 1")
    official = prof.imd_score_source == "official"
    c4.metric("IMD average score (official)" if official else "IMD score (computed from LSOAs)",
              f"{prof.imd_score:.1f}" if prof.imd_score is not None else "–",
              delta=(f"{prof.imd_score - england.imd_score:+.1f} vs England"
                     if prof.imd_score is not None else None),
              delta_color="inverse", help="Higher = more deprived. " + prof.imd_score_method)
    st.caption(score_caption(prof, england))

    if table.empty:
        st.info(f"No district or town lies wholly inside {region.name}.")
    else:
        shown = table.head(MAX_BARS)
        chart = core20_bar(shown, region.name, england.core20_share, vintage,
                           CORE20_PHONE_ROW_PX if on_a_phone() else CORE20_ROW_PX)
        show_chart(chart)
        note = (f" Showing the {MAX_BARS} places with the highest share of {len(table)}."
                if len(table) > MAX_BARS else "")
        st.caption(f"Districts and towns (sets of wards or built-up areas; see Data and "
                   f"methods) inside {region.name}.{note} {CORE20_DEFINITION}. Populations: "
                   f"{prof.population_source}. {source}")
        twin = table_twin(table)
        with st.expander("Table of these figures", expanded=False):
            tables.show(twin, {"Core20 share": tables.PCT, "IMD score": tables.num(1),
                               RANK_COLUMN: tables.TEXT},
                        label=f"Core20 share of districts and towns in {region.name}",
                        caption=f"{RANK_COLUMN}: MHCLG's rank of average score, 1 = most "
                                f"deprived; {NO_RANK} = not ranked (see below).")
            st.caption(rank_caption(table, vintage))
        exports.downloads(
            name=f"core20-{region.id}-iod{vintage}", chart=chart, table=twin,
            title=f"Core20 share of districts and towns in {region.name}, IoD{vintage}",
            sources=[source], page=PAGE, state={R: region.id, V: vintage})
