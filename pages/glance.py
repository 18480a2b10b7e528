"""The North West at a glance: every district × every indicator, compared with England."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from explorer import glance, indicators
from explorer import state as url_state
from explorer.palette import COMPARISON_COLOURS, COMPARISON_INK
from ui import exports, tables
from ui.charts import comparison_key
from ui.frame import guard, on_a_phone, require_app_frame
from ui.share import copy_link
from ui.state import publish, seed, show_messages, widget_key
from ui.styled import shared_styler

require_app_frame()

PAGE = "glance"
V, VIEW, FLT, SORT = url_state.VINTAGE, url_state.VIEW, url_state.FILTER, url_state.SORT
P, IND, SEX = url_state.PLACES, url_state.INDICATOR, url_state.SEX
DISTRICT_SETS = {2019: "39 districts (2019)", 2025: "35 districts (2024)"}
#: Text colour on each comparison colour (contrast at least 4.5:1).
HIDDEN = ["group_order", "indicator_id", "sex", "unit"]


def _header_px(name: str) -> int:
    """A district column wide enough for its name in the header (~7.5 px a character at
    the grid's font): cut names were unreadable on a projector ("Blackburn w", "Cheshire
    Ea"). 75-150 px: the few longest are cut and shown whole on hover."""
    return max(75, min(150, round(len(name) * 7.5 + 24)))


@st.cache_data(show_spinner="Working out every district's figures (once per server)…")
def _rug(vintage: int, grouping: str, how: str, sort: str | None,
         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    return glance.rug(2019 if vintage == 2019 else 2024, grouping, how, sort)


@st.cache_resource(show_spinner=False, max_entries=64)
def _rug_styler(vintage: int, grouping: str, how: str, sort: str | None,
                places: tuple[str, ...]) -> Styler:
    """The rug as drawn: one styler per view, shared by every session, so its cell colours
    (0.3-0.6 s to work out) and styles are computed once, not on every run (read-only)."""
    table, cells = _rug(vintage, grouping, how, sort)
    names = {"group": "Group", "row": "Indicator"}
    shown = table.drop(columns=HIDDEN).rename(columns=names)
    styles = _styles(table, cells, list(places)).drop(columns=HIDDEN).rename(columns=names)
    view = hashlib.sha1(repr((vintage, grouping, how, sort, places)).encode()).hexdigest()
    return shared_styler(shown, styles, uuid=f"rug{view[:10]}")


def _styles(table: pd.DataFrame, cells: pd.DataFrame, places: list[str]) -> pd.DataFrame:
    comp = cells.set_index(["indicator_id", "sex", "place"])["compared_to_england"]
    shown = cells.set_index(["indicator_id", "sex", "place"])["shown"]
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    for i, r in table.iterrows():
        for p in places:
            key = (r["indicator_id"], r["sex"], p)
            c = comp.get(key)
            if c is None or not shown.get(key, False) or r[p] in ("", "–"):
                continue
            css.at[i, p] = (f"background-color: {COMPARISON_COLOURS.get(c, '#d9d9d9')}; "
                            f"color: {COMPARISON_INK.get(c, '#000000')}")
    return css


seed(PAGE, validators={V: url_state.choice(DISTRICT_SETS, "district set"),
                       VIEW: url_state.choice(glance.GROUPINGS, "grouping"),
                       FLT: url_state.choice(glance.FILTERS, "filter"),
                       SORT: str},
     defaults={V: 2019, VIEW: "marmot", FLT: "all", SORT: "indicator"})
st.title("The North West at a glance")
show_messages()

with guard("The overview"):
    top = st.columns([3, 3, 4])
    vintage = top[0].segmented_control("Districts", list(DISTRICT_SETS), key=widget_key(V),
                                       format_func=DISTRICT_SETS.get) or 2019
    grouping = top[1].segmented_control("Group rows by", list(glance.GROUPINGS),
                                        key=widget_key(VIEW),
                                        format_func=glance.GROUPINGS.get) or "marmot"
    how = top[2].segmented_control("Show", list(glance.FILTERS), key=widget_key(FLT),
                                   format_func=glance.FILTERS.get) or "all"
    districts = glance.nw_districts(2019 if vintage == 2019 else 2024)
    sort_opts = {"indicator": "Indicator name"} | {p.id: f"Value in {p.name}"
                                                   for p in districts}
    if st.session_state.get(widget_key(SORT)) not in sort_opts:
        st.session_state[widget_key(SORT)] = "indicator"
    second = st.columns([3, 3, 4])
    sort = second[0].selectbox("Sort rows by", list(sort_opts), key=widget_key(SORT),
                            format_func=sort_opts.get)
    state = {V: vintage, VIEW: grouping, FLT: how, SORT: sort}
    publish(state)
    with second[1]:
        copy_link(PAGE, state)

    table, cells = _rug(vintage, grouping, how, None if sort == "indicator" else sort)
    n = glance.counts(cells)
    st.subheader(f"{n['worse']:,} of {n['cells']:,} district values are worse than England; "
                 f"{n['worsening']:,} are worse and getting worse")
    # one chip per comparison, never broken across lines (on a phone "○ not compared" split)
    chips = comparison_key(symbols=glance.SYMBOLS)
    st.markdown(
        chips + " "
        "&nbsp; than England. &nbsp; ↑ ↓ significant recent trend, → no significant change "
        "(latest five periods, Fingertips' method); no arrow: cannot be calculated. "
        "\\* the value of another area (a former district's successor, or the area the "
        "figure is published for).",
        unsafe_allow_html=True)
    places = [p.name for p in districts]
    if table.empty:
        st.info("No district value passes this filter.")
        st.stop()
    styler = _rug_styler(vintage, grouping, how, None if sort == "indicator" else sort,
                         tuple(places))
    config = {p: st.column_config.TextColumn(p, width=_header_px(p),
                                             help=f"{p}: click a cell for its trend")
              for p in places}
    phone = on_a_phone()  # on a phone the two pinned columns alone filled the width
    config |= {"Group": st.column_config.TextColumn("Group", width=60, pinned=not phone),
               "Indicator": st.column_config.TextColumn("Indicator",
                                                        width=130 if phone else "medium",
                                                        pinned=True),
               # "IoD2019 (2015–16 data)", "November 2025": whole, not cut at "small"
               "Period": st.column_config.TextColumn("Period", width=165),
               "England": st.column_config.TextColumn("England", width="small")}
    st.caption("Groups: " + " · ".join(glance.group_legend(cells)) + ". Click a district's "
               "cell to open its trend. Columns scroll sideways; the group and indicator "
               "columns stay in view.")
    event = tables.grid(styler, hide_index=True, height=760, column_config=config,
                        column_order=["Group", "Indicator", "England", "Period", *places],
                        on_select="rerun", selection_mode="single-cell", key="rug")
    picked = getattr(getattr(event, "selection", None), "cells", None) or []
    if picked:
        row, col = picked[0]
        if col in places:
            r = table.iloc[int(row)]
            pid = next(p.id for p in districts if p.name == col)
            st.switch_page("pages/trends.py", query_params={
                P: pid, IND: r["indicator_id"], SEX: r["sex"]})

    twin = cells[["group_full", "row", "indicator_id", "sex", "place", "period", "value", "unit",
                  "england_value", "compared_to_england", "geography_used", "recent_trend",
                  "recent_trend_reason"]].rename(columns={
                      "group_full": "Group", "row": "Indicator", "indicator_id": "Indicator id",
                      SEX: "Sex", "place": "District", "period": "Period", "value": "Value",
                      "unit": "Unit", "england_value": "England",
                      "compared_to_england": "Compared with England",
                      "geography_used": "Value shown for",
                      "recent_trend": "Recent trend", "recent_trend_reason": "Why"})
    with tables.on_demand(f"Table (one row per district and indicator: {len(twin):,} rows)",
                          key="glance_twin") as is_open:
        if is_open:
            tables.grid(twin, hide_index=True, width="stretch")
    sources = sorted({indicators.meta(i).caption for i in cells["indicator_id"]})
    exports.downloads("north-west-at-a-glance", twin, "The North West at a glance: every "
                      "district's latest value compared with England, with the recent trend",
                      sources, PAGE, state)
    st.caption("Each value is the one the Compare page shows for that district (published "
               "district figures, or sums of small areas where the registry says so), in the "
               "latest period published; the comparison is the published one or the "
               "indicator's interval test. Sources: " + " · ".join(sorted(
                   {indicators.meta(i).publisher for i in cells["indicator_id"]})))
